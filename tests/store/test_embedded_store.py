from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.records import Record
from catalogue.store import HarvestRun, RecordWrite, StoreFormatError, StoreLockedError, open_store
from catalogue.validate import ValidationReport, ValidationResult

BASE = "http://catalogue.test"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def record(name: str, title: str = "Title") -> Record:
    uri = f"https://node.example/{name}"
    triples = (
        ox.Triple(
            ox.NamedNode(uri),
            ox.NamedNode("http://purl.org/dc/terms/title"),
            ox.Literal(title, language="en"),
        ),
    )
    return Record(f"be-{name}", "be", "dataset", uri, triples, f"hash-{title}")


def write(rec: Record, status: str = "published", report: ValidationReport | None = None) -> RecordWrite:
    return RecordWrite(rec, status, report or ValidationReport(), "dcat-ap-3", "reject")


def run(**counts) -> HarvestRun:
    return HarvestRun("be", T0, T0, "ok", **counts)


def test_records_live_in_their_own_graph_with_provenance(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", BASE)
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
    # Oxigraph holds what SPARQL may see: visible records' graphs and the provenance graph
    graphs = {g.value for g in store.db.named_graphs()}
    assert graphs == {f"{BASE}/graphs/records/be-a", f"{BASE}/graphs/provenance"}
    assert [m.id for m in store.metas("be", statuses=["rejected"])] == ["be-b"]
    assert store.runs("be")[0].rejected_ids == ["be-b"]
    assert store.get("be-zzz") is None
    store.close()


def test_rewrite_replaces_and_withdraw_keeps_history(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", BASE)
    store.apply([write(record("a")), write(record("b"))], [], run(found=2))
    store.apply([write(record("a", "New title"))], ["be-b"], run(found=1, withdrawn=1))
    a = store.get("be-a")
    assert [t.object.value for t in a.triples] == ["New title"]
    assert a.meta.content_hash == "hash-New title"
    assert set(store.states("be")) == {"be-a"}
    b = store.get("be-b")
    assert b.meta.status == "withdrawn" and b.triples == []
    assert [s.meta.id for s in store.iter_records()] == ["be-a"]
    store.close()


def test_store_persists_on_disk_and_is_locked_while_open(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", BASE)
    store.apply([write(record("a"))], [], run(found=1))
    with pytest.raises(StoreLockedError, match="in use"):
        open_store(tmp_path / "store", BASE)
    store.close()
    again = open_store(tmp_path / "store", BASE)
    assert again.get("be-a").meta.status == "published"
    assert again.describe(["https://node.example/a"])["https://node.example/a"][0].object.value == "Title"
    again.close()


def test_derived_datatypes_come_back_as_harvested(tmp_path: Path) -> None:
    """Oxigraph keeps literals by value (nonNegativeInteger → integer); records must not change."""
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
    store = open_store(tmp_path / "store", BASE)
    store.apply([write(rec)], [], run(found=1))
    assert store.get("be-dist").triples == list(triples)
    assert store.record_triples("be-dist") == list(triples)
    assert [s.triples for s in store.iter_records()] == [list(triples)]
    store.apply([], ["be-dist"], run(withdrawn=1))
    assert store.record_triples("be-dist") == []
    store.close()


def test_triples_are_rebuilt_from_the_registry_when_a_process_stopped_midway(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", BASE)
    store.apply([write(record("a")), write(record("b"), "rejected")], [], run(found=2))
    store.db.clear()  # as if the process had died after the registry's commit
    store.registry.set_state("synced", "0")
    store.close()
    again = open_store(tmp_path / "store", BASE)
    graphs = {g.value for g in again.db.named_graphs()}
    assert graphs == {f"{BASE}/graphs/records/be-a", f"{BASE}/graphs/provenance"}
    statuses = again.query(
        "SELECT ?id ?status WHERE { GRAPH ?g { ?r <https://w3id.org/catalogue/ns#recordId> ?id ; "
        "<https://w3id.org/catalogue/ns#status> ?status } } ORDER BY ?id"
    )
    assert [(s["id"].value, s["status"].value) for s in statuses] == [
        ("be-a", "published"),
        ("be-b", "rejected"),
    ]
    assert again.generation() == 1
    again.close()


def test_a_store_from_an_older_layout_is_refused_with_advice(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "CURRENT").write_text("MANIFEST-000001\n")
    with pytest.raises(StoreFormatError, match="older version.*harvest again"):
        open_store(tmp_path / "store", BASE)
