"""The Store contract, for every backend: embedded, the Oxigraph server, Virtuoso (see conftest.py).

What a store must do whatever keeps its triples: records, reports, runs and
provenance as committed; what SPARQL sees through the public endpoint
(``SparqlService``) — exactly the visible records in the default graph,
provenance and quality as a named graph; withdrawals and rewrites that leave
nothing behind; a triple side rebuilt from the registry when the two disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyoxigraph as ox
import pytest

from catalogue.describe import summary_query
from catalogue.model import ValidationReport, ValidationResult
from catalogue.quality import DIMENSIONS, Check, QualityScore
from catalogue.records import Record
from catalogue.sparql.answer import Limits, QuerySyntaxError, SparqlError, TooLarge, UpdateRefused
from catalogue.sparql.service import SparqlService
from catalogue.store import HarvestRun, RecordWrite, RemoteStoreError, Store, StoreLockedError

BASE = "http://catalogue.test"
PROVENANCE = f"{BASE}/graphs/provenance"
PUBLISHED = f"{BASE}/graphs/published"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DCT, FOAF = "http://purl.org/dc/terms/", "http://xmlns.com/foaf/0.1/"
TITLE = ox.NamedNode(DCT + "title")
PUBLISHER = ox.NamedNode(DCT + "publisher")
NAME = ox.NamedNode(FOAF + "name")
AGENT = ox.NamedNode("https://node.example/agent")
PREFIXES = (
    "PREFIX dct: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
    "PREFIX cat: <https://w3id.org/catalogue/ns#> PREFIX dqv: <http://www.w3.org/ns/dqv#>\n"
)


def record(name: str, title: str = "Title", *extra: ox.Triple) -> Record:
    uri = f"https://node.example/{name}"
    triples = (ox.Triple(ox.NamedNode(uri), TITLE, ox.Literal(title, language="en")), *extra)
    return Record(f"be-{name}", "be", "dataset", uri, triples, f"hash-{title}-{len(extra)}")


def shared(name: str, title: str = "Title") -> Record:
    """A record whose publisher (and its name) other records share."""
    uri = ox.NamedNode(f"https://node.example/{name}")
    return record(
        name, title, ox.Triple(uri, PUBLISHER, AGENT), ox.Triple(AGENT, NAME, ox.Literal("Hospital"))
    )


def write(rec: Record, status: str = "published", report=None, quality=None) -> RecordWrite:
    return RecordWrite(rec, status, report or ValidationReport(), "dcat-ap-3", "reject", quality=quality)


def run(**counts) -> HarvestRun:
    return HarvestRun("be", T0, T0, "ok", **counts)


def score(points: int) -> QualityScore:
    return QualityScore([Check(f"check-{d}", d, d, 100, points) for d in DIMENSIONS])


def our_graphs(store: Store) -> set[str]:
    rows = store.select(
        f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), "{BASE}/") }}'
    )
    return {row["g"].value for row in rows}


def extra_graphs(store: Store) -> set[str]:
    """A store on a SPARQL server also holds the published union."""
    return {PUBLISHED} if store.sparql_server() is not None else set()


def select(store: Store, query: str, limits: Limits | None = None, **dataset) -> list[dict[str, str]]:
    """A query through the public endpoint's service, rows as plain values."""
    service = SparqlService(store, limits or Limits(timeout=30))
    try:
        answer = service.execute(query, **dataset)
    finally:
        service.close()
    if answer.kind == "boolean":
        return [{"boolean": answer.body.decode()}]
    if answer.kind == "graph":
        return [{"triple": str(q.triple)} for q in ox.parse(answer.body, format=ox.RdfFormat.TURTLE)]
    return [{name: term.value for name, term in row.items()} for row in answer.rows or []]


def default_graph(store: Store) -> set[tuple[str, str, str]]:
    rows = select(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    return {(row["s"], row["p"], row["o"]) for row in rows}


# -- records, reports, runs -------------------------------------------------------------


def test_records_live_in_their_own_graph_with_provenance(open_test_store) -> None:
    store = open_test_store()
    violation = ValidationResult(
        "Violation", "https://node.example/b", "http://purl.org/dc/terms/description", "missing"
    )
    store.apply(
        [write(record("a")), write(record("b"), "rejected", ValidationReport([violation]))],
        [],
        run(found=2, published=1, rejected=1, rejected_ids=["be-b"]),
    )
    a = store.get("be-a")
    assert a is not None and a.meta.status == "published" and a.meta.title == "Title"
    assert a.triples == list(record("a").triples)
    assert a.meta.harvested == T0
    b = store.get("be-b")
    assert b.meta.status == "rejected" and b.meta.violations == 1
    assert b.report.results == [violation]
    # the triple side holds what SPARQL may see: visible records' graphs and the provenance graph
    assert our_graphs(store) == {f"{BASE}/graphs/records/be-a", PROVENANCE} | extra_graphs(store)
    assert store.visible_graphs() == [ox.NamedNode(f"{BASE}/graphs/records/be-a")]
    assert [m.id for m in store.metas("be", statuses=["rejected"])] == ["be-b"]
    assert store.runs("be")[0].rejected_ids == ["be-b"]
    assert store.get("be-zzz") is None
    assert store.generation() == 1


def test_rewrite_replaces_and_withdraw_keeps_history(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record("a")), write(record("b"))], [], run(found=2))
    store.apply([write(record("a", "New title"))], ["be-b"], run(found=1, withdrawn=1))
    a = store.get("be-a")
    assert [t.object.value for t in a.triples] == ["New title"]
    assert a.meta.content_hash == "hash-New title-0"
    assert set(store.states("be")) == {"be-a"}
    b = store.get("be-b")
    assert b.meta.status == "withdrawn" and b.triples == []
    assert [s.meta.id for s in store.iter_records()] == ["be-a"]
    assert our_graphs(store) == {f"{BASE}/graphs/records/be-a", PROVENANCE} | extra_graphs(store)
    assert [c.change for c in store.run_changes(store.runs("be")[0].id)] == ["changed", "withdrawn"]
    assert store.generation() == 2


def test_derived_datatypes_come_back_as_harvested(open_test_store) -> None:
    """Triple stores keep literals by value (nonNegativeInteger → integer); records must not change."""
    xsd = "http://www.w3.org/2001/XMLSchema#"
    subject, size = (
        ox.NamedNode("https://node.example/dist"),
        ox.NamedNode("http://www.w3.org/ns/dcat#byteSize"),
    )
    triples = (
        ox.Triple(subject, size, ox.Literal("5120", datatype=ox.NamedNode(xsd + "nonNegativeInteger"))),
        ox.Triple(subject, ox.NamedNode("http://purl.org/dc/terms/issued"),
                  ox.Literal("2024-01-01T00:00:00Z", datatype=ox.NamedNode(xsd + "dateTimeStamp"))),
    )  # fmt: skip
    rec = Record("be-dist", "be", "dataset", subject.value, triples, "h")
    store = open_test_store()
    store.apply([write(rec)], [], run(found=1))
    assert store.get("be-dist").triples == list(triples)
    assert store.record_triples("be-dist") == list(triples)
    assert [s.triples for s in store.iter_records()] == [list(triples)]
    store.apply([], ["be-dist"], run(withdrawn=1))
    assert store.record_triples("be-dist") == []
    assert default_graph(store) == set()


def test_store_persists_and_is_locked_while_open(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record("a"))], [], run(found=1))
    with pytest.raises(StoreLockedError, match="in use"):
        open_test_store()
    store.close()
    reader = open_test_store(read_only=True)  # what `catalogue export` opens
    assert [m.id for m in reader.metas()] == ["be-a"]
    reader.close()
    again = open_test_store()
    assert again.get("be-a").meta.status == "published"
    described = again.describe(["https://node.example/a", "https://node.example/nothing"])
    assert [t.object.value for t in described["https://node.example/a"]] == ["Title"]
    assert described["https://node.example/nothing"] == []


def test_failed_runs_are_recorded_in_provenance(open_test_store) -> None:
    store = open_test_store()
    store.add_run(HarvestRun("be", T0, T0, "failed", error='page 2 answered 500 "Internal"\nretry'))
    assert store.generation() == 1
    rows = select(
        store,
        PREFIXES + f"SELECT ?outcome ?error WHERE {{ GRAPH <{PROVENANCE}> "
        "{ ?run a cat:HarvestRun ; cat:outcome ?outcome ; cat:error ?error } }",
    )
    assert rows == [{"outcome": "failed", "error": 'page 2 answered 500 "Internal"\nretry'}]


def test_catalogue_summary_query_over_one_record_graph(open_test_store) -> None:
    """The feed's query for a source's own catalogue: the record's graph given as the default graph."""
    store = open_test_store()
    store.apply([write(shared("a"))], [], run(found=1))
    root = ox.NamedNode("https://node.example/a")
    triples = set(store.construct(summary_query(root), default_graph=[store.record_graph("be-a")]))
    assert triples == {
        ox.Triple(root, PUBLISHER, AGENT),
        ox.Triple(AGENT, NAME, ox.Literal("Hospital")),
        ox.Triple(root, TITLE, ox.Literal("Title", language="en")),  # titles are borrowed too
    }
    assert store.construct(summary_query(root), default_graph=[store.record_graph("be-zzz")]) == []


def test_typed_queries_run_over_the_graphs_they_are_given(open_test_store) -> None:
    """select / construct / ask take their dataset as graphs (on a server: default-graph-uri and
    named-graph-uri), and without one see every graph of the store."""
    store = open_test_store()
    store.apply([write(record("a", "A")), write(record("b", "B"))], [], run(found=2))
    a, b = store.record_graph("be-a"), store.record_graph("be-b")
    titles = "SELECT ?t ?unbound WHERE { ?s <http://purl.org/dc/terms/title> ?t }"
    assert store.select(titles, default_graph=[a]) == [{"t": ox.Literal("A", language="en")}]
    assert sorted(row["t"].value for row in store.select(titles, default_graph=[a, b])) == ["A", "B"]
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert store.select(graphs, named_graphs=[b]) == [{"g": b}]
    assert {a, b} <= {row["g"] for row in store.select(graphs)}
    says_b = 'ASK { GRAPH ?g { ?s ?p "B"@en } }'  # (Virtuoso reads a GRAPH <iri> whatever the list)
    assert store.ask(says_b) is True
    assert store.ask(says_b, named_graphs=[a]) is False
    assert store.ask(says_b, named_graphs=[a, b]) is True
    everything = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    b_title = ox.Triple(ox.NamedNode("https://node.example/b"), TITLE, ox.Literal("B", language="en"))
    assert store.construct(everything, default_graph=[b]) == [b_title]
    assert store.construct(everything, default_graph=[store.record_graph("be-zzz")]) == []


# -- what the public SPARQL endpoint sees ------------------------------------------------


def test_public_sparql_sees_exactly_the_visible_records(open_test_store) -> None:
    store = open_test_store()
    store.apply(
        [
            write(record("a", "Published")),
            write(record("b", "Flagged"), "flagged"),
            write(record("c", "Rejected"), "rejected"),
            write(record("d", "Withdrawn")),
        ],
        [],
        run(found=4),
    )
    store.apply([], ["be-d"], run(withdrawn=1))
    titles = {row["t"] for row in select(store, PREFIXES + "SELECT ?t WHERE { ?d dct:title ?t }")}
    assert titles == {"Published", "Flagged"}
    subjects = {row["s"] for row in select(store, "SELECT DISTINCT ?s WHERE { ?s ?p ?o }")}
    assert subjects == {"https://node.example/a", "https://node.example/b"}  # no provenance, no reports
    # provenance is a named graph: every record, with its status
    provenance = PREFIXES + (
        f"SELECT ?topic ?status WHERE {{ GRAPH <{PROVENANCE}> {{ ?r foaf:primaryTopic ?topic ; cat:status ?status }} }}"
    )
    statuses = {row["topic"].rsplit("/", 1)[1]: row["status"] for row in select(store, provenance)}
    assert statuses == {"a": "published", "b": "flagged", "c": "rejected", "d": "withdrawn"}
    # and each visible record's graph (a rejected or withdrawn one has none)
    graphs = {
        row["g"] for row in select(store, "SELECT ?g WHERE { GRAPH ?g { <https://node.example/a> ?p ?o } }")
    }
    assert f"{BASE}/graphs/records/be-a" in graphs and graphs <= {f"{BASE}/graphs/records/be-a", PUBLISHED}
    hidden = "SELECT ?g WHERE { GRAPH ?g { ?s ?p 'Rejected'@en } }"
    assert select(store, hidden) == [] and select(store, hidden.replace("Rejected", "Withdrawn")) == []
    count = select(store, "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(count[0]["n"]) >= 3  # provenance and the two visible records' graphs
    assert select(store, "ASK { <https://node.example/b> ?p ?o }") == [
        {"boolean": '{"head":{},"boolean":true}'}
    ]


def test_quality_measurements_are_dqv_in_the_provenance_graph(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record("a"), quality=score(10)), write(record("b"))], [], run(found=2))
    measurements = PREFIXES + (
        f"SELECT ?metric ?value WHERE {{ GRAPH <{PROVENANCE}> {{ <{BASE}/records/be-a> dqv:hasQualityMeasurement ?m . "
        "?m dqv:isMeasurementOf ?metric ; dqv:value ?value ; dqv:computedOn <https://node.example/a> } }"
    )

    def values() -> dict[str, int]:
        return {row["metric"].rsplit("#", 1)[1]: int(row["value"]) for row in select(store, measurements)}

    assert values() == {f"{d}Score": 10 for d in DIMENSIONS} | {"qualityScore": 50}
    store.set_quality({"be-a": score(20)})  # URL checks came back: replaced, not added
    assert values() == {f"{d}Score": 20 for d in DIMENSIONS} | {"qualityScore": 100}
    assert store.quality("be-a").total == 100
    labels = PREFIXES + (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"SELECT ?label WHERE {{ GRAPH <{PROVENANCE}> {{ cat:qualityScore a dqv:Metric ; skos:prefLabel ?label }} }}"
    )
    assert select(store, labels) == [{"label": "Quality points (of 405)"}]


def test_withdrawn_triples_leave_the_default_graph_unless_another_visible_record_holds_them(
    open_test_store,
) -> None:
    store = open_test_store()
    hospital = (AGENT.value, NAME.value, "Hospital")
    store.apply(
        [write(shared("a", "A")), write(shared("b", "B")), write(shared("c", "C"), "rejected")],
        [],
        run(found=3),
    )
    assert hospital in default_graph(store)
    store.apply([], ["be-a"], run(withdrawn=1))  # b still says it
    seen = default_graph(store)
    assert hospital in seen and ("https://node.example/a", TITLE.value, "A") not in seen
    store.apply([write(record("b", "B, second version"))], [], run(found=1, changed=1))  # b stops saying it
    seen = default_graph(store)
    assert hospital not in seen  # the rejected c still says it, but c is not visible
    assert seen == {("https://node.example/b", TITLE.value, "B, second version")}
    store.apply([write(shared("c", "C"))], [], run(found=1, changed=1))  # c now published
    assert hospital in default_graph(store)


def test_literals_survive_the_round_trip_and_leave_without_a_trace(open_test_store) -> None:
    subject = ox.NamedNode("https://node.example/tricky/é")
    description = ox.NamedNode(DCT + "description")
    literals = [
        ox.Literal("quotes \" and ' and \\ backslash and } brace # hash"),
        ox.Literal("line one\nline two\r\n\ttabbed"),
        ox.Literal("Γονιδιωματική ανάλυση 🧬 génomique", language="el"),
        ox.Literal("British spelling", language="en-GB"),
        ox.Literal("long " * 2000),
        ox.Literal("'''\"\"\" INSERT DATA { <https://x.example/a> <https://x.example/b> 'c' }"),
        ox.Literal("2024-02-29", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
    ]
    rec = Record(
        "be-tricky",
        "be",
        "dataset",
        subject.value,
        tuple(ox.Triple(subject, description, o) for o in literals),
        "h",
    )
    store = open_test_store()
    store.apply([write(rec)], [], run(found=1))
    found = select(store, f"SELECT ?o (LANG(?o) AS ?lang) WHERE {{ {subject} {description} ?o }}")
    assert sorted((row["o"], row.get("lang", "").lower()) for row in found) == sorted(
        (o.value, (o.language or "").lower()) for o in literals
    )
    assert store.record_triples("be-tricky") == list(rec.triples)
    assert select(store, "SELECT * WHERE { GRAPH ?g { <https://x.example/a> ?p ?o } }") == []
    store.apply([], ["be-tricky"], run(withdrawn=1))
    assert default_graph(store) == set()
    assert select(store, f"SELECT ?g WHERE {{ GRAPH ?g {{ {subject} ?p ?o }} }}") == []


def test_big_records_and_many_records_at_once(open_test_store) -> None:
    """A source's catalogue record lists every dataset: more triples in one graph than one request takes."""
    catalog = ox.NamedNode("https://node.example/catalog")
    dataset = ox.NamedNode("http://www.w3.org/ns/dcat#dataset")
    links = tuple(
        ox.Triple(catalog, dataset, ox.NamedNode(f"https://node.example/d{n}")) for n in range(12_000)
    )
    big = Record("be-catalog", "be", "catalog", catalog.value, links, "h")
    keyword = ox.NamedNode("http://www.w3.org/ns/dcat#keyword")
    many = [
        write(
            record(
                f"d{n}",
                f"Dataset {n}",
                *(
                    ox.Triple(ox.NamedNode(f"https://node.example/d{n}"), keyword, ox.Literal(f"k{k}"))
                    for k in range(9)
                ),
            ),
            quality=score(n % 100),
        )
        for n in range(1200)
    ]  # 10,800 triples: more than one request's worth
    store = open_test_store()
    store.apply([write(big), *many], [], run(found=1200))
    count = "SELECT (COUNT(*) AS ?n) WHERE { <https://node.example/catalog> ?p ?o }"
    assert select(store, count) == [{"n": "12000"}]
    titles = select(store, PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?d dct:title ?t }")
    assert titles == [{"n": "1200"}]
    store.apply([], [f"be-d{n}" for n in range(0, 1200, 2)] + ["be-catalog"], run(withdrawn=601))
    assert select(store, count) == [{"n": "0"}]
    assert select(store, PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?d dct:title ?t }") == [{"n": "600"}]
    measurements = PREFIXES + (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PROVENANCE}> {{ ?r dqv:hasQualityMeasurement ?m }} }}"
    )
    assert select(store, measurements) == [{"n": str(600 * 6)}]
    keywords = PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?d <http://www.w3.org/ns/dcat#keyword> ?k }"
    assert select(store, keywords) == [{"n": str(600 * 9)}]
    assert select(
        store, "SELECT (COUNT(DISTINCT ?k) AS ?n) WHERE { ?d <http://www.w3.org/ns/dcat#keyword> ?k }"
    ) == [{"n": "9"}]  # shared by the 600 still there, so still in the default graph


def test_the_protocols_dataset_may_only_name_public_graphs(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record("a")), write(record("b")), write(record("c"), "rejected")], [], run(found=3))
    query = PREFIXES + "SELECT ?d WHERE { ?d dct:title ?t } ORDER BY ?d"
    a_graph = f"{BASE}/graphs/records/be-a"
    assert select(store, query, default_graph_uris=[a_graph]) == [{"d": "https://node.example/a"}]
    assert select(store, query, default_graph_uris=[PROVENANCE]) == [
        {"d": f"{BASE}/records/be-{n}"} for n in "abc"
    ]
    # a graph that is not public is refused as in FROM (it was an empty answer here, a 400 there)
    for hidden in (f"{BASE}/graphs/records/be-c", "http://elsewhere.example/graph"):
        with pytest.raises(SparqlError, match="public graphs"):
            select(store, query, default_graph_uris=[hidden])
        with pytest.raises(SparqlError, match="public graphs"):
            select(store, query, named_graph_uris=[a_graph, hidden])
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert select(store, graphs, named_graph_uris=[a_graph]) == [{"g": a_graph}]
    assert select(store, query, named_graph_uris=[a_graph]) == []  # a dataset without a default graph
    with pytest.raises(SparqlError, match="not an IRI"):
        select(store, query, default_graph_uris=["not an iri"])
    # the query's own FROM / FROM NAMED: public graphs only
    own = PREFIXES + f"SELECT ?d FROM <{a_graph}> WHERE {{ ?d dct:title ?t }}"
    assert select(store, own) == [{"d": "https://node.example/a"}]
    own_named = (
        f"PREFIX r: <{BASE}/graphs/records/> SELECT ?g FROM NAMED r:be-a WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    assert select(store, own_named) == [{"g": a_graph}]
    with pytest.raises(SparqlError, match="public graphs"):
        select(store, "SELECT * FROM <http://elsewhere.example/graph> WHERE { ?s ?p ?o }")
    with pytest.raises(SparqlError, match="public graphs"):
        select(store, f"SELECT * FROM NAMED <{BASE}/graphs/records/be-c> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")


def test_guard_and_limits_hold_for_every_backend(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record(f"r{n}", f"Title {n}")) for n in range(5)], [], run(found=5))
    with pytest.raises(UpdateRefused):
        select(store, "INSERT DATA { <https://x.example/a> <https://x.example/b> 'c' }")
    with pytest.raises(QuerySyntaxError, match="error at 1:"):
        select(store, "SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(SparqlError, match="SERVICE"):
        select(store, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    small = Limits(timeout=30, max_rows=4, max_triples=3)
    with pytest.raises(TooLarge, match="more than 4 rows"):
        select(store, "SELECT ?s WHERE { ?s ?p ?o }", small)
    assert len(select(store, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 4", small)) == 4
    with pytest.raises(TooLarge, match="more than 3 triples"):
        select(store, "CONSTRUCT WHERE { ?s ?p ?o }", small)
    # the words are only keywords outside strings and IRIs
    service = "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t FILTER(?t != 'SERVICE') } LIMIT 1"
    assert len(select(store, service)) == 1


# -- the triple side rebuilt from the registry ----------------------------------------------


def test_triples_are_rebuilt_from_the_registry_when_a_process_stopped_midway(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record("a")), write(record("b"), "rejected")], [], run(found=2))
    store.triples.clear()  # as if the process had died after the registry's commit
    store.registry.set_state("mirror", "pending")
    store.close()
    again = open_test_store()
    assert our_graphs(again) == {f"{BASE}/graphs/records/be-a", PROVENANCE} | extra_graphs(again)
    statuses = again.select(
        "SELECT ?id ?status WHERE { GRAPH ?g { ?r <https://w3id.org/catalogue/ns#recordId> ?id ; "
        "<https://w3id.org/catalogue/ns#status> ?status } } ORDER BY ?id"
    )
    assert [(s["id"].value, s["status"].value) for s in statuses] == [
        ("be-a", "published"),
        ("be-b", "rejected"),
    ]
    assert again.generation() == 1
    assert default_graph(again) == {("https://node.example/a", TITLE.value, "Title")}


def test_a_wiped_triple_store_is_noticed_and_rebuilt(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record("a"))], [], run(found=1))
    store.triples.clear()  # the marks say all is in line, but the triples are gone
    store.close()
    again = open_test_store()
    assert default_graph(again) == {("https://node.example/a", TITLE.value, "Title")}


def test_a_failed_mirror_leaves_the_commit_standing_and_is_repaired_at_the_next_write(
    open_test_store, monkeypatch
) -> None:
    store = open_test_store()
    store.apply([write(record("a"))], [], run(found=1))

    def unreachable(*args, **kwargs):
        raise RemoteStoreError("http://127.0.0.1:9/update: connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(store.triples, "add_graphs", unreachable)
        store.apply([write(record("b"))], [], run(found=2))  # no exception: the registry committed
    assert store.get("be-b").meta.status == "published"
    assert store.generation() == 1  # SPARQL's view still the last one mirrored
    store.apply([write(record("c"))], [], run(found=3))  # brought back in line: rebuilt
    assert store.generation() == 3
    assert {s for s, _, _ in default_graph(store)} == {f"https://node.example/{n}" for n in "abc"}


# -- what `catalogue check` reads, and what `catalogue migrate` writes ------------------------


def test_the_triple_side_reports_what_it_holds_per_record(open_test_store) -> None:
    from catalogue.consistency import check

    store = open_test_store()
    two = record("b", "Two", ox.Triple(ox.NamedNode("https://node.example/b"), PUBLISHER, AGENT))
    store.apply([write(record("a")), write(two), write(record("c"), "rejected")], [], run(found=3))
    store.apply([], ["be-a"], run(withdrawn=1))
    assert store.triple_counts() == {"be-b": 2}
    held = store.triple_side()
    assert {i: (m.content_hash, m.status, m.triples) for i, m in held.items()} == {
        "be-a": ("hash-Title-0", "withdrawn", 0),
        "be-b": ("hash-Two-1", "published", 2),
        "be-c": ("hash-Title-0", "rejected", 0),
    }
    assert check(store).in_line
    # drift made behind the store's back: a graph loses a triple, a provenance quad goes stale
    graph = store.record_graph("be-b")
    store.triples.remove_graphs([(graph, store.registry.ntriples("be-b"))])
    store.triples.add_graphs([(graph, store.registry.ntriples("be-b").splitlines(keepends=True)[0])])
    hash_quad = ox.Quad(
        store.catalog_record("be-c"),
        ox.NamedNode("https://w3id.org/catalogue/ns#contentHash"),
        ox.Literal("hash-Title-0"),
        store.provenance_graph(),
    )
    store.triples.remove([hash_quad])
    store.triples.flush()
    report = check(store)
    assert not report.in_line
    [be] = report.sources
    assert (be.triples.missing, be.triples.stale, be.triples.extra) == (["be-c"], ["be-b"], [])
    store.rebuild_triples()
    assert check(store).in_line


def test_a_run_whose_process_stopped_is_recorded_as_interrupted_and_its_staging_dropped(
    open_test_store,
) -> None:
    store = open_test_store()
    store.apply([write(record("a"))], [], run(found=1))
    store.begin_run("be", "rdf", T0)
    store.stage([write(record("b"))])  # then the process is killed: no commit, no discard
    reader = open_test_store(read_only=True)  # `catalogue check` beside it leaves the note alone
    assert [r.outcome for r in reader.runs("be")] == ["ok"]
    reader.close()
    store.close()

    again = open_test_store()
    latest = again.runs("be", limit=1)[0]
    assert latest.outcome == "interrupted" and latest.started == T0
    assert "source 'be': the harvest was interrupted" in (latest.error or "")
    assert again.generation() == latest.id  # mirrored like any run: in the provenance graph too
    rows = select(
        again,
        PREFIXES + f"SELECT ?o WHERE {{ GRAPH <{PROVENANCE}> {{ ?run a cat:HarvestRun ; cat:outcome ?o }} }}",
    )
    assert sorted(r["o"] for r in rows) == ["interrupted", "ok"]
    # what the killed harvest staged is gone: the next commit of the source does not publish it
    again.apply([], [], run(found=1))
    assert [m.id for m in again.metas()] == ["be-a"]
    again.close()
    assert [r.outcome for r in open_test_store().runs("be")] == ["ok", "interrupted", "ok"]


def test_a_recorded_run_closes_its_ticket(open_test_store) -> None:
    store = open_test_store()
    ticket = store.begin_run("be", "rdf", T0)
    store.apply([write(record("a"))], [], HarvestRun("be", T0, T0, "ok", ticket=ticket))
    failed = store.begin_run("be", "rdf", T0)
    store.add_run(HarvestRun("be", T0, T0, "failed", error="x", ticket=failed))
    store.close()
    assert [r.outcome for r in open_test_store().runs("be")] == ["failed", "ok"]


def test_one_dataset_iri_claimed_by_two_sources_is_visible_once(open_test_store) -> None:
    store = open_test_store()
    store.apply([write(record("a", "Ours"))], [], run(found=1))
    theirs = Record("nl-a", "nl", "dataset", "https://node.example/a", record("a", "Theirs").triples, "h2")
    store.stage([write(theirs)])
    store.commit(HarvestRun("nl", T0, T0, "ok"), [])  # first to publish keeps it
    assert store.get("nl-a").meta.status == "duplicate"
    assert default_graph(store) == {("https://node.example/a", TITLE.value, "Ours")}

    def nl_owns(source: str, iri: str) -> bool:
        return source == "nl"

    store.stage([write(theirs)])
    written = store.commit(HarvestRun("nl", T0, T0, "ok"), [], owns=nl_owns)  # the owner takes it over
    assert sorted(written) == ["be-a", "nl-a"]
    assert (store.get("be-a").meta.status, store.get("nl-a").meta.status) == ("duplicate", "published")
    assert default_graph(store) == {("https://node.example/a", TITLE.value, "Theirs")}
    assert "published from here instead of source 'be'" in store.runs("nl", limit=1)[0].notes[0]
    store.close()
    again = open_test_store()  # the marks say in line: the triple side is not rebuilt, and holds the same
    assert default_graph(again) == {("https://node.example/a", TITLE.value, "Theirs")}
