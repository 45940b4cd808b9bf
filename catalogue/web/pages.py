"""HTML pages: server-rendered, usable without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from catalogue.backends import Backends
from catalogue.index import FACETS, MAX_FACET_SIZE, Highlight, QueryError, SearchQuery
from catalogue.index.suggest import suggestion
from catalogue.negotiation import BY_SUFFIX
from catalogue.quality import DIMENSIONS
from catalogue.related import related_datasets, with_titles
from catalogue.schema_org import dataset_jsonld, script_json
from catalogue.search import Labeller, search
from catalogue.search_sparql import search_as_sparql
from catalogue.store import REJECTED, VISIBLE, RunChange, Store, StoredRecord
from catalogue.views import DatasetView, dataset_view, pick_language
from catalogue.views.dcat_ap_3 import choose_language
from catalogue.vocabularies.concepts import display_label as concept_label
from catalogue.web import i18n, urls
from catalogue.web.i18n import LANGUAGE, N_, Message
from catalogue.web.params import SearchParams, get_backends, get_labeller, page_params, read_params
from catalogue.web.safety import linkable

router = APIRouter(include_in_schema=False)

#: the record's own RDF, offered for download on its page (its negotiated URL with a suffix)
DOWNLOADS = [BY_SUFFIX[suffix] for suffix in ("ttl", "jsonld", "rdf")]

FACET_TITLES = {
    "source": N_("Node"),
    "country": N_("Country"),
    "publisher": N_("Publisher"),
    "theme": N_("Theme"),
    "health_category": N_("Health category"),
    "health_theme": N_("Health theme"),
    "type": N_("Dataset type"),
    "coding_system": N_("Coding system"),
    "code": N_("Code"),
    "keyword": N_("Keyword"),
    "format": N_("Format"),
    "license": N_("Licence"),
    "access_rights": N_("Access rights"),
    "language": N_("Language"),
}
SORT_NAMES = {
    "relevance": N_("relevance"),
    "modified": N_("last modified"),
    "title": N_("title"),
    "quality": N_("quality"),
}
#: names the store and the quality module keep in English, shown translated (marked here for extraction)
SEVERITIES = (N_("Violation"), N_("Warning"), N_("Info"))
RATING_NAMES = (N_("excellent"), N_("good"), N_("sufficient"), N_("bad"))
DIMENSION_NAMES = {
    "findability": N_("Findability"),
    "accessibility": N_("Accessibility"),
    "interoperability": N_("Interoperability"),
    "reusability": N_("Reusability"),
    "contextuality": N_("Contextuality"),
}
#: a harvest's changes, by kind ("%(num)s" is how many)
CHANGE_NAMES = {
    "added": N_("%(num)s added"),
    "changed": N_("%(num)s changed"),
    "withdrawn": N_("%(num)s withdrawn"),
}
#: facets the home page offers as ways in, when the index has them
BROWSE_FACETS = {"theme": N_("Browse by theme"), "health_category": N_("Browse by health category")}
NEWEST = 6


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page in the visitor's interface language, its record texts picked in their content language."""
    backends = request.app.state.backends
    lang, ui_lang = i18n.content_language(request), i18n.interface_language(request)
    labeller = request.app.state.labeller
    with i18n.speaking(ui_lang):
        return request.app.state.templates.TemplateResponse(
            request,
            template,
            {
                "title": backends.settings.title,
                "lang": lang,
                "ui_lang": ui_lang,
                "languages": i18n.CHOICES,
                "url": urls.for_request(request),
                "dimension_names": DIMENSION_NAMES,
                "here": _here(request),
                "label": lambda iri: labeller.label(iri, lang) if iri else "",
                "pick": lambda text: pick_language(text, lang) or "",
                # the language of the text pick() shows, for a lang attribute where it differs
                "lang_of": lambda text: choose_language(text, lang)[1] or None,
                **context,
            },
            status_code=status_code,
        )


def _here(request: Request) -> str:
    """This page's path and query without ``lang``: where the language switch comes back to."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return urls.build(request.url.path, query_map=_grouped(query))


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, urls.Value]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return dict(grouped)


def error_page(request: Request, status_code: int, message: object) -> Response:
    """An error page; a :class:`Message` is translated, any other text is marked as the English it is."""
    return render(
        request,
        "error.html",
        status_code=status_code,
        status=status_code,
        message=message,
        translated=isinstance(message, Message),
    )


@router.get("/language")
def choose_language_page(request: Request, lang: str = "", next: str = "/") -> Response:
    """The language switch: remembers the choice in a cookie and returns to the page, in that language.

    ``next`` must be a path on this site (``/…``, not ``//host``): the switch redirects nowhere else.
    """
    lang = lang.lower()
    if not LANGUAGE.match(lang):
        raise HTTPException(400, Message("Choose a language by its two- or three-letter code."))
    parts = urlsplit(next)
    if not next.startswith("/") or next.startswith(("//", "/\\")) or parts.scheme or parts.netloc:
        next = "/"
        parts = urlsplit(next)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    response = RedirectResponse(urls.build(parts.path, lang=lang, query_map=_grouped(query)), status_code=303)
    response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


def home(request: Request) -> HTMLResponse:
    """Ways in for researchers: search, themes and health categories with counts, the newest, the nodes."""
    backends, labeller = request.app.state.backends, request.app.state.labeller
    cache, lang = request.app.state.search_cache, i18n.content_language(request)
    counts = backends.store.dataset_counts()
    nodes = [
        (s, sum(counts.get(s.name, {}).get(status, 0) for status in VISIBLE))
        for s in backends.settings.sources
    ]
    overview = search(backends, labeller, SearchQuery(facet_size=12), lang, cache)
    newest = search(backends, labeller, SearchQuery(sort="modified", size=NEWEST, facet_size=1), lang, cache)
    browse = [
        (name, heading, overview.facets[name])
        for name, heading in BROWSE_FACETS.items()
        if overview.facets.get(name)
    ]
    return render(
        request,
        "home.html",
        nodes=nodes,
        total=overview.total,
        browse=browse,
        newest=newest.results,
    )


@router.get("/datasets", response_class=HTMLResponse)
def datasets(
    request: Request,
    backends: Annotated[Backends, Depends(get_backends)],
    labeller: Annotated[Labeller, Depends(get_labeller)],
) -> HTMLResponse:
    params = read_params(SearchParams, request)
    try:
        page = search(
            backends, labeller, params.query(), i18n.content_language(request), request.app.state.search_cache
        )
    except QueryError as error:
        raise HTTPException(400, str(error)) from error
    suggested = suggestion(backends.index, params.q) if page.total == 0 else None
    return render(
        request,
        "datasets.html",
        page=page,
        suggested=suggested,
        url_suggested=_search_url(params.model_copy(update={"q": suggested})) if suggested else "",
        facet_titles=FACET_TITLES,
        sort_names=SORT_NAMES,
        facet_order=FACETS,
        url_for_page=lambda n: _search_url(params, page=n),
        url_toggle=lambda name, value: _search_url(params, toggle=(name, value)),
        url_sort=lambda sort: _search_url(params, sort=sort),
        url_quality=lambda points: _search_url(
            params, quality_min=None if params.quality_min == points else points
        ),
        url_all=lambda name: _search_url(params, facet_size=MAX_FACET_SIZE),
        marked=marked,
        sparql_url=urls.for_request(request)(
            "/sparql", query=search_as_sparql(params.query(), backends.store.provenance_graph().value)
        ),
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
    params: SearchParams,
    page: int = 1,
    toggle: tuple[str, str] | None = None,
    sort: str | None = None,
    quality_min: int | None | object = KEEP,
    facet_size: int | None = None,
) -> str:
    """A link to another page, order or selection of this search (the visitor's ``lang`` kept if chosen)."""
    changes: dict[str, Any] = {}
    if toggle:
        name, value = toggle
        values = list(getattr(params, name))
        changes[name] = [v for v in values if v != value] if value in values else [*values, value]
    if quality_min is not KEEP:
        changes["quality_min"] = quality_min
    pairs = params.model_copy(update=changes).pairs()
    if (sort or params.sort) != "relevance":
        pairs.append(("sort", sort or params.sort))
    if page > 1:
        pairs.append(("page", str(page)))
    if params.size != 20:
        pairs.append(("size", str(params.size)))
    if (facet_size or params.facet_size) != 20:
        pairs.append(("facet_size", str(facet_size or params.facet_size)))
    lang = (params.lang or "").lower()
    return urls.build("/datasets", lang=lang if LANGUAGE.match(lang) else None, query_map=_grouped(pairs))


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
    lang = i18n.content_language(request)
    labeller = request.app.state.labeller
    base = backends.settings.base_url
    path = f"/datasets/{quote(stored.meta.id, safe='')}"
    schema = dataset_jsonld(
        view,
        url=f"{base}{path}",
        catalogue_name=backends.settings.title,
        catalogue_url=f"{base}/",
        lang=lang,
        label=lambda iri: labeller.label(iri, lang),
    )
    found = related_datasets(request.app.state.sparql, backends.store.provenance_graph().value, view.uri)
    return render(
        request,
        "dataset.html",
        related=None if found is None else with_titles(backends.store, found, lang),
        access=request_access(view),
        code_label=lambda code: (
            pick_language(code.labels, lang)
            or concept_label(code.id, lang)
            or (backends.vocabularies.label(code.iri, lang) if code.iri else None)
        ),
        downloads=[(syntax.suffix, f"{path}.{syntax.suffix}") for syntax in DOWNLOADS],
        record=stored,
        view=view,
        source=source,
        quality=backends.store.quality(stored.meta.id),
        dimensions=DIMENSIONS,
        schema_org=Markup(script_json(schema)),
    )


def request_access(view: DatasetView) -> str | None:
    """Where the "Request access" action leads: an access URL, else the health data access body's
    homepage or address; None (no action) when the record gives neither, or only links we will not make."""
    candidates = [url for d in view.distributions for url in d.access_urls]
    if view.hdab is not None:
        candidates += [view.hdab.homepage or "", f"mailto:{view.hdab.email}" if view.hdab.email else ""]
    return next((url for url in candidates if linkable(url)), None)


@router.get("/sources", response_class=HTMLResponse)
def sources(request: Request) -> HTMLResponse:
    """Every node with its counts and its first few rejected records: bounded whatever the store holds."""
    store = request.app.state.backends.store
    counts = store.dataset_counts()
    rows = []
    for source in request.app.state.backends.settings.sources:
        by_status = counts.get(source.name, {})
        rows.append(
            {
                "source": source,
                "runs": store.runs(source.name, limit=1),
                "published": sum(by_status.get(status, 0) for status in VISIBLE),
                "rejected_total": by_status.get(REJECTED, 0),
                "rejected": _rejected(store, source.name, SHOWN_PER_NODE, 0),
            }
        )
    return render(request, "sources.html", rows=rows)


def source_page(request: Request, name: str) -> HTMLResponse:
    """A node: its counts, its last harvests (a few changes of each) and one page of its rejected records."""
    backends = request.app.state.backends
    try:
        source = backends.settings.source(name)
    except KeyError:
        raise HTTPException(404, Message("There is no node called %(name)r.", name=name)) from None
    store = backends.store
    number, size = page_params(request, REJECTED_PAGE, MAX_PAGE_SIZE)
    counts = store.dataset_counts().get(name, {})
    runs = store.runs(name, limit=20)
    changes = {run.id: _changes_by_kind(store, run.id) for run in runs if run.id is not None}
    return render(
        request,
        "source.html",
        source=source,
        runs=runs,
        changes=changes,
        rejected=_rejected(store, name, size, (number - 1) * size),
        rejected_total=counts.get(REJECTED, 0),
        page=number,
        size=size,
        counts=counts,
        change_names=CHANGE_NAMES,
    )


SHOWN_PER_NODE = 5  # rejected records per node on /sources
REJECTED_PAGE = 20  # rejected records per page on /sources/{name}
MAX_PAGE_SIZE = 100
SHOWN_CHANGES = 50


def _rejected(store: Store, source: str, limit: int, offset: int) -> list[StoredRecord]:
    """One page of a node's rejected records, with their reports."""
    metas = store.metas(source, statuses=[REJECTED], limit=limit, offset=offset)
    return [stored for meta in metas if (stored := store.get(meta.id)) is not None]


def _changes_by_kind(store: Store, run_id: int) -> dict[str, tuple[int, list[RunChange]]]:
    """added/changed/withdrawn → (how many, the first few)."""
    totals, first = store.run_changes_page(run_id, SHOWN_CHANGES)
    grouped: dict[str, list[RunChange]] = {kind: [] for kind in ("added", "changed", "withdrawn")}
    for change in first:
        grouped[change.change].append(change)
    return {kind: (totals[kind], items) for kind, items in grouped.items() if totals.get(kind)}
