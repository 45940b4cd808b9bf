"""What a harvest hands back: its run for the history, its timings and the records it refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from catalogue.config import Source
from catalogue.model import ValidationReport
from catalogue.records import Record
from catalogue.store import HarvestRun, Store

#: called as progress(stage, done, total); total is 0 while unknown
Progress = Callable[[str, int, int], None]
#: rejected records a result keeps with their reports, for the command line to show: a node whose
#: every dataset is invalid would otherwise hold all of them in memory (the registry has every report)
REJECTED_SHOWN = 50


@dataclass
class HarvestResult:
    run: HarvestRun
    #: seconds spent per stage: walk (fetch + parse), split, validate, stage, commit, index
    timings: dict[str, float] = field(default_factory=dict)
    #: the first :data:`REJECTED_SHOWN` records refused by validation in this run, with their reports
    rejected: list[tuple[Record, ValidationReport]] = field(default_factory=list)


def failed_run(
    store: Store,
    source: Source,
    started: datetime,
    message: str,
    timings: dict,
    pages: int,
    kind: str = "",
    ticket: int | None = None,
    outcome: str = "failed",
) -> HarvestResult:
    """Record a run that changed nothing (and that was under way as ``ticket``); the message names the
    source. ``outcome`` is "interrupted" for one that was stopped rather than failed."""
    if f"source {source.name!r}" not in message:
        message = f"source {source.name!r}: {message}"
    run = HarvestRun(
        source.name,
        started,
        datetime.now(UTC),
        outcome,
        kind=kind or source.kind,
        pages=pages,
        error=message,
        ticket=ticket,
    )
    store.add_run(run)
    return HarvestResult(run, dict(timings))
