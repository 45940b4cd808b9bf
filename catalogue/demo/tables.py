"""The demo's vocabularies and texts: IRIs here, everything people read in content/*.json.

The texts (titles, sentences, keywords in eight languages), the nodes (who
they are, their organisations, which RDF syntax each serves) and the small
code tables live as data in ``content/``, shipped inside the wheel; this module
loads them once into typed objects. The organisations are fictional; the
vocabularies are real (EU authority tables, ADMS publisher types, IANA media
types, ELI, DPV, the HealthDCAT-AP health categories and themes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from catalogue.namespaces import (
    ADMS,
    DCAT,
    DCATAP,
    DCT,
    EU_AUTHORITY,
    FOAF,
    HEALTHDCATAP,
    SKOS,
    SPDX,
    VCARD,
    XSD,
)

# Vocabularies used here that the project-wide namespaces module does not list.
DPV = "https://w3id.org/dpv#"
ELI = "http://data.europa.eu/eli/ontology#"
DC11 = "http://purl.org/dc/elements/1.1/"  # legacy Dublin Core: a realistic mistake
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
IANA = "https://www.iana.org/assignments/media-types/"
# HealthDCAT-AP release 6 publishes its two health vocabularies at this provisional
# address until the Publications Office hosts them; the spec itself names these IRIs.
HEALTH_CATEGORY = "http://13.81.34.152:1101/resource/authority/healthcategories/"
HEALTH_THEME = "http://13.81.34.152:1101/resource/authority/health-theme/"

DATA_THEME = EU_AUTHORITY + "data-theme/"
ACCESS_RIGHT = EU_AUTHORITY + "access-right/"
LANGUAGE = EU_AUTHORITY + "language/"
COUNTRY = EU_AUTHORITY + "country/"
FREQUENCY = EU_AUTHORITY + "frequency/"
FILE_TYPE = EU_AUTHORITY + "file-type/"
LICENCE = EU_AUTHORITY + "licence/"
PLANNED_AVAILABILITY = EU_AUTHORITY + "planned-availability/"

EHDS = "http://data.europa.eu/eli/reg/2025/327/oj"
GDPR = "http://data.europa.eu/eli/reg/2016/679/oj"
DGA = "http://data.europa.eu/eli/reg/2022/868/oj"

PREFIXES = {
    "dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "adms": ADMS, "spdx": SPDX, "skos": SKOS,
    "xsd": XSD, "dcatap": DCATAP, "healthdcatap": HEALTHDCATAP, "dpv": DPV, "eli": ELI, "dc": DC11,
}  # fmt: skip

# syntax key -> file extension (see catalogue.demo.serialize)
EXTENSIONS = {
    "turtle": ".ttl",
    "turtle-gz": ".ttl.gz",
    "rdfxml": ".rdf",
    "jsonld": ".jsonld",
    "ntriples": ".nt",
    "trig": ".trig",
}

# The mistakes real publishers make that DCAT-AP 3 rejects, one per invalid dataset.
INVALID_KINDS = (
    "missing-description",  # dct:description left out
    "legacy-title",  # the title given as dc:title (DC elements 1.1), so dct:title is missing
    "distribution-without-access-url",  # only dcat:downloadURL; dcat:accessURL is mandatory
    "publisher-literal",  # dct:publisher "Some Hospital" instead of an agent
    "byte-size-text",  # dcat:byteSize "about 2 GB"
)


def _load(name: str) -> Any:
    return json.loads((files("catalogue.demo") / "content" / f"{name}.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Method:
    key: str
    text: dict[str, str]  # as used inside a sentence
    categories: tuple[str, ...]  # HealthDCAT-AP health categories


@dataclass(frozen=True)
class Population:
    key: str
    text: dict[str, str]  # the form that follows a number ("2,300 <text>")
    keywords: dict[str, tuple[str, ...]]
    themes: tuple[str, ...]  # HealthDCAT-AP health themes
    categories: tuple[str, ...]
    ages: tuple[int, int]
    size: tuple[int, int]
    methods: tuple[str, ...]
    data_themes: tuple[str, ...]  # EU data themes besides HEAL
    codes: tuple[str, ...]  # "SYSTEM:CODE" (a key of CODING_SYSTEMS), of which a dataset has some


@dataclass(frozen=True)
class Agent:
    key: str
    name: str
    publisher_type: str  # local name in the ADMS publisher-type vocabulary
    shared: bool  # an IRI described once and reused; else a blank node per use


@dataclass(frozen=True)
class NodeDetails:
    domain: str
    uuid_iris: bool  # dataset IRIs end in a UUID rather than a slug
    blank_distributions: bool
    use_datetimes: bool  # dct:issued / dct:modified as xsd:dateTime rather than xsd:date
    country_names: dict[str, str]
    catalog_titles: dict[str, str]
    catalog_descriptions: dict[str, str]
    identifier_prefix: str
    agents: tuple[Agent, ...]  # the first one publishes the catalogue
    hdab: str


@dataclass(frozen=True)
class NodeSpec:
    """A national node: who it is, which languages it writes, which RDF syntax it serves."""

    name: str
    title: str
    country: str  # ISO 3166-1 alpha-2, as in the config's ``country``
    languages: tuple[str, ...]  # ISO 639-1, main language first
    syntax: str  # a key of EXTENSIONS


def _method(raw: dict[str, Any]) -> Method:
    return Method(raw["key"], raw["text"], tuple(raw["categories"]))


def _population(raw: dict[str, Any]) -> Population:
    keywords = {lang: tuple(words) for lang, words in raw["keywords"].items()}
    low_age, high_age = raw["ages"]
    low_size, high_size = raw["size"]
    return Population(
        raw["key"], raw["text"], keywords, tuple(raw["themes"]), tuple(raw["categories"]),
        (low_age, high_age), (low_size, high_size), tuple(raw["methods"]), tuple(raw["data_themes"]),
        tuple(raw["codes"]),
    )  # fmt: skip


def _details(raw: dict[str, Any]) -> NodeDetails:
    agents = tuple(Agent(**agent) for agent in raw["agents"])
    return NodeDetails(**{**raw, "agents": agents})


_TEXTS = _load("texts")
_VOCABULARY = _load("vocabulary")
_NODES = _load("nodes")

# One node per syntax the harvester must read; LU repeats RDF/XML, still the most
# common syntax of real DCAT-AP endpoints (CKAN, piveau).
NODES: tuple[NodeSpec, ...] = tuple(
    NodeSpec(n["name"], n["title"], n["country"], tuple(n["languages"]), n["syntax"]) for n in _NODES
)
DETAILS: dict[str, NodeDetails] = {n["name"]: _details(n["details"]) for n in _NODES}

METHODS: dict[str, Method] = {m["key"]: _method(m) for m in _TEXTS["methods"]}
POPULATIONS: tuple[Population, ...] = tuple(_population(p) for p in _TEXTS["populations"])
GENOMICS: dict[str, str] = _TEXTS["genomics"]
ALLELE_KEYWORDS: dict[str, list[str]] = _TEXTS["allele_keywords"]
TITLE: dict[str, str] = _TEXTS["title"]
ALLELE_TITLE: dict[str, str] = _TEXTS["allele_title"]
STUDY_SENTENCE: dict[str, str] = _TEXTS["study_sentence"]
ALLELE_SENTENCE: dict[str, str] = _TEXTS["allele_sentence"]
# The first two mention reads and variant files, so only sequencing datasets use them.
CONTENT_SENTENCES: list[dict[str, str]] = _TEXTS["content_sentences"]
ACCESS_SENTENCE: dict[str, str] = _TEXTS["access_sentence"]
PUBLIC_SENTENCE: dict[str, str] = _TEXTS["public_sentence"]
DISTRIBUTION_TITLES: dict[str, dict[str, str]] = _TEXTS["distribution_titles"]
DISTRIBUTION_DESCRIPTIONS: dict[str, str] = _TEXTS["distribution_descriptions"]

# EU data themes with their English labels (the skos:prefLabel DCAT-AP asks of a theme).
THEME_LABELS: dict[str, str] = _VOCABULARY["theme_labels"]
PUBLISHER_TYPE_LABELS: dict[str, str] = _VOCABULARY["publisher_type_labels"]
# EU file type -> IANA media type
FORMATS: dict[str, str] = _VOCABULARY["formats"]
LANGUAGE_CODES: dict[str, str] = _VOCABULARY["language_codes"]
COUNTRY_CODES: dict[str, str] = _VOCABULARY["country_codes"]
#: coding system -> its IRI ("scheme", for skos:inScheme and healthdcatap:hasCodingSystem) and
#: the namespace of its codes' IRIs ("codes")
CODING_SYSTEMS: dict[str, dict[str, str]] = _VOCABULARY["coding_systems"]
#: distribution kind -> (smallest, largest) byte size
SIZES: dict[str, tuple[int, int]] = {kind: (low, high) for kind, (low, high) in _VOCABULARY["sizes"].items()}
