"""The record registry: every record's metadata, exact text and report, and every harvest run, in SQLite.

Why SQLite next to a triple store: a harvest must change a source all at once
or not at all, and pages, the feed and dumps must read records without memory
that grows with the catalogue. SQLite gives both — one transaction per harvest,
and reads through a small, bounded page cache — while RocksDB's block caches
fill with every record read. The registry is the commit point whichever triple
store is configured; the triple store keeps what SPARQL needs (see
``mirror.py``) and is rebuilt from here if the two ever disagree.

The registry is split by concern, one class a file over one SQLite database
(``sqlite.py``: schema, connections, transactions): the records here, the
harvest log (``runlog.py``), push tokens and link checks (``links.py``) and
quality scores (``quality_table.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from sys import intern
from typing import Any

from catalogue.model import ValidationReport, ValidationResult
from catalogue.store.claims import Owns, nobody_owns, settle_claims
from catalogue.store.links import TokensAndLinks
from catalogue.store.packed import pack, pack_optional, unpack
from catalogue.store.quality_table import CURRENT_DATASETS, QualityTable
from catalogue.store.runlog import RunLog, insert_run, recount
from catalogue.store.sqlite import INDEX_MARK, mark_unindexed, stamp
from catalogue.store.types import (
    WITHDRAWN,
    HarvestRun,
    PageMemory,
    RecordMeta,
    RecordState,
    RecordWrite,
)

META_COLUMNS = (
    "id, source, kind, uri, status, title, content_hash, profile, policy, harvested, violations, warnings, "
    "quality_total"
)
RECORD_VALUES = "(" + ", ".join("?" * 19) + ")"


class Registry(RunLog, TokensAndLinks, QualityTable):
    """The records (staged, committed, superseded), beside the run log, tokens, link checks and scores."""

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
    ) -> dict[str, str]:
        """Staged records of the run's source become current, with the run and its changes, in one go.

        The source's claims on dataset IRIs that other sources publish too are
        settled in the same transaction (:func:`catalogue.claims.settle_claims`):
        returns the records whose status that changed (id → the status before).
        The records written are those :meth:`staged_ids` gave before (not listed
        again: a million ids are 75 MB).
        """
        withdrawn = list(withdrawn)
        with self.transaction() as db:
            run.id = insert_run(db, run)
            mark_unindexed(db, run.source)
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
                (stamp(run.ended), run.source),
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
                recount(db, run)
        self.reclaim()  # the staged copies' pages
        return settled

    def discard(self, source: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM staging WHERE source = ?", (source,))
            db.execute("DELETE FROM staging_pages WHERE source = ?", (source,))
        self.reclaim()

    def discard_all(self) -> None:
        """Forget everything staged: at a writing open no harvest is under way, so it was left by a killed one."""
        with self.transaction() as db:
            db.execute("DELETE FROM staging")
            db.execute("DELETE FROM staging_pages")
        self.reclaim()

    def index_pending(self) -> list[str]:
        """Labels (a source's name, or QUALITY_MARK) of committed changes the search index may lack."""
        rows = self._db().execute("SELECT key FROM state WHERE key LIKE ?", (INDEX_MARK + "%",))
        return sorted(row[0][len(INDEX_MARK) :] for row in rows)

    def mark_indexed(self, label: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM state WHERE key = ?", (INDEX_MARK + label,))

    # -- reading ---------------------------------------------------------------

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
            params.append(stamp(since))
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

    def record_states(self, source: str) -> dict[str, RecordState]:
        return dict(self.iter_record_states(source))

    def iter_record_states(self, source: str) -> Iterator[tuple[str, RecordState]]:
        """The source's current records one by one, read from SQLite as they are used."""
        rows = self._db().execute(
            "SELECT id, content_hash, profile, policy, status, kind, profile_version FROM records "
            "WHERE source = ? AND status != ?",
            (source, WITHDRAWN),
        )
        for rid, digest, profile, policy, status, kind, version in rows:
            # the short strings repeat for every record: one copy each
            yield (
                rid,
                RecordState(
                    digest, intern(profile), intern(policy), intern(status), intern(kind), intern(version)
                ),
            )

    def triple_counts(self, statuses: Iterable[str]) -> dict[str, int]:
        """Per record with one of these statuses, the triples it holds (its N-Triples lines)."""
        wanted = list(statuses)
        sql = f"SELECT id, ntriples FROM records WHERE status IN ({', '.join('?' * len(wanted))})"
        return {
            record_id: unpack(text, record_id).count("\n")
            for record_id, text in self._db().execute(sql, wanted)
        }

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
            for record_id, text in self._db().execute(sql, chunk):
                yield record_id, unpack(text, record_id)

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
        return unpack(row[0], record_id) if row else ""

    def report(self, record_id: str) -> ValidationReport:
        row = self._db().execute("SELECT report FROM records WHERE id = ?", (record_id,)).fetchone()
        return _report(unpack(row[0], record_id)) if row else ValidationReport()

    def texts_of(self, ids: Sequence[str]) -> Iterator[tuple[RecordMeta, str]]:
        """These records and their N-Triples, a slice of ids per query."""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            sql = f"SELECT {META_COLUMNS}, ntriples FROM records WHERE id IN ({', '.join('?' * len(chunk))})"
            for row in self._db().execute(sql, chunk):
                yield _meta(row[:-1]), unpack(row[-1], row[0])

    def texts(self, statuses: Iterable[str]) -> Iterator[tuple[RecordMeta, str]]:
        """Every record with one of these statuses and its N-Triples, in id order, read lazily."""
        wanted = list(statuses)
        sql = (
            f"SELECT {META_COLUMNS}, ntriples FROM records "
            f"WHERE status IN ({', '.join('?' * len(wanted))}) ORDER BY id"
        )
        for row in self._db().execute(sql, wanted):
            yield _meta(row[:-1]), unpack(row[-1], row[0])


def _row(write: RecordWrite, when: datetime) -> tuple[Any, ...]:
    record, report, quality = write.record, write.report, write.quality
    text = "".join(f"{t} .\n" for t in record.triples)
    results = json.dumps([asdict(result) for result in report.results])
    return (
        record.id, record.source, record.kind, record.uri, record.title, write.status,
        record.content_hash, write.profile, write.policy, stamp(when),
        report.violations, report.warnings, pack(text), pack(results),
        pack_optional(quality.to_json() if quality else None), quality.total if quality else None,
        json.dumps(quality.dimensions()) if quality else None, json.dumps(write.urls), write.profile_version,
    )  # fmt: skip


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
