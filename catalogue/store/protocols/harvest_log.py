"""The harvest log: every harvest and push run, what it changed, and runs a stopped process left open."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from catalogue.store.types import HarvestRun, RunChange


class HarvestLog(Protocol):
    """Runs and their changes, read by the history pages and the feed; marks for the search index."""

    def add_run(self, run: HarvestRun) -> None:
        """Record a run that changed nothing (a failed one)."""
        ...

    def begin_run(self, source: str, kind: str, started: datetime) -> int:
        """Note a harvest or push under way; its ticket goes into the run that records it (``run.ticket``).

        If the process is killed first, the next writing open records it as
        an :data:`~catalogue.store.types.INTERRUPTED` run, so the history shows it.
        """
        ...

    def runs(self, source: str | None = None, limit: int | None = 20) -> list[HarvestRun]: ...

    def run_changes(self, run_id: int) -> list[RunChange]: ...

    def run_changes_page(self, run_id: int, per_kind: int) -> tuple[dict[str, int], list[RunChange]]:
        """(changes per kind, the first ``per_kind`` of each kind, by title) of a run."""
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

    def generation(self) -> int:
        """A number that changes whenever a harvest has run (so caches can tell they are stale)."""
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
