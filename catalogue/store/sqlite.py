"""The registry's SQLite database: its schema, one connection per thread, transactions, state marks.

Each thread gets its own connection; WAL mode lets web requests read while a
harvest writes. The registry's parts by concern (``registry.py`` for records,
``runlog.py``, ``links.py``, ``quality_table.py``) are classes over this one
database: one file, one transaction for a harvest's records, run and marks.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from catalogue.store.packed import PACKED_MARK, add_pack_function, conversions

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
WAL_LIMIT = 64 * 1024 * 1024  # bytes the write-ahead log is cut back to after a checkpoint
RECORD_COLUMNS = """
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    uri TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    profile TEXT NOT NULL,
    policy TEXT NOT NULL,
    harvested TEXT NOT NULL,           -- when this content was first stored (ISO 8601, UTC)
    violations INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    ntriples TEXT NOT NULL,            -- the record exactly as harvested (packed.py); '' once withdrawn
    report TEXT NOT NULL,              -- the validation results, JSON (packed.py)
    quality TEXT,                      -- the quality checks, JSON (datasets only; packed.py)
    quality_total INTEGER,
    quality_dimensions TEXT,           -- JSON: points per dimension
    urls TEXT NOT NULL DEFAULT '[]',   -- JSON: the URLs the quality score depends on
    profile_version TEXT NOT NULL DEFAULT ''  -- the profile's shapes digest the verdict was reached with
"""
PAGE_COLUMNS = """
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    digest TEXT NOT NULL,
    datasets TEXT NOT NULL,            -- JSON list of record ids
    catalogs TEXT NOT NULL,            -- JSON {record id: [root IRI, N-Triples]}
    PRIMARY KEY (source, url)
"""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS records ({RECORD_COLUMNS});
CREATE INDEX IF NOT EXISTS records_by_source ON records (source, status);
CREATE INDEX IF NOT EXISTS records_by_status ON records (status, id);
CREATE INDEX IF NOT EXISTS records_by_uri ON records (uri);  -- one IRI claimed by two nodes (claims.py)
-- counts per source and status of one kind, without reading the records (the web pages' figures)
CREATE INDEX IF NOT EXISTS records_by_kind ON records (kind, source, status);
-- new and changed records of harvests in progress: published by commit(), dropped by discard()
CREATE TABLE IF NOT EXISTS staging ({RECORD_COLUMNS});
CREATE INDEX IF NOT EXISTS staging_by_source ON staging (source);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT NOT NULL,
    outcome TEXT NOT NULL,
    kind TEXT NOT NULL,
    counts TEXT NOT NULL,              -- JSON: pages, found, new, changed, …
    quality_mean REAL,                 -- the source's mean quality points after the run
    error TEXT,
    rejected_ids TEXT NOT NULL         -- JSON list
);
CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, started);
CREATE TABLE IF NOT EXISTS run_changes (
    run INTEGER NOT NULL REFERENCES runs (id),
    record_id TEXT NOT NULL,
    change TEXT NOT NULL,              -- added, changed, withdrawn
    title TEXT NOT NULL,
    PRIMARY KEY (run, record_id)
);
-- a run's first changes of each kind by title, and their counts, without sorting them all
CREATE INDEX IF NOT EXISTS run_changes_by_title ON run_changes (run, change, title, record_id);
-- what each page of a source gave the last complete harvest (see PageMemory); staged like records
CREATE TABLE IF NOT EXISTS pages ({PAGE_COLUMNS});
CREATE TABLE IF NOT EXISTS staging_pages ({PAGE_COLUMNS});
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY,           -- SHA-256 of the token; the token itself is never stored
    source TEXT NOT NULL,
    label TEXT NOT NULL,
    created TEXT NOT NULL
);
-- URL checks for the quality score's accessibility (see catalogue/reachability.py)
CREATE TABLE IF NOT EXISTS url_checks (
    url TEXT PRIMARY KEY,
    ok INTEGER NOT NULL,
    status INTEGER,
    error TEXT,
    checked TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS record_urls (record_id TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (url, record_id));
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- harvests and pushes under way: a row left behind by a process that was killed becomes an
-- 'interrupted' run when the store is next opened for writing (see MirroredStore)
CREATE TABLE IF NOT EXISTS running (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    started TEXT NOT NULL,
    pid INTEGER NOT NULL
);
-- the N-Triples a commit replaced or withdrew, of records that were visible: what the triple side
-- still holds for them until it is brought in line (a SPARQL server then deletes exactly those)
CREATE TABLE IF NOT EXISTS superseded (id TEXT PRIMARY KEY, ntriples TEXT NOT NULL);  -- packed.py
"""
INCREMENTAL = 2  # PRAGMA auto_vacuum: pages are freed by PRAGMA incremental_vacuum (reclaim)
#: state keys "index:<label>": a change the search index may not have yet (see index_pending)
INDEX_MARK = "index:"


class Database:
    """The connections to one registry file (created and brought up to date when opened for writing)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if not read_only:
            db = self._db()
            db.executescript(SCHEMA)  # commits by itself: it cannot run inside transaction()
            db.execute("INSERT OR IGNORE INTO state VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            _add_columns(db)
            self._pack_older_rows()

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if self.read_only:
                db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            else:
                db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                # before WAL, which writes the file's header: a new registry gives freed pages back
                # (reclaim()); an older one is converted once by VACUUM (_pack_older_rows)
                db.execute(f"PRAGMA auto_vacuum={INCREMENTAL}")
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                # a harvest's commit writes hundreds of MB through the WAL; without a limit the file
                # keeps that size for as long as the catalogue runs
                db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
                add_pack_function(db)
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def reclaim(self) -> None:
        """Give the file's free pages back to the disk (after a harvest's staged copies were dropped).

        In its own transaction after the commit, so a crash here loses nothing. A
        no-op on a registry whose conversion to ``auto_vacuum`` has not run yet.
        """
        self._db().executescript("PRAGMA incremental_vacuum;")  # execute() would free a single page

    def _pack_older_rows(self) -> None:
        """Once per registry: pack what an older one stored as plain text, then shrink its file.

        A batch per transaction: readers see plain and packed rows alike, and a
        conversion that is killed goes on where it stopped at the next open.
        VACUUM gives the freed space back and turns ``auto_vacuum`` on; it needs
        free disk of about the packed registry's size, and is tried again at
        each open until it succeeds.
        """
        db = self._db()
        if self.state(PACKED_MARK) is None:
            for update, bounds in conversions(db):
                with self.transaction() as tx:
                    tx.execute(update, bounds)
            self.set_state(PACKED_MARK, "1")
        if db.execute("PRAGMA auto_vacuum").fetchone()[0] != INCREMENTAL:
            try:
                db.execute("VACUUM")
            except sqlite3.OperationalError as error:  # the registry works, only its file stays large
                log.warning("registry %s: VACUUM failed, the file keeps its free pages: %s", self.path, error)

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    def set_state(self, key: str, value: str) -> None:
        self.set_states({key: value})

    def set_states(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", values.items())

    def state(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def mark_unindexed(db: sqlite3.Connection, label: str) -> None:
    """In the transaction of a change that search must follow: cleared once the index has it."""
    db.execute("INSERT OR REPLACE INTO state VALUES (?, 'pending')", (INDEX_MARK + label,))


def _add_columns(db: sqlite3.Connection) -> None:
    """Columns added since a registry was created (appended, so records and staging keep one order)."""
    for table in ("records", "staging"):
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if "profile_version" not in present:  # verdicts from before it: unknown, so revalidated once
            db.execute(f"ALTER TABLE {table} ADD COLUMN profile_version TEXT NOT NULL DEFAULT ''")
    if "last_used" not in {row[1] for row in db.execute("PRAGMA table_info(tokens)")}:
        db.execute("ALTER TABLE tokens ADD COLUMN last_used TEXT")
    if "notes" not in {row[1] for row in db.execute("PRAGMA table_info(runs)")}:
        db.execute("ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '[]'")
