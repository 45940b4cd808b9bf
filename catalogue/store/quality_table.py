"""Quality scores in the registry: each record's score, and the statistics of the quality dashboards.

Scores are columns of the records (packed JSON, total, points per dimension)
so that the dashboards' counts and means are SQL; the points lost per check
and the commonest violations take one streamed pass over the packed JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence

from catalogue.model import BIN, DIMENSIONS, VIOLATION, QualityScore, rating
from catalogue.store.packed import pack, unpack
from catalogue.store.sqlite import Database, mark_unindexed
from catalogue.store.types import QUALITY_MARK, QualityStats

#: the datasets a node currently offers, whatever validation said (the quality dashboards' population)
CURRENT_DATASETS = "kind = 'dataset' AND status != 'withdrawn'"


class QualityTable(Database):
    """Scores and their statistics."""

    def quality(self, record_id: str) -> QualityScore | None:
        row = self._db().execute("SELECT quality FROM records WHERE id = ?", (record_id,)).fetchone()
        return QualityScore.from_json(unpack(row[0], record_id)) if row and row[0] else None

    def qualities(self, ids: Sequence[str] | None = None) -> Iterator[tuple[str, str, QualityScore]]:
        """(record id, dataset IRI, score) of these records (None: of all), where there is a score."""
        sql = "SELECT id, uri, quality FROM records WHERE quality IS NOT NULL AND status != 'withdrawn'"
        if ids is None:
            for record_id, uri, text in self._db().execute(sql):
                yield record_id, uri, QualityScore.from_json(unpack(text, record_id))
            return
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = f"{sql} AND id IN ({', '.join('?' * len(chunk))})"
            for record_id, uri, text in self._db().execute(query, chunk):
                yield record_id, uri, QualityScore.from_json(unpack(text, record_id))

    def set_quality(self, scores: dict[str, QualityScore]) -> None:
        with self.transaction() as db:
            mark_unindexed(db, QUALITY_MARK)
            db.executemany(
                "UPDATE records SET quality = ?, quality_total = ?, quality_dimensions = ? WHERE id = ?",
                (
                    (pack(score.to_json()), score.total, json.dumps(score.dimensions()), rid)
                    for rid, score in scores.items()
                ),
            )

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
        stats.missed = self._missed(where, params)
        # only a record with violations has a result of that severity: the others' reports stay unread
        stats.violations = self._violations(
            where.replace("quality_total IS NOT NULL", "violations > 0"), params
        )
        stats.worst = db.execute(
            f"SELECT id, title, quality_total FROM records WHERE {where} ORDER BY quality_total, title LIMIT 20",
            params,
        ).fetchall()
        return stats

    def _missed(self, where: str, params: list[str]) -> list[tuple[str, str, float]]:
        """(check, label, points lost in all) where some were lost, most first.

        Summed here, as SQL cannot read packed JSON (packed.py); at 100,000
        datasets this is faster than ``json_each`` over plain text was.
        """
        lost: dict[tuple[str, str], float] = {}
        for rid, text in self._db().execute(f"SELECT id, quality FROM records WHERE {where}", params):
            for check, _, label, points, earned in json.loads(unpack(text, rid)):
                lost[check, label] = lost.get((check, label), 0.0) + points - earned
        return sorted(((c, label, v) for (c, label), v in lost.items() if v > 0), key=lambda row: -row[2])

    def _violations(self, where: str, params: list[str]) -> list[tuple[str, str, int]]:
        """The ten (path, message, datasets) most datasets violate."""
        datasets: Counter[tuple[str, str]] = Counter()
        for rid, text in self._db().execute(f"SELECT id, report FROM records WHERE {where}", params):
            results = json.loads(unpack(text, rid))
            datasets.update({(r["path"], r["message"]) for r in results if r["severity"] == VIOLATION})
        return [(path, message, count) for (path, message), count in datasets.most_common(10)]

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
