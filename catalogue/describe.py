"""Our own catalogue as RDF: the catalogue, its publisher, its services, a sub-catalogue per source
and a catalogue record per record — what the feed, the dumps and ``/`` state about what we mint.

What we add conforms to DCAT-AP 3.0.0:

* the catalogue and the sub-catalogues have a title, a description and one
  publisher, an agent we describe (``foaf:Agent`` + ``foaf:name``); a
  sub-catalogue restates what the node's own catalogue says of itself that
  DCAT-AP gives a catalogue (languages, licence, spatial coverage, theme
  taxonomies, homepage, legislation, issue date, titles in other languages),
  with the class DCAT-AP gives each value, and links it with ``dct:source``;
* the SPARQL endpoint is a ``dcat:DataService`` (``dcat:service`` of the
  catalogue) and a VoID ``sparqlEndpoint``; the dumps are VoID ``dataDump`` links;
* a catalogue record has ``foaf:primaryTopic`` (the dataset), exactly one
  ``dct:modified`` (when this content was stored: the time the record's
  content hash last changed), ``dct:issued`` (the start of the run that first
  added it) and, only when it passed validation without violations,
  ``dct:conformsTo`` the profile (typed ``dct:Standard``). It has no
  ``dct:source``: in DCAT-AP 3 that is "source metadata", a link to *another
  catalogue record* (``sh:class dcat:CatalogRecord``), the one at the source,
  which we do not have; and no ``adms:status``: it is the ADMS *change type*
  (created / updated / deleted) of the editorial flow, not our publication status;
* ``dcat:Dataset rdfs:subClassOf dcat:Resource`` (an axiom of DCAT itself, and
  the same for the other resource classes) is stated with them, because the
  official shapes require the primary topic of a record to be a ``dcat:Resource``
  and validate without inference.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pyoxigraph as ox

from catalogue.config import Settings, Source
from catalogue.namespaces import DCAT, DCATAP, DCT, FOAF, RDF_TYPE, RDFS, SKOS, XSD
from catalogue.store import PUBLISHED, RecordMeta, Store, TripleStore
from catalogue.validation import profiles as shapes

VOID = "http://rdfs.org/ns/void#"
ELI = "http://data.europa.eu/eli/ontology#"
#: the dumps, by suffix: /dump.{suffix}.gz
DUMPS = {"nq": "application/n-quads", "ttl": "text/turtle"}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


TYPE = _n(RDF_TYPE)
A_CATALOG, A_RECORD, A_AGENT = _n(DCAT + "Catalog"), _n(DCAT + "CatalogRecord"), _n(FOAF + "Agent")
TITLE, DESCRIPTION, PUBLISHER = _n(DCT + "title"), _n(DCT + "description"), _n(DCT + "publisher")
MODIFIED, NAME = _n(DCT + "modified"), _n(FOAF + "name")
DATASET = _n(DCAT + "dataset")
LEGISLATION = _n(DCATAP + "applicableLegislation")
#: Regulation (EU) 2025/327, the European Health Data Space
EHDS = _n("http://data.europa.eu/eli/reg/2025/327/oj")
#: DCAT's own axioms, which the official shapes need (they validate without inference) for
#: foaf:primaryTopic: a catalogue record's topic must be a dcat:Resource
AXIOMS = [
    (_n(DCAT + name), _n(RDFS + "subClassOf"), _n(DCAT + "Resource"))
    for name in ("Dataset", "DatasetSeries", "Catalog", "DataService")
]


def _datetime(value: datetime) -> ox.Literal:
    return ox.Literal(value.astimezone(UTC).isoformat(), datatype=_n(XSD + "dateTime"))


def catalogue_core(settings: Settings) -> list[tuple]:
    """Our dcat:Catalog (``{base}/catalog``), its publisher and services, as every endpoint describes them."""
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
        *legislation(catalog),
        *services(settings),
    ]


def legislation(catalog: ox.NamedNode) -> list[tuple]:
    """The European Health Data Space regulation, which HealthDCAT-AP requires a catalogue to cite:
    stated on the catalogues we mint, unless a node's own catalogue names its legislation."""
    return [(catalog, LEGISLATION, EHDS), (EHDS, TYPE, _n(ELI + "LegalResource"))]


def services(settings: Settings) -> list[tuple]:
    """The SPARQL endpoint as a dcat:DataService of our catalogue, and a VoID description linking
    the endpoint and the dumps (which ``servesDataset`` links each dataset to: see :func:`entry_triples`)."""
    base = settings.base_url
    catalog, endpoint, void = _n(f"{base}/catalog"), _n(f"{base}/sparql"), _n(f"{base}/catalog#void")
    triples: list[tuple] = [
        (catalog, _n(DCAT + "service"), endpoint),
        (endpoint, TYPE, _n(DCAT + "DataService")),
        (endpoint, TITLE, ox.Literal(f"{settings.title}: SPARQL endpoint")),
        (endpoint, DESCRIPTION, ox.Literal("SPARQL 1.1 queries over every published dataset description.")),
        (endpoint, _n(DCAT + "endpointURL"), endpoint),
        # the SPARQL service description, which the endpoint answers without a query
        (endpoint, _n(DCAT + "endpointDescription"), endpoint),
        (endpoint, _n(DCT + "conformsTo"), _n("https://www.w3.org/TR/sparql11-protocol/")),
        (_n("https://www.w3.org/TR/sparql11-protocol/"), TYPE, _n(DCT + "Standard")),
        (endpoint, TYPE, _n(RDFS + "Resource")),  # the official shapes want endpoint URLs typed
        (endpoint, PUBLISHER, _n(f"{base}/catalog#publisher")),
        (void, TYPE, _n(VOID + "Dataset")),
        (void, TITLE, ox.Literal(settings.title)),
        (void, _n(FOAF + "page"), catalog),
        (void, _n(VOID + "sparqlEndpoint"), endpoint),
        (void, _n(VOID + "rootResource"), catalog),
    ]
    triples += [(void, _n(VOID + "dataDump"), _n(f"{base}/dump.{suffix}.gz")) for suffix in DUMPS]
    return triples


def catalog_record(
    base_url: str,
    record_id: str,
    uri: str,
    harvested: datetime,
    conforms: str | None,
    issued: datetime | None = None,
) -> list[tuple]:
    """Our dcat:CatalogRecord for a harvested record: ``{base}/records/{id}``.

    ``issued`` is when the record was first listed here (the run that added it),
    unknown for records stored before runs were kept.
    """
    record, dataset = _n(f"{base_url}/records/{record_id}"), _n(uri)
    triples = [
        (record, TYPE, A_RECORD),
        (record, _n(FOAF + "primaryTopic"), dataset),
        (record, MODIFIED, _datetime(harvested)),
    ]
    if issued is not None:
        triples.append((record, _n(DCT + "issued"), _datetime(min(issued, harvested))))
    if conforms is not None:
        triples.append((record, _n(DCT + "conformsTo"), _n(conforms)))
    return triples


def conforms_to(status: str, profile: str, settings: Settings | None = None) -> str | None:
    """The standard a record may claim: only published records passed validation."""
    claimed = shapes.standard(profile, settings) if status == PUBLISHED else None
    return claimed.spec if claimed else None


def standards(settings: Settings, records: Iterable[RecordMeta]) -> list[tuple]:
    """The profiles these records' catalogue records claim (``dct:conformsTo``), typed ``dct:Standard``."""
    published = {m.profile for m in records if m.status == PUBLISHED}
    claimed = {standard for name in published if (standard := shapes.standard(name, settings))}
    triples: list[tuple] = []
    for standard in sorted(claimed, key=lambda p: p.spec):
        iri = _n(standard.spec)
        triples += [(iri, TYPE, _n(DCT + "Standard")), (iri, TITLE, ox.Literal(standard.title))]
    return triples


def sub_catalogues(
    settings: Settings,
    store: Store,
    source_modified: dict[str, datetime],
    source_records: dict[str, RecordMeta],
    names: Iterable[str],
) -> list[ox.Triple]:
    """Our sub-catalogue ``{base}/sources/{name}`` for each source, and its link from our catalogue."""
    sources = {s.name: s for s in settings.sources}
    triples: list[tuple] = []
    for name in names:
        source = sources.get(name) or Source(name=name, title=name, url="")
        triples += _sub_catalogue(settings, store, source_modified, source_records.get(name), source)
    return [ox.Triple(*t) for t in triples]


def _sub_catalogue(
    settings: Settings,
    store: Store,
    source_modified: dict[str, datetime],
    record: RecordMeta | None,
    source: Source,
) -> list[tuple]:
    catalog, agent = _n(f"{settings.base_url}/catalog"), _n(f"{settings.base_url}/catalog#publisher")
    sub = _n(f"{settings.base_url}/sources/{source.name}")
    triples: list[tuple] = [
        (catalog, _n(DCT + "hasPart"), sub),
        (catalog, _n(DCAT + "catalog"), sub),
        (sub, TYPE, A_CATALOG),
        (sub, TITLE, ox.Literal(source.title)),
    ]
    if source.name in source_modified:
        triples.append((sub, MODIFIED, _datetime(source_modified[source.name])))
    descriptions: list[ox.Literal] = []
    publisher: list[tuple] = []
    if record is not None:
        root = _n(record.uri)
        known = _catalogue_summary(store, record.id, root)
        descriptions = [
            t.object
            for t in known
            if t.subject == root and t.predicate == DESCRIPTION and isinstance(t.object, ox.Literal)
        ]
        publisher = _borrowed_publisher(sub, root, known)
        borrowed = borrowed_from(sub, root, known)
        triples += borrowed
        if not any(t[1] == LEGISLATION for t in borrowed):
            triples += legislation(sub)
        triples.append((sub, _n(DCT + "source"), root))
    else:
        triples += legislation(sub)
    if not descriptions:
        where = f" ({source.url})" if source.url.startswith(("http://", "https://")) else ""
        descriptions = [ox.Literal(f"Datasets harvested from {source.title}{where}.")]
    triples += [(sub, DESCRIPTION, d) for d in descriptions]
    triples += publisher or [(sub, PUBLISHER, agent)]
    return triples


#: what a sub-catalogue borrows from the node's own catalogue, and the class DCAT-AP gives the value
#: (stated with it: the official shapes check classes without inference)
BORROWED_IRIS = {
    DCT + "language": DCT + "LinguisticSystem",
    DCT + "license": DCT + "LicenseDocument",
    DCT + "spatial": DCT + "Location",
    DCAT + "themeTaxonomy": SKOS + "ConceptScheme",
    FOAF + "homepage": FOAF + "Document",
    DCATAP + "applicableLegislation": ELI + "LegalResource",
}
#: properties DCAT-AP allows once on a catalogue: the first value (in term order) is kept
SINGLE = {DCT + "license", FOAF + "homepage", DCT + "issued"}


def borrowed_from(sub: ox.NamedNode, root: ox.NamedNode, known: list[ox.Triple]) -> list[tuple]:
    """The node catalogue's language, licence, spatial coverage, themes, homepage, legislation,
    issue date and titles in languages we have none in, restated on our sub-catalogue."""
    triples: list[tuple] = []
    taken: set[str] = set()
    for t in sorted(
        (t for t in known if t.subject == root), key=lambda t: (t.predicate.value, str(t.object))
    ):
        predicate = t.predicate.value
        if predicate in SINGLE and predicate in taken:
            continue
        if predicate in BORROWED_IRIS and isinstance(t.object, ox.NamedNode):
            triples += [(sub, t.predicate, t.object), (t.object, TYPE, _n(BORROWED_IRIS[predicate]))]
        elif predicate == DCT + "issued" and _is_date(t.object):
            triples.append((sub, t.predicate, t.object))
        elif t.predicate == TITLE and isinstance(t.object, ox.Literal) and t.object.language:
            triples.append((sub, TITLE, t.object))  # ours is untagged: these add languages
        else:
            continue
        taken.add(predicate)
    return triples


def _is_date(term: object) -> bool:
    dates = {XSD + "date", XSD + "dateTime", XSD + "gYear", XSD + "gYearMonth"}
    return isinstance(term, ox.Literal) and term.datatype.value in dates


def _borrowed_publisher(sub: ox.NamedNode, root: ox.NamedNode, known: list[ox.Triple]) -> list[tuple]:
    """The node's publisher, when it is one IRI described as a foaf:Agent with a foaf:name."""
    publishers = {t.object for t in known if t.subject == root and t.predicate == PUBLISHER}
    if len(publishers) != 1 or not isinstance(who := next(iter(publishers)), ox.NamedNode):
        return []
    names = [
        t.object
        for t in known
        if t.subject == who and t.predicate == NAME and isinstance(t.object, ox.Literal)
    ]
    typed = any(t.subject == who and t.predicate == TYPE and t.object == A_AGENT for t in known)
    if not (typed and names):
        return []
    return [(sub, PUBLISHER, who), (who, TYPE, A_AGENT)] + [(who, NAME, n) for n in names]


_WANTED = ", ".join(
    f"<{p}>" for p in [DCT + "description", DCT + "publisher", DCT + "title", DCT + "issued", *BORROWED_IRIS]
)


def summary_query(root: ox.NamedNode) -> str:
    """The query for what a sub-catalogue borrows from ``root``, run over the catalogue record's graph as the
    default graph (``root`` is written as pyoxigraph writes an IRI: validated, nothing pasted)."""
    return f"""
CONSTRUCT {{ {root} ?p ?o . ?agent ?q ?v }}
WHERE {{
  {{ {root} ?p ?o FILTER(?p IN ({_WANTED})) }}
  UNION
  {{ {root} <http://purl.org/dc/terms/publisher> ?agent . ?agent ?q ?v
    FILTER(?q IN (<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>, <http://xmlns.com/foaf/0.1/name>)) }}
}}
"""


def _catalogue_summary(store: TripleStore, record_id: str, root: ox.NamedNode) -> list[ox.Triple]:
    """What a sub-catalogue borrows from a source's catalogue record, without reading all of it
    (a source's catalogue record lists every dataset: thousands of triples)."""
    return store.construct(summary_query(root), default_graph=[store.record_graph(record_id)])
