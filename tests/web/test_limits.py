"""Admission: a bounded queue of work in threads, with a deadline, that never loses a place."""

from __future__ import annotations

import asyncio
import threading

import pytest

from catalogue.web.limits import Admission, Busy


def test_places_are_bounded_kept_past_the_deadline_and_given_back() -> None:
    async def scenario() -> None:
        queue = Admission(running=1, waiting=1, deadline=0.5)
        release = threading.Event()
        slow = asyncio.create_task(queue.run(lambda: release.wait(10)))
        waiting = asyncio.create_task(queue.run(lambda: "second"))
        await asyncio.sleep(0.1)
        with pytest.raises(Busy, match="busy"):
            await queue.run(lambda: "third")  # one running, one waiting: no place
        with pytest.raises(Busy, match="longer than 0.5 seconds"):
            await slow  # answered at the deadline …
        with pytest.raises(Busy, match="longer than 0.5 seconds"):
            await waiting  # … and so is the one that waited all that time
        fourth = asyncio.create_task(queue.run(lambda: "fourth"))
        await asyncio.sleep(0.1)
        with pytest.raises(Busy, match="busy"):
            await queue.run(lambda: "fifth")  # the late work still runs, and still holds its place
        release.set()
        assert await fourth == "fourth" and queue.admitted == 0

    asyncio.run(scenario())


def test_a_request_cancelled_while_waiting_gives_its_place_back() -> None:
    async def scenario() -> None:
        queue = Admission(running=1, waiting=1, deadline=5)
        release = threading.Event()
        running = asyncio.create_task(queue.run(lambda: release.wait(10)))
        waiting = asyncio.create_task(queue.run(lambda: "never"))
        await asyncio.sleep(0.1)
        waiting.cancel()
        await asyncio.sleep(0.1)
        assert queue.admitted == 1
        release.set()
        assert await running is True
        assert await queue.run(lambda: "next") == "next"

    asyncio.run(scenario())
