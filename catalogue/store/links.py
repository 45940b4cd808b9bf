"""Push tokens and link checks in the registry: who may push to a source, which URLs answered.

Tokens are stored by digest only (``catalogue/tokens.py`` makes and hashes
them); the link checker (``catalogue/reachability.py``) records each URL's
last check here, and finds the records that use a URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from catalogue.store.sqlite import Database, stamp
from catalogue.store.types import PushToken

#: hex digits of a token's digest that name it in `catalogue token list` and `revoke`
TOKEN_ID_LENGTH = 12


class TokensAndLinks(Database):
    """Push tokens and URL checks."""

    def add_token(self, source: str, digest: str, label: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO tokens (digest, source, label, created) VALUES (?, ?, ?, ?)",
                (digest, source, label, stamp(datetime.now(UTC))),
            )

    def token_source(self, digest: str) -> str | None:
        row = self._db().execute("SELECT source FROM tokens WHERE digest = ?", (digest,)).fetchone()
        if row and not self.read_only:
            with self.transaction() as db:
                db.execute(
                    "UPDATE tokens SET last_used = ? WHERE digest = ?", (stamp(datetime.now(UTC)), digest)
                )
        return row[0] if row else None

    def tokens(self, source: str | None = None) -> list[PushToken]:
        where, args = ("WHERE source = ?", (source,)) if source else ("", ())
        rows = self._db().execute(
            f"SELECT digest, source, label, created, last_used FROM tokens {where} ORDER BY created, digest",
            args,
        )
        return [_push_token(*row) for row in rows]

    def revoke_token(self, token_id: str) -> PushToken | None:
        if len(token_id) != TOKEN_ID_LENGTH:
            return None
        with self.transaction() as db:
            row = db.execute(
                "SELECT digest, source, label, created, last_used FROM tokens WHERE substr(digest, 1, ?) = ?",
                (TOKEN_ID_LENGTH, token_id),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM tokens WHERE digest = ?", (row[0],))
        return _push_token(*row)

    def url_states(self, urls: Iterable[str]) -> dict[str, bool | None]:
        wanted = list(dict.fromkeys(urls))
        found: dict[str, bool | None] = dict.fromkeys(wanted)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT url, ok FROM url_checks WHERE url IN ({', '.join('?' * len(chunk))})"
            for url, ok in self._db().execute(sql, chunk):
                found[url] = bool(ok)
        return found

    def urls_due(self, limit: int, checked_before: datetime) -> list[str]:
        rows = self._db().execute(
            "SELECT DISTINCT u.url FROM record_urls u JOIN records r ON r.id = u.record_id "
            "LEFT JOIN url_checks c ON c.url = u.url "
            "WHERE r.status IN ('published', 'flagged') AND (c.url IS NULL OR c.checked < ?) "
            "ORDER BY c.checked IS NOT NULL, c.checked, u.url LIMIT ?",
            (stamp(checked_before), limit),
        )
        return [row[0] for row in rows]

    def record_url_check(self, url: str, ok: bool, status: int | None, error: str | None) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO url_checks VALUES (?, ?, ?, ?, ?)",
                (url, int(ok), status, error, stamp(datetime.now(UTC))),
            )

    def records_using(self, urls: Iterable[str]) -> list[str]:
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            sql = f"SELECT record_id FROM record_urls WHERE url IN ({', '.join('?' * len(chunk))})"
            found.update(row[0] for row in self._db().execute(sql, chunk))
        return sorted(found)


def _push_token(digest: str, source: str, label: str, created: str, last_used: str | None) -> PushToken:
    used = datetime.fromisoformat(last_used) if last_used else None
    return PushToken(digest[:TOKEN_ID_LENGTH], source, label, datetime.fromisoformat(created), used)
