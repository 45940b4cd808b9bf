"""What a harvest keeps about the whole source while it reads it, on disk instead of in memory.

A harvest must know, for every record, what the source held before (to skip
unchanged records and find withdrawals), which records it has met (a dataset
described on two pages counts once), each dataset's status after validation
(the run's counts) and the lines of the source's catalogue records, which list
every dataset. Held in Python dicts and sets these grew by about a kilobyte per
dataset: most of a harvest's memory at a million datasets. The ledger keeps
them in a private SQLite database that SQLite deletes when it is closed (an
empty file name: a temporary file beside the system's other temporary files),
with a page cache of a fixed size, so a harvest's memory no longer grows with
the source.

Nothing here is durable or shared: a harvest that dies leaves nothing behind,
and the registry stays the source of truth.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from types import TracebackType

from catalogue.store import REJECTED, RecordState

#: the page cache in KiB (SQLite's negative cache_size): the whole ledger's memory, whatever the source's size
CACHE_KIB = 16 * 1024
SCHEMA = """
CREATE TABLE previous (
    id TEXT PRIMARY KEY, content_hash TEXT, profile TEXT, policy TEXT, status TEXT, kind TEXT, version TEXT
) WITHOUT ROWID;
-- records met in this harvest; status: a dataset's status once decided ('' while awaiting validation),
-- NULL for catalogue-level records (they are not counted)
CREATE TABLE seen (id TEXT PRIMARY KEY, status TEXT) WITHOUT ROWID;
CREATE TABLE catalogs (id TEXT PRIMARY KEY, uri TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE catalog_lines (id TEXT, line TEXT, PRIMARY KEY (id, line)) WITHOUT ROWID;
"""


class Ledger:
    """The harvest's view of the source as a whole: the records before, the records met, their statuses."""

    def __init__(self, previous: Iterable[tuple[str, RecordState]]) -> None:
        self.db = sqlite3.connect("", isolation_level=None)  # "": a temporary file, deleted at close
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(SCHEMA)
        self.db.execute("BEGIN")  # one long transaction: nothing here needs to survive a crash
        self.db.executemany("INSERT OR REPLACE INTO previous VALUES (?, ?, ?, ?, ?, ?, ?)", _rows(previous))

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- what the source held before -------------------------------------------
    def before(self, rid: str) -> RecordState | None:
        row = self.db.execute(
            "SELECT content_hash, profile, policy, status, kind, version FROM previous WHERE id = ?", (rid,)
        ).fetchone()
        return RecordState(*row) if row else None

    def withdrawals(self) -> tuple[list[str], int, int]:
        """The records held before and not met now (by id), how many of them are datasets, and of how many."""
        gone = self.db.execute(
            "SELECT p.id, p.kind FROM previous p WHERE NOT EXISTS (SELECT 1 FROM seen s WHERE s.id = p.id) "
            "ORDER BY p.id"
        ).fetchall()
        (datasets,) = self.db.execute("SELECT count(*) FROM previous WHERE kind = 'dataset'").fetchone()
        return [rid for rid, _ in gone], sum(kind == "dataset" for _, kind in gone), datasets

    # -- what this harvest met -------------------------------------------------
    def met(self, rid: str) -> bool:
        return self.db.execute("SELECT 1 FROM seen WHERE id = ?", (rid,)).fetchone() is not None

    def meet(self, rid: str, status: str | None) -> None:
        """Note a record as met: a dataset with its status (or '' until validated), a catalogue with None."""
        self.db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?)", (rid, status))

    def found(self) -> int:
        """Datasets met so far."""
        return int(self.db.execute("SELECT count(*) FROM seen WHERE status IS NOT NULL").fetchone()[0])

    def statuses(self) -> dict[str, int]:
        """Datasets per status."""
        rows = self.db.execute("SELECT status, count(*) FROM seen WHERE status IS NOT NULL GROUP BY status")
        return dict(rows.fetchall())

    def rejected(self) -> list[str]:
        """The ids of rejected datasets, in order."""
        rows = self.db.execute("SELECT id FROM seen WHERE status = ? ORDER BY id", (REJECTED,))
        return [rid for (rid,) in rows]

    # -- the catalogue-level records, gathered page by page ----------------------
    def gather(self, rid: str, uri: str, lines: Iterable[str]) -> None:
        """Add N-Triples lines (without the final " .") to a catalogue-level record."""
        self.db.execute("INSERT OR IGNORE INTO catalogs VALUES (?, ?)", (rid, uri))
        self.db.executemany("INSERT OR IGNORE INTO catalog_lines VALUES (?, ?)", ((rid, ln) for ln in lines))

    def catalogs(self) -> list[tuple[str, str]]:
        """The catalogue-level records gathered: (id, root IRI), a handful per source."""
        return self.db.execute("SELECT id, uri FROM catalogs ORDER BY id").fetchall()

    def catalog_lines(self, rid: str) -> Iterator[str]:
        """One catalogue-level record's lines, read as they are used."""
        for (line,) in self.db.execute("SELECT line FROM catalog_lines WHERE id = ?", (rid,)):
            yield line


def _rows(states: Iterable[tuple[str, RecordState]]) -> Iterator[tuple[str, ...]]:
    for rid, state in states:
        yield (rid, *state)
