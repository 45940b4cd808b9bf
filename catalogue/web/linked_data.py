"""Linked data out: every resource as HTML or RDF, and the files crawlers look for.

``/`` (our dcat:Catalog), ``/datasets/{id}`` and ``/sources/{name}`` answer
by the Accept header (HTML for browsers and ``*/*``; Turtle, JSON-LD, RDF/XML,
N-Triples for programs; 406 otherwise) and by suffix (``/datasets/{id}.ttl``,
``/index.jsonld`` …). These routes come before the HTML pages' and call them
for HTML. Negotiated answers carry ``Vary``; datasets carry an ``ETag`` and
``Last-Modified`` and answer conditional requests with 304.

ETags: an RDF representation's is strong — its bytes follow from the record's
content hash, its status and the syntax (serialization is ordered). An HTML
page's is weak: it also shows labels from vocabularies and other records, in
the visitor's language, through templates that change between releases.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from catalogue import __version__
from catalogue.backends import Backends
from catalogue.feed import (
    FeedQuery,
    catalog_record,
    catalogue_description,
    conforms_to,
    first_listed,
    select_page,
    sub_catalogues,
)
from catalogue.namespaces import DCT, RDF_TYPE
from catalogue.negotiation import HTML, RDF_FORMATS, RdfSyntax, choose_rdf, serialize, split_suffix
from catalogue.store import VISIBLE, WITHDRAWN, Store, StoredRecord
from catalogue.web import pages
from catalogue.web.i18n import Message
from catalogue.web.limits import GenerationCache
from catalogue.web.params import language

router = APIRouter(include_in_schema=False)
METHODS = ["GET", "HEAD"]
SKOLEM = "/.well-known/genid/"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


TYPE = _n(RDF_TYPE)


@dataclass
class Resource:
    """What one URL can answer with."""

    path: str  # without suffix, e.g. /datasets/be-0123
    suffix_path: str  # what the suffix is appended to: /index for /
    html: Callable[[], Response]
    triples: Callable[[], list[ox.Triple]]
    #: strong ETag material for the RDF (the syntax is added); None: hash of the triples
    tag: str | None = None
    #: weak ETag material for the HTML page; None: no ETag on the page (it changes with every harvest)
    html_tag: str | None = None
    modified: datetime | None = None


# -- routes ---------------------------------------------------------------------


@router.api_route("/", methods=METHODS)
def home(request: Request) -> Response:
    return _home(request, None)


@router.api_route("/index.{suffix}", methods=METHODS)
def home_rdf(request: Request, suffix: str) -> Response:
    _, syntax = split_suffix(f"index.{suffix}")
    if syntax is None:
        raise HTTPException(404, "Not found.")
    return _home(request, syntax)


def _home(request: Request, syntax: RdfSyntax | None) -> Response:
    backends = request.app.state.backends
    resource = Resource(
        path="/",
        suffix_path="/index",
        html=lambda: pages.home(request),
        triples=lambda: catalogue_description(backends),
    )
    return respond(request, resource, syntax)


@router.api_route("/datasets/{name}", methods=METHODS)
def dataset(request: Request, name: str) -> Response:
    backends = request.app.state.backends
    record_id, syntax = split_suffix(name)
    stored = backends.store.get(record_id)
    if stored is None or stored.meta.kind != "dataset":
        raise HTTPException(404, Message("There is no dataset with id %(id)r.", id=record_id))
    meta = stored.meta
    path = f"/datasets/{quote(record_id, safe='')}"
    resource = Resource(
        path=path,
        suffix_path=path,
        html=lambda: pages.dataset_page(request, stored),
        triples=lambda: record_triples(backends, stored),
        tag=f"{meta.content_hash[:32]}-{meta.status}",
        # the page lists related datasets too: a harvest anywhere can change it
        html_tag=f"{meta.content_hash[:32]}-{meta.status}-{language(request)}-{__version__}"
        f"-{backends.store.generation()}",
        modified=meta.harvested,
    )
    return respond(request, resource, syntax)


@router.api_route("/sources/{name}", methods=METHODS)
def source(request: Request, name: str) -> Response:
    backends = request.app.state.backends
    source_name, syntax = split_suffix(name)
    try:
        backends.settings.source(source_name)
    except KeyError:
        raise HTTPException(404, Message("There is no node called %(name)r.", name=source_name)) from None
    catalogues = source_catalogues(backends.store, source_name)
    path = f"/sources/{quote(source_name, safe='')}"
    resource = Resource(
        path=path,
        suffix_path=path,
        html=lambda: pages.source_page(request, source_name),
        triples=lambda: source_triples(backends, source_name, catalogues),
        modified=max((c.meta.harvested for c in catalogues), default=None),
    )
    return respond(request, resource, syntax)


@router.api_route("/records/{name}", methods=METHODS)
def catalogue_record(request: Request, name: str) -> Response:
    """Our catalogue record of a visible record (the IRI the feed mints); its page is the dataset's."""
    backends = request.app.state.backends
    record_id, syntax = split_suffix(name)
    stored = backends.store.get(record_id)
    if stored is None or stored.meta.status not in VISIBLE:
        raise HTTPException(404, f"There is no catalogue record with id {record_id!r}.")
    meta = stored.meta
    path = f"/records/{quote(record_id, safe='')}"
    page = (
        f"/datasets/{quote(record_id, safe='')}"
        if meta.kind == "dataset"
        else f"/sources/{quote(meta.source, safe='')}"
    )
    resource = Resource(
        path=path,
        suffix_path=path,
        html=lambda: RedirectResponse(page, status_code=303),
        triples=lambda: catalogue_record_triples(backends, stored),
        tag=f"{meta.content_hash[:32]}-{meta.status}-record",
        modified=meta.harvested,
    )
    return respond(request, resource, syntax)


@router.api_route("/.well-known/genid/{name}", methods=METHODS)
def skolem(request: Request, name: str) -> Response:
    """A blank node we named when storing a record: the part of the visible record it stands for.

    As RDF, what the record says about it (and about the blank nodes inside
    it); as a page, the record's page it is part of (303).
    """
    backends = request.app.state.backends
    digest, syntax = split_suffix(name)
    iri = f"{backends.settings.base_url}/.well-known/genid/{digest}"
    stored = _holder(backends, iri) if digest.isalnum() else None
    if stored is None:
        raise HTTPException(404, f"No published record has a part named {iri}.")
    meta = stored.meta
    page = (
        f"/datasets/{quote(meta.id, safe='')}"
        if meta.kind == "dataset"
        else f"/sources/{quote(meta.source, safe='')}"
    )
    path = f"/.well-known/genid/{digest}"
    resource = Resource(
        path=path,
        suffix_path=path,
        html=lambda: RedirectResponse(page, status_code=303),
        triples=lambda: part_of(stored.triples, _n(iri)),
        tag=f"{meta.content_hash[:32]}-{meta.status}-{digest}",
        modified=meta.harvested,
    )
    return respond(request, resource, syntax)


def _holder(backends: Backends, iri: str) -> StoredRecord | None:
    """The visible record whose triples describe ``iri`` (one: skolem IRIs are scoped by record)."""
    prefix = f"{backends.settings.base_url}/graphs/records/"
    # inlined: the IRI is our base URL and a digest of letters and digits (checked by the route)
    found = backends.store.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}")
    for solution in found:
        graph = solution["g"].value
        if graph.startswith(prefix):
            stored = backends.store.get(graph.removeprefix(prefix))
            if stored is not None and stored.meta.status in VISIBLE:
                return stored
    return None


def part_of(triples: list[ox.Triple] | tuple[ox.Triple, ...], root: ox.NamedNode) -> list[ox.Triple]:
    """What ``triples`` say about ``root`` and, recursively, about the skolemised nodes it links to."""
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = {}
    for triple in triples:
        by_subject.setdefault(triple.subject, []).append(triple)  # type: ignore[arg-type]
    found: list[ox.Triple] = []
    todo, seen = [root], {root}
    while todo:
        for triple in by_subject.get(todo.pop(), []):
            found.append(triple)
            target = triple.object
            if isinstance(target, ox.NamedNode) and SKOLEM in target.value and target not in seen:
                seen.add(target)
                todo.append(target)
    return found


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(request: Request) -> PlainTextResponse:
    base = request.app.state.backends.settings.base_url
    # The JSON API and SPARQL repeat what the pages say, and search result pages
    # (/datasets?…) are an endless space of facet combinations: the sitemap lists
    # every dataset page instead.
    lines = [
        "User-agent: *",
        "Disallow: /api/",
        "Disallow: /sparql",
        "Disallow: /datasets?",
        "Allow: /",
        "",
        f"Sitemap: {base}/sitemap.xml",
    ]
    return PlainTextResponse("\n".join(lines) + "\n")


@router.get("/sitemap.xml")
def sitemap(request: Request) -> Response:
    """Every published dataset's page: built once per store generation (it reads every record's metadata)."""
    state = request.app.state
    if getattr(state, "sitemap_cache", None) is None:
        state.sitemap_cache = GenerationCache()
    body = state.sitemap_cache.get(state.backends.store, "sitemap", lambda: _sitemap(state.backends))
    return Response(body, media_type="application/xml")


def _sitemap(backends: Backends) -> bytes:
    base = backends.settings.base_url
    urlset = ET.Element("urlset", xmlns=SITEMAP_NS)

    def url(path: str, lastmod: datetime | None = None) -> None:
        entry = ET.SubElement(urlset, "url")
        ET.SubElement(entry, "loc").text = base + path
        if lastmod is not None:
            ET.SubElement(entry, "lastmod").text = _w3c_datetime(lastmod)

    url("/")
    url("/datasets")
    url("/sources")
    for source_config in backends.settings.sources:
        url(f"/sources/{quote(source_config.name, safe='')}")
    for meta in backends.store.metas(statuses=VISIBLE, kind="dataset"):
        url(f"/datasets/{quote(meta.id, safe='')}", meta.harvested)
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)


# -- negotiation and conditional requests -----------------------------------------


def respond(request: Request, resource: Resource, syntax: RdfSyntax | None) -> Response:
    """The representation asked for by suffix (``syntax``) or else by Accept, or 304/406."""
    negotiated = syntax is None
    chosen: RdfSyntax | str | None = syntax or choose_rdf(request.headers.get("accept"))
    if chosen is None:
        offered = ", ".join([HTML, *(f.media_type for f in RDF_FORMATS)])
        raise HTTPException(406, f"This resource is available as {offered}.")
    alternates = [{"type": f.media_type, "href": f"{resource.suffix_path}.{f.suffix}"} for f in RDF_FORMATS]
    headers: dict[str, str] = {}
    if negotiated:
        headers["Vary"] = "Accept, Accept-Language" if chosen == HTML else "Accept"
    if resource.modified is not None:
        headers["Last-Modified"] = format_datetime(resource.modified.astimezone(UTC), usegmt=True)

    body: bytes | None = None
    if isinstance(chosen, RdfSyntax):
        if resource.tag is not None:
            headers["ETag"] = f'"{resource.tag}-{chosen.suffix}"'
        else:
            body = serialize(resource.triples(), chosen)
            headers["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        if negotiated:
            headers["Content-Location"] = f"{resource.suffix_path}.{chosen.suffix}"
    elif resource.html_tag is not None:
        headers["ETag"] = f'W/"{resource.html_tag}"'
    headers["Link"] = ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["type"]}"' for a in alternates)

    if not_modified(request, headers.get("ETag"), resource.modified):
        return Response(status_code=304, headers=headers)
    if isinstance(chosen, RdfSyntax):
        if body is None:
            body = serialize(resource.triples(), chosen)
        return Response(body, media_type=chosen.media_type, headers=headers)
    request.state.alternates = alternates  # base.html links them in <head>
    response = resource.html()
    response.headers.update(headers)
    return response


def not_modified(request: Request, etag: str | None, modified: datetime | None) -> bool:
    """RFC 9110 §13.2.2: If-None-Match (weak comparison) wins over If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if etag is None:
            return False
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in wanted or etag.removeprefix("W/") in wanted
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return modified.replace(microsecond=0) <= since
    return False


def _w3c_datetime(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- the RDF we serve --------------------------------------------------------------


def record_triples(backends: Backends, stored: StoredRecord) -> list[ox.Triple]:
    """A record's triples as harvested (original IRIs) and its catalogue record, as in the feed."""
    return [*stored.triples, *catalogue_record_triples(backends, stored)]


def catalogue_record_triples(backends: Backends, stored: StoredRecord) -> list[ox.Triple]:
    """Our dcat:CatalogRecord of a record, as the feed states it."""
    meta, settings = stored.meta, backends.settings
    claimed = conforms_to(meta.status, meta.profile, settings)
    issued = first_listed(backends.store).get(meta.id)
    record = catalog_record(settings.base_url, meta.id, meta.uri, meta.harvested, claimed, issued)
    return [ox.Triple(*t) for t in record]


def source_catalogues(store: Store, name: str) -> list[StoredRecord]:
    """The catalogue-level records of a source (usually one: its dcat:Catalog)."""
    found = []
    for meta in store.metas(name, kind="catalog"):  # not every dataset's: a node may have 100,000
        if meta.status != WITHDRAWN and (stored := store.get(meta.id)):
            found.append(stored)
    return found


def source_triples(backends: Backends, name: str, catalogues: list[StoredRecord]) -> list[ox.Triple]:
    """Our sub-catalogue for the source (as in the feed) and the source's own catalogue as harvested."""
    page = select_page(backends, FeedQuery(page_size=1))
    ours = _n(f"{backends.settings.base_url}/sources/{name}")
    catalog = _n(f"{backends.settings.base_url}/catalog")
    mine = sub_catalogues(
        backends.settings, backends.store, page.source_modified, page.source_records, [name]
    )
    triples = [t for t in mine if t.subject != catalog]  # the sub-catalogue and what it borrows
    for stored in catalogues:
        triples.append(ox.Triple(ours, _n(DCT + "source"), _n(stored.meta.uri)))
        triples += record_triples(backends, stored)
    return triples
