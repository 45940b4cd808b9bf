"""Registries for the packed-column tests (tests/store/test_packed_registry.py, tests/hostile/test_compact.py).

Records with texts a node may send, written through the registry; what every
read gives back; what SQLite holds (storage classes, pragmas); and a file
turned back into the layout the registry had before packing.
"""

from __future__ import annotations

import sqlite3
import zlib
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from catalogue.model import DIMENSIONS, Check, QualityScore, ValidationReport, ValidationResult
from catalogue.records import Record
from catalogue.store import VISIBLE, HarvestRun, RecordWrite
from catalogue.store.registry import Registry

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DCT = "http://purl.org/dc/terms/"
TITLE, KEYWORD = ox.NamedNode(DCT + "title"), ox.NamedNode("http://www.w3.org/ns/dcat#keyword")
#: texts a node may send: accents, CJK and emoji, right-to-left, combining marks, escapes, zlib's header bytes
TEXTS = [
    "Génomes de référence",
    "ゲノム解析 🧬",
    "שלום עולם",
    "e\u0301te\u0301",
    'quote " backslash \\ newline \n tab \t',
    "x\x9c\x01 looks like a zlib stream",
]


def record(name: str, version: int = 1, keywords: int = 0) -> Record:
    uri = ox.NamedNode(f"https://node.example/{name}")
    triples = [ox.Triple(uri, TITLE, ox.Literal(f"{text} v{version}", language="fr")) for text in TEXTS]
    triples += [ox.Triple(uri, KEYWORD, ox.Literal(f"mot-clé {i} ✓")) for i in range(keywords)]
    return Record(f"be-{name}", "be", "dataset", uri.value, tuple(triples), f"hash-{name}-{version}")


def write(rec: Record) -> RecordWrite:
    report = ValidationReport(
        [ValidationResult("Violation", rec.uri, DCT + "license", f"Licence manquante — {t}") for t in TEXTS]
    )
    checks = [Check(f"check-{d}", d, f"{d}: {TEXTS[1]}", 30, 12.5) for d in DIMENSIONS]
    return RecordWrite(
        rec, "flagged", report, "dcat-ap-3", "warn", QualityScore(checks), ["https://x.example/"]
    )


def text_of(rec: Record) -> str:
    """The record's N-Triples as the registry keeps them: one line a triple."""
    return "".join(f"{t} .\n" for t in rec.triples)


def committed(path: Path, *records: Record) -> Registry:
    registry = Registry(path)
    registry.stage(write(r) for r in records)
    registry.commit(HarvestRun("be", T0, T0, "ok"), [], True)
    return registry


def everything(registry: Registry) -> dict[str, object]:
    """What readers get from the registry, by every read that returns the packed columns."""
    ids = [m.id for m in registry.metas()]
    stats = registry.quality_stats()
    return {
        "ntriples": {i: registry.ntriples(i) for i in ids},
        "reports": {i: registry.report(i) for i in ids},
        "quality": {i: registry.quality(i) for i in ids},
        "qualities": list(registry.qualities()),
        "texts": [(m.id, t) for m, t in registry.texts(VISIBLE)],
        "texts_of": sorted((m.id, t) for m, t in registry.texts_of(ids)),
        "counts": registry.triple_counts(VISIBLE),
        "missed": stats.missed,
        "violations": stats.violations,
        "superseded": sorted(registry.superseded(ids)),
        "staged": registry.staged_ids("be"),
    }


def storage(path: Path) -> set[tuple[str, str, str]]:
    """(table, column, storage class) of the packed columns' values, as SQLite holds them."""
    found = set()
    with closing(
        sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    ) as db:  # closed: a writer's close checkpoints
        for table, columns in (("records", ("ntriples", "report", "quality")), ("superseded", ("ntriples",))):
            for column in columns:
                found |= {
                    (table, column, kind)
                    for (kind,) in db.execute(f"SELECT DISTINCT typeof({column}) FROM {table}")
                }
    return found


def pragmas(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return {
            p: db.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("auto_vacuum", "freelist_count", "page_count")
        }


def to_older_layout(path: Path) -> None:
    """The file as the registry before packing left it: plain text, no conversion mark, no auto_vacuum."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.create_function("plain", 1, lambda v: zlib.decompress(v).decode() if isinstance(v, bytes) else v)
        for table in ("records", "staging"):
            db.execute(
                f"UPDATE {table} SET ntriples = plain(ntriples), report = plain(report), quality = plain(quality)"
            )
        db.execute("UPDATE superseded SET ntriples = plain(ntriples)")
        db.execute("DELETE FROM state WHERE key = 'packed'")
        db.execute("PRAGMA auto_vacuum = NONE")
        db.execute("VACUUM")
        assert db.execute("PRAGMA auto_vacuum").fetchone() == (0,)
