"""The harvest log in the registry: runs (each harvest or push, failed ones too), those under way, changes.

Every harvest's run is one row, written in the same transaction as its records
(``registry.py``); the number of runs is the store's generation.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

from catalogue.store.sqlite import Database, stamp
from catalogue.store.types import FLAGGED, INTERRUPTED, PUBLISHED, HarvestRun, RunChange

COUNTS = (
    "pages", "found", "new", "changed", "unchanged", "withdrawn", "published", "flagged", "rejected",
    "violations", "warnings",
)  # fmt: skip


class RunLog(Database):
    """Harvest runs and their changes."""

    def add_run(self, run: HarvestRun) -> None:
        with self.transaction() as db:
            run.id = insert_run(db, run)

    def begin_run(self, source: str, kind: str, started: datetime) -> int:
        """Note a harvest or push under way; recording its run (:meth:`commit`, :meth:`add_run`) ends it."""
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO running (source, kind, started, pid) VALUES (?, ?, ?, ?)",
                (source, kind, stamp(started), os.getpid()),
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

    def generation(self) -> int:
        """The number of harvest runs: it grows with every harvest, failed ones too."""
        row = self._db().execute("SELECT max(id) FROM runs").fetchone()
        return row[0] or 0

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


def insert_run(db: sqlite3.Connection, run: HarvestRun) -> int:
    if run.ticket is not None:  # the run is recorded: it is no longer under way
        db.execute("DELETE FROM running WHERE id = ?", (run.ticket,))
    cursor = db.execute(
        "INSERT INTO runs (source, started, ended, outcome, kind, counts, error, rejected_ids, notes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run.source, stamp(run.started), stamp(run.ended), run.outcome, run.kind, _counts(run), run.error,
         json.dumps(run.rejected_ids), json.dumps(run.notes)),
    )  # fmt: skip
    return cursor.lastrowid or 0


def _counts(run: HarvestRun) -> str:
    return json.dumps({name: getattr(run, name) for name in COUNTS})


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


def recount(db: sqlite3.Connection, run: HarvestRun) -> None:
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
