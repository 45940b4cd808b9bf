"""Records: a harvest stages its records and commits them with its run; readers get them and their metadata."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from catalogue.store.types import (
    VISIBLE,
    HarvestRun,
    PageMemory,
    RecordMeta,
    RecordState,
    RecordWrite,
    StoredRecord,
)

if TYPE_CHECKING:
    from catalogue.store.claims import Owns


class RecordStore(Protocol):
    """Every record as harvested, with its report and metadata; the registry is the commit point."""

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

    def metas_of(self, ids: Sequence[str]) -> Iterator[RecordMeta]:
        """These records' metadata (those that exist), in no particular order."""
        ...

    def dataset_counts(self) -> dict[str, dict[str, int]]:
        """Per source, its datasets per status (counted by the registry, not by reading records)."""
        ...

    def record_counts(self) -> dict[tuple[str, str, str], int]:
        """Records per (source, kind, status), counted by the registry."""
        ...

    def source_modified(self, statuses: Iterable[str]) -> dict[str, datetime]:
        """Per source, when its newest record of these statuses was stored."""
        ...

    def dataset_page(
        self, statuses: Iterable[str], since: datetime | None, limit: int, offset: int
    ) -> tuple[int, list[RecordMeta]]:
        """How many datasets of these statuses (stored ``since``) there are, and one page of them by id."""
        ...

    def iter_records(self, statuses: Iterable[str] = VISIBLE) -> Iterator[StoredRecord]: ...

    def triples_of(self, ids: Sequence[str]) -> Iterator[tuple[RecordMeta, list[ox.Triple]]]:
        """These records' metadata and triples (without their reports), read in slices."""
        ...

    def record_triples(self, record_id: str) -> list[ox.Triple]:
        """A record's triples exactly as harvested (without reading its report)."""
        ...
