"""What keeps harvested text from turning into script: safe links, and the headers every answer carries.

Nodes publish whatever IRIs they like, and DCAT-AP's shapes accept
``javascript:`` or ``data:`` IRIs as well as ``https:`` ones. So a value only
becomes a link through :func:`linkable` (the Jinja test ``linkable``): an
absolute ``http(s)`` URL or a ``mailto:`` address, with no whitespace or
control characters that a browser would strip to reveal another scheme.
Everything else is shown as escaped text.

The Content-Security-Policy is the second wall: pages run no inline script,
load nothing from elsewhere and cannot be framed, so even an escaping
mistake cannot run script. Swagger UI at ``/docs`` needs a CDN and one inline
script; it gets its own policy that allows exactly those (by hash).
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: absolute http(s) URLs with a host, or mailto: addresses — matched on the whole value
LINKABLE = re.compile(r"(?i:https?://[^\s/?#]+|mailto:[^\s]+)[^\s]*")
#: anything a browser would strip or ignore inside a URL, hiding the scheme it really has
HIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\u00a0\u2028\u2029\ufeff]")

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SWAGGER_CDN = "https://cdn.jsdelivr.net"
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


class SecurityHeaders:
    """Adds the security headers to every answer; a Content-Security-Policy unless the route set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", POLICY.encode()))
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def docs_page(title: str, openapi_url: str) -> HTMLResponse:
    """Swagger UI, with a policy that allows its CDN and (by hash) its one inline script, nothing more."""
    page = get_swagger_ui_html(openapi_url=openapi_url, title=f"{title} – API")
    body = bytes(page.body).decode()
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in re.findall(r"<script>(.*?)</script>", body, re.DOTALL)
    )
    policy = (
        f"default-src 'self'; script-src {SWAGGER_CDN} {hashes}; style-src {SWAGGER_CDN}; "
        "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    return HTMLResponse(body, headers={"Content-Security-Policy": policy})
