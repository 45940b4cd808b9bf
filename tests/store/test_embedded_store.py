"""What only the embedded store does; everything a store must do is in test_contract.py (every backend)."""

from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.model import ValidationReport
from catalogue.records import Record
from catalogue.store import HarvestRun, RecordWrite, StoreFormatError, open_store

BASE = "http://catalogue.test"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def record(name: str) -> Record:
    uri = f"https://node.example/{name}"
    triple = ox.Triple(ox.NamedNode(uri), ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal("T"))
    return Record(f"be-{name}", "be", "dataset", uri, (triple,), "hash")


def test_the_folder_holds_the_registry_and_oxigraph(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", BASE)
    writes = [
        RecordWrite(record(n), s, ValidationReport(), "dcat-ap-3", "reject")
        for n, s in [("a", "published"), ("b", "rejected")]
    ]
    store.apply(writes, [], HarvestRun("be", T0, T0, "ok"))
    assert {g.value for g in store.db.named_graphs()} == {
        f"{BASE}/graphs/records/be-a",
        f"{BASE}/graphs/provenance",
    }
    assert store.sparql_server() is None  # the public endpoint's workers read the snapshots
    store.close()
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [
        "oxigraph",
        "oxigraph-snapshots",
        "records.sqlite",
        *(
            name
            for name in ("records.sqlite-shm", "records.sqlite-wal")
            if (tmp_path / "store" / name).exists()
        ),
    ]


def test_a_store_from_an_older_layout_is_refused_with_advice(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "CURRENT").write_text("MANIFEST-000001\n")
    with pytest.raises(StoreFormatError, match="older version.*harvest again"):
        open_store(tmp_path / "store", BASE)


def test_a_read_only_view_opens_while_a_writer_keeps_reopening(tmp_path: Path) -> None:
    """What `catalogue check` meets right after `catalogue serve` started: RocksDB files replaced mid-open."""
    import threading

    from catalogue.store.embedded import EmbeddedTriples

    folder = tmp_path / "oxigraph"
    quad = ox.Quad(
        ox.NamedNode("https://node.example/a"), ox.NamedNode("https://node.example/p"), ox.Literal("0")
    )
    first = EmbeddedTriples(folder, "")
    first.add([quad])
    first.close()
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            triples = EmbeddedTriples(folder, "")
            triples.add([quad])
            triples.close()

    thread = threading.Thread(target=writer)
    thread.start()
    failures = []
    try:
        for _ in range(200):  # without retrying, about 1 open in 30 failed
            try:
                reader = EmbeddedTriples(folder, "", read_only=True)
                assert reader.ask("ASK { ?s ?p ?o }")
                reader.close()
            except RuntimeError as error:
                failures.append(str(error))
    finally:
        stop.set()
        thread.join()
    assert failures == []


@pytest.mark.parametrize(
    ("method", "query", "answered"),
    [
        ("select", "ASK { ?s ?p ?o }", "QueryBoolean"),
        ("construct", "SELECT ?s WHERE { ?s ?p ?o }", "QuerySolutions"),
        ("ask", "CONSTRUCT WHERE { ?s ?p ?o }", "QueryTriples"),
    ],
)
def test_a_query_of_another_form_is_an_error_naming_what_came_back(
    tmp_path: Path, method, query, answered
) -> None:
    """A server's wrong answer is a RemoteStoreError (tests/hostile/test_store.py); here it is our own mistake."""
    store = open_store(tmp_path / "store", BASE)
    try:
        with pytest.raises(TypeError, match=answered):
            getattr(store, method)(query)
    finally:
        store.close()
