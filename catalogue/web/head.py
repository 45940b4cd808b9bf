"""HEAD on every GET route: the same status and headers as GET, no body (RFC 9110 §9.3.2).

FastAPI routes answer only the methods they list, so without this a HEAD on
``/catalog`` or ``/sparql`` was a 405. :class:`HeadAsGet` hands the app a GET
and drops the body on its way out; the final (empty) body part goes out with
the headers, so the server ends the response at once and a streamed answer
(``/dump.nq.gz``) stops being produced as soon as the server tells the app the
exchange is over.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Route HEAD as GET; send the GET answer's status and headers only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def headers_only(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.start":
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                done = True
            elif message["type"] != "http.response.body" or not done:
                await send(message)

        async def ended() -> Message:
            """After the headers went out, the exchange is over: a streamed body stops."""
            return {"type": "http.disconnect"} if done else await receive()

        await self.app({**scope, "method": "GET"}, ended, headers_only)
