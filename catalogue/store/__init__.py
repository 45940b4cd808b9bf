"""The store: the catalogue's source of truth.

Every record as harvested (one named graph each), its validation report, and
provenance that says for each record where it came from, when, with which
content hash and which validation outcome, and for each source its harvest
runs.
Callers use the :class:`Store` protocol and :func:`open_store`; nothing outside
this package imports a backend. Every backend is the same
:class:`~catalogue.store.mirror.MirroredStore`: the SQLite record registry
(``registry.py``, always local, in ``data_dir/store``) is the commit point, and
after each commit a *triple side* — what SPARQL sees — is brought in line:

* ``embedded.py``: pyoxigraph on disk beside the registry (``backend = "embedded"``);
* ``sparql_server.py``: a SPARQL 1.1 server reached over HTTP, e.g. the
  Oxigraph server or Virtuoso (``backend = "sparql"``); the public ``/sparql``
  endpoint then forwards queries to it (see :class:`SparqlServer`).

If the triple side and the registry ever disagree (a process stopped between
them, a server that was unreachable or wiped), it is rebuilt from the registry.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, overload

import pyoxigraph as ox

from catalogue.errors import CatalogueError
from catalogue.model import ValidationReport
from catalogue.quality import QualityScore
from catalogue.records import Record

if TYPE_CHECKING:
    from catalogue.claims import Owns
    from catalogue.config import Settings
    from catalogue.store.mirror import MirroredStore

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


class Committed(NamedTuple):
    """What a registry commit changed: the records written, and others whose claims it settled."""

    written: list[str]
    settled: dict[str, str]  # record id → the status it had before


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


class StoreLockedError(CatalogueError, RuntimeError):
    """Another process holds the store (RocksDB allows one writer)."""

    http_status = 503


class StoreFormatError(CatalogueError, RuntimeError):
    """The folder holds a store this version cannot read."""


class RemoteStoreError(CatalogueError, RuntimeError):
    """A SPARQL server holding the store's triples could not be reached, or refused a request."""

    http_status = 502

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status it answered with, if it answered


class RemoteTimeout(RemoteStoreError):
    """The SPARQL server did not answer in time."""

    http_status = 504


@dataclass
class RemoteAnswer:
    """A query result on its way from a SPARQL server, read lazily (close it when done)."""

    media_type: str  # without parameters, e.g. application/sparql-results+json
    body: io.RawIOBase
    #: the server said it cut the result short (Virtuoso's ``X-SPARQL-MaxRows``)
    truncated: bool = False

    def close(self) -> None:
        self.body.close()


class SparqlServer(Protocol):
    """The SPARQL 1.1 server that holds a store's triples: the public endpoint forwards queries to it.

    It keeps, besides the record graphs and the provenance graph, the union of
    the visible record graphs materialised as one graph (:attr:`published`): the
    public default graph, passed as ``default-graph-uri``.
    """

    #: the materialised union of the visible record graphs
    published: ox.NamedNode
    #: True: a query that uses GRAPH is sent the provenance and every visible record graph as
    #: ``named-graph-uri`` (what the SPARQL 1.1 Protocol requires: Oxigraph); False: the
    #: server's own named graphs are used (Virtuoso, which cannot take thousands of them)
    lists_named_graphs: bool

    def open_query(
        self,
        query: str,
        accept: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        timeout: float,
    ) -> RemoteAnswer:
        """Send a query (SPARQL 1.1 Protocol, POST); raises :class:`RemoteStoreError`."""
        ...


class Store(Protocol):
    def states(self, source: str) -> dict[str, RecordMeta]:
        """Every current (not withdrawn) record of a source, by id."""
        ...

    def record_states(self, source: str) -> dict[str, RecordState]:
        """Like :meth:`states`, but only what change detection needs: light enough for 100,000 records."""
        ...

    def iter_record_states(self, source: str) -> Iterator[tuple[str, RecordState]]:
        """:meth:`record_states` one by one, never all in memory: a harvest of a million records."""
        ...

    def stage(self, writes: Iterable[RecordWrite]) -> None:
        """Keep new and changed records of a harvest in progress, unseen until :meth:`commit`."""
        ...

    def stage_page(self, source: str, url: str, memory: PageMemory) -> None:
        """Keep what a page gave this harvest, to become the page memory at :meth:`commit`."""
        ...

    def page_memory(self, source: str, url: str) -> PageMemory | None:
        """What the page gave the last successful harvest, if it was remembered."""
        ...

    def commit(
        self, run: HarvestRun, withdrawn: Iterable[str], complete: bool = False, owns: Owns | None = None
    ) -> list[str]:
        """Publish the source's staged records, withdraw some, record the run — all at once.

        Returns the ids of the records written, and of other records whose
        status the commit changed: claims on one dataset IRI by several sources
        are settled by ``owns`` (see :mod:`catalogue.claims`). A ``complete``
        harvest (one that read the whole source) also replaces the source's
        page memory.
        """
        ...

    def discard(self, source: str) -> None:
        """Forget what a failed harvest staged."""
        ...

    def apply(self, writes: Iterable[RecordWrite], withdrawn: Iterable[str], run: HarvestRun) -> None:
        """Stage and commit in one go (pushes, tests)."""
        ...

    def add_run(self, run: HarvestRun) -> None:
        """Record a run that changed nothing (a failed one)."""
        ...

    def run_changes(self, run_id: int) -> list[RunChange]: ...

    def begin_run(self, source: str, kind: str, started: datetime) -> int:
        """Note a harvest or push under way; its ticket goes into the run that records it (``run.ticket``).

        If the process is killed first, the next writing open records it as
        an :data:`INTERRUPTED` run, so the history shows it.
        """
        ...

    def index_pending(self) -> list[str]:
        """Changes committed that the search index may not have yet: a source's name, or QUALITY_MARK.

        A commit (and a change of quality scores) sets its mark in its own
        transaction; whoever brings the index in line clears it with
        :meth:`mark_indexed`. A mark left set means a process stopped between
        the two (see :func:`catalogue.consistency.catch_up`).
        """
        ...

    def mark_indexed(self, label: str) -> None: ...

    def add_token(self, source: str, digest: str, label: str) -> None:
        """Remember a push token by its digest (the token itself is never stored)."""
        ...

    def token_source(self, digest: str) -> str | None:
        """The source a push token belongs to, or None (a writer also notes that it was used)."""
        ...

    def tokens(self, source: str | None = None) -> list[PushToken]:
        """The push tokens (of one source), oldest first."""
        ...

    def revoke_token(self, token_id: str) -> PushToken | None:
        """Forget the push token with this id; the token revoked, or None when there was none."""
        ...

    # -- quality -------------------------------------------------------------
    def quality(self, record_id: str) -> QualityScore | None: ...

    def set_quality(self, scores: dict[str, QualityScore]) -> None:
        """New scores for stored records (URL checks came back)."""
        ...

    def quality_stats(self, source: str | None = None) -> QualityStats: ...

    def quality_rows(
        self, source: str | None = None
    ) -> Iterator[tuple[str, str, str, str, int, dict[str, int]]]:
        """(id, source, title, status, total, points per dimension) of each current dataset with a score."""
        ...

    def url_states(self, urls: Iterable[str]) -> dict[str, bool | None]:
        """What checks found: True answered, False failed, None never checked."""
        ...

    def urls_due(self, limit: int, checked_before: datetime) -> list[str]:
        """URLs of visible records never checked, or last checked before the given time."""
        ...

    def record_url_check(self, url: str, ok: bool, status: int | None, error: str | None) -> None: ...

    def records_using(self, urls: Iterable[str]) -> list[str]:
        """Ids of the visible records whose score depends on these URLs."""
        ...

    def get(self, record_id: str) -> StoredRecord | None: ...

    def metas(
        self,
        source: str | None = None,
        statuses: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        kind: str | None = None,
    ) -> list[RecordMeta]:
        """Records' metadata in id order (of one ``kind``); ``limit`` and ``offset`` read one page of them."""
        ...

    def dataset_counts(self) -> dict[str, dict[str, int]]:
        """Per source, its datasets per status (counted by the registry, not by reading records)."""
        ...

    def metas_of(self, ids: Sequence[str]) -> Iterator[RecordMeta]:
        """These records' metadata (those that exist), in no particular order."""
        ...

    def source_modified(self, statuses: Iterable[str]) -> dict[str, datetime]:
        """Per source, when its newest record of these statuses was stored."""
        ...

    def dataset_page(
        self, statuses: Iterable[str], since: datetime | None, limit: int, offset: int
    ) -> tuple[int, list[RecordMeta]]:
        """How many datasets of these statuses (stored ``since``) there are, and one page of them by id."""
        ...

    def record_counts(self) -> dict[tuple[str, str, str], int]:
        """Records per (source, kind, status), counted by the registry."""
        ...

    def run_counts(self) -> dict[tuple[str, bool], int]:
        """Harvest and push runs per (source, whether it failed), counted by the registry."""
        ...

    def latest_changes(self) -> dict[str, tuple[str, datetime]]:
        """Each record's last change in a run (added, changed, withdrawn) and when that run ended."""
        ...

    def first_listed(self) -> dict[str, datetime]:
        """When each record was first added (the start of that run), by record id."""
        ...

    def run_changes_page(self, run_id: int, per_kind: int) -> tuple[dict[str, int], list[RunChange]]:
        """(changes per kind, the first ``per_kind`` of each kind, by title) of a run."""
        ...

    def iter_records(self, statuses: Iterable[str] = VISIBLE) -> Iterator[StoredRecord]: ...

    def triples_of(self, ids: Sequence[str]) -> Iterator[tuple[RecordMeta, list[ox.Triple]]]:
        """These records' metadata and triples (without their reports), read in slices."""
        ...

    def runs(self, source: str | None = None, limit: int | None = 20) -> list[HarvestRun]: ...

    def describe(self, iris: Iterable[str]) -> dict[str, list[ox.Triple]]:
        """What published records say about these IRIs (labels of publishers …)."""
        ...

    def record_graph(self, record_id: str) -> ox.NamedNode:
        """The named graph that holds a record's triples."""
        ...

    def record_triples(self, record_id: str) -> list[ox.Triple]:
        """A record's triples exactly as harvested (without reading its report)."""
        ...

    def generation(self) -> int:
        """A number that changes whenever a harvest has run (so caches can tell they are stale)."""
        ...

    def provenance_graph(self) -> ox.NamedNode: ...

    def visible_graphs(self) -> list[ox.NamedNode]:
        """Graphs of the records that are published (or flagged): what the public sees."""
        ...

    def query(self, sparql: str, **options: object) -> object:
        """Run a SPARQL query over the triple side, all graphs (options: default_graph, named_graphs,
        substitutions, as pyoxigraph's ``Store.query``); results as pyoxigraph objects."""
        ...

    def sparql_server(self) -> SparqlServer | None:
        """The SPARQL server holding the triples, when they live in one; None when they are embedded."""
        ...

    def public_folder(self) -> Path | None:
        """The embedded triple side's folder: the public dataset as it is (default graph: the union of the
        visible record graphs), for the SPARQL workers to open read-only; None on a SPARQL server."""
        ...

    # -- consistency (catalogue check, catalogue migrate) --------------------------
    def triple_counts(self) -> dict[str, int]:
        """Per visible record, the triples its graph must hold (read from the registry)."""
        ...

    def triple_side(self) -> dict[str, MirroredRecord]:
        """Per record, what the triple side holds now: its provenance and the size of its graph."""
        ...

    def rebuild_triples(self) -> None:
        """Clear the triple side and fill it again from the registry."""
        ...

    def close(self) -> None: ...


@overload
def open_store(settings: Settings, *, read_only: bool = False) -> Store: ...


@overload
def open_store(settings: Path, base_url: str, read_only: bool = False) -> Store: ...


def open_store(settings: Settings | Path, base_url: str | None = None, read_only: bool = False) -> Store:
    """The configured store (``[store] backend``), its registry in ``settings.store_dir``.

    ``open_store(path, base_url)`` opens an embedded store in a folder (tests, tools).
    """
    if isinstance(settings, Path):
        from catalogue.store.embedded import EmbeddedStore

        return EmbeddedStore(settings, base_url or "", read_only=read_only)
    if settings.store.backend == "sparql":
        from catalogue.store.sparql_server import SparqlServerStore

        return SparqlServerStore(settings.store_dir, settings.base_url, settings.store, read_only=read_only)
    from catalogue.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.store_dir, settings.base_url, read_only=read_only)


def open_copy(settings: Settings, backend: str) -> MirroredStore:
    """This catalogue's registry, read-only, over the triple side of another backend (``catalogue migrate``).

    The copy is filled with :meth:`~catalogue.store.mirror.MirroredStore.copy_from_registry`
    and never writes the registry, so the catalogue may keep running on its
    current backend meanwhile. ``backend`` is ``"embedded"`` (pyoxigraph in
    ``data_dir/store``) or ``"sparql"`` (the server named in ``[store]``).
    """
    from catalogue.store.mirror import MirroredStore
    from catalogue.store.registry import Registry

    triples: object
    if backend == "sparql":
        from catalogue.store.sparql_server import SparqlServerTriples

        triples = SparqlServerTriples(settings.store, settings.base_url)
    else:
        from catalogue.store.embedded import EmbeddedTriples

        try:
            triples = EmbeddedTriples(settings.store_dir / "oxigraph", f"{settings.base_url}/graphs/records/")
        except OSError as error:
            raise StoreLockedError(
                f"the embedded triple store in {settings.store_dir} is in use by another process: {error}"
            ) from error
    registry = Registry(settings.store_dir / "records.sqlite", read_only=True)
    return MirroredStore(registry, triples, settings.base_url, read_only=True)
