"""Read what a request asks for: the search, and the visitor's language."""

from __future__ import annotations

import re

from fastapi import HTTPException, Request

from catalogue.index import FACETS, SearchQuery
from catalogue.quality import MAXIMUM
from catalogue.search import MAX_SIZE

SORTS = ("relevance", "modified", "title", "quality")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def search_query(request: Request) -> SearchQuery:
    params = request.query_params
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        raise HTTPException(400, f"sort must be one of {', '.join(SORTS)}")
    return SearchQuery(
        text=(params.get("q") or "").strip()[:500],
        filters={name: params.getlist(name) for name in FACETS if params.getlist(name)},
        sort=sort,  # type: ignore[arg-type]
        page=_positive(params.get("page"), "page", 1, 10_000),
        size=_positive(params.get("size"), "size", 20, MAX_SIZE),
        quality_min=_quality(params.get("quality_min")),
    )


def page_params(request: Request, default_size: int, max_size: int) -> tuple[int, int]:
    """``?page=`` and ``?size=`` of a listing: 400 beyond ``max_size`` per page or page 10,000."""
    params = request.query_params
    return (
        _positive(params.get("page"), "page", 1, 10_000),
        _positive(params.get("size"), "size", default_size, max_size),
    )


def _quality(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) > MAXIMUM:
        raise HTTPException(400, f"quality_min must be a whole number from 0 to {MAXIMUM}")
    return int(raw)


def _positive(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise HTTPException(400, f"{name} must be a whole number from 1 to {maximum}")
    return int(raw)


def language(request: Request) -> str:
    """``?lang=`` first, then the browser's Accept-Language, then English."""
    explicit = (request.query_params.get("lang") or "").lower()
    if LANGUAGE.match(explicit):
        return explicit
    ranked = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, q = part.strip().partition(";q=")
        base = tag.split("-")[0].lower()
        if LANGUAGE.match(base):
            try:
                weight = float(q) if q else 1.0
            except ValueError:
                weight = 0.0
            ranked.append((weight, base))
    ranked.sort(key=lambda pair: -pair[0])
    return ranked[0][1] if ranked and ranked[0][0] > 0 else "en"
