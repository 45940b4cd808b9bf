"""The web application: HTML pages for people, a JSON API for programs.

Read-only, but for one door: nodes push their own records to
``/api/sources/{name}/records`` with a bearer token (``web/push.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from catalogue import __version__
from catalogue.backends import Backends
from catalogue.reachability import UrlChecker
from catalogue.resources import templates_dir
from catalogue.schedule import Scheduler
from catalogue.search import Labeller
from catalogue.sparql import Limits, SparqlService
from catalogue.web import api, feed, linked_data, pages, push, quality, sparql, validate


def create_app(backends: Backends, schedule: bool = False) -> FastAPI:
    """The app; with ``schedule``, sources with an ``interval`` are harvested in the background,
    and the datasets' access and download URLs are checked (for their quality scores)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The SPARQL endpoint's snapshot of the public records is built by the first
        # query (seconds), not at start-up, so a catalogue nobody queries by SPARQL
        # does not pay for it.
        scheduler, checker = Scheduler(backends), UrlChecker(backends)
        if schedule:
            scheduler.start()
            checker.start()
        yield
        checker.stop()
        scheduler.stop()
        app.state.sparql.close()

    app = FastAPI(
        lifespan=lifespan,
        title=backends.settings.title,
        version=__version__,
        description="Search and read DCAT-AP dataset descriptions harvested from national nodes.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.backends = backends
    app.state.labeller = Labeller(backends)
    limits = backends.settings.sparql
    app.state.sparql = SparqlService(
        backends.store,
        Limits(
            limits.timeout_seconds,
            limits.max_rows,
            limits.max_triples,
            limits.max_concurrent,
            limits.max_queue,
            limits.max_memory_mb,
            limits.max_query_bytes,
        ),
        workdir=backends.settings.data_dir / "sparql",
    )
    environment = Environment(loader=FileSystemLoader(templates_dir()), autoescape=True)
    app.state.templates = Jinja2Templates(env=environment)
    app.include_router(api.router)
    app.include_router(push.router)
    app.include_router(quality.router)
    app.include_router(sparql.router)
    app.include_router(validate.router)
    app.include_router(feed.router)
    app.include_router(linked_data.router)  # before pages: /datasets/{id}.ttl etc.
    app.include_router(pages.router)

    @app.get("/static/style.css", include_in_schema=False)
    def stylesheet() -> FileResponse:
        return FileResponse(templates_dir() / "style.css", media_type="text/css")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        return pages.error_page(request, error.status_code, str(error.detail))

    return app
