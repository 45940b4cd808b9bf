"""Push: a node sends its own records instead of waiting to be harvested.

``PUT /api/sources/{name}/records`` hands a document to :func:`push_records`:
its datasets replace the stored records with the same IRIs (validated like
harvested ones); the source's other records stay. A dataset IRI another
source publishes is settled as for a harvest (:mod:`catalogue.claims`): the
answer then says ``duplicate`` and the run's notes why. ``DELETE …?uri=`` hands an
IRI to :func:`withdraw_dataset`. Both take the source's harvest lock and
record a run of kind ``push``, so the history shows them beside harvests.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from catalogue import crashpoints
from catalogue.backends import Backends
from catalogue.claims import ownership
from catalogue.config import Source
from catalogue.fetch import Document, InputError
from catalogue.harvest import (
    HarvestError,
    ValidationFailed,
    assess,
    failed_run,
    index_records,
    source_lock,
    status_for,
    validate_guarded,
)
from catalogue.model import ValidationReport
from catalogue.parse import parse_document
from catalogue.records import Record, record_id, split_records
from catalogue.store import ADDED, CHANGED, FLAGGED, PUBLISHED, REJECTED, WITHDRAWN, HarvestRun, RecordWrite
from catalogue.validation.validator import Validator

PUSH = "push"
UNCHANGED = "unchanged"


@dataclass
class PushedRecord:
    record: Record
    status: str
    change: str  # added, changed or unchanged
    report: ValidationReport


@dataclass
class PushResult:
    run: HarvestRun
    records: list[PushedRecord] = field(default_factory=list)


def push_records(source: Source, backends: Backends, document: Document) -> PushResult:
    """Validate and store the datasets of a pushed document. Raises InputError (nothing stored)."""
    store = backends.store
    with source_lock(source):
        started = datetime.now(UTC)
        ticket = store.begin_run(source.name, PUSH, started)  # a killed push shows as interrupted
        try:
            records = [
                r
                for r in split_records(parse_document(document), source.name, backends.settings.base_url)
                if r.kind == "dataset"
            ]
            if not records:
                raise HarvestError(document.location, "no dcat:Dataset found in the pushed document")
        except InputError as error:
            failed_run(store, source, started, str(error), {}, 0, kind=PUSH, ticket=ticket)
            raise
        behind = source.name in store.index_pending()
        previous = store.record_states(source.name)
        pushed: list[PushedRecord] = []
        changed: list[Record] = []
        writes = []
        with Validator(source.profile, settings=backends.settings) as validator:
            for record in records:
                before = previous.get(record.id)
                same = before is not None and (before.content_hash, before.profile_version, before.policy) == (
                    record.content_hash, validator.profile_version, source.policy,
                )  # fmt: skip
                if same:
                    stored = store.get(record.id)
                    report = stored.report if stored else ValidationReport()
                    pushed.append(PushedRecord(record, before.status, UNCHANGED, report))  # type: ignore[union-attr]
                else:
                    changed.append(record)
            try:
                reports = validate_guarded(validator, source, changed)
            except ValidationFailed as error:
                failed_run(store, source, started, str(error), {}, 1, kind=PUSH)
                raise
        for record in changed:
            report = reports[record.id]
            status = status_for(report, source.policy)
            quality, urls = assess(store, record, report.conforms)
            writes.append(
                RecordWrite(
                    record,
                    status,
                    report,
                    source.profile,
                    source.policy,
                    quality,
                    urls,
                    validator.profile_version,
                )
            )
            pushed.append(PushedRecord(record, status, CHANGED if record.id in previous else ADDED, report))
        statuses = {i: m.status for i, m in previous.items() if m.kind == "dataset"}
        statuses |= {p.record.id: p.status for p in pushed}
        run = _push_run(source, started, statuses, pushed)
        run.ticket = ticket
        store.stage(writes)
        crashpoints.reach("validated")
        written = store.commit(run, [], owns=ownership(backends.settings.sources))
        index_records(backends, source.name, written, [], behind)
        now = store.record_states(source.name)  # a claim another source wins leaves a record unpublished
        return PushResult(run, [replace(p, status=now[p.record.id].status) for p in pushed])


def withdraw_dataset(source: Source, backends: Backends, uri: str) -> HarvestRun | None:
    """Withdraw one pushed (or harvested) dataset by its IRI; None when the source has no such dataset."""
    store = backends.store
    with source_lock(source):
        started = datetime.now(UTC)
        rid = record_id(source.name, uri)
        previous = store.record_states(source.name)
        if rid not in previous or previous[rid].kind != "dataset":
            return None
        statuses = {i: m.status for i, m in previous.items() if m.kind == "dataset" and i != rid}
        run = _push_run(source, started, statuses, [])
        run.withdrawn = 1
        behind = source.name in store.index_pending()
        written = store.commit(run, [rid], owns=ownership(backends.settings.sources))
        index_records(backends, source.name, written, [rid], behind)
        return run


def _push_run(
    source: Source, started: datetime, statuses: dict[str, str], pushed: list[PushedRecord]
) -> HarvestRun:
    counts = Counter(statuses.values())
    changes = Counter(p.change for p in pushed)
    return HarvestRun(
        source=source.name,
        started=started,
        ended=datetime.now(UTC),
        outcome="ok",
        kind=PUSH,
        pages=1,
        found=sum(s != WITHDRAWN for s in statuses.values()),
        new=changes[ADDED],
        changed=changes[CHANGED],
        unchanged=changes[UNCHANGED],
        published=counts[PUBLISHED],
        flagged=counts[FLAGGED],
        rejected=counts[REJECTED],
        violations=sum(p.report.violations for p in pushed if p.change != UNCHANGED),
        warnings=sum(p.report.warnings for p in pushed if p.change != UNCHANGED),
        rejected_ids=sorted(i for i, s in statuses.items() if s == REJECTED),
    )
