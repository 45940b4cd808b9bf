"""HTML pages: server-rendered, usable without JavaScript."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from catalogue.index import FACETS, Highlight, QueryError, SearchQuery
from catalogue.profiles import dataset_view, pick_language
from catalogue.profiles.dcat_ap_3 import choose_language
from catalogue.quality import DIMENSIONS
from catalogue.schema_org import dataset_jsonld, script_json
from catalogue.search import search
from catalogue.store import REJECTED, VISIBLE, RunChange, StoredRecord
from catalogue.web.params import language, search_query

router = APIRouter(include_in_schema=False)

FACET_TITLES = {
    "source": "Node",
    "publisher": "Publisher",
    "theme": "Theme",
    "keyword": "Keyword",
    "format": "Format",
    "license": "Licence",
    "access_rights": "Access rights",
    "language": "Language",
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    backends = request.app.state.backends
    lang = language(request)
    labeller = request.app.state.labeller
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "title": backends.settings.title,
            "lang": lang,
            "label": lambda iri: labeller.label(iri, lang) if iri else "",
            "pick": lambda text: pick_language(text, lang) or "",
            # the language of the text pick() shows, for a lang attribute where it differs
            "lang_of": lambda text: choose_language(text, lang)[1] or None,
            **context,
        },
        status_code=status_code,
    )


def error_page(request: Request, status_code: int, message: str) -> Response:
    return render(request, "error.html", status_code=status_code, status=status_code, message=message)


def home(request: Request) -> HTMLResponse:
    backends = request.app.state.backends
    counts = Counter(m.source for m in backends.store.metas(statuses=VISIBLE) if m.kind == "dataset")
    nodes = [(s, counts.get(s.name, 0)) for s in backends.settings.sources]
    return render(request, "home.html", nodes=nodes, total=sum(counts.values()))


@router.get("/datasets", response_class=HTMLResponse)
def datasets(request: Request) -> HTMLResponse:
    backends, labeller = request.app.state.backends, request.app.state.labeller
    query = search_query(request)
    try:
        page = search(backends, labeller, query, language(request))
    except QueryError as error:
        raise HTTPException(400, str(error)) from error
    lang = request.query_params.get("lang")  # kept in links only when the visitor chose it
    return render(
        request,
        "datasets.html",
        page=page,
        facet_titles=FACET_TITLES,
        facet_order=FACETS,
        url_for_page=lambda n: _search_url(query, lang, page=n),
        url_toggle=lambda name, value: _search_url(query, lang, toggle=(name, value)),
        url_sort=lambda sort: _search_url(query, lang, sort=sort),
        url_quality=lambda points: _search_url(
            query, lang, quality_min=None if query.quality_min == points else points
        ),
        marked=marked,
    )


def marked(highlight: Highlight) -> Markup:
    """A highlight as HTML: its text escaped (harvested text is never trusted), its ranges in ``<mark>``."""
    text, parts, at = highlight.text, [], 0
    for start, end in highlight.ranges:
        parts += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        at = end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


KEEP = object()  # _search_url: keep the query's own quality filter


def _search_url(
    query: SearchQuery,
    lang: str | None,
    page: int = 1,
    toggle: tuple[str, str] | None = None,
    sort: str | None = None,
    quality_min: int | None | object = KEEP,
) -> str:
    filters = {name: list(values) for name, values in query.filters.items()}
    if toggle:
        name, value = toggle
        values = filters.setdefault(name, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
    params: list[tuple[str, str]] = [("q", query.text)] if query.text else []
    if lang:
        params.append(("lang", lang))
    params += [(name, value) for name in FACETS for value in filters.get(name, [])]
    minimum = query.quality_min if quality_min is KEEP else quality_min
    if minimum is not None:
        params.append(("quality_min", str(minimum)))
    if (sort or query.sort) != "relevance":
        params.append(("sort", sort or query.sort))
    if page > 1:
        params.append(("page", str(page)))
    if query.size != 20:
        params.append(("size", str(query.size)))
    return "/datasets?" + urlencode(params)


def dataset_page(request: Request, stored: StoredRecord) -> HTMLResponse:
    """A dataset's HTML page, with its schema.org description for search engines.

    The route is in :mod:`catalogue.web.linked_data`, which negotiates between
    this page and the record's RDF.
    """
    backends = request.app.state.backends
    view = dataset_view(stored.triples, stored.meta.uri)
    try:
        source = backends.settings.source(stored.meta.source)
    except KeyError:
        source = None
    lang = language(request)
    labeller = request.app.state.labeller
    base = backends.settings.base_url
    schema = dataset_jsonld(
        view,
        url=f"{base}/datasets/{quote(stored.meta.id, safe='')}",
        catalogue_name=backends.settings.title,
        catalogue_url=f"{base}/",
        lang=lang,
        label=lambda iri: labeller.label(iri, lang),
    )
    return render(
        request,
        "dataset.html",
        record=stored,
        view=view,
        source=source,
        quality=backends.store.quality(stored.meta.id),
        dimensions=DIMENSIONS,
        schema_org=Markup(script_json(schema)),
    )


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> HTMLResponse:
    backends = request.app.state.backends
    rows = []
    for source in backends.settings.sources:
        metas = backends.store.metas(source.name)
        datasets = [m for m in metas if m.kind == "dataset"]
        rows.append(
            {
                "source": source,
                "runs": backends.store.runs(source.name, limit=1),
                "published": sum(m.status in VISIBLE for m in datasets),
                "rejected": [
                    stored
                    for m in datasets
                    if m.status == REJECTED and (stored := backends.store.get(m.id)) is not None
                ],
            }
        )
    return render(request, "sources.html", rows=rows)


def source_page(request: Request, name: str) -> HTMLResponse:
    backends = request.app.state.backends
    try:
        source = backends.settings.source(name)
    except KeyError:
        raise HTTPException(404, f"There is no node called {name!r}.") from None
    store = backends.store
    rejected_metas = store.metas(name, statuses=[REJECTED])
    rejected = [store.get(m.id) for m in rejected_metas[:SHOWN_REJECTED]]
    metas = store.metas(name)
    runs = store.runs(name, limit=20)
    changes = {run.id: _changes_by_kind(store.run_changes(run.id)) for run in runs if run.id is not None}
    return render(
        request,
        "source.html",
        source=source,
        runs=runs,
        changes=changes,
        rejected=[r for r in rejected if r is not None],
        rejected_total=len(rejected_metas),
        counts=Counter(m.status for m in metas if m.kind == "dataset"),
    )


SHOWN_REJECTED = 100
SHOWN_CHANGES = 50


def _changes_by_kind(changes: list[RunChange]) -> dict[str, tuple[int, list[RunChange]]]:
    """added/changed/withdrawn → (how many, the first few)."""
    grouped: dict[str, list[RunChange]] = {"added": [], "changed": [], "withdrawn": []}
    for change in changes:
        grouped[change.change].append(change)
    return {kind: (len(items), items[:SHOWN_CHANGES]) for kind, items in grouped.items() if items}
