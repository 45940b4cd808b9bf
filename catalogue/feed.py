"""The DCAT-AP feed of the whole catalogue, and dumps of every visible record.

Everything here is a plain function that takes the backends (or just the
store) and yields ``bytes``, so the web routes and ``catalogue export`` stream
the same output and memory does not grow with the size of the catalogue:
selecting a page keeps only the records' metadata (ids, sources, times), and
each record's triples are read, serialized and dropped one record at a time.

The feed (``/catalog``) is our own ``dcat:Catalog`` with one sub-catalogue per
source (``dct:hasPart``), each dataset with its full harvested description
(original IRIs kept) and a ``dcat:CatalogRecord`` per dataset, paged with a
Hydra ``PartialCollectionView`` whose IRI is the URL fetched (a Hydra client
reading ``/catalog`` finds ``hydra:next`` on it). What we mint is described
in :mod:`catalogue.describe`. The dumps hold every visible record in its
named graph, and our catalogue, sub-catalogues and catalogue records in
``{base}/catalog``.
"""

from __future__ import annotations

import math
import threading
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import pyoxigraph as ox

from catalogue import negotiation
from catalogue.backends import Backends
from catalogue.config import Settings
from catalogue.describe import (
    AXIOMS,
    DATASET,
    DUMPS,
    MODIFIED,
    TYPE,
    VOID,
    _datetime,
    _n,
    catalog_record,
    catalogue_core,
    conforms_to,
    standards,
    sub_catalogues,
)
from catalogue.index import FACETS, Range, SearchQuery
from catalogue.namespaces import DCAT, HYDRA, XSD
from catalogue.search import with_node_countries
from catalogue.store import VISIBLE, RecordMeta, Store

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

PREFIXES = {**negotiation.PREFIXES, "hydra": HYDRA, "void": VOID}
T = TypeVar("T")


#: the feed's syntaxes: those of negotiation.py's one table
Format = negotiation.RdfSyntax
TURTLE, NTRIPLES, RDFXML, JSONLD = (
    negotiation.BY_SUFFIX[suffix] for suffix in ("ttl", "nt", "rdf", "jsonld")
)
FORMATS = (TURTLE, NTRIPLES, RDFXML, JSONLD)
BY_SUFFIX = {f.suffix: f for f in FORMATS}


def negotiate(accept: str | None) -> Format | None:
    """The format an Accept header prefers (negotiation.choose_rdf: the one negotiation of RDF routes)."""
    chosen = negotiation.choose_rdf(accept, html=False)
    return chosen if isinstance(chosen, negotiation.RdfSyntax) else None


# -- selecting a page -----------------------------------------------------------


@dataclass
class FeedQuery:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    modified_since: datetime | None = None
    text: str = ""
    #: facet name (one of catalogue.index.FACETS) -> accepted values
    filters: dict[str, list[str]] = field(default_factory=dict)
    #: numeric and date ranges (catalogue.index.Range), and the quality floor, as in /api/search
    ranges: tuple[Range, ...] = ()
    quality_min: int | None = None
    #: the selection as query-string pairs (words, facets, ranges), repeated in the links to other pages
    selection: tuple[tuple[str, str], ...] = ()
    #: the IRI the client fetched this page as (``/catalog`` for the entry point): Hydra clients
    #: look for ``hydra:next`` on the document they read, so the view must be that IRI
    fetched: str | None = None

    def link(self, base_url: str, page: int) -> str:
        """The IRI of one page of this selection."""
        params: list[tuple[str, str]] = [("page", str(page))]
        if self.page_size != DEFAULT_PAGE_SIZE:
            params.append(("page_size", str(self.page_size)))
        if self.modified_since is not None:
            params.append(("modified_since", self.modified_since.isoformat()))
        if self.selection:
            params += self.selection
        else:
            params += [("q", self.text)] if self.text else []
            params += [(name, value) for name in FACETS for value in self.filters.get(name, [])]
        return f"{base_url}/catalog?{urlencode(params)}"


_cache_lock = threading.Lock()
# keyed by the store object itself: an id() could be reused by a later store with the same generation
_cache: weakref.WeakKeyDictionary[Store, tuple[int, dict[str, Any]]] = weakref.WeakKeyDictionary()


def per_generation(store: Store, key: str, read: Callable[[], T]) -> T:
    """``read()``, kept until the next harvest run changes the store's generation."""
    generation = store.generation()
    with _cache_lock:
        cached = _cache.get(store)
        if cached is not None and cached[0] == generation and key in cached[1]:
            return cached[1][key]
    value = read()
    with _cache_lock:
        cached = _cache.get(store)
        if cached is None or cached[0] != generation:
            cached = _cache[store] = (generation, {})
        cached[1][key] = value
    return value


def visible_entries(store: Store) -> list[RecordMeta]:
    """Every visible record, in id order; cached until the next harvest run.

    A harvester walks every page of the feed: reading the registry once per
    walk rather than once per page keeps the whole walk linear.
    """
    return per_generation(store, "visible", lambda: store.metas(statuses=VISIBLE))


def first_listed(store: Store) -> dict[str, datetime]:
    """When each record was first added (a catalogue record's ``dct:issued``); cached like the entries."""
    return per_generation(store, "first_listed", store.first_listed)


@dataclass
class FeedPage:
    query: FeedQuery
    total: int
    #: the dataset records on this page, in id order
    entries: list[RecordMeta]
    #: when the catalogue last changed (the newest visible record), if it has any
    modified: datetime | None
    #: the newest visible record per source
    source_modified: dict[str, datetime]
    #: visible catalogue-level records ("kind" catalog) by source
    source_records: dict[str, RecordMeta]

    @property
    def last(self) -> int:
        return max(1, math.ceil(self.total / self.query.page_size))


def parse_datetime(text: str) -> datetime:
    """ISO 8601 date or date-time; without a zone it is taken as UTC. Raises ValueError."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def select_page(backends: Backends, query: FeedQuery) -> FeedPage:
    """Which datasets are on a page, and the totals (raises index.QueryError on a bad ``q``)."""
    selects = query.text or query.filters or query.ranges or query.quality_min is not None
    wanted = matching_ids(backends, query) if selects else None
    return page_of(backends.store, query, wanted)


def page_of(store: Store, query: FeedQuery, wanted: set[str] | None = None) -> FeedPage:
    """A page of the visible datasets (only those ``wanted``, when given), and the totals.

    Counted and paged by the registry: a page costs what it shows (and what a
    search matched), not a read of every record.
    """
    source_modified = store.source_modified(VISIBLE)
    source_records = {meta.source: meta for meta in store.metas(statuses=VISIBLE, kind="catalog")}
    start = (query.page - 1) * query.page_size
    if wanted is None:
        total, entries = store.dataset_page(VISIBLE, query.modified_since, query.page_size, start)
    else:
        total, entries = _wanted_page(store, query, sorted(wanted), start)
    return FeedPage(
        query=query,
        total=total,
        entries=entries,
        modified=max(source_modified.values(), default=None),
        source_modified=source_modified,
        source_records=source_records,
    )


def _wanted_page(
    store: Store, query: FeedQuery, wanted: list[str], start: int
) -> tuple[int, list[RecordMeta]]:
    """Of the ids a search matched, how many are visible datasets (stored since), and one page of them."""
    since, total, entries = query.modified_since, 0, []
    for meta in sorted(store.metas_of(wanted), key=lambda m: m.id):
        if meta.kind != "dataset" or meta.status not in VISIBLE:
            continue
        if since is not None and meta.harvested < since:
            continue
        if start <= total < start + query.page_size:
            entries.append(meta)
        total += 1
    return total, entries


def matching_ids(backends: Backends, query: FeedQuery) -> set[str]:
    """Every id the search index matches for the query's words and facet filters."""
    search = SearchQuery(
        text=query.text,
        filters=query.filters,
        ranges=query.ranges,
        quality_min=query.quality_min,
        page=1,
        size=1,
        facet_size=0,
    )
    search = with_node_countries(search, backends.settings)
    total = backends.index.search(search).total
    if not total:
        return set()
    search.size = total
    return {hit.id for hit in backends.index.search(search).hits}


# -- the feed's triples ---------------------------------------------------------


def header_triples(backends: Backends, page: FeedPage) -> list[ox.Triple]:
    """Our catalogue, its publisher, the sub-catalogues and the Hydra paging of one page."""
    settings, query = backends.settings, page.query
    base = settings.base_url
    catalog = _n(f"{base}/catalog")
    view = _n(query.fetched or query.link(base, query.page))
    triples: list[tuple] = [
        *catalogue_core(settings),
        (catalog, TYPE, _n(HYDRA + "Collection")),
        (catalog, _n(HYDRA + "totalItems"), ox.Literal(str(page.total), datatype=_n(XSD + "integer"))),
        (catalog, _n(HYDRA + "view"), view),
        (view, TYPE, _n(HYDRA + "PartialCollectionView")),
        (view, _n(HYDRA + "first"), _n(query.link(base, 1))),
        (view, _n(HYDRA + "last"), _n(query.link(base, page.last))),
        *AXIOMS,
    ]
    if page.modified is not None:
        triples.append((catalog, MODIFIED, _datetime(page.modified)))
    if query.page > 1:
        triples.append((view, _n(HYDRA + "previous"), _n(query.link(base, min(query.page - 1, page.last)))))
    if query.page < page.last:
        triples.append((view, _n(HYDRA + "next"), _n(query.link(base, query.page + 1))))
    triples += standards(settings, page.entries)
    names = sorted(
        {s.name for s in settings.sources} | set(page.source_modified) | {m.source for m in page.entries}
    )
    return [ox.Triple(*t) for t in triples] + sub_catalogues(
        settings, backends.store, page.source_modified, page.source_records, names
    )


def catalogue_description(backends: Backends) -> list[ox.Triple]:
    """Our catalogue and its sub-catalogues, without datasets or paging: what ``/`` serves as RDF."""
    return describe_catalogue(backends.settings, backends.store)


def describe_catalogue(settings: Settings, store: Store) -> list[ox.Triple]:
    """:func:`catalogue_description` from the settings and the store alone (the dumps have no index)."""
    page = page_of(store, FeedQuery(page_size=1))
    triples = [ox.Triple(*t) for t in catalogue_core(settings)]
    if page.modified is not None:
        triples.append(ox.Triple(_n(f"{settings.base_url}/catalog"), MODIFIED, _datetime(page.modified)))
    return triples + sub_catalogues(
        settings, store, page.source_modified, page.source_records, [s.name for s in settings.sources]
    )


def entry_triples(backends: Backends, meta: RecordMeta) -> list[ox.Triple] | None:
    """A dataset's full description, its catalogue record, and the links to both."""
    triples = record_triples(backends.store, meta.id)
    if not triples:  # withdrawn while the feed was being written
        return None
    base = backends.settings.base_url
    sub = _n(f"{base}/sources/{meta.source}")
    issued = first_listed(backends.store).get(meta.id)
    claimed = conforms_to(meta.status, meta.profile, backends.settings)
    extra = [
        (_n(f"{base}/catalog"), _n(DCAT + "dataset"), _n(meta.uri)),
        (sub, _n(DCAT + "dataset"), _n(meta.uri)),  # listed where its record is
        (sub, _n(DCAT + "record"), _n(f"{base}/records/{meta.id}")),
        (_n(f"{base}/sparql"), _n(DCAT + "servesDataset"), _n(meta.uri)),
        *catalog_record(base, meta.id, meta.uri, meta.harvested, claimed, issued),
    ]
    return triples + [ox.Triple(*t) for t in extra]


def record_triples(store: Store, record_id: str) -> list[ox.Triple]:
    """A record's triples as harvested, and nothing else (``Store.get`` also reads the report)."""
    return store.record_triples(record_id)


# -- serializing in chunks ------------------------------------------------------


class ChunkWriter:
    """Writes one document in pieces: ``start()``, ``chunk(triples)`` any number of times, ``end()``.

    Each piece is serialized by pyoxigraph on its own; the pieces are then
    stitched into one valid document: N-Triples as they are; Turtle with one
    prefix block first and each piece's own prefix lines dropped; JSON-LD as
    one ``{"@graph": [...]}`` of expanded node objects; RDF/XML as the
    ``rdf:Description`` elements of each piece inside one ``rdf:RDF`` element
    (pyoxigraph declares each property's namespace on the element itself when
    it is given no prefixes, so the elements stand alone).
    """

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self.first = True

    def start(self) -> bytes:
        if self.fmt is TURTLE:
            return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items()).encode() + b"\n"
        if self.fmt is JSONLD:
            return b'{"@graph": ['
        if self.fmt is RDFXML:
            return (
                b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                b'xmlns:its="http://www.w3.org/2005/11/its">\n'
            )
        return b""

    def chunk(self, triples: Iterable[ox.Triple]) -> bytes:
        fmt = self.fmt
        if fmt is NTRIPLES:
            return negotiation.rdf_bytes(triples, ox.RdfFormat.N_TRIPLES)
        if fmt is TURTLE:
            text = negotiation.rdf_bytes(triples, ox.RdfFormat.TURTLE, PREFIXES)
            return _drop_prefix_lines(text)
        if fmt is JSONLD:
            text = negotiation.rdf_bytes(triples, ox.RdfFormat.JSON_LD).strip()
            inner = text[1:-1].strip() if text.startswith(b"[") and text.endswith(b"]") else b""
            if not inner:
                return b""
            out = inner if self.first else b",\n" + inner
            self.first = False
            return out
        if fmt is RDFXML:
            text = negotiation.rdf_bytes(triples, ox.RdfFormat.RDF_XML)
            opening = text.find(b"<rdf:RDF")
            body_start = text.find(b">", opening) + 1
            body_end = text.rfind(b"</rdf:RDF>")
            if opening < 0 or body_end < body_start:  # an empty graph: <rdf:RDF .../>
                return b""
            return text[body_start:body_end].strip(b"\n") + b"\n"
        raise ValueError(f"unknown format {fmt.name}")

    def end(self) -> bytes:
        if self.fmt is JSONLD:
            return b"]}\n"
        if self.fmt is RDFXML:
            return b"</rdf:RDF>\n"
        return b""


def _drop_prefix_lines(text: bytes) -> bytes:
    position = 0
    while text.startswith(b"@prefix ", position):
        position = text.index(b"\n", position) + 1
    return text[position:].lstrip(b"\n")


def feed_chunks(backends: Backends, page: FeedPage, fmt: Format) -> Iterator[bytes]:
    """The page as a document in ``fmt``: the catalogue first, then one chunk per dataset."""
    writer = ChunkWriter(fmt)
    yield writer.start()
    yield writer.chunk(header_triples(backends, page))
    for meta in page.entries:
        triples = entry_triples(backends, meta)
        if triples is not None:
            yield writer.chunk(triples)
    yield writer.end()


def catalog_feed(backends: Backends, query: FeedQuery, fmt: Format = TURTLE) -> Iterator[bytes]:
    """Select the page and write it (selection happens on the first ``next``)."""
    yield from feed_chunks(backends, select_page(backends, query), fmt)


# -- dumps ------------------------------------------------------------------------


def dump_chunks(store: Store, fmt: str, settings: Settings) -> Iterator[bytes]:
    """Every visible record, uncompressed: N-Quads in its record graph, or Turtle merged.

    Our own catalogue, its sub-catalogues, services and catalogue records come
    too (in the graph ``{base}/catalog``); a node catalogue's ``dcat:dataset``
    links to datasets we do not publish (rejected, withdrawn) are left out, as
    the dump does not describe them.
    """
    if fmt not in DUMPS:
        raise ValueError(f"dump format must be one of {', '.join(DUMPS)}")
    writer = ChunkWriter(TURTLE) if fmt == "ttl" else None
    ours = _n(f"{settings.base_url}/catalog")

    def write(triples: list[ox.Triple], graph: ox.NamedNode) -> bytes:
        if writer is not None:
            return writer.chunk(triples)
        quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        return negotiation.rdf_bytes(quads, ox.RdfFormat.N_QUADS)

    if writer is not None:
        yield writer.start()
    entries = visible_entries(store)
    head = [*AXIOMS, *standards(settings, entries)]
    yield write(describe_catalogue(settings, store) + [ox.Triple(*t) for t in head], ours)
    published = {_n(m.uri) for m in entries if m.kind == "dataset"}
    issued = first_listed(store)
    for meta in entries:
        triples = record_triples(store, meta.id)
        if not triples:
            continue
        if meta.kind != "dataset":
            triples = [t for t in triples if t.predicate != DATASET or t.object in published]
        yield write(triples, store.record_graph(meta.id))
        yield write(_listing(settings, meta, issued.get(meta.id)), ours)
    if writer is not None:
        yield writer.end()


def _listing(settings: Settings, meta: RecordMeta, issued: datetime | None) -> list[ox.Triple]:
    """A record's place in our catalogue: its catalogue record, and a dataset's links from the
    catalogue, its sub-catalogue and the SPARQL service (as the feed states them)."""
    base = settings.base_url
    sub = _n(f"{base}/sources/{meta.source}")
    triples = [
        (sub, _n(DCAT + "record"), _n(f"{base}/records/{meta.id}")),
        *catalog_record(
            base, meta.id, meta.uri, meta.harvested, conforms_to(meta.status, meta.profile, settings), issued
        ),
    ]
    if meta.kind == "dataset":
        triples += [
            (_n(f"{base}/catalog"), DATASET, _n(meta.uri)),
            (sub, DATASET, _n(meta.uri)),
            (_n(f"{base}/sparql"), _n(DCAT + "servesDataset"), _n(meta.uri)),
        ]
    return [ox.Triple(*t) for t in triples]


def gzipped(chunks: Iterable[bytes], level: int = 6) -> Iterator[bytes]:
    """Compress a stream on the fly into one gzip member."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 16+15: gzip header and trailer
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def dump(store: Store, fmt: str, settings: Settings) -> Iterator[bytes]:
    """The gzip-compressed dump, as ``/dump.{fmt}.gz`` serves it and ``catalogue export`` writes it."""
    if fmt not in DUMPS:
        raise ValueError(f"dump format must be one of {', '.join(DUMPS)}")
    return gzipped(dump_chunks(store, fmt, settings))
