"""The plain data the store takes and gives: record metadata, writes, harvest runs, tokens, statistics.

Kept apart from the protocols (``catalogue/store/protocols/``) so that a
caller who needs only a type — the web showing a run, the index reading a
record's metadata — reads no interface; and free of third-party imports but
pyoxigraph's terms, so that storage loads no validator (the reports and
quality scores it keeps are :mod:`catalogue.model`'s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

import pyoxigraph as ox

from catalogue.model import QualityScore, ValidationReport

if TYPE_CHECKING:
    from catalogue.records import Record

PUBLISHED, FLAGGED, REJECTED, WITHDRAWN = "published", "flagged", "rejected", "withdrawn"
#: a record of a dataset IRI that another source publishes (and wins: see catalogue/claims.py)
DUPLICATE = "duplicate"
#: statuses whose records are visible in search, the feed and the SPARQL default graph
VISIBLE = (PUBLISHED, FLAGGED)
#: the outcome of a run whose process was killed before it recorded the run
INTERRUPTED = "interrupted"
#: the label of quality-score changes the search index may lack (see Store.index_pending)
QUALITY_MARK = "(quality)"


@dataclass(frozen=True)
class RecordMeta:
    id: str
    source: str
    kind: str
    uri: str
    status: str
    title: str
    content_hash: str
    profile: str
    policy: str
    harvested: datetime  # when this content was first stored
    violations: int = 0
    warnings: int = 0
    quality: int | None = None  # total quality points (datasets only)


class RecordState(NamedTuple):
    """What a harvest needs to know of a stored record to tell whether it changed (lean: one per record)."""

    content_hash: str
    profile: str
    policy: str
    status: str
    kind: str
    #: the shapes the verdict was reached with (Validator.profile_version): "" if unknown
    profile_version: str = ""


class MirroredRecord(NamedTuple):
    """What the triple side holds for one record (``catalogue check`` compares it with the registry)."""

    content_hash: str | None  # as its provenance says; None without provenance, "" if it says several
    status: str | None
    triples: int  # in the record's graph (0: no graph)


@dataclass
class StoredRecord:
    meta: RecordMeta
    triples: list[ox.Triple]
    report: ValidationReport


@dataclass
class RecordWrite:
    """A record as a harvest decided to keep it."""

    record: Record
    status: str
    report: ValidationReport
    profile: str
    policy: str
    quality: QualityScore | None = None
    #: the access and download URLs the quality score depends on
    urls: list[str] = field(default_factory=list)
    #: the profile's name and shapes digest (Validator.profile_version): a verdict is reused only while
    #: the shapes that reached it are the ones in force
    profile_version: str = ""

    def meta(self, harvested: datetime) -> RecordMeta:
        record, report = self.record, self.report
        return RecordMeta(
            id=record.id, source=record.source, kind=record.kind, uri=record.uri, status=self.status,
            title=record.title, content_hash=record.content_hash, profile=self.profile, policy=self.policy,
            harvested=harvested, violations=report.violations, warnings=report.warnings,
            quality=self.quality.total if self.quality else None,
        )  # fmt: skip


@dataclass
class HarvestRun:
    """One harvest (or push) of a source; the dataset counts describe the source as it then stood."""

    source: str
    started: datetime
    ended: datetime
    outcome: str  # "ok", "failed" or INTERRUPTED
    kind: str = "rdf"  # the source kind, or "push"
    pages: int = 0  # documents fetched
    found: int = 0  # datasets in the source
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    published: int = 0
    flagged: int = 0
    rejected: int = 0
    violations: int = 0  # in the records validated by this run
    warnings: int = 0
    error: str | None = None
    rejected_ids: list[str] = field(default_factory=list)
    id: int | None = None  # given by the store
    quality_mean: float | None = None  # the source's mean quality points after the run (given by the store)
    ticket: int | None = None  # the note that it is under way (Store.begin_run), closed when it is recorded
    #: what the run found worth saying besides its counts: claims on dataset IRIs refused or taken over
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunChange:
    """A dataset a run added, changed or withdrew."""

    record_id: str
    change: str  # ADDED, CHANGED or WITHDRAWN
    title: str


ADDED, CHANGED = "added", "changed"


@dataclass(frozen=True)
class PushToken:
    """A push token as the registry knows it: never the token itself, only what identifies it."""

    id: str  # the first characters of its digest: enough to name it, useless to push with
    source: str
    label: str
    created: datetime
    last_used: datetime | None


@dataclass
class QualityStats:
    """Quality of a node's (or every node's) current datasets, for the dashboards."""

    datasets: int
    mean: float | None
    dimensions: dict[str, float | None]  # mean points per dimension
    histogram: list[int] = field(default_factory=lambda: [0] * 9)  # datasets per 45-point band
    ratings: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("excellent", "good", "sufficient", "bad"), 0)
    )
    missed: list[tuple[str, str, float]] = field(default_factory=list)  # (check, label, points lost in all)
    violations: list[tuple[str, str, int]] = field(default_factory=list)  # (path, message, datasets)
    worst: list[tuple[str, str, int]] = field(default_factory=list)  # (record id, title, points)


@dataclass
class PageMemory:
    """What one page of a source gave the last harvest, so an identical page need not be split again."""

    digest: str
    datasets: list[str]  # record ids
    catalogs: dict[str, tuple[str, str]]  # catalogue-level record id → (root IRI, N-Triples of its part)


#: an RDF term a query of our own binds a variable to (RDF 1.2 triple terms are not metadata: left out)
Term = ox.NamedNode | ox.BlankNode | ox.Literal
TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal)
#: one row of a SELECT: each bound variable, by name
Solution = dict[str, Term]
#: graphs that make a query's dataset (see catalogue/store/protocols/triples.py)
Graphs = Sequence[ox.NamedNode]


def solutions(result: object) -> list[Solution]:
    """The rows of a SELECT's pyoxigraph result (a TypeError if the query was no SELECT).

    A row is read by iterating it, in the variables' order: a third faster than
    looking each variable up by name.
    """
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"a SELECT query was answered with {type(result).__name__}")
    names = [variable.value for variable in result.variables]
    return [
        {name: term for name, term in zip(names, row, strict=True) if isinstance(term, TERMS)}
        for row in result
    ]
