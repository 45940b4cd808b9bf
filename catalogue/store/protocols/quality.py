"""Quality scores of stored datasets, and the figures the quality dashboards show."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from catalogue.model import QualityScore
from catalogue.store.types import QualityStats


class QualityStore(Protocol):
    """A score per dataset (set at harvest, set again when URL checks come back)."""

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
