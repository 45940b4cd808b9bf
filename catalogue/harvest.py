"""Harvest a source: walk its pages → split → validate → stage; then commit → index.

A harvest reads the source page by page and keeps only one page and one batch
of records awaiting validation in memory; what it must know of the whole source
(what it held before, the records met, the catalogue's lines) is kept on disk
in a ledger (``harvest_ledger.py``), so a source of 1,000,000 datasets costs
little more memory than one of 10,000.
New and changed records are validated as they come and *staged* in the
store; nothing is visible until the whole source has been read, when one
commit publishes them, withdraws what disappeared and records the run. A
harvest that fails anywhere before that (a page that answers 500, a parse
error, a brake on withdrawals) discards what it staged and only adds a
failed run to the history: the source's published records stay as they were.

Records whose content hash, profile and policy did not change are not
revalidated, rewritten or reindexed.

A harvest notes in the store that it is under way (``Store.begin_run``): if
its process is killed, the next process to open the store records it as
interrupted. If the index lacks an earlier commit of the source (its process
stopped before indexing), the harvest re-indexes what drifted, even when it
finds nothing changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from catalogue import __version__, crashpoints
from catalogue.backends import Backends
from catalogue.claims import ownership
from catalogue.concepts import ConceptVocabularies, resolve_records
from catalogue.config import Source
from catalogue.consistency import catch_up
from catalogue.fetch import Cutoff, Fetcher, InputError
from catalogue.harvest_ledger import Ledger
from catalogue.index import SearchIndex
from catalogue.index.documents import search_document
from catalogue.model import ValidationReport
from catalogue.namespaces import DCAT, RDF_TYPE
from catalogue.quality import QualityScore, score, urls_to_check
from catalogue.records import Record, assemble, split_records
from catalogue.sources import Page, walk
from catalogue.sources.rdf import HYDRA_NAMESPACES
from catalogue.store import (
    FLAGGED,
    PUBLISHED,
    REJECTED,
    VISIBLE,
    WITHDRAWN,
    HarvestRun,
    PageMemory,
    RecordState,
    RecordWrite,
    Store,
)
from catalogue.validation.errors import ShapesError
from catalogue.validation.validator import Validator
from catalogue.views.dcat_ap_3 import dataset_view
from catalogue.vocabularies import Vocabularies

#: called as progress(stage, done, total); total is 0 while unknown
Progress = Callable[[str, int, int], None]
#: records validated together (and, above 1,000, spread over worker processes)
VALIDATION_BATCH = 2000


@dataclass
class HarvestResult:
    run: HarvestRun
    #: seconds spent per stage: walk (fetch + parse), split, validate, stage, commit, index
    timings: dict[str, float] = field(default_factory=dict)
    #: records refused by validation in this run, with their reports
    rejected: list[tuple[Record, ValidationReport]] = field(default_factory=list)


class HarvestError(InputError):
    """The harvest cannot go on; the message says why and what to do."""


class SourceBusy(HarvestError):
    """Another harvest or push of the same source is running."""

    http_status = 409


log = logging.getLogger("catalogue.harvest")
_running: dict[str, threading.Lock] = {}
_running_guard = threading.Lock()


@contextmanager
def source_lock(source: Source) -> Iterator[None]:
    """Held while a source is harvested or pushed to: two never change one source at once."""
    with _running_guard:
        lock = _running.setdefault(source.name, threading.Lock())
    if not lock.acquire(blocking=False):
        raise SourceBusy(source.url, f"source {source.name!r}: a harvest of this source is already running")
    try:
        yield
    finally:
        lock.release()


class ValidationFailed(HarvestError):
    """The validator itself failed on some records (out of memory, too deep, an engine crash)."""

    http_status = 500


def harvest_source(
    source: Source,
    backends: Backends,
    progress: Progress | None = None,
    force: bool = False,
    stop: threading.Event | None = None,
) -> HarvestResult:
    """Harvest one source completely; whatever goes wrong ends as a failed run in the history.

    The harvest gives up after ``limits.harvest_timeout_seconds``, or soon after ``stop`` is set. A
    push-only source cannot be harvested (its harvest would withdraw everything): that is an error.
    """
    if source.kind == "push":
        raise HarvestError(
            source.name, f'source {source.name!r} is push-only (kind = "push"): its node pushes its records'
        )
    started = datetime.now(UTC)
    try:
        with source_lock(source):
            return _Harvest(source, backends, progress, force, stop).run()
    except SourceBusy as busy:
        return failed_run(backends.store, source, started, str(busy), {}, 0)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # a bug, a surprise, a Rust panic: the other sources still get harvested
        log.exception("harvest of %s crashed", source.name)
        return failed_run(backends.store, source, started, f"the harvest crashed: {_described(error)}", {}, 0)


def validate_guarded(
    validator: Validator,
    source: Source,
    records: list[Record],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, ValidationReport]:
    """Validate, turning the validator's own failures into a ValidationFailed that names the records.

    pyrudof raises a pyo3 ``PanicException``, which is not an ``Exception``;
    only interruptions are let through.
    """
    try:
        return validator.validate(records, progress)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:
        shown = ", ".join(f"<{r.uri}>" for r in records[:3]) + (" …" if len(records) > 3 else "")
        raise ValidationFailed(
            source.url,
            f"source {source.name!r}: validation could not run on {len(records):,} record(s) ({shown}): "
            + _described(error),
        ) from error


def _described(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _Harvest:
    def __init__(
        self,
        source: Source,
        backends: Backends,
        progress: Progress | None,
        force: bool,
        stop: threading.Event | None = None,
    ) -> None:
        self.source, self.backends, self.force = source, backends, force
        self.store = backends.store
        seconds = backends.settings.limits.harvest_timeout_seconds
        self.cutoff = Cutoff(time.monotonic() + seconds, seconds, stop)
        self.report = progress or (lambda stage, done, total: None)
        self.started = datetime.now(UTC)
        self.timings: defaultdict[str, float] = defaultdict(float)
        #: what the source held before, the records met and their statuses, the catalogue records' lines
        self.ledger = Ledger(self.store.iter_record_states(source.name))
        self.pending: list[Record] = []  # changed records awaiting validation
        self.leaving = 0  # datasets this harvest withdraws
        self.counts: Counter[str] = Counter()
        self.rejected: list[tuple[Record, ValidationReport]] = []
        self.pages = 0

    def run(self) -> HarvestResult:
        with self.ledger:
            return self._harvest()

    def _harvest(self) -> HarvestResult:
        self.behind = self.source.name in self.store.index_pending()
        self.ticket = self.store.begin_run(self.source.name, self.source.kind, self.started)
        try:
            with Validator(self.source.profile, settings=self.backends.settings) as self.validator:
                self._read_source()
                self._validate_pending(final=True)
                catalogs = [
                    assemble(rid, self.source.name, "catalog", uri, _triples(self.ledger.catalog_lines(rid)))
                    for rid, uri in self.ledger.catalogs()
                ]
                for record in catalogs:
                    self.ledger.meet(record.id, None)
                self._validate([r for r in catalogs if not self._unchanged(r, self.ledger.before(r.id))])
            withdrawn = self._withdrawals()
        except (InputError, ShapesError, FileNotFoundError, RuntimeError, OSError, MemoryError) as error:
            self.store.discard(self.source.name)
            message = str(error) if isinstance(error, InputError) else f"validation could not run: {error}"
            return failed_run(
                self.store, self.source, self.started, message, self.timings, self.pages, ticket=self.ticket
            )
        except BaseException:
            self.store.discard(self.source.name)
            raise
        run = self._run()
        crashpoints.reach("validated")
        clock = time.perf_counter()
        self.report("store", 0, 1)
        written = self.store.commit(
            run, withdrawn, complete=True, owns=ownership(self.backends.settings.sources)
        )
        self.timings["commit"] += time.perf_counter() - clock
        clock = time.perf_counter()
        self._resolve_concepts(written)
        self.timings["concepts"] += time.perf_counter() - clock
        clock = time.perf_counter()
        self.report("index", 0, 1)
        index_records(self.backends, self.source.name, written, withdrawn, self.behind)
        self.timings["index"] += time.perf_counter() - clock
        return HarvestResult(run, dict(self.timings), self.rejected)

    def _resolve_concepts(self, written: list[str]) -> None:
        """Dereference the concepts the written records link to, for the index to read (catalogue/concepts)."""
        vocabularies = self.backends.vocabularies
        if isinstance(vocabularies, ConceptVocabularies) and written:
            triples = (triple for _meta, found in self.store.triples_of(written) for triple in found)
            settings = self.backends.settings
            resolve_records(settings, self.source, vocabularies.cache, triples, vocabularies.shipped)

    # -- reading -----------------------------------------------------------------
    def _read_source(self) -> None:
        settings = self.backends.settings
        cache = settings.data_dir / "http-cache" / self.source.name  # one folder per source: pruned alone
        with Fetcher(settings.limits, self.source.name, cache, self.cutoff) as fetcher:
            pages = walk(self.source, fetcher)
            while True:
                clock = time.perf_counter()
                page = next(pages, None)
                self.timings["walk"] += time.perf_counter() - clock
                if page is None:
                    break
                self.pages += 1
                self.report("fetch", self.pages, 0)
                clock = time.perf_counter()
                self._read_page(page)
                crashpoints.reach("fetched")
                self.timings["split"] += time.perf_counter() - clock
                self._validate_pending()
            fetcher.prune_cache()  # the whole source was walked: cached pages not met are gone
        if not self.ledger.found():
            raise HarvestError(self.source.url, f"source {self.source.name!r}: no dcat:Dataset found")

    def _read_page(self, page: Page) -> None:
        """Split the page into records — unless it is exactly the page the last harvest split."""
        digest = f"{__version__}:{page.digest}" if page.digest else ""
        memory = self.store.page_memory(self.source.name, page.url) if digest else None
        if memory is not None and memory.digest == digest and self._can_reuse(memory):
            for rid in memory.datasets:
                before = self.ledger.before(rid)
                self.ledger.meet(rid, before.status if before else "")
            self.counts["unchanged"] += len(memory.datasets)
            for rid, (uri, text) in memory.catalogs.items():
                self._gather_catalog(rid, uri, ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
        else:
            try:
                records = split_records(
                    _without_paging(page.quads), self.source.name, self.backends.settings.base_url
                )
            except InputError as error:  # a record refused while splitting: say on which page
                error.source, error.page = self.source.name, self.pages
                raise
            self._take(records)
            datasets = [r.id for r in records if r.kind == "dataset"]
            catalogs = {
                r.id: (r.uri, "".join(f"{t} .\n" for t in r.triples)) for r in records if r.kind != "dataset"
            }
            memory = PageMemory(digest, datasets, catalogs)
        if digest:
            self.store.stage_page(self.source.name, page.url, memory)

    def _can_reuse(self, memory: PageMemory) -> bool:
        """Its datasets are stored, judged by the shapes and policy now in force, and not met on another page yet."""
        wanted = (self.validator.profile_version, self.source.policy)
        for rid in memory.datasets:
            before = self.ledger.before(rid)
            if before is None or (before.profile_version, before.policy) != wanted or self.ledger.met(rid):
                return False
        return True

    def _gather_catalog(self, rid: str, uri: str, triples: Iterable[ox.Triple | ox.Quad]) -> None:
        # kept as text in the ledger: a big source's catalogue lists every dataset
        self.ledger.gather(rid, uri, (str(t.triple if isinstance(t, ox.Quad) else t) for t in triples))

    def _take(self, records: list[Record]) -> None:
        for record in records:
            if record.kind != "dataset":
                self._gather_catalog(record.id, record.uri, record.triples)
                continue
            if self.ledger.met(record.id):  # described on an earlier page too: the first description wins
                continue
            before = self.ledger.before(record.id)
            if self._unchanged(record, before):
                assert before is not None
                self.ledger.meet(record.id, before.status)
                self.counts["unchanged"] += 1
            else:
                self.ledger.meet(record.id, "")  # decided by validation
                self.counts["new" if before is None else "changed"] += 1
                self.pending.append(record)

    def _unchanged(self, record: Record, before: RecordState | None) -> bool:
        """Same content, judged by the same shapes under the same policy: its verdict still holds."""
        return before is not None and (before.content_hash, before.profile_version, before.policy) == (
            record.content_hash,
            self.validator.profile_version,
            self.source.policy,
        )

    # -- validating and staging ----------------------------------------------------
    def _validate_pending(self, final: bool = False) -> None:
        if len(self.pending) >= VALIDATION_BATCH or (final and self.pending):
            batch, self.pending = self.pending, []
            self._validate(batch)

    def _validate(self, records: list[Record]) -> None:
        if not records:
            return
        self.cutoff.check(self.source.url)  # a batch takes a while: not past the deadline or at shutdown
        clock = time.perf_counter()
        progress = lambda done, total: self.report("validate", done, total)  # noqa: E731
        reports = validate_guarded(
            self.validator, self.source, [_for_validation(r) for r in records], progress
        )
        self.timings["validate"] += time.perf_counter() - clock
        clock = time.perf_counter()
        writes = []
        for record in records:
            report = reports[record.id]
            status = status_for(report, self.source.policy)
            quality, urls = assess(self.store, record, report.conforms)
            writes.append(
                RecordWrite(
                    record,
                    status,
                    report,
                    self.source.profile,
                    self.source.policy,
                    quality,
                    urls,
                    self.validator.profile_version,
                )  # fmt: skip
            )
            self.counts["violations"] += report.violations
            self.counts["warnings"] += report.warnings
            if record.kind == "dataset":
                self.ledger.meet(record.id, status)
            if status == REJECTED:
                self.rejected.append((record, report))
        self.store.stage(writes)
        self.timings["stage"] += time.perf_counter() - clock

    # -- finishing -----------------------------------------------------------------
    def _withdrawals(self) -> list[str]:
        """What disappeared from the source; refuses to withdraw too much at once unless forced."""
        gone, leaving, datasets = self.ledger.withdrawals()
        self.leaving = leaving
        if datasets and not self.force and leaving / datasets > self.source.max_withdraw_share:
            raise HarvestError(
                self.source.url,
                f"source {self.source.name!r}: this harvest would withdraw {leaving:,} of {datasets:,} datasets "
                f"({leaving / datasets:.0%}), more than max_withdraw_share "
                f"({self.source.max_withdraw_share:.0%}); nothing was changed. If the source really dropped "
                f"them, run `catalogue harvest --force {self.source.name}`",
            )
        return gone

    def _run(self) -> HarvestRun:
        statuses = Counter(self.ledger.statuses())
        return HarvestRun(
            source=self.source.name,
            started=self.started,
            ended=datetime.now(UTC),
            outcome="ok",
            kind=self.source.kind,
            pages=self.pages,
            found=self.ledger.found(),
            new=self.counts["new"],
            changed=self.counts["changed"],
            unchanged=self.counts["unchanged"],
            withdrawn=self.leaving,
            published=statuses[PUBLISHED],
            flagged=statuses[FLAGGED],
            rejected=statuses[REJECTED],
            violations=self.counts["violations"],
            warnings=self.counts["warnings"],
            rejected_ids=self.ledger.rejected(),
            ticket=self.ticket,
        )


def _triples(lines: Iterable[str]) -> list[ox.Triple]:
    text = "".join(f"{line} .\n" for line in lines)
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)]


def _for_validation(record: Record) -> Record:
    """A catalogue record without its ``dcat:dataset`` links, which only say "this is a dataset of mine".

    The datasets are validated as records of their own; checking 50,000 links
    again as values of one catalogue costs pyshacl ~60 MB and finds nothing new.
    """
    if record.kind == "dataset":
        return record
    kept = [t for t in record.triples if t.predicate != DATASET_LINK]
    return assemble(record.id, record.source, record.kind, record.uri, kept)


DATASET_LINK = ox.NamedNode(DCAT + "dataset")


def _without_paging(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    """Drop Hydra paging (views, next links): it differs page by page and is not catalogue metadata."""
    quads = list(quads)
    views = {
        q.subject
        for q in quads
        if q.predicate.value == RDF_TYPE
        and isinstance(q.object, ox.NamedNode)
        and q.object.value.startswith(HYDRA_NAMESPACES)
    }
    for quad in quads:
        if quad.subject in views or quad.predicate.value.startswith(HYDRA_NAMESPACES):
            continue
        yield quad


def failed_run(
    store: Store,
    source: Source,
    started: datetime,
    message: str,
    timings: dict,
    pages: int,
    kind: str = "",
    ticket: int | None = None,
) -> HarvestResult:
    """Record a run that changed nothing (and that was under way as ``ticket``); the message names the source."""
    if f"source {source.name!r}" not in message:
        message = f"source {source.name!r}: {message}"
    run = HarvestRun(
        source.name,
        started,
        datetime.now(UTC),
        "failed",
        kind=kind or source.kind,
        pages=pages,
        error=message,
        ticket=ticket,
    )
    store.add_run(run)
    return HarvestResult(run, dict(timings))


def status_for(report: ValidationReport, policy: str) -> str:
    if report.conforms:
        return PUBLISHED
    return FLAGGED if policy == "warn" else REJECTED


def assess(store: Store, record: Record, conforms: bool) -> tuple[QualityScore | None, list[str]]:
    """A dataset's quality score (with what URL checks found so far) and the URLs it depends on."""
    if record.kind != "dataset":
        return None, []
    view = dataset_view(record.triples, record.uri)
    urls = sorted(urls_to_check(view))
    return score(view, conforms, store.url_states(urls)), urls


def index_records(
    backends: Backends, source: str, written: list[str], withdrawn: Iterable[str], behind: bool = False
) -> None:
    """Bring the search index in line with what a commit of this source wrote and withdrew, then clear the
    commit's mark; ``behind``: the index lacked an earlier commit of the source, so check all of it."""
    index, store = backends.index, backends.store
    gone = list(withdrawn)
    documents = []
    for meta, triples in store.triples_of(written):
        if meta.status in VISIBLE and meta.kind == "dataset":
            documents.append(search_document(meta, triples, backends.vocabularies))
        elif meta.status != WITHDRAWN:
            gone.append(meta.id)
        if len(documents) >= 1000:
            index.upsert(documents)
            documents = []
    index.delete(gone)
    index.upsert(documents)
    crashpoints.reach("indexing")
    index.commit()
    if behind:
        catch_up(store, index, backends.vocabularies, source)
    store.mark_indexed(source)


def reindex(store: Store, index: SearchIndex, vocabularies: Vocabularies) -> int:
    """Rebuild the search index from the store, the source of truth."""
    index.clear()
    count = 0

    def documents():
        nonlocal count
        for stored in store.iter_records(VISIBLE):
            if stored.meta.kind != "dataset":
                continue
            count += 1
            yield search_document(stored.meta, stored.triples, vocabularies)

    index.upsert(documents())
    index.commit()
    for label in store.index_pending():  # the rebuild holds every commit
        store.mark_indexed(label)
    return count
