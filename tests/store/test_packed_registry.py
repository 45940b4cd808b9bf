"""The registry's large texts stored packed (catalogue/store/packed.py): read back exactly, older registries converted.

Each test writes through the registry, reads through it, and looks at the
SQLite file beside it (storage classes, free pages, size) to see what is stored.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from packed_rows import (
    DCT,
    T0,
    TEXTS,
    committed,
    everything,
    pragmas,
    record,
    storage,
    text_of,
    to_older_layout,
    write,
)

from catalogue.model import DIMENSIONS, Check, QualityScore, ValidationReport, ValidationResult
from catalogue.store import HarvestRun, RecordWrite, open_store
from catalogue.store.registry import Registry


def test_texts_reports_and_scores_read_back_exactly_as_written(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite"
    small, large = record("small"), record("large", keywords=20_000)  # ~1 MB of N-Triples
    registry = committed(path, small, large)
    got = everything(registry)
    assert got["ntriples"] == {small.id: text_of(small), large.id: text_of(large)}
    assert got["reports"] == {r.id: write(r).report for r in (small, large)}
    assert got["quality"] == {r.id: write(r).quality for r in (small, large)}
    assert got["texts"] == [(large.id, text_of(large)), (small.id, text_of(small))]
    assert got["counts"] == {small.id: len(TEXTS), large.id: len(TEXTS) + 20_000}
    assert (DCT + "license", f"Licence manquante — {TEXTS[1]}", 2) in got["violations"]
    assert ("check-findability", f"findability: {TEXTS[1]}", 35.0) in got["missed"]

    registry.stage([write(record("small", version=2))])  # a changed record: the old text is superseded
    registry.commit(HarvestRun("be", T0, T0, "ok"), [], True)
    assert list(registry.superseded([small.id])) == [(small.id, text_of(small))]
    assert registry.ntriples(small.id) == text_of(record("small", version=2))
    registry.close()
    assert storage(path) == {
        ("records", "ntriples", "blob"),
        ("records", "report", "blob"),
        ("records", "quality", "blob"),
        ("superseded", "ntriples", "blob"),
    }
    assert path.stat().st_size < len(text_of(large).encode()) / 3  # packed, with nothing else left behind


def test_a_withdrawn_record_keeps_its_empty_text(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite"
    registry = committed(path, record("a"), record("b"))
    registry.commit(HarvestRun("be", T0, T0, "ok"), ["be-a"], True)
    assert registry.ntriples("be-a") == ""
    assert registry.ntriples("be-b") == text_of(record("b"))
    assert list(registry.superseded(["be-a"])) == [("be-a", text_of(record("a")))]


def test_the_staged_copies_pages_go_back_to_the_disk_after_a_commit_or_a_discard(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite"
    many = [record(f"r{i}", keywords=200) for i in range(300)]
    registry = committed(path, *many)
    after_commit = pragmas(path)
    assert (after_commit["auto_vacuum"], after_commit["freelist_count"]) == (2, 0)
    registry.stage(write(record(f"r{i}", version=2, keywords=200)) for i in range(300))
    registry.discard("be")
    after_discard = pragmas(path)
    assert after_discard["freelist_count"] == 0
    assert after_discard["page_count"] <= after_commit["page_count"] + 2
    assert registry.ntriples("be-r7") == text_of(many[7])


def test_a_registry_in_the_older_plain_layout_is_converted_once_and_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite"
    registry = committed(path, *(record(f"r{i}", keywords=300) for i in range(40)))
    registry.stage([write(record("r1", version=2))])
    registry.commit(HarvestRun("be", T0, T0, "ok"), [], True)  # superseded holds r1's first text
    registry.stage([write(record("pending"))])  # a harvest under way: staging holds a record too
    expected = everything(registry)
    registry.close()
    to_older_layout(path)
    assert {kind for _, _, kind in storage(path)} == {"text"}
    plain_size = path.stat().st_size

    reader = Registry(path, read_only=True)  # a reader of the older file, before any writer converts it
    assert everything(reader) == expected
    reader.close()

    registry = Registry(path)
    assert everything(registry) == expected
    assert {kind for _, _, kind in storage(path)} == {"blob"}
    assert registry.state("packed") == "1"
    registry.commit(HarvestRun("be", T0, T0, "ok"), [], True)  # the staged plain row, converted, commits
    assert registry.ntriples("be-pending") == text_of(record("pending"))
    registry.close()
    assert pragmas(path)["auto_vacuum"] == 2
    assert path.stat().st_size < plain_size / 2


def test_a_store_opened_on_an_older_registry_serves_the_same_records(tmp_path: Path) -> None:
    folder, base = tmp_path / "store", "http://catalogue.test"
    store = open_store(folder, base)
    records = [record(f"r{i}", keywords=50) for i in range(5)]
    store.apply([write(r) for r in records], [], HarvestRun("be", T0, T0, "ok"))
    store.close()
    to_older_layout(folder / "records.sqlite")
    store = open_store(folder, base)
    try:
        for rec in records:
            stored = store.get(rec.id)
            assert stored is not None
            assert sorted(map(str, stored.triples)) == sorted(map(str, rec.triples))
            assert stored.report == write(rec).report
    finally:
        store.close()
    assert {kind for _, _, kind in storage(folder / "records.sqlite")} == {"blob"}


def test_the_dashboards_sums_agree_with_json_each_over_the_plain_text(tmp_path: Path) -> None:
    """The points lost per check and the commonest violations, summed in Python, as SQL summed them before."""
    path = tmp_path / "records.sqlite"
    writes = []
    for i in range(40):
        rec = record(f"r{i:02}")
        results = [
            ValidationResult("Violation" if k % 2 == 0 else "Warning", rec.uri, f"{DCT}p{k}", f"m{k}")
            for k in range(i % 7)  # p0 in most records, p2 in fewer, p4 in fewer still: no ties
        ]
        checks = [
            Check(f"c{k}", DIMENSIONS[k % 5], f"label {k}", 10, float(min(10, i % (k + 2))))
            for k in range(12)
        ]
        results += [
            ValidationResult(r.severity, "https://other.example/", r.path, r.message) for r in results[:1]
        ]
        report, score = ValidationReport(results), QualityScore(checks)  # p0 twice: one dataset still
        writes.append(RecordWrite(rec, "flagged", report, "dcat-ap-3", "warn", score))
    registry = Registry(path)
    registry.stage(writes)
    registry.commit(HarvestRun("be", T0, T0, "ok"), [], True)
    stats = registry.quality_stats()
    registry.close()
    to_older_layout(path)
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:  # the queries as they were
        missed = db.execute(
            "SELECT j.value ->> 0, j.value ->> 2, sum((j.value ->> 3) - (j.value ->> 4)) AS lost "
            "FROM records, json_each(records.quality) j GROUP BY 1, 2 HAVING lost > 0 ORDER BY lost DESC"
        ).fetchall()
        violations = db.execute(
            "SELECT j.value ->> 'path', j.value ->> 'message', count(DISTINCT records.id) "
            "FROM records, json_each(records.report) j WHERE j.value ->> 'severity' = 'Violation' "
            "GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10"
        ).fetchall()
    assert len(violations) == 3 and stats.violations == violations
    assert {(c, label): lost for c, label, lost in stats.missed} == {
        (c, label): lost for c, label, lost in missed
    }
    assert [lost for _, _, lost in stats.missed] == sorted((lost for _, _, lost in missed), reverse=True)
