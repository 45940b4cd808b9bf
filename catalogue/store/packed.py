"""The registry's large texts stored zlib-compressed, so that a million datasets fit on one disk.

A record's N-Triples (~9.5 kB), validation report (JSON, ~2 kB) and quality
checks (JSON, ~2 kB) are most of the registry; they repeat the same IRIs and
keys and shrink about fivefold with zlib (standard library, level 6: level 9
gains under 1 % for a slower write). They are stored as SQLite BLOBs; a value
still held as TEXT was written by an older registry (or is the ``''`` of a
withdrawn record) and is read as it is. The storage class marks the form, so
no value is ever guessed from its bytes, and a registry part-way through its
conversion (:func:`conversions`, killed and restarted) reads right throughout.

Only the registry packs and unpacks: every reader above it gets the text
exactly as before. SQL can no longer look inside the JSON, so the quality
dashboards' sums over every score and report are made in Python
(``quality_table.py``), which turned out faster than ``json_each`` was.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterator

from catalogue.store.errors import StoreFormatError

LEVEL = 6
#: the columns held packed, per table (``superseded`` keeps copies of ``records.ntriples``)
PACKED = {
    "records": ("ntriples", "report", "quality"),
    "staging": ("ntriples", "report", "quality"),
    "superseded": ("ntriples",),
}
#: the state key set once every older plain-text row has been packed
PACKED_MARK = "packed"
#: rows converted per transaction: the write-ahead log stays tens of MB during a conversion
BATCH = 2000


def pack(text: str) -> bytes:
    return zlib.compress(text.encode(), LEVEL)


def pack_optional(text: str | None) -> bytes | None:
    return None if text is None else pack(text)


def unpack(value: str | bytes, record_id: str) -> str:
    """A column's text, whether packed (a BLOB) or plain (TEXT, left by an older registry)."""
    if isinstance(value, str):
        return value
    try:
        return zlib.decompress(value).decode()
    except (zlib.error, UnicodeDecodeError) as error:  # the file was damaged: say which record
        raise StoreFormatError(
            f"the registry's copy of record {record_id!r} is damaged ({error}); "
            "restore the registry from a backup (catalogue restore)"
        ) from None


def add_pack_function(db: sqlite3.Connection) -> None:
    """``pack(text)`` for SQL, which converts an older registry's rows (:func:`conversions`)."""
    db.create_function("pack", 1, _pack_text, deterministic=True)


def _pack_text(value: str | bytes | None) -> str | bytes | None:
    """Plain text packed; a value already packed (or NULL) as it is, so a conversion can be run again."""
    return pack(value) if isinstance(value, str) else value


def conversions(db: sqlite3.Connection) -> Iterator[tuple[str, tuple[int, int]]]:
    """(UPDATE statement, rowid range) for each batch of rows of an older registry still to pack."""
    for table, columns in PACKED.items():
        update = (
            f"UPDATE {table} SET {', '.join(f'{c} = pack({c})' for c in columns)} WHERE rowid BETWEEN ? AND ?"
        )
        last = 0
        while True:
            rowids = [
                row[0]
                for row in db.execute(
                    f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, BATCH)
                )
            ]
            if not rowids:
                break
            yield update, (rowids[0], rowids[-1])
            last = rowids[-1]
