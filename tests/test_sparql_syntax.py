"""What is read from a SPARQL query's text: keywords, the WHERE clause, named IRIs, the query's own dataset."""

import pyoxigraph as ox
import pytest

from catalogue.sparql_syntax import (
    dataset_clauses,
    mentioned_iris,
    query_form,
    skeleton,
    uses_graph_variable,
    uses_keyword,
    with_values,
)

TRICKY = """PREFIX ex: <http://ex.example/#GRAPH{>
# SERVICE in a comment { }
SELECT ?graph ?service WHERE {
  ?s ex:graph "GRAPH { SERVICE }" ; ex:p '''multi
line } SERVICE''' ; ex:q ?service .
  FILTER (?x < 3 && ?y > 2)
}"""


def test_keywords_count_outside_iris_strings_comments_variables_and_names_only() -> None:
    assert len(skeleton(TRICKY)) == len(TRICKY)
    assert not uses_keyword(TRICKY, "GRAPH") and not uses_keyword(TRICKY, "SERVICE")
    assert uses_keyword("SELECT * { graph ?g { ?s ?p ?o } }", "GRAPH")
    assert uses_keyword("SELECT * { SERVICE <http://x.example/> { ?s ?p ?o } }", "service")
    assert uses_graph_variable("SELECT * { GRAPH ?g { } }") and not uses_graph_variable(
        "SELECT * { GRAPH <g:x> { } }"
    )


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o WHERE { ?s ?p ?o }",
        "SELECT ?o { ?s ?p ?o }",
        "ASK { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DESCRIBE ?s WHERE { ?s ?p ?o }",
        'PREFIX ex: <http://ex.example/a#b> SELECT ?o WHERE { ?s ex:p "}" . ?s ?p ?o { SELECT * { ?a ?b ?c } } }',
    ],
)
def test_values_bind_variables_at_the_start_of_the_where_clause(query: str) -> None:
    store = ox.Store()
    s, p = ox.NamedNode("http://ex.example/s"), ox.NamedNode("http://ex.example/p")
    store.add(ox.Quad(s, p, ox.Literal("wanted")))
    store.add(ox.Quad(ox.NamedNode("http://ex.example/other"), p, ox.Literal("not wanted")))
    bound = with_values(query, {"s": str(s)})
    result = store.query(bound)
    if isinstance(result, ox.QueryBoolean):
        assert bool(result)
    elif isinstance(result, ox.QuerySolutions):
        assert {sol["o"].value for sol in result if sol["o"] is not None} <= {"wanted", '"}"'}
    else:
        assert {t.subject for t in result} == {s}
    with pytest.raises(ValueError):
        with_values(query, {"s> } DROP ALL": str(s)})


def test_the_short_construct_form_takes_no_values() -> None:
    with pytest.raises(ValueError, match="short form"):
        with_values("CONSTRUCT WHERE { ?s ?p ?o }", {"s": "<http://ex.example/s>"})


def test_named_iris_and_the_querys_own_dataset() -> None:
    query = (
        "PREFIX g: <http://c.example/graphs/> SELECT * FROM g:provenance FROM NAMED <http://c.example/graphs/r/1> "
        'WHERE { GRAPH g:published { ?s ?p "FROM <http://no.example/>" } }'
    )
    assert dataset_clauses(query) == [
        (False, "http://c.example/graphs/provenance"),
        (True, "http://c.example/graphs/r/1"),
    ]
    assert {"http://c.example/graphs/published", "http://c.example/graphs/r/1"} <= mentioned_iris(query)
    assert "http://no.example/" not in mentioned_iris(query)
    assert dataset_clauses("SELECT ?from WHERE { ?from ?p ?o }") == []


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
