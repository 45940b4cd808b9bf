"""Harvest a source: fetch → parse → split → validate → store → index.

Everything that can fail on bad input (fetching, parsing, finding datasets)
happens before anything is written, so a failed harvest leaves the source's
published records exactly as they were and only adds a failed run to the
history. Records whose content hash did not change are not revalidated,
rewritten or reindexed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from catalogue.backends import Backends
from catalogue.config import Source
from catalogue.fetch import InputError, fetch
from catalogue.index import SearchIndex
from catalogue.index.documents import search_document
from catalogue.parse import parse_document
from catalogue.records import Record, split_records
from catalogue.store import (
    FLAGGED,
    PUBLISHED,
    REJECTED,
    VISIBLE,
    HarvestRun,
    RecordMeta,
    RecordWrite,
    Store,
)
from catalogue.validate import ShapesError, ValidationReport, validate_records
from catalogue.vocabularies import Vocabularies

#: called as progress(stage, done, total)
Progress = Callable[[str, int, int], None]


@dataclass
class HarvestResult:
    run: HarvestRun
    #: seconds spent per stage: fetch, parse, split, validate, store, index
    timings: dict[str, float] = field(default_factory=dict)
    #: records refused by validation in this run, with their reports
    rejected: list[tuple[Record, ValidationReport]] = field(default_factory=list)


class NoDatasetsError(InputError):
    pass


def harvest_source(source: Source, backends: Backends, progress: Progress | None = None) -> HarvestResult:
    settings, store = backends.settings, backends.store
    report = progress or (lambda stage, done, total: None)
    started = datetime.now(UTC)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    try:
        report("fetch", 0, 1)
        document = fetch(source.url, settings.limits)
        lap("fetch")
        report("parse", 0, 1)
        quads = parse_document(document)
        lap("parse")
        records = split_records(quads, source.name, settings.base_url)
        del quads  # the records hold their own copies; a big document should not be kept twice
        lap("split")
        if not any(r.kind == "dataset" for r in records):
            raise NoDatasetsError(document.location, "no dcat:Dataset found in the document")
    except InputError as error:
        return _failed(store, source, started, str(error), timings)

    previous = store.states(source.name)
    changed = [r for r in records if _changed(r, previous.get(r.id), source)]
    try:
        reports = validate_records(changed, source.profile, progress=lambda d, t: report("validate", d, t))
    except (ShapesError, FileNotFoundError, RuntimeError, OSError) as error:
        # the profile's shapes or the validation workers failed: nothing is stored
        return _failed(store, source, started, f"validation could not run: {error}", timings)
    lap("validate")

    writes = [
        RecordWrite(r, _status(reports[r.id], source.policy), reports[r.id], source.profile, source.policy)
        for r in changed
    ]
    withdrawn = sorted(set(previous) - {r.id for r in records})
    rejected = [w for w in writes if w.status == REJECTED]
    # counts describe the source as it now stands: unchanged records keep their status
    written = {w.record.id: w.status for w in writes}
    statuses = {r.id: written.get(r.id) or previous[r.id].status for r in records if r.kind == "dataset"}
    counts = Counter(statuses.values())
    run = HarvestRun(
        source=source.name,
        started=started,
        ended=datetime.now(UTC),
        outcome="ok",
        found=len(statuses),
        published=counts[PUBLISHED],
        flagged=counts[FLAGGED],
        rejected=counts[REJECTED],
        unchanged=len(statuses) - sum(record_id in written for record_id in statuses),
        withdrawn=sum(previous[i].kind == "dataset" for i in withdrawn),
        rejected_ids=sorted(i for i, status in statuses.items() if status == REJECTED),
    )
    report("store", 0, 1)
    store.apply(writes, withdrawn, run)
    lap("store")

    report("index", 0, 1)
    index_writes(backends.index, writes, withdrawn, backends.vocabularies)
    lap("index")
    return HarvestResult(run, timings, [(w.record, w.report) for w in rejected])


def _failed(store: Store, source: Source, started: datetime, message: str, timings: dict) -> HarvestResult:
    run = HarvestRun(
        source.name, started, datetime.now(UTC), "failed", error=f"source {source.name!r}: {message}"
    )
    store.add_run(run)
    return HarvestResult(run, timings)


def _changed(record: Record, before: RecordMeta | None, source: Source) -> bool:
    return (
        before is None
        or before.content_hash != record.content_hash
        or before.profile != source.profile
        or before.policy != source.policy
    )


def _status(report: ValidationReport, policy: str) -> str:
    if report.conforms:
        return PUBLISHED
    return FLAGGED if policy == "warn" else REJECTED


def index_writes(
    index: SearchIndex, writes: Iterable[RecordWrite], withdrawn: Iterable[str], vocabularies: Vocabularies
) -> None:
    writes = list(writes)
    index.delete([*withdrawn, *(w.record.id for w in writes if w.status not in VISIBLE)])
    index.upsert(
        search_document(w.record.id, w.record.source, w.record.uri, w.record.triples, w.status, vocabularies)
        for w in writes
        if w.status in VISIBLE and w.record.kind == "dataset"
    )
    index.commit()


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
            meta = stored.meta
            yield search_document(meta.id, meta.source, meta.uri, stored.triples, meta.status, vocabularies)

    index.upsert(documents())
    index.commit()
    return count
