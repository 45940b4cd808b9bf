"""The health facts of a dataset (HealthDCAT-AP release 5), read from its RDF once.

Researchers filter by these facts (how many people, which ages, which coded
conditions, who grants access), so they are read here into plain values the
index, the pages and the API share, instead of each reading raw properties.
The dataset view (:mod:`catalogue.views.dcat_ap_3`) calls
:func:`health_facts` with its graph; the health data access body and the
retention period are agents and periods, read there with the other ones.

Nodes write these facts in many ways: counts as ``xsd:nonNegativeInteger``,
plain strings or decimals ("1 200", "1200.0"); codes as blank-node
``skos:Concept`` with a ``dct:identifier`` ("ICD-10:C50.9") or a
``skos:notation`` and ``skos:inScheme``, or as an IRI (WHO, Wikidata,
SNOMED, OBO, Orphanet forms). Unreadable values are left out rather than
guessed; every code is named by :func:`catalogue.vocabularies.codes.normalise`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from catalogue.namespaces import DCT, HEALTHDCATAP, RDFS, SKOS
from catalogue.records import Term
from catalogue.vocabularies.codes import normalise

#: the Data Privacy Vocabulary, in its current and its earlier namespace
DPV = ("https://w3id.org/dpv#", "http://www.w3.org/ns/dpv#")
#: a count or an age: digits, maybe grouped by spaces, commas or dots of thousands, maybe ".0"
_WHOLE = re.compile(r"^\+?(\d{1,3}(?:[ ,.\u00a0\u202f]\d{3})+|\d+)(?:\.0+)?$")
#: larger counts are taken as mistakes (more than every person who ever lived, many times over)
MAX_COUNT = 10**12
MAX_AGE = 150
#: codes kept per record: more are no description a person reads, and each adds its broader concepts
MAX_CODES = 500
#: what the IRIs minted for blank nodes contain (catalogue.records): such a concept has no IRI of its own
SKOLEM_MARK = "/.well-known/genid/"


class Graph(Protocol):
    """What :func:`health_facts` needs of a record's graph (``dcat_ap_3._Graph`` provides it)."""

    def objects(self, node: str, predicate: str) -> list[Term]: ...

    def iris(self, node: str, predicate: str) -> list[str]: ...

    def literal(self, node: str, predicate: str) -> str | None: ...

    def text(self, node: str, *predicates: str) -> dict[str, list[str]]: ...


@dataclass
class Code:
    """One coded value (a condition, a drug, a test): the identifier it is filtered by, and what the node said."""

    #: normalised identifier: a CURIE such as ``ICD-10:C50.9`` or ``ATC:A10BA02``, else the IRI or text as given
    id: str
    #: the concept's IRI when the node gave one
    iri: str | None = None
    notation: str | None = None
    scheme: str | None = None
    #: the node's own labels of the concept (language -> labels)
    labels: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class HealthFacts:
    individuals: int | None = None
    records: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    population_coverage: dict[str, list[str]] = field(default_factory=dict)
    health_categories: list[str] = field(default_factory=list)
    health_themes: list[str] = field(default_factory=list)
    coding_systems: list[str] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)
    personal_data: list[str] = field(default_factory=list)
    #: ``dct:type`` of the dataset (e.g. the EU dataset-type PERSONAL_DATA)
    dataset_types: list[str] = field(default_factory=list)
    applicable_legislation: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(value not in (None, [], {}) for value in vars(self).values())


def health_facts(g: Graph, uri: str) -> HealthFacts:
    facts = HealthFacts(
        individuals=_count(g, uri, "numberOfUniqueIndividuals", MAX_COUNT),
        records=_count(g, uri, "numberOfRecords", MAX_COUNT),
        age_min=_count(g, uri, "minTypicalAge", MAX_AGE),
        age_max=_count(g, uri, "maxTypicalAge", MAX_AGE),
        population_coverage=g.text(uri, HEALTHDCATAP + "populationCoverage"),
        health_categories=g.iris(uri, HEALTHDCATAP + "healthCategory"),
        health_themes=g.iris(uri, HEALTHDCATAP + "healthTheme"),
        coding_systems=g.iris(uri, HEALTHDCATAP + "hasCodingSystem"),
        codes=_codes(g, uri),
        legal_basis=_values(g, uri, *(ns + "hasLegalBasis" for ns in DPV)),
        purposes=_values(g, uri, HEALTHDCATAP + "purpose", *(ns + "hasPurpose" for ns in DPV)),
        personal_data=_values(g, uri, *(ns + "hasPersonalData" for ns in DPV)),
        dataset_types=g.iris(uri, DCT + "type"),
        applicable_legislation=g.iris(uri, "http://data.europa.eu/r5r/applicableLegislation"),
    )
    if facts.age_min is not None and facts.age_max is not None and facts.age_min > facts.age_max:
        facts.age_min, facts.age_max = facts.age_max, facts.age_min  # written the wrong way round
    return facts


def whole_number(text: str) -> int | None:
    """A non-negative whole number as nodes write it ("1200", "1 200", "1,200", "1200.0"); None otherwise."""
    found = _WHOLE.match(text.strip())
    if not found:
        return None
    return int(re.sub(r"\D", "", found.group(1)))


def _count(g: Graph, uri: str, name: str, maximum: int) -> int | None:
    numbers = [
        number
        for obj in g.objects(uri, HEALTHDCATAP + name)
        if isinstance(obj, ox.Literal) and (number := whole_number(obj.value)) is not None
    ]
    kept = [number for number in numbers if number <= maximum]
    return max(kept) if kept else None


def _values(g: Graph, uri: str, *predicates: str) -> list[str]:
    """IRIs, or the text of literals, of the given properties; blank nodes by their label."""
    found: dict[str, None] = {}
    for predicate in predicates:
        for obj in g.objects(uri, predicate):
            if isinstance(obj, ox.BlankNode):
                label = g.text(obj.value, SKOS + "prefLabel", RDFS + "label")
                value = next((v for values in label.values() for v in values), "")
            else:
                value = obj.value.strip()
            if value:
                found[value] = None
    return sorted(found)


def _codes(g: Graph, uri: str) -> list[Code]:
    codes: dict[str, Code] = {}
    for obj in g.objects(uri, HEALTHDCATAP + "hasCodeValues"):
        code = _code(g, obj)
        if code is not None and code.id not in codes:
            codes[code.id] = code
            if len(codes) >= MAX_CODES:
                break
    return sorted(codes.values(), key=lambda code: code.id)


def _code(g: Graph, node: Term) -> Code | None:
    if isinstance(node, ox.Literal):
        text = node.value.strip()
        return Code(id=normalise(text), notation=text) if text else None
    iri = node.value if isinstance(node, ox.NamedNode) and SKOLEM_MARK not in node.value else None
    scheme = g.iris(node.value, SKOS + "inScheme")
    identifier = g.literal(node.value, DCT + "identifier")
    notation = g.literal(node.value, SKOS + "notation")
    labels = g.text(node.value, SKOS + "prefLabel", RDFS + "label")
    given = identifier or iri or notation
    if not given:
        return None
    return Code(
        id=normalise(given, scheme[0] if scheme else None, notation),
        iri=iri,
        notation=notation,
        scheme=scheme[0] if scheme else None,
        labels=labels,
    )
