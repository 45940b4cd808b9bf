"""The web application: HTML pages for people, a JSON API for programs.

Read-only, but for one door: nodes push their own records to
``/api/sources/{name}/records`` with a bearer token (``web/push.py``).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from catalogue import __version__
from catalogue.admin import AdminServer
from catalogue.backends import Backends
from catalogue.config import Settings
from catalogue.reachability import UrlChecker
from catalogue.resources import templates_dir
from catalogue.schedule import Scheduler
from catalogue.search import Labeller
from catalogue.search_cache import SearchCache
from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService
from catalogue.web import (
    api,
    errors,
    feed,
    i18n,
    linked_data,
    operations,
    pages,
    push,
    quality,
    sparql,
    validate,
)
from catalogue.web.head import HeadAsGet
from catalogue.web.ldes import router as ldes_router
from catalogue.web.limits import BodyLimit
from catalogue.web.safety import ResponseHeaders, linkable, security_headers
from catalogue.web.static import router as static_router
from catalogue.web.workers import ForwardToWriter


def create_app(
    backends: Backends, schedule: bool = False, admin: AdminServer | None = None, writer: Path | None = None
) -> FastAPI:
    """The app; with ``schedule``, sources with an ``interval`` are harvested in the background,
    and the datasets' access and download URLs are checked (for their quality scores); ``admin``
    is the channel on which the ``catalogue`` command sends writes meanwhile, open while the app runs
    (uvicorn ends the process after a SIGTERM without returning: this is the last place to close it);
    ``writer``, in a reader process of ``serve --workers``, is the socket of the process that writes,
    to which requests that write are forwarded (see ``workers.py``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler, checker = Scheduler(backends), UrlChecker(backends)
        if schedule:
            scheduler.start()
            checker.start()
        if admin is not None:
            admin.start()
        yield
        if admin is not None:
            admin.stop()
        checker.stop()
        scheduler.stop()
        app.state.sparql.close()

    app = FastAPI(
        lifespan=lifespan,
        title=backends.settings.title,
        version=__version__,
        description="Search and read DCAT-AP dataset descriptions harvested from national nodes.",
        docs_url=None,  # served below, with its own Content-Security-Policy
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.add_middleware(BodyLimit, limit=body_limit(backends.settings))
    app.add_middleware(ResponseHeaders, edits=(security_headers, i18n.with_vary))
    app.state.backends = backends
    app.state.labeller = Labeller(backends)
    app.state.search_cache = SearchCache()
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
    )
    environment = Environment(loader=FileSystemLoader(templates_dir()), autoescape=True)
    environment.tests["linkable"] = linkable
    i18n.install(environment)
    app.state.templates = Jinja2Templates(env=environment)
    app.state.metrics = operations.Metrics(backends)
    app.add_middleware(operations.LatencyMiddleware, metrics=app.state.metrics)
    app.add_middleware(HeadAsGet)  # HEAD is a GET all the way through
    if writer is not None:
        app.add_middleware(ForwardToWriter, socket_path=writer)  # outermost: the writer does it all
    app.include_router(operations.router)
    app.include_router(api.router)
    app.include_router(push.router)
    app.include_router(quality.router)
    app.include_router(sparql.router)
    app.include_router(validate.router)
    app.include_router(feed.router)
    app.include_router(ldes_router)
    app.include_router(linked_data.router)  # before pages: /datasets/{id}.ttl etc.
    app.include_router(pages.router)
    app.include_router(static_router)
    errors.install(app)
    return app


def body_limit(settings: Settings) -> Callable[[str], int]:
    """The largest body each path takes: RDF to validate or push, else ``[web] max_body_bytes``.

    ``/sparql`` reads its body itself, streaming, and refuses it past ``[sparql] max_query_bytes``
    with a message about queries: a second, larger cap here would only answer first with a vaguer one.
    """

    def limit(path: str) -> int:
        if path == "/sparql":
            return sys.maxsize
        if path in ("/validate", "/api/validate"):
            return validate.MAX_BYTES + validate.FORM_OVERHEAD
        if path.startswith("/api/sources/") and path.endswith("/records"):
            return settings.limits.max_bytes
        return settings.web.max_body_bytes

    return limit
