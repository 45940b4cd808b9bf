"""The JSON API (documented at /docs)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import Field

from catalogue.backends import Backends
from catalogue.index import QueryError, SearchQuery
from catalogue.index.suggest import suggestion
from catalogue.related import related_datasets, with_titles
from catalogue.search import Labeller, search, state_of
from catalogue.search_cache import SearchCache, query_key
from catalogue.search_sparql import MAX_RESTRICTION, PatternError, restrict, search_as_sparql
from catalogue.sparql.service import SparqlError
from catalogue.store import HarvestRun, Store
from catalogue.views import dataset_view, pick_language
from catalogue.views.health import HealthFacts
from catalogue.web.errors import errors
from catalogue.web.params import SearchParams, get_backends, get_labeller, language

router = APIRouter(prefix="/api", tags=["api"])


class ApiSearchParams(SearchParams):
    """The search, and a SPARQL restriction (``where=``) the JSON API adds to it."""

    where: str | None = Field(
        None,  # its length is checked with the pattern (catalogue/search_sparql.py): a 400 saying so
        description="a SPARQL group graph pattern over ?dataset that the results must match, e.g. "
        "{ ?dataset dct:publisher <https://…> } (prefixes dcat, dct, foaf, prov, skos, healthdcatap … are "
        f"declared); run on the SPARQL endpoint with its limits; at most {MAX_RESTRICTION:,} datasets",
    )


@router.get("/search", responses=errors(400, 422), response_model=dict[str, Any])
def api_search(
    params: Annotated[ApiSearchParams, Query()],
    backends: Annotated[Backends, Depends(get_backends)],
    labeller: Annotated[Labeller, Depends(get_labeller)],
    request: Request,
) -> Response:
    """Full-text search with facets. Repeat a facet parameter to accept several values.

    With words in ``q``, each result has ``highlights``: the query's words
    marked in its title and in a snippet of its description, as plain text
    and ranges (never HTML; escape the text before showing it)::

        "highlights": {
            "title": {"text": "Cancer registry", "lang": "en", "ranges": [[0, 6]]},
            "description": {"text": "…counts of cancers by region…", "lang": "en", "ranges": [[11, 18]]}
        }

    ``where`` keeps only the datasets a SPARQL group graph pattern over ``?dataset`` matches:
    a pattern that is not one ``{ … }``, does not parse, or uses SERVICE or an update is a 400
    naming the problem; one matching more than 10,000 datasets a 400 too (the restriction is never
    cut, so totals, facets and pages stay exact); one that runs past the SPARQL time limit a 503.
    ``sparql`` is the search written as a SPARQL query for ``/sparql`` (words become substring
    matches: the index also stems and crosses languages).

    ``ranges`` are ``[start, end)`` offsets into ``text`` counted in Unicode
    code points (not bytes, not UTF-16 units), sorted and not overlapping;
    ``text`` is the whole title or description, or a snippet of it with "…"
    where text was left out; ``lang`` is its language ("" when untagged),
    that of the result's ``title``/``description`` when it has the words,
    else another. A field without the query's words is left out; without
    words in ``q``, ``highlights`` is ``{}``.

    When nothing is found, ``suggestion`` is ``q`` with its unmatched words
    replaced by the nearest words the catalogue has ("did you mean"), if
    that finds something; else it is ``null``.
    """
    query, lang = params.query(), language(request)
    where = None if params.where is None else params.where.strip()
    if where is not None:
        query = replace(query, ids=_restriction(request, params.where or ""))
    key = f"api {query_key(query, lang)} {where}"  # the answer, with its SPARQL: the search alone is not the key
    cache: SearchCache = request.app.state.search_cache
    try:
        body = cache.get(
            key, state_of(backends), query.size, partial(_search_body, backends, labeller, query, lang, where)
        )
    except QueryError as error:
        raise HTTPException(400, str(error)) from error
    return Response(body, media_type="application/json")


def _search_body(
    backends: Backends, labeller: Labeller, query: SearchQuery, lang: str, where: str | None
) -> bytes:
    """The answer to a search, as the JSON the API sends (built once per search and catalogue state)."""
    result = search(backends, labeller, query, lang)
    answer = {
        "sparql": search_as_sparql(query, backends.store.provenance_graph().value, where),
        "total": result.total,
        "suggestion": suggestion(backends.index, query.text) if result.total == 0 else None,
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
    return json.dumps(answer, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


@router.get("/datasets/{record_id}", responses=errors(404))
def api_dataset(
    request: Request, record_id: str, backends: Annotated[Backends, Depends(get_backends)]
) -> dict[str, Any]:
    """One record: its description as JSON, and its validation status and messages.

    ``health``: the HealthDCAT-AP facts (counts, ages, categories, codes with the identifier
    ``code=`` takes, HDAB, retention).
    ``related``: other published datasets linked to it through the graph, each with its ``reason``
    (series, version, derivation, relation, code, publisher) and ``via`` (the shared series, code or
    publisher), a few per reason; null when they could not be found in time (the list is left out
    rather than the answer delayed).
    """
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
        "related": related_json(request, meta.uri, lang),
        "validation": {
            "status": meta.status,
            "profile": meta.profile,
            "conforms": stored.report.conforms,
            "violations": stored.report.violations,
            "warnings": stored.report.warnings,
            "results": [vars(r) for r in stored.report.results],
        },
    }


def _restriction(request: Request, where: str) -> list[str]:
    """The ids ``where=`` keeps, or the HTTP error that says why not (400 for the pattern, 503 if too slow)."""
    backends = request.app.state.backends
    try:
        return restrict(request.app.state.sparql, backends.store.provenance_graph().value, where)
    except PatternError as error:
        raise HTTPException(400, str(error)) from None
    except SparqlError as error:
        status = error.http_status if error.http_status >= 500 else 400
        raise HTTPException(status, f"where=: {error}") from None


def related_json(request: Request, uri: str, lang: str) -> list[dict[str, Any]] | None:
    """The dataset's neighbours through the graph (catalogue/related.py); null when not found in time."""
    backends = request.app.state.backends
    found = related_datasets(request.app.state.sparql, backends.store.provenance_graph().value, uri)
    if found is None:
        return None
    base = backends.settings.base_url
    return [
        {
            "id": item.id,
            "uri": item.uri,
            "title": title,
            "reason": item.reason,
            "via": item.via,
            "url": f"{base}/datasets/{quote(item.id, safe='')}",
        }
        for item, title in with_titles(backends.store, found, lang)
    ]


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
