"""Quality scores in the registry: each record's score, and the statistics of the quality dashboards.

Scores are columns of the records (JSON, total, points per dimension) so that
the dashboards count in SQL, never by reading records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from catalogue.model import BIN, DIMENSIONS, QualityScore, rating
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
        stats.missed = db.execute(
            f"SELECT j.value ->> 0, j.value ->> 2, sum((j.value ->> 3) - (j.value ->> 4)) AS lost "
            f"FROM records, json_each(unpack(records.quality, records.id)) j WHERE {where} "
            "GROUP BY 1, 2 HAVING lost > 0 "
            "ORDER BY lost DESC",
            params,
        ).fetchall()
        stats.violations = db.execute(
            f"SELECT j.value ->> 'path', j.value ->> 'message', count(DISTINCT records.id) "
            "FROM records, json_each(unpack(records.report, records.id)) j "
            f"WHERE {where.replace('quality_total IS NOT NULL', '1')} "
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
