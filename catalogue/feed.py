"""The DCAT-AP feed of the whole catalogue, and dumps of every visible record.

Everything here is a plain function that takes the backends (or just the
store) and yields ``bytes``, so the web routes and ``catalogue export`` stream
the same output and memory does not grow with the size of the catalogue:
selecting a page keeps only the records' metadata (ids, sources, times), and
each record's triples are read, serialized and dropped one record at a time.

The feed (``/catalog``) is our own ``dcat:Catalog`` with one sub-catalogue per
source (``dct:hasPart``), each dataset with its full harvested description
(original IRIs kept) and a ``dcat:CatalogRecord`` per dataset, paged with a
Hydra ``PartialCollectionView``. What we add conforms to DCAT-AP 3.0.0:

* the catalogue and the sub-catalogues have a title, a description and one
  publisher, an agent we describe (``foaf:Agent`` + ``foaf:name``);
* a catalogue record has ``foaf:primaryTopic`` (the dataset), exactly one
  ``dct:modified`` (when this content was stored: the time the record's
  content hash last changed) and, only when it passed validation without
  violations, ``dct:conformsTo`` the profile (typed ``dct:Standard``). It has
  no ``dct:source``: in DCAT-AP 3 that is "source metadata", a link to *another
  catalogue record* (``sh:class dcat:CatalogRecord``), the one at the source,
  which we do not have; and no ``adms:status``: it is the ADMS *change type*
  (created / updated / deleted) of the editorial flow, not our publication
  status, and we do not know whether a content change was a creation or an update;
* ``dcat:Dataset rdfs:subClassOf dcat:Resource`` (an axiom of DCAT itself) is
  stated once per page, because the official shapes require the primary topic
  of a record to be a ``dcat:Resource`` and validate without inference.
"""

from __future__ import annotations

import math
import threading
import weakref
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import pyoxigraph as ox

from catalogue import negotiation, shapes
from catalogue.backends import Backends
from catalogue.config import Settings, Source
from catalogue.index import FACETS, SearchQuery
from catalogue.namespaces import (
    DCAT,
    DCT,
    FOAF,
    HYDRA,
    RDF_TYPE,
    RDFS,
    XSD,
)
from catalogue.store import PUBLISHED, VISIBLE, RecordMeta, Store

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

PREFIXES = {**negotiation.PREFIXES, "hydra": HYDRA}


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str


TURTLE = Format("turtle", "text/turtle", "ttl")
NTRIPLES = Format("n-triples", "application/n-triples", "nt")
RDFXML = Format("rdf/xml", "application/rdf+xml", "rdf")
JSONLD = Format("json-ld", "application/ld+json", "jsonld")
FORMATS = (TURTLE, NTRIPLES, RDFXML, JSONLD)
BY_SUFFIX = {f.suffix: f for f in FORMATS}


def negotiate(accept: str | None) -> Format | None:
    """The format an Accept header prefers (negotiation.choose_rdf: the one negotiation of RDF routes)."""
    chosen = negotiation.choose_rdf(accept, html=False)
    return BY_SUFFIX[chosen.suffix] if isinstance(chosen, negotiation.RdfSyntax) else None


# -- selecting a page -----------------------------------------------------------


@dataclass
class FeedQuery:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    modified_since: datetime | None = None
    text: str = ""
    #: facet name (one of catalogue.index.FACETS) -> accepted values
    filters: dict[str, list[str]] = field(default_factory=dict)

    def link(self, base_url: str, page: int) -> str:
        """The IRI of one page of this selection."""
        params: list[tuple[str, str]] = [("page", str(page))]
        if self.page_size != DEFAULT_PAGE_SIZE:
            params.append(("page_size", str(self.page_size)))
        if self.modified_since is not None:
            params.append(("modified_since", self.modified_since.isoformat()))
        if self.text:
            params.append(("q", self.text))
        params += [(name, value) for name in FACETS for value in self.filters.get(name, [])]
        return f"{base_url}/catalog?{urlencode(params)}"


_cache_lock = threading.Lock()
# keyed by the store object itself: an id() could be reused by a later store with the same generation
_cache: weakref.WeakKeyDictionary[Store, tuple[int, list[RecordMeta]]] = weakref.WeakKeyDictionary()


def visible_entries(store: Store) -> list[RecordMeta]:
    """Every visible record, in id order; cached until the next harvest run.

    A harvester walks every page of the feed: reading the registry once per
    walk rather than once per page keeps the whole walk linear.
    """
    generation = store.generation()
    with _cache_lock:
        cached = _cache.get(store)
        if cached is not None and cached[0] == generation:
            return cached[1]
    entries = store.metas(statuses=VISIBLE)
    with _cache_lock:
        _cache[store] = (generation, entries)
    return entries


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
    visible = visible_entries(backends.store)
    modified: datetime | None = None
    source_modified: dict[str, datetime] = {}
    source_records: dict[str, RecordMeta] = {}
    datasets = []
    for meta in visible:
        modified = meta.harvested if modified is None else max(modified, meta.harvested)
        previous = source_modified.get(meta.source)
        source_modified[meta.source] = meta.harvested if previous is None else max(previous, meta.harvested)
        if meta.kind == "dataset":
            datasets.append(meta)
        else:
            source_records[meta.source] = meta
    del visible
    if query.modified_since is not None:
        datasets = [m for m in datasets if m.harvested >= query.modified_since]
    if query.text or query.filters:
        wanted = matching_ids(backends, query)
        datasets = [m for m in datasets if m.id in wanted]
    start = (query.page - 1) * query.page_size
    return FeedPage(
        query=query,
        total=len(datasets),
        entries=datasets[start : start + query.page_size],
        modified=modified,
        source_modified=source_modified,
        source_records=source_records,
    )


def matching_ids(backends: Backends, query: FeedQuery) -> set[str]:
    """Every id the search index matches for the query's words and facet filters."""
    search = SearchQuery(text=query.text, filters=query.filters, page=1, size=1, facet_size=0)
    total = backends.index.search(search).total
    if not total:
        return set()
    search.size = total
    return {hit.id for hit in backends.index.search(search).hits}


# -- the feed's triples ---------------------------------------------------------


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


TYPE = _n(RDF_TYPE)
A_CATALOG, A_RECORD, A_AGENT = _n(DCAT + "Catalog"), _n(DCAT + "CatalogRecord"), _n(FOAF + "Agent")
TITLE, DESCRIPTION, PUBLISHER = _n(DCT + "title"), _n(DCT + "description"), _n(DCT + "publisher")
MODIFIED, NAME = _n(DCT + "modified"), _n(FOAF + "name")


def _datetime(value: datetime) -> ox.Literal:
    return ox.Literal(value.astimezone(UTC).isoformat(), datatype=_n(XSD + "dateTime"))


def catalogue_core(settings: Settings) -> list[tuple]:
    """Our dcat:Catalog (``{base}/catalog``) and its publisher, as every endpoint describes them."""
    catalog, agent = _n(f"{settings.base_url}/catalog"), _n(f"{settings.base_url}/catalog#publisher")
    description = (
        f"{settings.title}: the dataset descriptions harvested from "
        f"{len(settings.sources)} sources and published after DCAT-AP validation."
    )
    return [
        (catalog, TYPE, A_CATALOG),
        (catalog, TITLE, ox.Literal(settings.title)),
        (catalog, DESCRIPTION, ox.Literal(description)),
        (catalog, PUBLISHER, agent),
        (catalog, _n(FOAF + "homepage"), _n(f"{settings.base_url}/")),
        (_n(f"{settings.base_url}/"), TYPE, _n(FOAF + "Document")),  # the official shapes want the class
        (agent, TYPE, A_AGENT),
        (agent, NAME, ox.Literal(settings.title)),
    ]


def catalog_record(
    base_url: str, record_id: str, uri: str, harvested: datetime, conforms: str | None
) -> list[tuple]:
    """Our dcat:CatalogRecord for a harvested record: ``{base}/records/{id}``."""
    record, dataset = _n(f"{base_url}/records/{record_id}"), _n(uri)
    triples = [
        (record, TYPE, A_RECORD),
        (record, _n(FOAF + "primaryTopic"), dataset),
        (record, MODIFIED, _datetime(harvested)),
    ]
    if conforms is not None:
        triples.append((record, _n(DCT + "conformsTo"), _n(conforms)))
    return triples


def conforms_to(status: str, profile: str, settings: Settings | None = None) -> str | None:
    """The standard a record may claim: only published records passed validation."""
    claimed = shapes.standard(profile, settings) if status == PUBLISHED else None
    return claimed.spec if claimed else None


def header_triples(backends: Backends, page: FeedPage) -> list[ox.Triple]:
    """Our catalogue, its publisher, the sub-catalogues and the Hydra paging of one page."""
    settings, query = backends.settings, page.query
    base = settings.base_url
    catalog = _n(f"{base}/catalog")
    view = _n(query.link(base, query.page))
    triples: list[tuple] = [
        *catalogue_core(settings),
        (catalog, TYPE, _n(HYDRA + "Collection")),
        (catalog, _n(HYDRA + "totalItems"), ox.Literal(str(page.total), datatype=_n(XSD + "integer"))),
        (catalog, _n(HYDRA + "view"), view),
        (view, TYPE, _n(HYDRA + "PartialCollectionView")),
        (view, _n(HYDRA + "first"), _n(query.link(base, 1))),
        (view, _n(HYDRA + "last"), _n(query.link(base, page.last))),
        # DCAT's own axioms, which the official shapes need (no inference) for foaf:primaryTopic
        (_n(DCAT + "Dataset"), _n(RDFS + "subClassOf"), _n(DCAT + "Resource")),
        (_n(DCAT + "DatasetSeries"), _n(RDFS + "subClassOf"), _n(DCAT + "Resource")),
    ]
    if page.modified is not None:
        triples.append((catalog, MODIFIED, _datetime(page.modified)))
    if query.page > 1:
        triples.append((view, _n(HYDRA + "previous"), _n(query.link(base, min(query.page - 1, page.last)))))
    if query.page < page.last:
        triples.append((view, _n(HYDRA + "next"), _n(query.link(base, query.page + 1))))
    published = {m.profile for m in page.entries if m.status == PUBLISHED}
    standards = {claimed for name in published if (claimed := shapes.standard(name, settings))}
    for standard in sorted(standards, key=lambda p: p.spec):
        iri = _n(standard.spec)
        triples += [(iri, TYPE, _n(DCT + "Standard")), (iri, TITLE, ox.Literal(standard.title))]
    names = sorted(
        {s.name for s in settings.sources} | set(page.source_modified) | {m.source for m in page.entries}
    )
    return [ox.Triple(*t) for t in triples] + sub_catalogues(backends, page, names)


def sub_catalogues(backends: Backends, page: FeedPage, names: Iterable[str]) -> list[ox.Triple]:
    """Our sub-catalogue ``{base}/sources/{name}`` for each source, and its link from our catalogue."""
    base = backends.settings.base_url
    catalog, agent = _n(f"{base}/catalog"), _n(f"{base}/catalog#publisher")
    sources = {s.name: s for s in backends.settings.sources}
    triples: list[tuple] = []
    for name in names:
        source = sources.get(name) or Source(name=name, title=name, url="")
        triples += _sub_catalogue(backends, page, catalog, agent, source)
    return [ox.Triple(*t) for t in triples]


def catalogue_description(backends: Backends) -> list[ox.Triple]:
    """Our catalogue and its sub-catalogues, without datasets or paging: what ``/`` serves as RDF."""
    page = select_page(backends, FeedQuery(page_size=1))
    triples = [ox.Triple(*t) for t in catalogue_core(backends.settings)]
    if page.modified is not None:
        triples.append(
            ox.Triple(_n(f"{backends.settings.base_url}/catalog"), MODIFIED, _datetime(page.modified))
        )
    return triples + sub_catalogues(backends, page, [s.name for s in backends.settings.sources])


def _sub_catalogue(
    backends: Backends, page: FeedPage, catalog: ox.NamedNode, agent: ox.NamedNode, source: Source
) -> list[tuple]:
    sub = _n(f"{backends.settings.base_url}/sources/{source.name}")
    triples: list[tuple] = [
        (catalog, _n(DCT + "hasPart"), sub),
        (catalog, _n(DCAT + "catalog"), sub),
        (sub, TYPE, A_CATALOG),
        (sub, TITLE, ox.Literal(source.title)),
    ]
    if source.name in page.source_modified:
        triples.append((sub, MODIFIED, _datetime(page.source_modified[source.name])))
    descriptions: list[ox.Literal] = []
    publisher: list[tuple] = []
    record = page.source_records.get(source.name)
    if record is not None:
        # From the source's own catalogue description, only what conforms as we
        # use it: its descriptions (literals), and its publisher when it is one
        # IRI described as a foaf:Agent with a foaf:name.
        root = _n(record.uri)
        known = _catalogue_summary(backends.store, record.id, root)
        descriptions = [t.object for t in known if t.subject == root and t.predicate == DESCRIPTION]
        descriptions = [d for d in descriptions if isinstance(d, ox.Literal)]
        publishers = {t.object for t in known if t.subject == root and t.predicate == PUBLISHER}
        if len(publishers) == 1 and isinstance(next(iter(publishers)), ox.NamedNode):
            who = next(iter(publishers))
            names = [
                t.object
                for t in known
                if t.subject == who and t.predicate == NAME and isinstance(t.object, ox.Literal)
            ]
            typed = any(t.subject == who and t.predicate == TYPE and t.object == A_AGENT for t in known)
            if typed and names:
                publisher = [(sub, PUBLISHER, who), (who, TYPE, A_AGENT)] + [(who, NAME, n) for n in names]
    if not descriptions:
        where = f" ({source.url})" if source.url.startswith(("http://", "https://")) else ""
        descriptions = [ox.Literal(f"Datasets harvested from {source.title}{where}.")]
    triples += [(sub, DESCRIPTION, d) for d in descriptions]
    triples += publisher or [(sub, PUBLISHER, agent)]
    return triples


SUMMARY_QUERY = """
CONSTRUCT { ?root ?p ?o . ?agent ?q ?v }
WHERE { GRAPH ?g {
  { ?root ?p ?o FILTER(?p IN (<http://purl.org/dc/terms/description>, <http://purl.org/dc/terms/publisher>)) }
  UNION
  { ?root <http://purl.org/dc/terms/publisher> ?agent . ?agent ?q ?v
    FILTER(?q IN (<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>, <http://xmlns.com/foaf/0.1/name>)) }
} }
"""


def _catalogue_summary(store: Store, record_id: str, root: ox.NamedNode) -> list[ox.Triple]:
    """What a sub-catalogue borrows from a source's catalogue record, without reading all of it
    (a source's catalogue record lists every dataset: thousands of triples)."""
    bindings = {ox.Variable("g"): store.record_graph(record_id), ox.Variable("root"): root}
    return list(store.query(SUMMARY_QUERY, substitutions=bindings))  # type: ignore[call-overload]


def entry_triples(backends: Backends, meta: RecordMeta) -> list[ox.Triple] | None:
    """A dataset's full description, its catalogue record, and the links to both."""
    triples = record_triples(backends.store, meta.id)
    if not triples:  # withdrawn while the feed was being written
        return None
    base = backends.settings.base_url
    extra = [
        (_n(f"{base}/catalog"), _n(DCAT + "dataset"), _n(meta.uri)),
        (_n(f"{base}/sources/{meta.source}"), _n(DCAT + "record"), _n(f"{base}/records/{meta.id}")),
        *catalog_record(
            base, meta.id, meta.uri, meta.harvested, conforms_to(meta.status, meta.profile, backends.settings)
        ),
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

    def chunk(self, triples: Iterable[ox.Triple | ox.Quad]) -> bytes:
        fmt = self.fmt
        if fmt is NTRIPLES:
            return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        if fmt is TURTLE:
            text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
            return _drop_prefix_lines(text)
        if fmt is JSONLD:
            text = ox.serialize(triples, format=ox.RdfFormat.JSON_LD).strip()
            inner = text[1:-1].strip() if text.startswith(b"[") and text.endswith(b"]") else b""
            if not inner:
                return b""
            out = inner if self.first else b",\n" + inner
            self.first = False
            return out
        if fmt is RDFXML:
            text = ox.serialize(triples, format=ox.RdfFormat.RDF_XML)
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

DUMPS = {"nq": "application/n-quads", "ttl": "text/turtle"}


def dump_chunks(store: Store, fmt: str) -> Iterator[bytes]:
    """Every visible record, uncompressed: N-Quads in its record graph, or Turtle merged."""
    if fmt not in DUMPS:
        raise ValueError(f"dump format must be one of {', '.join(DUMPS)}")
    writer = ChunkWriter(TURTLE) if fmt == "ttl" else None
    if writer is not None:
        yield writer.start()
    for meta in visible_entries(store):
        triples = record_triples(store, meta.id)
        if not triples:
            continue
        if writer is not None:
            yield writer.chunk(triples)
        else:
            graph = store.record_graph(meta.id)
            yield ox.serialize(
                (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples),
                format=ox.RdfFormat.N_QUADS,
            )


def gzipped(chunks: Iterable[bytes], level: int = 6) -> Iterator[bytes]:
    """Compress a stream on the fly into one gzip member."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # wbits 16+15: gzip header and trailer
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def dump(store: Store, fmt: str) -> Iterator[bytes]:
    """The gzip-compressed dump, as ``/dump.{fmt}.gz`` serves it and ``catalogue export`` writes it."""
    if fmt not in DUMPS:
        raise ValueError(f"dump format must be one of {', '.join(DUMPS)}")
    return gzipped(dump_chunks(store, fmt))
