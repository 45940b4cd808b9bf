"""The DCAT-AP feed (``/catalog``) and the dumps (``/dump.nq.gz``, ``/dump.ttl.gz``).

A thin router: what is written lives in :mod:`catalogue.feed`. Parameters are
checked and the page selected before the response starts, so a bad request
is a 400; the body then streams one record at a time.

The dumps are served as gzip *files* (``Content-Type: application/gzip`` and a
``Content-Disposition`` filename), not as N-Quads/Turtle with
``Content-Encoding: gzip``: they are downloads, and a client that decodes
Content-Encoding transparently would save a ``.gz`` name over plain text.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from email.utils import format_datetime
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import Field, field_validator

from catalogue.feed import (
    BY_SUFFIX,
    DEFAULT_PAGE_SIZE,
    DUMPS,
    MAX_PAGE_SIZE,
    FeedQuery,
    Format,
    dump,
    feed_chunks,
    negotiate,
    parse_datetime,
    select_page,
)
from catalogue.index import FACETS, QueryError
from catalogue.web.linked_data import not_modified
from catalogue.web.params import SearchFilters, read_params

router = APIRouter(tags=["feed"])

FEED_DOC = (
    "The whole catalogue as DCAT-AP: our dcat:Catalog, a sub-catalogue per source, each dataset's "
    "full description and a dcat:CatalogRecord, paged with hydra:PartialCollectionView. "
    "Parameters: page, page_size (default 100, at most 1000), modified_since (ISO 8601, on the time "
    "the record's content was stored), q, the facet filters of /api/search "
    f"({', '.join(FACETS)}; repeat one to accept several values) and its ranges "
    "(individuals_min/_max, records_min/_max, age_min/_max, modified_from/_to, temporal_from/_to, quality_min)."
)


class FeedParams(SearchFilters):
    """The feed's selection: the filters of /api/search, and its own paging."""

    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    modified_since: str | None = Field(None, description="ISO 8601 date or date-time")

    @field_validator("modified_since")
    @classmethod
    def _iso(cls, value: str | None) -> str | None:
        if value:
            try:
                parse_datetime(value)
            except ValueError:
                raise ValueError("must be an ISO 8601 date or date-time") from None
        return value or None


def feed_query(request: Request) -> FeedQuery:
    params = read_params(FeedParams, request)
    return FeedQuery(
        page=params.page,
        page_size=params.page_size,
        modified_since=parse_datetime(params.modified_since) if params.modified_since else None,
        text=params.q.strip(),
        filters=params.filters(),
        ranges=params.ranges(),
        quality_min=params.quality_min,
        selection=tuple(params.pairs()),
        fetched=fetched_iri(request),
    )


def fetched_iri(request: Request) -> str:
    """The IRI of the document as the client asked for it, under our base URL.

    The query is encoded again from its parsed pairs (order kept), so whatever
    the client sent, the IRI is valid; a client that sent it encoded as we
    link it gets back its own URL byte for byte.
    """
    base = request.app.state.backends.settings.base_url
    query = urlencode(request.query_params.multi_items())
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


def _feed(request: Request, fmt: Format, negotiated: bool) -> Response:
    backends = request.app.state.backends
    query = feed_query(request)
    try:
        page = select_page(backends, query)
    except QueryError as error:
        raise HTTPException(400, str(error)) from error
    headers = {"Vary": "Accept"} if negotiated else {}
    # the page changes only when a harvest has run: a weak tag of that, the query and the format
    query_key = hashlib.sha256(str(request.query_params).encode()).hexdigest()[:16]
    headers["ETag"] = f'W/"{backends.store.generation()}-{query_key}-{fmt.suffix}"'
    if page.modified is not None:
        headers["Last-Modified"] = format_datetime(page.modified.astimezone(UTC), usegmt=True)
    if not_modified(request, headers["ETag"], page.modified):
        return Response(status_code=304, headers=headers)
    media_type = fmt.media_type + ("; charset=utf-8" if fmt.media_type.startswith("text/") else "")
    return StreamingResponse(feed_chunks(backends, page, fmt), media_type=media_type, headers=headers)


@router.get("/catalog", summary="DCAT-AP feed of the catalogue", description=FEED_DOC)
def catalog(request: Request) -> Response:
    fmt = negotiate(request.headers.get("accept"))
    if fmt is None:
        raise HTTPException(406, "available: " + ", ".join(f.media_type for f in BY_SUFFIX.values()))
    return _feed(request, fmt, negotiated=True)


def _suffixed(fmt: Format):
    def route(request: Request) -> Response:
        return _feed(request, fmt, negotiated=False)

    return route


for _suffix, _format in BY_SUFFIX.items():
    router.add_api_route(
        f"/catalog.{_suffix}",
        _suffixed(_format),
        methods=["GET"],
        summary=f"DCAT-AP feed of the catalogue as {_format.name}",
        description=FEED_DOC,
    )


def _dump_route(fmt: str):
    def route(request: Request) -> Response:
        filename = f"catalogue.{fmt}.gz"
        return StreamingResponse(
            dump(request.app.state.backends.store, fmt, request.app.state.backends.settings),
            media_type="application/gzip",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return route


for _dump in DUMPS:
    router.add_api_route(
        f"/dump.{_dump}.gz",
        _dump_route(_dump),
        methods=["GET"],
        summary=f"Every visible record ({DUMPS[_dump]}), gzip-compressed",
        description="A download: application/gzip with a filename. N-Quads keep each record in its "
        "named graph; Turtle merges all records.",
    )
