"""The embedded store's default graph: the union of the visible record graphs, kept with every commit.

The SPARQL endpoint queries it as the public default graph; the reference it
must agree with is pyoxigraph's own dataset options over the record graphs
(what the endpoint's copy of the public graphs held before the union existed).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.config import Source
from catalogue.demo.generated import generate_catalog
from catalogue.harvest import harvest_source
from catalogue.model import ValidationReport
from catalogue.records import Record
from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService
from catalogue.store import HarvestRun, RecordWrite, Store, open_store
from catalogue.store.embedded import UNION_MARK, EmbeddedStore
from catalogue.store.snapshots import snapshots_of

BASE = "http://catalogue.test"
NOW = datetime(2026, 12, 7, tzinfo=UTC)
DCT = "http://purl.org/dc/terms/"
SHARED = ox.Triple(
    ox.NamedNode("https://node.example/agent"), ox.NamedNode(DCT + "title"), ox.Literal("Shared agent")
)


def write(name: str, *triples: ox.Triple, status: str = "published") -> RecordWrite:
    uri = f"https://node.example/{name}"
    own = ox.Triple(ox.NamedNode(uri), ox.NamedNode(DCT + "title"), ox.Literal(name))
    record = Record(f"be-{name}", "be", "dataset", uri, (own, *triples), f"hash-{name}-{status}")
    return RecordWrite(record, status, ValidationReport(), "dcat-ap-3", "reject")


def union(store: Store) -> set[ox.Triple]:
    assert isinstance(store, EmbeddedStore)
    return {q.triple for q in store.db.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def title(name: str) -> ox.Triple:
    return ox.Triple(
        ox.NamedNode(f"https://node.example/{name}"), ox.NamedNode(DCT + "title"), ox.Literal(name)
    )


def test_the_union_follows_commits_and_keeps_what_another_record_still_says(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", BASE)
    try:
        store.apply([write("a", SHARED), write("b", SHARED)], [], HarvestRun("be", NOW, NOW, "ok"))
        assert union(store) == {title("a"), title("b"), SHARED}
        store.apply([], ["be-a"], HarvestRun("be", NOW, NOW, "ok"))  # withdrawn
        assert union(store) == {title("b"), SHARED}  # b still says the shared triple
        store.apply([write("b", status="rejected")], [], HarvestRun("be", NOW, NOW, "ok"))
        assert union(store) == set()
        store.apply([write("c")], [], HarvestRun("be", NOW, NOW, "ok"))
        assert union(store) == {title("c")}
    finally:
        store.close()


def test_a_store_from_before_the_union_gets_it_when_opened_for_writing(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", BASE)
    store.apply([write("a", SHARED), write("b")], [], HarvestRun("be", NOW, NOW, "ok"))
    assert isinstance(store, EmbeddedStore)
    store.db.clear_graph(ox.DefaultGraph())  # as an older version left it
    store.registry.set_states({UNION_MARK: ""})
    store.close()
    shutil.rmtree(snapshots_of(tmp_path / "store" / "oxigraph"))  # (an older version took none)
    reader = open_store(tmp_path / "store", BASE, read_only=True)  # a reader changes nothing
    assert union(reader) == set()
    reader.close()
    again = open_store(tmp_path / "store", BASE)
    try:
        assert union(again) == {title("a"), title("b"), SHARED}
    finally:
        again.close()


def test_the_union_added_to_an_old_store_keeps_stored_blank_nodes(tmp_path: Path) -> None:
    """Records are skolemised, but a blank node in a record graph must reach the union as itself:
    removing the record's graph removes from the union exactly the triples read from that graph."""
    store = open_store(tmp_path / "store", BASE)
    store.apply([write("a"), write("b")], [], HarvestRun("be", NOW, NOW, "ok"))
    assert isinstance(store, EmbeddedStore)
    node = ox.Triple(ox.BlankNode("kept"), ox.NamedNode(DCT + "title"), ox.Literal("anonymous"))
    store.db.add(ox.Quad(*node, store.record_graph("be-a")))
    store.db.clear_graph(ox.DefaultGraph())
    store.registry.set_states({UNION_MARK: ""})
    store.close()
    again = open_store(tmp_path / "store", BASE)
    try:
        assert union(again) == {title("a"), title("b"), node}
        again.apply([], ["be-a"], HarvestRun("be", NOW, NOW, "ok"))
        assert union(again) == {title("b")}
    finally:
        again.close()


def test_a_union_cut_short_is_rebuilt_with_the_triple_side(tmp_path: Path) -> None:
    """A process stopped while mirroring leaves the mark pending: the next writer rebuilds, union included."""
    store = open_store(tmp_path / "store", BASE)
    store.apply([write("a"), write("b")], [], HarvestRun("be", NOW, NOW, "ok"))
    assert isinstance(store, EmbeddedStore)
    store.db.remove(ox.Quad(title("a").subject, title("a").predicate, title("a").object, ox.DefaultGraph()))
    store.registry.set_state("mirror", "pending")
    store.close()
    again = open_store(tmp_path / "store", BASE)
    try:
        assert union(again) == {title("a"), title("b")}
    finally:
        again.close()


P = "PREFIX dcat: <http://www.w3.org/ns/dcat#>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
PROVENANCE = f"{BASE}/graphs/provenance"
#: queries over the default graph, FROM, FROM NAMED and GRAPH ?g; {g0} {g1} {g2}: visible record graphs
QUERIES = [
    P + "SELECT ?d ?t WHERE { ?d a dcat:Dataset ; dct:title ?t }",
    "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    P + "SELECT ?g ?d WHERE { GRAPH ?g { ?d a dcat:Dataset } ?d dct:title ?t }",
    P + "CONSTRUCT { ?d ?p ?o } WHERE { ?d a dcat:Dataset ; ?p ?o }",
    P + "ASK { ?d dct:title 'nothing like this' }",
    "SELECT ?s ?p ?o FROM <{g0}> FROM <{g1}> WHERE {{ ?s ?p ?o }}",
    "SELECT ?g ?s FROM NAMED <{g2}> FROM NAMED <{p}> WHERE {{ GRAPH ?g {{ ?s a ?type }} }}",
    "SELECT ?g ?s FROM <{g0}> FROM NAMED <{g1}> WHERE {{ ?s ?p ?o OPTIONAL {{ GRAPH ?g {{ ?s a ?type }} }} }}",
]


def _graphs(store: Store) -> dict[str, str]:
    """Graphs the FROM queries name: three visible record graphs and the provenance graph."""
    visible = store.visible_graphs()
    return {"g0": visible[3].value, "g1": visible[4].value, "g2": visible[5].value, "p": PROVENANCE}


def _public_copy(store: Store) -> ox.Store:
    """The public dataset as the endpoint's copy held it: the visible record graphs merged as the
    default graph, those graphs and the provenance graph as named graphs."""
    assert isinstance(store, EmbeddedStore)
    copy = ox.Store()
    visible = set(store.visible_graphs())
    for graph in [store.provenance_graph(), *visible]:
        for quad in store.db.quads_for_pattern(None, None, None, graph):
            copy.add(quad)
            if graph in visible:
                copy.add(ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()))
    return copy


def _rows(result: object) -> list[str]:
    if isinstance(result, ox.QueryBoolean):
        return [str(bool(result))]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(" ".join(str(row[n]) for n in names) for row in result)
    return sorted(str(triple) for triple in result)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Store]:
    """60 generated datasets, then a second harvest of 45 from another seed: rewritten, withdrawn, added."""
    from catalogue.backends import open_backends
    from catalogue.config import Settings

    folder = tmp_path_factory.mktemp("union")
    document = folder / "catalog.ttl"
    source = Source(name="bench", title="Benchmark node", url=str(document))
    backends = open_backends(Settings("union", BASE, folder / "data", (source,)))
    for n, seed in ((60, 2024), (45, 2025)):
        document.write_bytes(generate_catalog(n, seed, invalid_every=7))
        harvest_source(source, backends)
    yield backends.store
    backends.close()


@pytest.mark.parametrize("query", QUERIES)
def test_the_endpoint_answers_as_the_copy_of_the_public_graphs_did(demo: Store, query: str) -> None:
    text = query.format(**_graphs(demo)) if "{{" in query else query
    service = SparqlService(demo, Limits(timeout=60, max_triples=1_000_000, max_rows=1_000_000))
    try:
        answer = service.execute(text, graph_format="ntriples")
    finally:
        service.close()
    expected = _rows(_public_copy(demo).query(text))
    if answer.kind == "boolean":
        got = [str(json.loads(answer.body)["boolean"])]
    elif answer.kind == "bindings":
        names = answer.variables or []
        got = sorted(" ".join(str(row.get(n)) for n in names) for row in answer.rows or [])
    else:
        got = sorted(str(q.triple) for q in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES))
    assert len(expected) > 0
    assert got == expected
