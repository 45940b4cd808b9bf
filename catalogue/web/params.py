"""Read what a request asks for: the search, and the visitor's language."""

from __future__ import annotations

from fastapi import HTTPException, Request

from catalogue.index import FACETS, SearchQuery
from catalogue.quality import MAXIMUM
from catalogue.search import MAX_SIZE
from catalogue.web.i18n import LANGUAGE, Message, accepted_languages

SORTS = ("relevance", "modified", "title", "quality")


def search_query(request: Request) -> SearchQuery:
    params = request.query_params
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        raise HTTPException(400, Message("sort must be one of %(sorts)s", sorts=", ".join(SORTS)))
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
        raise HTTPException(400, Message("quality_min must be a whole number from 0 to %(max)d", max=MAXIMUM))
    return int(raw)


def _positive(raw: str | None, name: str, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise HTTPException(
            400, Message("%(name)s must be a whole number from 1 to %(max)d", name=name, max=maximum)
        )
    return int(raw)


def language(request: Request) -> str:
    """``?lang=`` first, then the browser's Accept-Language, then English (pages also read a cookie: web/i18n.py)."""
    explicit = (request.query_params.get("lang") or "").lower()
    if LANGUAGE.match(explicit):
        return explicit
    return next(iter(accepted_languages(request.headers.get("accept-language", ""))), "en")
