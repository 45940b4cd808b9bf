"""The record registry: every record's metadata, exact text and report, and every harvest run, in SQLite.

Why SQLite next to a triple store: a harvest must change a source all at once
or not at all, and pages, the feed and dumps must read records without memory
that grows with the catalogue. SQLite gives both — one transaction per harvest,
and reads through a small, bounded page cache — while RocksDB's block caches
fill with every record read. The registry is the commit point whichever triple
store is configured; the triple store keeps what SPARQL needs (see
``mirror.py``) and is rebuilt from here if the two ever disagree.

Each thread gets its own connection; WAL mode lets web requests read while a
harvest writes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from sys import intern
from typing import Any

from catalogue.claims import Owns, nobody_owns, settle_claims
from catalogue.model import ValidationReport, ValidationResult
from catalogue.quality import BIN, DIMENSIONS, QualityScore, rating
from catalogue.store import (
    FLAGGED,
    INTERRUPTED,
    PUBLISHED,
    QUALITY_MARK,
    WITHDRAWN,
    Committed,
    HarvestRun,
    PageMemory,
    PushToken,
    QualityStats,
    RecordMeta,
    RecordState,
    RecordWrite,
    RunChange,
)

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
    ntriples TEXT NOT NULL,            -- the record exactly as harvested; '' once withdrawn
    report TEXT NOT NULL,              -- the validation results, JSON
    quality TEXT,                      -- the quality checks, JSON (datasets only)
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
CREATE TABLE IF NOT EXISTS superseded (id TEXT PRIMARY KEY, ntriples TEXT NOT NULL);
"""
META_COLUMNS = (
    "id, source, kind, uri, status, title, content_hash, profile, policy, harvested, violations, warnings, "
    "quality_total"
)
#: hex digits of a token's digest that name it in `catalogue token list` and `revoke`
TOKEN_ID_LENGTH = 12
RECORD_VALUES = "(" + ", ".join("?" * 19) + ")"
#: the datasets a node currently offers, whatever validation said (the quality dashboards' population)
CURRENT_DATASETS = "kind = 'dataset' AND status != 'withdrawn'"
#: state keys "index:<label>": a change the search index may not have yet (see index_pending)
INDEX_MARK = "index:"
COUNTS = (
    "pages", "found", "new", "changed", "unchanged", "withdrawn", "published", "flagged", "rejected",
    "violations", "warnings",
)  # fmt: skip


class Registry:
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

    # -- connections -----------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if self.read_only:
                db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            else:
                db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                # a harvest's commit writes hundreds of MB through the WAL; without a limit the file
                # keeps that size for as long as the catalogue runs
                db.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
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

    def close(self) -> None:
        with self._lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()

    # -- writing ---------------------------------------------------------------
    def stage(self, writes: Iterable[RecordWrite]) -> None:
        with self.transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO staging VALUES {RECORD_VALUES}",
                (_row(write, datetime.now(UTC)) for write in writes),
            )

    def stage_page(self, source: str, url: str, memory: PageMemory) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO staging_pages VALUES (?, ?, ?, ?, ?)",
                (source, url, memory.digest, json.dumps(memory.datasets), json.dumps(memory.catalogs)),
            )

    def page_memory(self, source: str, url: str) -> PageMemory | None:
        row = (
            self._db()
            .execute(
                "SELECT digest, datasets, catalogs FROM pages WHERE source = ? AND url = ?", (source, url)
            )
            .fetchone()
        )
        if row is None:
            return None
        catalogs = {rid: (uri, text) for rid, (uri, text) in json.loads(row[2]).items()}
        return PageMemory(row[0], json.loads(row[1]), catalogs)

    def commit(
        self, run: HarvestRun, withdrawn: Iterable[str], complete: bool, owns: Owns = nobody_owns
    ) -> Committed:
        """Staged records of the run's source become current, with the run and its changes, in one go.

        The source's claims on dataset IRIs that other sources publish too are
        settled in the same transaction (:func:`catalogue.claims.settle_claims`).
        """
        withdrawn = list(withdrawn)
        with self.transaction() as db:
            run.id = _insert_run(db, run)
            _mark_unindexed(db, run.source)
            db.execute(
                "INSERT INTO run_changes SELECT ?, s.id, "
                "CASE WHEN r.id IS NULL OR r.status = ? THEN 'added' ELSE 'changed' END, s.title "
                "FROM staging s LEFT JOIN records r ON r.id = s.id WHERE s.source = ? AND s.kind = 'dataset'",
                (run.id, WITHDRAWN, run.source),
            )
            db.executemany(
                "INSERT OR IGNORE INTO run_changes SELECT ?, id, 'withdrawn', title FROM records "
                "WHERE id = ? AND kind = 'dataset'",
                ((run.id, record_id) for record_id in withdrawn),
            )
            written = [row[0] for row in db.execute("SELECT id FROM staging WHERE source = ?", (run.source,))]
            db.execute("DELETE FROM superseded")
            db.execute(
                "INSERT INTO superseded SELECT r.id, r.ntriples FROM records r JOIN staging s ON s.id = r.id "
                "WHERE s.source = ? AND r.status IN ('published', 'flagged')",
                (run.source,),
            )
            db.executemany(
                "INSERT OR IGNORE INTO superseded SELECT id, ntriples FROM records "
                "WHERE id = ? AND status IN ('published', 'flagged')",
                ((record_id,) for record_id in withdrawn),
            )
            db.execute(
                "INSERT OR REPLACE INTO records SELECT id, source, kind, uri, title, status, content_hash, "
                "profile, policy, ?, violations, warnings, ntriples, report, quality, quality_total, "
                "quality_dimensions, urls, profile_version "
                "FROM staging WHERE source = ?",
                (_stamp(run.ended), run.source),
            )
            db.execute(
                "DELETE FROM record_urls WHERE record_id IN (SELECT id FROM staging WHERE source = ?)",
                (run.source,),
            )
            db.execute(
                "INSERT OR IGNORE INTO record_urls SELECT s.id, j.value FROM staging s, json_each(s.urls) j "
                "WHERE s.source = ?",
                (run.source,),
            )
            db.execute("DELETE FROM staging WHERE source = ?", (run.source,))
            db.execute(
                f"UPDATE runs SET quality_mean = (SELECT avg(quality_total) FROM records WHERE {CURRENT_DATASETS} "
                "AND source = ?) WHERE id = ?",
                (run.source, run.id),
            )
            db.executemany(
                "UPDATE records SET status = ?, ntriples = '' WHERE id = ?",
                ((WITHDRAWN, record_id) for record_id in withdrawn),
            )
            db.executemany("DELETE FROM record_urls WHERE record_id = ?", ((i,) for i in withdrawn))
            if complete:
                db.execute("DELETE FROM pages WHERE source = ?", (run.source,))
                db.execute("INSERT INTO pages SELECT * FROM staging_pages WHERE source = ?", (run.source,))
            db.execute("DELETE FROM staging_pages WHERE source = ?", (run.source,))
            settled = settle_claims(db, run, owns)
            if settled or run.notes:  # the run's counts as the source now stands, and why
                _recount(db, run)
        return Committed(written, settled)

    def discard(self, source: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM staging WHERE source = ?", (source,))
            db.execute("DELETE FROM staging_pages WHERE source = ?", (source,))

    def add_run(self, run: HarvestRun) -> None:
        with self.transaction() as db:
            run.id = _insert_run(db, run)

    def begin_run(self, source: str, kind: str, started: datetime) -> int:
        """Note a harvest or push under way; recording its run (:meth:`commit`, :meth:`add_run`) ends it."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO running (source, kind, started, pid) VALUES (?, ?, ?, ?)",
                (source, kind, _stamp(started), os.getpid()),
            )
        return cursor.lastrowid or 0

    def interrupted(self) -> list[HarvestRun]:
        """Runs begun and never recorded: only called by the one writing process, so their process is gone."""
        rows = self._db().execute("SELECT id, source, kind, started, pid FROM running ORDER BY id")
        now = datetime.now(UTC)
        return [
            HarvestRun(
                source, datetime.fromisoformat(started), now, INTERRUPTED, kind=kind, ticket=ticket,
                error=f"source {source!r}: the {'push' if kind == 'push' else 'harvest'} was interrupted "
                f"(process {pid} stopped before it finished); nothing it read was published",
            )
            for ticket, source, kind, started, pid in rows
        ]  # fmt: skip

    def discard_all(self) -> None:
        """Forget everything staged: at a writing open no harvest is under way, so it was left by a killed one."""
        with self.transaction() as db:
            db.execute("DELETE FROM staging")
            db.execute("DELETE FROM staging_pages")

    def index_pending(self) -> list[str]:
        """Labels (a source's name, or QUALITY_MARK) of committed changes the search index may lack."""
        rows = self._db().execute("SELECT key FROM state WHERE key LIKE ?", (INDEX_MARK + "%",))
        return sorted(row[0][len(INDEX_MARK) :] for row in rows)

    def mark_indexed(self, label: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM state WHERE key = ?", (INDEX_MARK + label,))

    def add_token(self, source: str, digest: str, label: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO tokens (digest, source, label, created) VALUES (?, ?, ?, ?)",
                (digest, source, label, _stamp(datetime.now(UTC))),
            )

    def set_state(self, key: str, value: str) -> None:
        self.set_states({key: value})

    def set_states(self, values: dict[str, str]) -> None:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", values.items())

    # -- reading ---------------------------------------------------------------
    def state(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def generation(self) -> int:
        """The number of harvest runs: it grows with every harvest, failed ones too."""
        row = self._db().execute("SELECT max(id) FROM runs").fetchone()
        return row[0] or 0

    def token_source(self, digest: str) -> str | None:
        row = self._db().execute("SELECT source FROM tokens WHERE digest = ?", (digest,)).fetchone()
        if row and not self.read_only:
            with self.transaction() as db:
                db.execute(
                    "UPDATE tokens SET last_used = ? WHERE digest = ?", (_stamp(datetime.now(UTC)), digest)
                )
        return row[0] if row else None

    def tokens(self, source: str | None = None) -> list[PushToken]:
        where, args = ("WHERE source = ?", (source,)) if source else ("", ())
        rows = self._db().execute(
            f"SELECT digest, source, label, created, last_used FROM tokens {where} ORDER BY created, digest",
            args,
        )
        return [_push_token(*row) for row in rows]

    def revoke_token(self, token_id: str) -> PushToken | None:
        if len(token_id) != TOKEN_ID_LENGTH:
            return None
        with self.transaction() as db:
            row = db.execute(
                "SELECT digest, source, label, created, last_used FROM tokens WHERE substr(digest, 1, ?) = ?",
                (TOKEN_ID_LENGTH, token_id),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM tokens WHERE digest = ?", (row[0],))
        return _push_token(*row)

    def run_changes(self, run_id: int) -> list[RunChange]:
        rows = self._db().execute(
            "SELECT record_id, change, title FROM run_changes WHERE run = ? ORDER BY change, title, record_id",
            (run_id,),
        )
        return [RunChange(*row) for row in rows]

    def run_changes_page(self, run_id: int, per_kind: int) -> tuple[dict[str, int], list[RunChange]]:
        """(changes per kind, the first ``per_kind`` of each kind): a run may change 100,000 records."""
        db = self._db()
        totals = dict(
            db.execute("SELECT change, count(*) FROM run_changes WHERE run = ? GROUP BY change", (run_id,))
        )
        first = []
        for change in sorted(totals):  # each kind read in title order from run_changes_by_title
            first += db.execute(
                "SELECT record_id, change, title FROM run_changes WHERE run = ? AND change = ? "
                "ORDER BY title, record_id LIMIT ?",
                (run_id, change, per_kind),
            ).fetchall()
        return totals, [RunChange(*row) for row in first]

    def first_listed(self) -> dict[str, datetime]:
        """When each record was first added: the start of the run that added it (a record's dct:issued)."""
        rows = self._db().execute(
            "SELECT c.record_id, min(r.started) FROM run_changes c JOIN runs r ON r.id = c.run "
            "WHERE c.change = 'added' GROUP BY c.record_id"
        )
        return {record_id: datetime.fromisoformat(started) for record_id, started in rows}

    def latest_changes(self) -> dict[str, tuple[str, datetime]]:
        """Each record's last change (added, changed, withdrawn) and when its run ended: the LDES's members."""
        db = self._db()
        ended = {run: datetime.fromisoformat(when) for run, when in db.execute("SELECT id, ended FROM runs")}
        # SQLite takes a bare column (change) from the row that holds the max()
        rows = db.execute("SELECT record_id, change, max(run) FROM run_changes GROUP BY record_id")
        return {record_id: (change, ended[run]) for record_id, change, run in rows if run in ended}

    def dataset_counts(self) -> dict[str, dict[str, int]]:
        """Per source, its datasets per status: counted in SQL, never by reading the records."""
        counts: dict[str, dict[str, int]] = {}
        rows = self._db().execute(
            "SELECT source, status, count(*) FROM records WHERE kind = 'dataset' GROUP BY source, status"
        )
        for source, status, count in rows:
            counts.setdefault(source, {})[status] = count
        return counts

    def record_counts(self) -> dict[tuple[str, str, str], int]:
        """Records per (source, kind, status), counted in SQL (the metrics)."""
        rows = self._db().execute(
            "SELECT source, kind, status, count(*) FROM records GROUP BY source, kind, status"
        )
        return {(source, kind, status): count for source, kind, status, count in rows}

    def run_counts(self) -> dict[tuple[str, bool], int]:
        """Harvest and push runs per (source, failed), counted in SQL (the metrics)."""
        rows = self._db().execute(
            "SELECT source, error IS NOT NULL AND error != '', count(*) FROM runs GROUP BY 1, 2"
        )
        return {(source, bool(failed)): count for source, failed, count in rows}

    def source_modified(self, statuses: Iterable[str]) -> dict[str, datetime]:
        """Per source, when its newest record of these statuses was stored (the feed's dct:modified)."""
        wanted = list(statuses)
        rows = self._db().execute(
            f"SELECT source, max(harvested) FROM records WHERE status IN ({', '.join('?' * len(wanted))}) "
            "GROUP BY source",
            wanted,
        )
        return {source: datetime.fromisoformat(when) for source, when in rows}

    def dataset_page(
        self, statuses: Iterable[str], since: datetime | None, limit: int, offset: int
    ) -> tuple[int, list[RecordMeta]]:
        """How many datasets of these statuses (stored ``since``) there are, and one page of them by id."""
        wanted = list(statuses)
        where = f"kind = 'dataset' AND status IN ({', '.join('?' * len(wanted))})"
        params: list[object] = list(wanted)
        if since is not None:
            where += " AND harvested >= ?"
            params.append(_stamp(since))
        db = self._db()
        (total,) = db.execute(f"SELECT count(*) FROM records WHERE {where}", params).fetchone()
        rows = db.execute(
            f"SELECT {META_COLUMNS} FROM records WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return total, [_meta(row) for row in rows]

    def metas(
        self,
        source: str | None = None,
        statuses: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        kind: str | None = None,
    ) -> list[RecordMeta]:
        """Records' metadata in id order (of one ``kind``); ``limit`` and ``offset`` read one page of them."""
        sql, params = f"SELECT {META_COLUMNS} FROM records", []
        where = []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if source is not None:
            where.append("source = ?")
            params.append(source)
        if statuses is not None:
            wanted = list(statuses)
            where.append(f"status IN ({', '.join('?' * len(wanted))})")
            params += wanted
        if where:
            sql += " WHERE " + " AND ".join(where)
        page = self._db().execute(sql + " ORDER BY id LIMIT ? OFFSET ?", [*params, limit or -1, offset])
        return [_meta(row) for row in page]

    # -- quality ---------------------------------------------------------------
    def quality(self, record_id: str) -> QualityScore | None:
        row = self._db().execute("SELECT quality FROM records WHERE id = ?", (record_id,)).fetchone()
        return QualityScore.from_json(row[0]) if row and row[0] else None

    def qualities(self, ids: Sequence[str] | None = None) -> Iterator[tuple[str, str, QualityScore]]:
        """(record id, dataset IRI, score) of these records (None: of all), where there is a score."""
        sql = "SELECT id, uri, quality FROM records WHERE quality IS NOT NULL AND status != 'withdrawn'"
        if ids is None:
            for record_id, uri, text in self._db().execute(sql):
                yield record_id, uri, QualityScore.from_json(text)
            return
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = f"{sql} AND id IN ({', '.join('?' * len(chunk))})"
            for record_id, uri, text in self._db().execute(query, chunk):
                yield record_id, uri, QualityScore.from_json(text)

    def set_quality(self, scores: dict[str, QualityScore]) -> None:
        with self.transaction() as db:
            _mark_unindexed(db, QUALITY_MARK)
            db.executemany(
                "UPDATE records SET quality = ?, quality_total = ?, quality_dimensions = ? WHERE id = ?",
                (
                    (score.to_json(), score.total, json.dumps(score.dimensions()), rid)
                    for rid, score in scores.items()
                ),
            )

    def url_states(self, urls: Iterable[str]) -> dict[str, bool | None]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, bool | None] = dict.fromkeys(wanted)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT url, ok FROM url_checks WHERE url IN ({', '.join('?' * len(chunk))})"
            for url, ok in self._db().execute(sql, chunk):
                found[url] = bool(ok)
        return found

    def urls_due(self, limit: int, checked_before: datetime) -> list[str]:
        rows = self._db().execute(
            "SELECT DISTINCT u.url FROM record_urls u JOIN records r ON r.id = u.record_id "
            "LEFT JOIN url_checks c ON c.url = u.url "
            "WHERE r.status IN ('published', 'flagged') AND (c.url IS NULL OR c.checked < ?) "
            "ORDER BY c.checked IS NOT NULL, c.checked, u.url LIMIT ?",
            (_stamp(checked_before), limit),
        )
        return [row[0] for row in rows]

    def record_url_check(self, url: str, ok: bool, status: int | None, error: str | None) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO url_checks VALUES (?, ?, ?, ?, ?)",
                (url, int(ok), status, error, _stamp(datetime.now(UTC))),
            )

    def records_using(self, urls: Iterable[str]) -> list[str]:
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT record_id FROM record_urls WHERE url IN ({', '.join('?' * len(chunk))})"
            found.update(row[0] for row in self._db().execute(sql, chunk))
        return sorted(found)

    def quality_stats(self, source: str | None = None) -> QualityStats:
        where, params = CURRENT_DATASETS + " AND quality_total IS NOT NULL", []
        if source is not None:
            where += " AND source = ?"
            params.append(source)
        db = self._db()
        dims = ", ".join(f"avg(quality_dimensions ->> '$.{d}')" for d in DIMENSIONS)
        row = db.execute(
            f"SELECT count(*), avg(quality_total), {dims} FROM records WHERE {where}", params
        ).fetchone()
        stats = QualityStats(
            datasets=row[0], mean=row[1], dimensions=dict(zip(DIMENSIONS, row[2:], strict=True))
        )
        for total, count in db.execute(
            f"SELECT quality_total, count(*) FROM records WHERE {where} GROUP BY quality_total", params
        ):
            stats.histogram[min(total // BIN, len(stats.histogram) - 1)] += count
            stats.ratings[rating(total)] += count
        stats.missed = db.execute(
            f"SELECT j.value ->> 0, j.value ->> 2, sum((j.value ->> 3) - (j.value ->> 4)) AS lost "
            f"FROM records, json_each(records.quality) j WHERE {where} GROUP BY 1, 2 HAVING lost > 0 "
            "ORDER BY lost DESC",
            params,
        ).fetchall()
        stats.violations = db.execute(
            f"SELECT j.value ->> 'path', j.value ->> 'message', count(DISTINCT records.id) "
            f"FROM records, json_each(records.report) j WHERE {where.replace('quality_total IS NOT NULL', '1')} "
            "AND j.value ->> 'severity' = 'Violation' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10",
            params,
        ).fetchall()
        stats.worst = db.execute(
            f"SELECT id, title, quality_total FROM records WHERE {where} ORDER BY quality_total, title LIMIT 20",
            params,
        ).fetchall()
        return stats

    def quality_rows(
        self, source: str | None = None
    ) -> Iterator[tuple[str, str, str, str, int, dict[str, int]]]:
        """(id, source, title, status, total, points per dimension) of every current dataset with a score."""
        sql = (
            "SELECT id, source, title, status, quality_total, quality_dimensions FROM records "
            f"WHERE {CURRENT_DATASETS} AND quality_total IS NOT NULL"
        )
        params = []
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        for rid, src, title, status, total, dims in self._db().execute(sql + " ORDER BY source, id", params):
            yield rid, src, title, status, total, json.loads(dims)

    def record_states(self, source: str) -> dict[str, RecordState]:
        rows = self._db().execute(
            "SELECT id, content_hash, profile, policy, status, kind, profile_version FROM records "
            "WHERE source = ? AND status != ?",
            (source, WITHDRAWN),
        )
        # the short strings repeat for every record: one copy each
        return {
            rid: RecordState(
                digest, intern(profile), intern(policy), intern(status), intern(kind), intern(version)
            )
            for rid, digest, profile, policy, status, kind, version in rows
        }

    def triple_counts(self, statuses: Iterable[str]) -> dict[str, int]:
        """Per record with one of these statuses, the triples it holds (its N-Triples lines)."""
        wanted = list(statuses)
        sql = (
            "SELECT id, length(ntriples) - length(replace(ntriples, char(10), '')) FROM records "
            f"WHERE status IN ({', '.join('?' * len(wanted))})"
        )
        return dict(self._db().execute(sql, wanted))

    def metas_of(self, ids: Sequence[str]) -> Iterator[RecordMeta]:
        """These records' metadata (those that exist), a slice of ids per query."""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            sql = f"SELECT {META_COLUMNS} FROM records WHERE id IN ({', '.join('?' * len(chunk))})"
            for row in self._db().execute(sql, chunk):
                yield _meta(row)

    def superseded(self, ids: Sequence[str]) -> Iterator[tuple[str, str]]:
        """(id, N-Triples) of these records as they were visible before the last commit replaced them."""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            sql = f"SELECT id, ntriples FROM superseded WHERE id IN ({', '.join('?' * len(chunk))})"
            yield from self._db().execute(sql, chunk)

    def forget_superseded(self) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM superseded")

    def staged_ids(self, source: str) -> list[str]:
        """The records a harvest of this source has staged so far."""
        return [row[0] for row in self._db().execute("SELECT id FROM staging WHERE source = ?", (source,))]

    def meta(self, record_id: str) -> RecordMeta | None:
        row = self._db().execute(f"SELECT {META_COLUMNS} FROM records WHERE id = ?", (record_id,)).fetchone()
        return _meta(row) if row else None

    def ntriples(self, record_id: str) -> str:
        row = self._db().execute("SELECT ntriples FROM records WHERE id = ?", (record_id,)).fetchone()
        return row[0] if row else ""

    def report(self, record_id: str) -> ValidationReport:
        row = self._db().execute("SELECT report FROM records WHERE id = ?", (record_id,)).fetchone()
        return _report(row[0]) if row else ValidationReport()

    def texts_of(self, ids: Sequence[str]) -> Iterator[tuple[RecordMeta, str]]:
        """These records and their N-Triples, a slice of ids per query."""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            sql = f"SELECT {META_COLUMNS}, ntriples FROM records WHERE id IN ({', '.join('?' * len(chunk))})"
            for row in self._db().execute(sql, chunk):
                yield _meta(row[:-1]), row[-1]

    def texts(self, statuses: Iterable[str]) -> Iterator[tuple[RecordMeta, str]]:
        """Every record with one of these statuses and its N-Triples, in id order, read lazily."""
        wanted = list(statuses)
        sql = (
            f"SELECT {META_COLUMNS}, ntriples FROM records "
            f"WHERE status IN ({', '.join('?' * len(wanted))}) ORDER BY id"
        )
        for row in self._db().execute(sql, wanted):
            yield _meta(row[:-1]), row[-1]

    def runs(self, source: str | None = None, limit: int | None = 20) -> list[HarvestRun]:
        sql = (
            "SELECT id, source, started, ended, outcome, kind, counts, error, rejected_ids, quality_mean, notes "
            "FROM runs"
        )
        params: list[object] = []
        if source is not None:
            sql += " WHERE source = ?"
            params.append(source)
        rows = self._db().execute(sql + " ORDER BY started DESC, id DESC LIMIT ?", [*params, limit or -1])
        return [_run(row) for row in rows]


def _row(write: RecordWrite, when: datetime) -> tuple[Any, ...]:
    record, report, quality = write.record, write.report, write.quality
    text = "".join(f"{t} .\n" for t in record.triples)
    results = json.dumps([asdict(result) for result in report.results])
    return (
        record.id, record.source, record.kind, record.uri, record.title, write.status,
        record.content_hash, write.profile, write.policy, _stamp(when),
        report.violations, report.warnings, text, results,
        quality.to_json() if quality else None, quality.total if quality else None,
        json.dumps(quality.dimensions()) if quality else None, json.dumps(write.urls), write.profile_version,
    )  # fmt: skip


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


def _push_token(digest: str, source: str, label: str, created: str, last_used: str | None) -> PushToken:
    used = datetime.fromisoformat(last_used) if last_used else None
    return PushToken(digest[:TOKEN_ID_LENGTH], source, label, datetime.fromisoformat(created), used)


def _recount(db: sqlite3.Connection, run: HarvestRun) -> None:
    counts = dict(
        db.execute(
            "SELECT status, count(*) FROM records WHERE source = ? AND kind = 'dataset' GROUP BY status",
            (run.source,),
        ).fetchall()
    )
    run.published, run.flagged = counts.get(PUBLISHED, 0), counts.get(FLAGGED, 0)
    db.execute(
        "UPDATE runs SET counts = ?, notes = ? WHERE id = ?", (_counts(run), json.dumps(run.notes), run.id)
    )


def _mark_unindexed(db: sqlite3.Connection, label: str) -> None:
    """In the transaction of a change that search must follow: cleared once the index has it."""
    db.execute("INSERT OR REPLACE INTO state VALUES (?, 'pending')", (INDEX_MARK + label,))


def _insert_run(db: sqlite3.Connection, run: HarvestRun) -> int:
    if run.ticket is not None:  # the run is recorded: it is no longer under way
        db.execute("DELETE FROM running WHERE id = ?", (run.ticket,))
    cursor = db.execute(
        "INSERT INTO runs (source, started, ended, outcome, kind, counts, error, rejected_ids, notes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run.source, _stamp(run.started), _stamp(run.ended), run.outcome, run.kind, _counts(run), run.error,
         json.dumps(run.rejected_ids), json.dumps(run.notes)),
    )  # fmt: skip
    return cursor.lastrowid or 0


def _counts(run: HarvestRun) -> str:
    return json.dumps({name: getattr(run, name) for name in COUNTS})


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _meta(row: tuple[Any, ...]) -> RecordMeta:
    (record_id, source, kind, uri, status, title, content_hash, profile, policy,
     harvested, violations, warnings, quality) = row  # fmt: skip
    return RecordMeta(
        id=record_id, source=source, kind=kind, uri=uri, status=status, title=title,
        content_hash=content_hash, profile=profile, policy=policy,
        harvested=datetime.fromisoformat(harvested), violations=violations, warnings=warnings, quality=quality,
    )  # fmt: skip


_RESULT_FIELDS = {f.name for f in fields(ValidationResult)}


def _report(text: str) -> ValidationReport:
    return ValidationReport(
        [
            ValidationResult(**{k: v for k, v in item.items() if k in _RESULT_FIELDS})
            for item in json.loads(text)
        ]
    )


def _run(row: tuple[Any, ...]) -> HarvestRun:
    run_id, source, started, ended, outcome, kind, counts, error, rejected_ids, quality_mean, notes = row
    return HarvestRun(
        notes=json.loads(notes),
        id=run_id,
        quality_mean=quality_mean,
        kind=kind,
        source=source,
        started=datetime.fromisoformat(started),
        ended=datetime.fromisoformat(ended),
        outcome=outcome,
        error=error,
        rejected_ids=json.loads(rejected_ids),
        **{name: value for name, value in json.loads(counts).items() if name in COUNTS},
    )
