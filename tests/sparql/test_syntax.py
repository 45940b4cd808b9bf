"""What is read from a SPARQL query's text: its shape (rdflib's parser), the WHERE clause, its form."""

import pytest

from catalogue.sparql.syntax import is_update, query_form, shape, skeleton

TRICKY = """PREFIX ex: <http://ex.example/#GRAPH{>
# SERVICE in a comment { }
SELECT ?graph ?service WHERE {
  ?s ex:graph "GRAPH { SERVICE }" ; ex:p '''multi
line } SERVICE''' ; ex:q ?service .
  FILTER (?x < 3 && ?y > 2)
}"""


def test_keywords_count_outside_iris_strings_comments_variables_and_names_only() -> None:
    assert len(skeleton(TRICKY)) == len(TRICKY)
    tricky = shape(TRICKY.replace("#GRAPH{>", "#GRAPH>"))  # (a { is no IRI character)
    assert not tricky.service and not tricky.graph_variable and not tricky.has_dataset
    assert shape("SELECT * { graph ?g { ?s ?p ?o } }").graph_variable
    assert shape("SELECT * { ?s ?p ?o OPTIONAL { SERVICE <http://x.example/> { ?s ?p ?o } } }").service
    assert shape("ASK { FILTER NOT EXISTS { service ?where { ?s ?p ?o } } }").service
    assert shape("SELECT * { { SELECT * { SERVICE SILENT <x:y> {} } } }").service
    graph_iri = shape("SELECT * { GRAPH <g:x> { } }")
    assert not graph_iri.graph_variable and "g:x" in graph_iri.iris


def test_named_iris_and_the_querys_own_dataset() -> None:
    query = (
        "PREFIX g: <http://c.example/graphs/> SELECT * FROM g:provenance FROM NAMED <http://c.example/graphs/r/1> "
        'WHERE { GRAPH g:published { ?s ?p "FROM <http://no.example/>" } } # FROM <http://no.example/c>'
    )
    found = shape(query)
    assert found.default_graphs == ("http://c.example/graphs/provenance",)
    assert found.named_graphs == ("http://c.example/graphs/r/1",)
    assert "http://c.example/graphs/published" in found.iris
    assert not any(iri.startswith("http://no.example/") for iri in found.iris)
    assert not shape("SELECT ?from WHERE { ?from ?p ?o }").has_dataset


@pytest.mark.parametrize(
    ("query", "default", "named"),
    [
        ("SELECT * FROM<http://c.example/a>{}", ("http://c.example/a",), ()),
        ("SELECT * FROM NAMED<http://c.example/a>{}", (), ("http://c.example/a",)),
        ("select * from#{\n<a> from named#}\n<b> where {}", ("http://c.example/sparql/a",), ()),
        (
            "BASE <http://c.example/graphs/> SELECT * FROM <a> FROM NAMED <../b> {}",
            ("http://c.example/graphs/a",),
            (),
        ),
        ("BASE <graphs/> SELECT * FROM <a> {}", ("http://c.example/sparql/graphs/a",), ()),
        ("PREFIX : <http://c.example/> SELECT * FROM :a FROM NAMED :b {}", ("http://c.example/a",), ()),
        ("PREFIX p:<rel/> SELECT * FROM p:a {}", ("http://c.example/sparql/rel/a",), ()),
    ],
)
def test_the_dataset_read_as_the_query_engine_reads_it(query: str, default: tuple, named: tuple) -> None:
    found = shape(query, "http://c.example/sparql/")
    assert found.default_graphs == default
    if named:
        assert found.named_graphs == named
    assert not is_update(query)


def test_updates_are_told_from_syntax_errors() -> None:
    assert is_update("# c\nPREFIX ex: <x:> insert data { ex:a ex:b 'c' }")
    assert is_update("DROP ALL ; LOAD <http://x.example/>")
    assert not is_update("SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <x:a> <x:b> 'c' }")
    with pytest.raises(SyntaxError, match="line 1"):
        shape("SELECT ?s WHERE { ?s ?p }")


def test_query_forms() -> None:
    assert [
        query_form(q) for q in ("SELECT * {}", "ASK {}", "CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <x:y>")
    ] == [
        "select",
        "ask",
        "graph",
        "graph",
    ]
    with pytest.raises(SyntaxError):
        query_form("SELECT ?s WHERE { ?s ?p }")
