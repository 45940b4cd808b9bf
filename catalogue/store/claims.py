"""One dataset IRI, one visible record: the rule as the registry applies it in a commit's transaction.

The rule and why are told in :mod:`catalogue.claims`, which also builds the
namespace test (:data:`Owns`) from the configured sources; here is what the
registry runs on its own tables, so the store needs nothing of the configuration.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator

from catalogue.store.types import DUPLICATE, FLAGGED, PUBLISHED, REJECTED, HarvestRun

#: owns(source name, dataset IRI): whether the IRI is in that source's namespace
Owns = Callable[[str, str], bool]


def nobody_owns(source: str, iri: str) -> bool:
    """Without configured sources (tools, tests): only "first to publish" decides."""
    return False


def refused(iri: str, holder: str) -> str:
    """What the losing node's run says."""
    return f"dataset IRI {iri} is already published by source {holder!r}; this source's record is kept, unpublished"


def taken_over(iri: str, holders: Iterable[str]) -> str:
    """What the owner's run says when it took an IRI over."""
    names = ", ".join(repr(h) for h in sorted(set(holders)))
    return f"dataset IRI {iri} is in this source's namespace: published from here instead of source {names}"


def settle_claims(db: sqlite3.Connection, run: HarvestRun, owns: Owns) -> dict[str, str]:
    """Leave one visible record per dataset IRI among the run's source's (the rule: catalogue/claims.py).

    Called by the registry inside a commit's transaction, after the source's
    staged records became current. Returns the records whose status changed,
    with the status they had; ``run.notes`` gets what the source should hear.
    """
    source = run.source
    rivals: dict[str, tuple[str, str, list[tuple[str, str]]]] = {}
    for rid, uri, status, other, holder in db.execute(
        "SELECT r.id, r.uri, r.status, o.id, o.source FROM records r JOIN records o "
        "ON o.uri = r.uri AND o.source != r.source AND o.kind = 'dataset' AND o.status IN (?, ?) "
        "WHERE r.source = ? AND r.kind = 'dataset' AND r.status IN (?, ?, ?) ORDER BY r.id, o.id",
        (PUBLISHED, FLAGGED, source, PUBLISHED, FLAGGED, DUPLICATE),
    ):
        rivals.setdefault(rid, (uri, status, []))[2].append((other, holder))
    demote: list[str] = []
    release = [
        row[0]
        for row in db.execute(
            "SELECT id FROM records r WHERE source = ? AND status = ? AND NOT EXISTS (SELECT 1 FROM records o "
            "WHERE o.uri = r.uri AND o.source != r.source AND o.kind = 'dataset' AND o.status IN (?, ?))",
            (source, DUPLICATE, PUBLISHED, FLAGGED),
        )
    ]
    for rid, (uri, status, others) in rivals.items():
        if owns(source, uri) and not any(owns(holder, uri) for _, holder in others):
            demote += [other for other, _ in others]
            release += [rid] if status == DUPLICATE else []
            run.notes.append(taken_over(uri, [holder for _, holder in others]))
        else:
            demote += [rid] if status != DUPLICATE else []
            run.notes.append(refused(uri, others[0][1]))
    settled = {rid: status for rid, status in _statuses(db, [*demote, *release])}
    db.executemany(
        "INSERT OR IGNORE INTO superseded SELECT id, ntriples FROM records WHERE id = ? AND status IN (?, ?)",
        ((rid, PUBLISHED, FLAGGED) for rid in demote),
    )
    db.executemany("UPDATE records SET status = ? WHERE id = ?", ((DUPLICATE, rid) for rid in demote))
    db.executemany(  # back to the verdict validation gave it (ValidationReport.conforms, status_for)
        "UPDATE records SET status = CASE WHEN violations = 0 THEN ? WHEN policy = 'warn' THEN ? ELSE ? END "
        "WHERE id = ?",
        ((PUBLISHED, FLAGGED, REJECTED, rid) for rid in release),
    )
    return settled


def _statuses(db: sqlite3.Connection, ids: list[str]) -> Iterator[tuple[str, str]]:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        yield from db.execute(
            f"SELECT id, status FROM records WHERE id IN ({', '.join('?' * len(chunk))})", chunk
        )
