"""The JSON API (documented at /docs)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from catalogue.backends import Backends
from catalogue.index import QueryError
from catalogue.search import Labeller, search
from catalogue.store import HarvestRun, Store
from catalogue.views import dataset_view, pick_language
from catalogue.views.health import HealthFacts
from catalogue.web.errors import errors
from catalogue.web.params import SearchParams, get_backends, get_labeller, language

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/search", responses=errors(400, 422))
def api_search(
    params: Annotated[SearchParams, Query()],
    backends: Annotated[Backends, Depends(get_backends)],
    labeller: Annotated[Labeller, Depends(get_labeller)],
    request: Request,
) -> dict[str, Any]:
    """Full-text search with facets. Repeat a facet parameter to accept several values.

    With words in ``q``, each result has ``highlights``: the query's words
    marked in its title and in a snippet of its description, as plain text
    and ranges (never HTML; escape the text before showing it)::

        "highlights": {
            "title": {"text": "Cancer registry", "lang": "en", "ranges": [[0, 6]]},
            "description": {"text": "…counts of cancers by region…", "lang": "en", "ranges": [[11, 18]]}
        }

    ``ranges`` are ``[start, end)`` offsets into ``text`` counted in Unicode
    code points (not bytes, not UTF-16 units), sorted and not overlapping;
    ``text`` is the whole title or description, or a snippet of it with "…"
    where text was left out; ``lang`` is its language ("" when untagged),
    that of the result's ``title``/``description`` when it has the words,
    else another. A field without the query's words is left out; without
    words in ``q``, ``highlights`` is ``{}``.
    """
    try:
        result = search(backends, labeller, params.query(), language(request))
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
                "health": health_json(item.health),
                "quality": {"score": item.quality, "rating": item.rating}
                if item.quality is not None
                else None,
                "url": f"{backends.settings.base_url}/datasets/{item.id}",
                "highlights": {
                    name: {"text": h.text, "lang": h.lang, "ranges": [list(r) for r in h.ranges]}
                    for name, h in item.highlights.items()
                },
            }
            for item in result.results
        ],
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for name, values in result.facets.items()
        },
    }


@router.get("/datasets/{record_id}", responses=errors(404))
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
        "publisher": as_json(view.publisher),
        "contact_points": [as_json(c) for c in view.contacts],
        "distributions": [as_json(d) for d in view.distributions],
        "temporal": [as_json(t) for t in view.temporal],
        "spatial": view.spatial,
        "access_rights": view.access_rights,
        "licenses": view.licenses,
        "languages": view.languages,
        "identifiers": view.identifier,
        "issued": view.issued,
        "modified": view.modified,
        "landing_pages": view.landing_pages,
        "health": {
            **health_json(view.health),
            "hdab": as_json(view.hdab),
            "retention": as_json(view.retention),
        },
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
                "last_harvest": as_json(runs[0]) if runs else None,
            }
        )
    return out


@router.get("/sources/{name}/harvests", responses=errors(404, 422))
def api_harvests(
    request: Request,
    name: str,
    limit: Annotated[int, Query(ge=1, le=500, description="how many runs, newest first")] = 20,
    changes: Annotated[int, Query(ge=0, le=10_000, description="datasets listed per kind of change")] = 100,
) -> list[dict[str, Any]]:
    """A node's harvest and push history, newest first, with the datasets each run added, changed or withdrew."""
    store = _source_store(request, name)
    return [_run_json(store, run, changes) for run in store.runs(name, limit=limit)]


@router.get("/sources/{name}/harvests/{run_id}", responses=errors(404, 422))
def api_harvest(
    request: Request,
    name: str,
    run_id: int,
    changes: Annotated[
        int,
        Query(ge=0, le=10_000, description="datasets listed per kind of change (totals are always given)"),
    ] = 1_000,
) -> dict[str, Any]:
    """One run, with the datasets it added, changed or withdrew (the first ``changes`` of each kind, by title)."""
    store = _source_store(request, name)
    for run in store.runs(name, limit=None):
        if run.id == run_id:
            return _run_json(store, run, changes)
    raise HTTPException(404, f"Node {name!r} has no harvest run {run_id}.")


def _source_store(request: Request, name: str) -> Store:
    backends = request.app.state.backends
    if name not in {s.name for s in backends.settings.sources}:
        raise HTTPException(404, f"There is no node called {name!r}.")
    return backends.store


def _run_json(store: Store, run: HarvestRun, limit: int) -> dict[str, Any]:
    out = as_json(run)
    totals, first = store.run_changes_page(run.id, limit) if run.id is not None else ({}, [])
    listed: dict[str, list[dict[str, str]]] = {"added": [], "changed": [], "withdrawn": []}
    for change in first:
        item = {"id": change.record_id, "title": change.title}
        if change.change != "withdrawn":
            item["url"] = f"/api/datasets/{change.record_id}"
        listed[change.change].append(item)
    out["changes"] = {
        kind: {"total": totals.get(kind, 0), "datasets": items} for kind, items in listed.items()
    }
    return out


def health_json(facts: HealthFacts) -> dict[str, Any]:
    """The HealthDCAT-AP facts; codes with the identifier they are filtered by (``code=``)."""
    return asdict(facts)


def as_json(value: Any) -> Any:
    if value is None:
        return None
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in vars(value).items()}
