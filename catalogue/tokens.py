"""Push tokens: random secrets a node sends as ``Authorization: Bearer …``, stored only as SHA-256 digests.

A token carries 256 bits from :mod:`secrets`, so an unsalted fast hash is
enough: nobody can guess their way back from a digest, and looking a token
up by its digest needs no scan. The source name is a readable prefix.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from catalogue.store import PushTokens

PREFIX = "cat_"


def create_token(store: PushTokens, source: str, label: str = "") -> str:
    token = f"{PREFIX}{source}_{secrets.token_urlsafe(32)}"
    store.add_token(source, digest(token), label)
    return token


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_allows(store: PushTokens, token: str, source: str) -> bool | None:
    """True: the token belongs to this source; False: to another one; None: it is no token of ours."""
    owner = store.token_source(digest(token))
    if owner is None:
        return None
    return hmac.compare_digest(owner, source)
