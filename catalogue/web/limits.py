"""Bounds on what one anonymous request can cost: the size of its body, and a place in a queue.

:class:`BodyLimit` refuses a body larger than its route allows — by its
Content-Length before reading anything, or as soon as a streamed body passes
the limit — so no body is ever held in memory whole beyond it.

:class:`Admission` runs slow work (validations) at most ``running`` at a time
with at most ``waiting`` more in line, and answers those beyond, and those not
done by the deadline, with 503 and ``Retry-After``. Work that passes its deadline
runs on in its thread (pyshacl cannot be interrupted) and keeps its place until it
ends, so the bound on concurrent work holds.

:class:`GenerationCache` keeps what costs seconds to compute from the whole
store (quality figures, the sitemap) until the next harvest, so a visitor
never pays for it twice and a crowd waits for one computation.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalogue.errors import CatalogueError
from catalogue.store import Store
from catalogue.web.errors import answer

T = TypeVar("T")


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"The request body is larger than the limit of {limit:,} bytes.")


class BodyLimit:
    """413 for a request body over ``limit(path)`` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: Callable[[str], int]) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            response = answer(Request(scope), 413, too_large(limit).detail)
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)  # inside the route: answered by the app's error handler
            return message

        await self.app(scope, counted, send)


class Busy(CatalogueError):
    """No place in the queue, or the deadline passed: try again after ``retry_after`` seconds."""

    http_status = 503

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message, self.retry_after = message, retry_after


class Admission:
    """At most ``running`` jobs at once and ``waiting`` in line; each answered within ``deadline`` seconds."""

    def __init__(self, running: int, waiting: int, deadline: float) -> None:
        self.running, self.waiting, self.deadline = running, waiting, deadline
        self.slots = asyncio.Semaphore(running)
        self.admitted = 0  # waiting, running, and running past their deadline
        self.retry_after = max(1, math.ceil(deadline / 4))

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` in a thread once a place is free; :class:`Busy` if none is or it takes too long."""
        if self.admitted >= self.running + self.waiting:
            raise Busy(
                f"The service is busy: {self.running} validations are running and {self.waiting} waiting. "
                "Try again later.",
                self.retry_after,
            )
        self.admitted += 1
        started = time.monotonic()
        try:
            await asyncio.wait_for(self.slots.acquire(), self.deadline)
        except BaseException as stopped:  # the deadline, or the request cancelled while it waited
            self.admitted -= 1
            if isinstance(stopped, TimeoutError):
                raise self._late() from None
            raise
        future = asyncio.get_running_loop().run_in_executor(None, work)
        future.add_done_callback(self._release)
        left = self.deadline - (time.monotonic() - started)
        try:
            return await asyncio.wait_for(asyncio.shield(future), max(left, 0.001))
        except TimeoutError:
            raise self._late() from None

    def _release(self, _: object) -> None:
        self.slots.release()
        self.admitted -= 1

    def _late(self) -> Busy:
        return Busy(
            f"The validation took longer than {self.deadline:g} seconds. Try again later.", self.retry_after
        )


class GenerationCache:
    """Values computed once per store generation and reused for at most ``seconds``."""

    def __init__(self, seconds: float = math.inf) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()  # one computation at a time: the others wait and reuse it
        self.entries: dict[Hashable, tuple[int, float, Any]] = {}

    def get(self, store: Store, key: Hashable, compute: Callable[[], T]) -> T:
        with self.lock:
            generation = store.generation()
            cached = self.entries.get(key)
            if cached and cached[0] == generation and time.monotonic() - cached[1] < self.seconds:
                return cached[2]
            value = compute()
            self.entries[key] = (generation, time.monotonic(), value)
            return value
