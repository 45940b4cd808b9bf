"""Fixtures for walking sources over real HTTP: a scripted site and a walk with quick limits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from catalogue.config import Limits, Source
from catalogue.fetch import Fetcher
from catalogue.sources import Page, walk

#: retries on, but waiting milliseconds
QUICK = Limits(timeout_seconds=5, retries=1, backoff_seconds=0.01)


class Site:
    """A real web server answering from a dict: path → (status, body); counts what was asked."""

    def __init__(self, pages: dict[str, tuple[int, str]], media_type: str) -> None:
        self.pages, self.media_type = pages, media_type
        self.hits: Counter[str] = Counter()
        self.app = Starlette(routes=[Route("/{path:path}", self.answer)])
        self.url = ""

    async def answer(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        self.hits[path] += 1
        status, body = self.pages.get(path, (404, "not here"))
        return Response(body.encode(), status, media_type=self.media_type)


@pytest.fixture
def site(live_server) -> Callable[..., Site]:
    """``site(pages, media_type="text/turtle")``: serve the pages on 127.0.0.1; ``.url`` is the base."""

    def start(pages: dict[str, tuple[int, str]], media_type: str = "text/turtle") -> Site:
        served = Site(pages, media_type)
        served.url = live_server(served.app).url
        return served

    return start


@pytest.fixture
def walked(tmp_path: Path) -> Callable[..., list[Page]]:
    """``walked(kind, url, limits=QUICK, cache=False)``: every page of the source, as a list."""

    def run(kind: str, url: str, limits: Limits = QUICK, cache: bool = False) -> list[Page]:
        source = Source(name="node", title="Node", url=url, kind=kind)
        with Fetcher(limits, source.name, tmp_path / "http-cache" if cache else None) as fetcher:
            return list(walk(source, fetcher))

    return run
