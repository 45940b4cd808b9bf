"""The packed registry (catalogue/store/packed.py) against what nodes send and what disks and kills leave.

* a record that compresses a thousandfold (one literal repeated over megabytes)
  is stored small and read back whole;
* a packed value damaged on disk is an error naming the record, and the other
  records still read;
* a conversion of an older registry killed part-way (some rows packed, the
  rest plain, no mark) reads right as it stands and is finished by the next
  writing open.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pyoxigraph as ox
import pytest
from packed_rows import T0, committed, everything, record, storage, text_of, to_older_layout

from catalogue.model import ValidationReport
from catalogue.records import Record
from catalogue.store import HarvestRun, RecordWrite, StoreFormatError
from catalogue.store.packed import add_pack_function
from catalogue.store.registry import Registry

DESCRIPTION = ox.NamedNode(
    "http://purl.org/dc/terms/description"
)  # a title is a column of its own, kept plain


def test_a_record_that_compresses_a_thousandfold_is_stored_small_and_read_back_whole(tmp_path: Path) -> None:
    uri = ox.NamedNode("https://node.example/bomb")
    bomb = Record(
        "be-bomb",
        "be",
        "dataset",
        uri.value,
        (ox.Triple(uri, DESCRIPTION, ox.Literal("A" * 8_000_000)),),
        "h",
    )
    registry = Registry(tmp_path / "records.sqlite")
    registry.stage([RecordWrite(bomb, "published", ValidationReport(), "dcat-ap-3", "reject")])
    registry.commit(HarvestRun("be", T0, T0, "ok"), [], True)
    assert registry.ntriples("be-bomb") == text_of(bomb)
    assert registry.triple_counts(["published"]) == {"be-bomb": 1}
    registry.close()
    assert (tmp_path / "records.sqlite").stat().st_size < 200_000


def test_a_damaged_packed_text_is_an_error_naming_the_record_and_the_others_still_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "records.sqlite"
    committed(path, *(_named(n) for n in ("a", "b"))).close()
    with (
        closing(sqlite3.connect(path)) as db,
        db,
    ):  # bytes of each packed text overwritten, as a bad disk would
        for column in ("ntriples", "report", "quality"):
            damaged = f"CAST(substr({column}, 1, 8) || x'00ff00ff' AS BLOB)"
            db.execute(f"UPDATE records SET {column} = {damaged} WHERE id = 'be-a'")
    registry = Registry(path, read_only=True)
    for read in (registry.ntriples, registry.report, registry.quality):
        with pytest.raises(StoreFormatError, match="record 'be-a' is damaged.*catalogue restore"):
            read("be-a")
    assert registry.ntriples("be-b") == text_of(_named("b"))
    registry.close()


def test_a_conversion_killed_part_way_reads_right_and_is_finished_at_the_next_open(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite"
    registry = committed(path, *(_named(f"r{i:02}") for i in range(30)))
    expected = everything(registry)
    registry.close()
    to_older_layout(path)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:  # the first batches packed, then killed
        add_pack_function(db)
        db.execute("UPDATE records SET ntriples = pack(ntriples), report = pack(report), quality = pack(quality) "
                   "WHERE rowid <= 12")  # fmt: skip
    assert {kind for _, _, kind in storage(path)} == {"text", "blob"}
    reader = Registry(path, read_only=True)
    assert everything(reader) == expected
    reader.close()
    registry = Registry(path)
    assert everything(registry) == expected
    registry.close()
    assert {kind for _, _, kind in storage(path)} == {"blob"}


def _named(name: str) -> Record:
    return record(name, keywords=20)
