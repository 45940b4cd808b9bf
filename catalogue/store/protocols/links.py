"""Push tokens (who may push a source's records) and link checks (which access and download URLs answer)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from catalogue.store.types import PushToken


class PushTokens(Protocol):
    """The tokens nodes push with, known by their digests only."""

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


class LinkChecks(Protocol):
    """What the background checker found of the URLs quality scores depend on."""

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
