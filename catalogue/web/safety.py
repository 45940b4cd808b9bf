"""What keeps harvested text from turning into script: safe links, and the headers every answer carries.

Nodes publish whatever IRIs they like, and DCAT-AP's shapes accept
``javascript:`` or ``data:`` IRIs as well as ``https:`` ones. So a value only
becomes a link through :func:`linkable` (the Jinja test ``linkable``): an
absolute ``http(s)`` URL or a ``mailto:`` address, with no whitespace or
control characters that a browser would strip to reveal another scheme.
Everything else is shown as escaped text.

The Content-Security-Policy is the second wall: pages run no inline script,
load nothing from elsewhere and cannot be framed, so even an escaping
mistake cannot run script. That holds for ``/docs`` too: its Swagger UI is
served from here and started by a script file of ours (``web/static.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: absolute http(s) URLs with a host, or mailto: addresses — matched on the whole value
LINKABLE = re.compile(r"(?i:https?://[^\s/?#]+|mailto:[^\s]+)[^\s]*")
#: anything a browser would strip or ignore inside a URL, hiding the scheme it really has
HIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u2028\u2029\ufeff]")

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}


def linkable(value: object) -> bool:
    """Whether ``value`` may be an ``href``: an http(s) URL with a host, or a mailto: address."""
    if not isinstance(value, str) or HIDDEN.search(value):
        return False
    return LINKABLE.fullmatch(value) is not None


#: an edit of a response's headers (ASGI's list of lowercase-or-not byte pairs), made before they go out
HeaderEdit = Callable[[list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]]


class ResponseHeaders:
    """Applies header edits to every HTTP answer as it starts: the one place the app adds headers.

    Edits run in the order given, each on what the previous one left (``security_headers`` here,
    ``i18n.with_vary`` for the languages).
    """

    def __init__(self, app: ASGIApp, edits: Sequence[HeaderEdit]) -> None:
        self.app = app
        self.edits = tuple(edits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_edited(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                for edit in self.edits:
                    headers = edit(headers)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_edited)


def security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The security headers added; a Content-Security-Policy unless the route set its own."""
    present = {name.lower() for name, _ in headers}
    added = (
        [(b"content-security-policy", POLICY.encode())] if b"content-security-policy" not in present else []
    )
    added += [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
    return headers + added
