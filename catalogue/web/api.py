"""The JSON API (documented at /docs)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from catalogue.index import QueryError
from catalogue.profiles import dataset_view, pick_language
from catalogue.search import search
from catalogue.web.params import language, search_query

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/search")
def api_search(
    request: Request,
    q: str = Query("", description="words to look for, in any language"),
    page: int = Query(1, ge=1),
    size: int = Query(20, ge=1, le=100),
    sort: str = Query("relevance", pattern="^(relevance|modified|title)$"),
    lang: str | None = Query(None, description="language for titles and labels"),
    source: list[str] = Query([]),
    publisher: list[str] = Query([]),
    theme: list[str] = Query([]),
    keyword: list[str] = Query([]),
    format: list[str] = Query([]),
    license: list[str] = Query([]),
    access_rights: list[str] = Query([]),
    language_: list[str] = Query([], alias="language"),
) -> dict[str, Any]:
    """Full-text search with facets. Repeat a facet parameter to accept several values."""
    backends, labeller = request.app.state.backends, request.app.state.labeller
    try:
        result = search(backends, labeller, search_query(request), language(request))
    except QueryError as error:
        raise HTTPException(400, str(error)) from error
    return {
        "total": result.total,
        "page": result.query.page,
        "size": result.query.size,
        "results": [
            {
                "id": item.id,
                "uri": item.uri,
                "title": item.title,
                "description": item.description,
                "source": item.source,
                "status": item.status,
                "modified": item.modified,
                "themes": item.themes,
                "url": f"{backends.settings.base_url}/datasets/{item.id}",
            }
            for item in result.results
        ],
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for name, values in result.facets.items()
        },
    }


@router.get("/datasets/{record_id}")
def api_dataset(request: Request, record_id: str) -> dict[str, Any]:
    """One record: its description as JSON, and its validation status and messages."""
    backends = request.app.state.backends
    stored = backends.store.get(record_id)
    if stored is None or stored.meta.kind != "dataset":
        raise HTTPException(404, f"no dataset with id {record_id!r}")
    lang = language(request)
    view = dataset_view(stored.triples, stored.meta.uri)
    meta = stored.meta
    return {
        "id": meta.id,
        "uri": meta.uri,
        "source": meta.source,
        "title": pick_language(view.title, lang),
        "description": pick_language(view.description, lang),
        "titles": view.title,
        "descriptions": view.description,
        "keywords": view.keywords,
        "themes": view.themes,
        "publisher": _plain(view.publisher),
        "contact_points": [_plain(c) for c in view.contacts],
        "distributions": [_plain(d) for d in view.distributions],
        "temporal": [_plain(t) for t in view.temporal],
        "spatial": view.spatial,
        "access_rights": view.access_rights,
        "licenses": view.licenses,
        "languages": view.languages,
        "identifiers": view.identifier,
        "issued": view.issued,
        "modified": view.modified,
        "landing_pages": view.landing_pages,
        "properties": {p: [o.value for o in objs] for p, objs in view.properties.items()},
        "harvested": meta.harvested.isoformat(),
        "validation": {
            "status": meta.status,
            "profile": meta.profile,
            "conforms": stored.report.conforms,
            "violations": stored.report.violations,
            "warnings": stored.report.warnings,
            "results": [vars(r) for r in stored.report.results],
        },
    }


@router.get("/sources")
def api_sources(request: Request) -> list[dict[str, Any]]:
    """The configured nodes with the outcome of their last harvest."""
    backends = request.app.state.backends
    out = []
    for source in backends.settings.sources:
        runs = backends.store.runs(source.name, limit=1)
        out.append(
            {
                "name": source.name,
                "title": source.title,
                "country": source.country,
                "url": source.url,
                "profile": source.profile,
                "policy": source.policy,
                "last_harvest": _plain(runs[0]) if runs else None,
            }
        )
    return out


def _plain(value: Any) -> Any:
    if value is None:
        return None
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in vars(value).items()}
