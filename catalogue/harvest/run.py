"""Harvest a source: walk its pages → split → validate → stage; then commit → index.

A harvest reads the source page by page and keeps only one page and one batch
of records awaiting validation in memory; what it must know of the whole source
(what it held before, the records met, the catalogue's lines) is kept on disk
in a ledger (``ledger.py``), so a source of 1,000,000 datasets costs
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
interrupted; one stopped by Ctrl+C (or SIGTERM, which ``catalogue harvest``
turns into the same KeyboardInterrupt) records that itself. If the index
lacks an earlier commit of the source (its process stopped before indexing),
the harvest re-indexes what drifted, even when it finds nothing changed.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

import pyoxigraph as ox

from catalogue import __version__, crashpoints
from catalogue.backends import Backends
from catalogue.claims import ownership
from catalogue.concepts import ConceptVocabularies, resolve_records
from catalogue.config import Source
from catalogue.fetch import Cutoff, Fetcher, InputError, Stopped, StopSignal
from catalogue.harvest.errors import HarvestError, SourceBusy, described
from catalogue.harvest.indexing import index_records
from catalogue.harvest.ledger import Ledger
from catalogue.harvest.locks import source_lock
from catalogue.harvest.pages import parse_lines, without_paging
from catalogue.harvest.results import REJECTED_SHOWN, HarvestResult, Progress, failed_run
from catalogue.harvest.validating import (
    VALIDATION_BATCH,
    assess,
    for_validation,
    status_for,
    validate_guarded,
)
from catalogue.model import ValidationReport
from catalogue.records import MemoryGraph, Record, assemble, iter_records
from catalogue.sources import Page, walk
from catalogue.store import (
    FLAGGED,
    INTERRUPTED,
    PUBLISHED,
    REJECTED,
    HarvestRun,
    PageMemory,
    RecordState,
    RecordWrite,
)
from catalogue.validation.errors import ShapesError
from catalogue.validation.validator import Validator

log = logging.getLogger("catalogue.harvest")


def harvest_source(
    source: Source,
    backends: Backends,
    progress: Progress | None = None,
    force: bool = False,
    stop: StopSignal | None = None,
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
        return failed_run(backends.store, source, started, f"the harvest crashed: {described(error)}", {}, 0)


class _Harvest:
    def __init__(
        self,
        source: Source,
        backends: Backends,
        progress: Progress | None,
        force: bool,
        stop: StopSignal | None = None,
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
                    assemble(
                        rid, self.source.name, "catalog", uri, parse_lines(self.ledger.catalog_lines(rid))
                    )
                    for rid, uri in self.ledger.catalogs()
                ]
                for record in catalogs:
                    self.ledger.meet(record.id, None)
                self._validate([r for r in catalogs if not self._unchanged(r, self.ledger.before(r.id))])
            withdrawn = self._withdrawals()
        except (InputError, ShapesError, FileNotFoundError, RuntimeError, OSError, MemoryError) as error:
            self.store.discard(self.source.name)
            message = str(error) if isinstance(error, InputError) else f"validation could not run: {error}"
            outcome = INTERRUPTED if isinstance(error, Stopped) else "failed"  # serve, or its caller, stopped
            return failed_run(
                self.store, self.source, self.started, message, self.timings, self.pages,
                ticket=self.ticket, outcome=outcome,
            )  # fmt: skip
        except BaseException as error:
            self.store.discard(self.source.name)
            if isinstance(error, KeyboardInterrupt):  # Ctrl+C, or SIGTERM (catalogue/cli/harvesting.py)
                self._record_interrupted()
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

    def _record_interrupted(self) -> None:
        """Record the run as interrupted now, not at the store's next opening as for a killed process."""
        self.store.add_run(
            HarvestRun(
                self.source.name, self.started, datetime.now(UTC), INTERRUPTED, kind=self.source.kind,
                pages=self.pages, ticket=self.ticket,
                error=f"source {self.source.name!r}: the harvest was stopped (Ctrl+C or SIGTERM) before it "
                "finished; nothing it read was published",
            )
        )  # fmt: skip

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
        scratch = settings.data_dir / "scratch" / self.source.name  # big documents, split from disk
        shutil.rmtree(scratch, ignore_errors=True)  # what a killed harvest of the source left
        with Fetcher(settings.limits, self.source.name, cache, self.cutoff) as fetcher:
            pages = walk(self.source, fetcher, scratch=scratch)
            while True:
                clock = time.perf_counter()
                page = next(pages, None)
                self.timings["walk"] += time.perf_counter() - clock
                if page is None:
                    break
                self.pages += 1
                self.report("fetch", self.pages, 0)
                clock = time.perf_counter() - self.timings["validate"] - self.timings["stage"]
                try:
                    self._read_page(page)
                finally:
                    page.close()
                crashpoints.reach("fetched")
                validated = self.timings["validate"] + self.timings["stage"]
                self.timings["split"] += time.perf_counter() - validated - clock
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
            memory = PageMemory(digest, *self._split(page))
        if digest:
            self.store.stage_page(self.source.name, page.url, memory)

    def _split(self, page: Page) -> tuple[list[str], dict[str, tuple[str, str]]]:
        """Split the page a record at a time, validating each batch as it fills (a page may be one
        document of 100,000 datasets); what it held: its datasets, its catalogue records' lines."""
        graph = page.spill() or MemoryGraph(without_paging(page.quads))
        records = iter_records(graph, self.source.name, self.backends.settings.base_url)
        datasets: list[str] = []
        catalogs: dict[str, tuple[str, str]] = {}
        while True:
            try:
                record = next(records, None)
            except InputError as error:  # a record refused while splitting: say on which page
                error.source, error.page = self.source.name, self.pages
                raise
            if record is None:
                return datasets, catalogs
            self._take([record])
            if record.kind == "dataset":
                datasets.append(record.id)
            else:
                catalogs[record.id] = (record.uri, "".join(f"{t} .\n" for t in record.triples))
            self._validate_pending()

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
            self.validator, self.source, [for_validation(r) for r in records], progress
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
            if status == REJECTED and len(self.rejected) < REJECTED_SHOWN:
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
