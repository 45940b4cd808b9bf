"""DCAT-AP 3 (with the HealthDCAT-AP additions) read into plain dataclasses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from catalogue.namespaces import (
    ADMS,
    DCAT,
    DCATAP,
    DCT,
    FOAF,
    HEALTHDCATAP,
    RDF_TYPE,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
)
from catalogue.records import Term
from catalogue.views.health import HealthFacts, health_facts

#: language (base code, "" when untagged) -> values
LangText = dict[str, list[str]]


@dataclass
class Agent:
    iri: str | None
    name: LangText = field(default_factory=dict)
    type: str | None = None
    homepage: str | None = None
    email: str | None = None


@dataclass
class Contact:
    iri: str | None
    name: LangText = field(default_factory=dict)
    email: str | None = None
    url: str | None = None
    phone: str | None = None


@dataclass
class Period:
    start: str | None = None
    end: str | None = None


@dataclass
class Distribution:
    iri: str
    title: LangText = field(default_factory=dict)
    description: LangText = field(default_factory=dict)
    access_urls: list[str] = field(default_factory=list)
    download_urls: list[str] = field(default_factory=list)
    format: str | None = None
    media_type: str | None = None
    license: str | None = None
    access_rights: str | None = None
    byte_size: str | None = None
    checksum: str | None = None
    checksum_algorithm: str | None = None
    availability: str | None = None
    issued: str | None = None
    modified: str | None = None


@dataclass
class DatasetView:
    uri: str
    types: list[str] = field(default_factory=list)
    title: LangText = field(default_factory=dict)
    description: LangText = field(default_factory=dict)
    keywords: LangText = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)
    publisher: Agent | None = None
    creators: list[Agent] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    temporal: list[Period] = field(default_factory=list)
    spatial: list[str] = field(default_factory=list)
    access_rights: str | None = None
    licenses: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    identifier: list[str] = field(default_factory=list)
    issued: str | None = None
    modified: str | None = None
    landing_pages: list[str] = field(default_factory=list)
    frequency: str | None = None
    version: str | None = None
    #: HealthDCAT-AP: the health data access body, how long the data are kept, and the other health facts
    hdab: Agent | None = None
    retention: Period | None = None
    health: HealthFacts = field(default_factory=HealthFacts)
    #: every property of the dataset node: predicate IRI -> displayable values
    properties: dict[str, list[Term]] = field(default_factory=dict)


class _Graph:
    """A record's triples indexed by subject, with small typed accessors."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.edges: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            if not isinstance(t.subject, ox.Triple) and not isinstance(t.object, ox.Triple):
                self.edges[t.subject.value][t.predicate.value].append(t.object)

    def objects(self, node: str, predicate: str) -> list[Term]:
        return self.edges.get(node, {}).get(predicate, [])

    def iris(self, node: str, predicate: str) -> list[str]:
        return sorted(o.value for o in self.objects(node, predicate) if isinstance(o, ox.NamedNode))

    def iri(self, node: str, predicate: str) -> str | None:
        values = self.iris(node, predicate)
        return values[0] if values else None

    def literal(self, node: str, predicate: str) -> str | None:
        values = sorted(o.value for o in self.objects(node, predicate))
        return values[0] if values else None

    def text(self, node: str, *predicates: str) -> LangText:
        found: LangText = defaultdict(list)
        for predicate in predicates:
            for obj in self.objects(node, predicate):
                if isinstance(obj, ox.Literal) and obj.value.strip():
                    language = base_language(obj.language)
                    if obj.value not in found[language]:
                        found[language].append(obj.value.strip())
        return dict(found)


def base_language(tag: str | None) -> str:
    """'nl-t-en' (machine-translated from English) and 'nl-BE' both count as 'nl'."""
    return (tag or "").split("-")[0].lower()


def pick_language(text: LangText, lang: str) -> str | None:
    """The visitor's language, else English, else untagged, else any language."""
    return choose_language(text, lang)[0]


def choose_language(text: LangText, lang: str) -> tuple[str | None, str]:
    """Like :func:`pick_language`, also saying which language was chosen ("" if untagged),
    so pages can mark text that is not in the page's language (``lang`` attribute)."""
    for candidate in (lang, "en", ""):
        if text.get(candidate):
            return text[candidate][0], candidate
    for language, values in text.items():
        if values:
            return values[0], language
    return None, ""


def dataset_view(triples: Iterable[ox.Triple], uri: str) -> DatasetView:
    g = _Graph(triples)
    view = DatasetView(uri=uri)
    view.types = g.iris(uri, RDF_TYPE)
    view.title = g.text(uri, DCT + "title")
    view.description = g.text(uri, DCT + "description")
    view.keywords = g.text(uri, DCAT + "keyword")
    view.themes = g.iris(uri, DCAT + "theme")
    view.publisher = next((_agent(g, o) for o in g.objects(uri, DCT + "publisher")), None)
    view.creators = [_agent(g, o) for o in g.objects(uri, DCT + "creator")]
    view.contacts = [_contact(g, o) for o in g.objects(uri, DCAT + "contactPoint")]
    view.distributions = [
        _distribution(g, o.value)
        for o in g.objects(uri, DCAT + "distribution")
        if not isinstance(o, ox.Literal)
    ]
    view.temporal = _periods(g, uri, DCT + "temporal")
    view.spatial = g.iris(uri, DCT + "spatial")
    view.access_rights = g.iri(uri, DCT + "accessRights")
    view.licenses = sorted(
        {d.license for d in view.distributions if d.license} | set(g.iris(uri, DCT + "license"))
    )
    view.languages = g.iris(uri, DCT + "language")
    view.identifier = sorted(
        {o.value for o in g.objects(uri, DCT + "identifier")}
        | {n for o in g.objects(uri, ADMS + "identifier") if (n := g.literal(o.value, SKOS + "notation"))}
    )
    view.issued = g.literal(uri, DCT + "issued")
    view.modified = g.literal(uri, DCT + "modified")
    view.landing_pages = g.iris(uri, DCAT + "landingPage")
    view.frequency = g.iri(uri, DCT + "accrualPeriodicity")
    view.version = g.literal(uri, DCAT + "version")
    view.hdab = next((_agent(g, o) for o in g.objects(uri, HEALTHDCATAP + "hdab")), None)
    view.retention = next(iter(_periods(g, uri, HEALTHDCATAP + "retentionPeriod")), None)
    view.health = health_facts(g, uri)
    view.properties = {p: objs for p, objs in sorted(g.edges.get(uri, {}).items())}
    return view


def _periods(g: _Graph, uri: str, predicate: str) -> list[Period]:
    return [
        Period(
            g.literal(o.value, DCAT + "startDate") or _time(g, o.value, "hasBeginning"),
            g.literal(o.value, DCAT + "endDate") or _time(g, o.value, "hasEnd"),
        )
        for o in g.objects(uri, predicate)
        if not isinstance(o, ox.Literal)
    ]


def _time(g: _Graph, node: str, which: str) -> str | None:
    time = "http://www.w3.org/2006/time#"
    instant = g.iri(node, time + which)
    if instant is None:
        return None
    return g.literal(instant, time + "inXSDDateTimeStamp") or g.literal(instant, time + "inXSDDate")


def _agent(g: _Graph, node: Term) -> Agent:
    if isinstance(node, ox.Literal):
        return Agent(iri=None, name={base_language(node.language): [node.value]})
    iri = node.value
    return Agent(
        iri=iri,
        name=g.text(iri, FOAF + "name", SKOS + "prefLabel", RDFS + "label", VCARD + "fn"),
        type=g.iri(iri, DCT + "type"),
        homepage=g.iri(iri, FOAF + "homepage"),
        email=_mail(g.literal(iri, FOAF + "mbox")),
    )


def _contact(g: _Graph, node: Term) -> Contact:
    if isinstance(node, ox.Literal):
        return Contact(iri=None, name={"": [node.value]})
    iri = node.value
    return Contact(
        iri=iri,
        name=g.text(iri, VCARD + "fn", VCARD + "organization-name", FOAF + "name"),
        email=_mail(g.literal(iri, VCARD + "hasEmail")),
        url=g.iri(iri, VCARD + "hasURL"),
        phone=g.literal(iri, VCARD + "hasTelephone"),
    )


def _distribution(g: _Graph, iri: str) -> Distribution:
    checksum = g.iri(iri, SPDX + "checksum")
    return Distribution(
        iri=iri,
        title=g.text(iri, DCT + "title"),
        description=g.text(iri, DCT + "description"),
        access_urls=g.iris(iri, DCAT + "accessURL"),
        download_urls=g.iris(iri, DCAT + "downloadURL"),
        format=g.iri(iri, DCT + "format") or g.literal(iri, DCT + "format"),
        media_type=g.iri(iri, DCAT + "mediaType") or g.literal(iri, DCAT + "mediaType"),
        license=g.iri(iri, DCT + "license"),
        access_rights=g.iri(iri, DCT + "accessRights"),
        byte_size=g.literal(iri, DCAT + "byteSize"),
        checksum=g.literal(checksum, SPDX + "checksumValue") if checksum else None,
        checksum_algorithm=g.iri(checksum, SPDX + "algorithm") if checksum else None,
        availability=g.iri(iri, DCATAP + "availability"),
        issued=g.literal(iri, DCT + "issued"),
        modified=g.literal(iri, DCT + "modified"),
    )


def _mail(value: str | None) -> str | None:
    return value.removeprefix("mailto:") if value else None
