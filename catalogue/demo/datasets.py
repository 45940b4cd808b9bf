"""One demo dataset as RDF: descriptions, agents, dates, distributions and HealthDCAT-AP properties."""

from __future__ import annotations

import hashlib
import random
import uuid

import rdflib
from rdflib import BNode, Literal, URIRef

from catalogue.demo.study import (
    Study,
    capitalised,
    content_sentence,
    dataset_description,
    dataset_title,
    log_uniform,
    pick_study,
)
from catalogue.demo.tables import (
    ACCESS_RIGHT,
    ADMS_PUBLISHER_TYPE,
    ALLELE_KEYWORDS,
    CODING_SYSTEMS,
    COUNTRY,
    COUNTRY_CODES,
    DATA_THEME,
    DC11,
    DGA,
    DISTRIBUTION_DESCRIPTIONS,
    DISTRIBUTION_TITLES,
    DPV,
    EHDS,
    ELI,
    FILE_TYPE,
    FORMATS,
    FREQUENCY,
    GDPR,
    GENOMICS,
    HEALTH_CATEGORY,
    HEALTH_THEME,
    IANA,
    LANGUAGE,
    LANGUAGE_CODES,
    LICENCE,
    PLANNED_AVAILABILITY,
    PREFIXES,
    PUBLISHER_TYPE_LABELS,
    SIZES,
    THEME_LABELS,
    Agent,
    NodeDetails,
    NodeSpec,
)
from catalogue.namespaces import ADMS, DCAT, DCATAP, DCT, FOAF, HEALTHDCATAP, RDF, SKOS, SPDX, VCARD, XSD


class Builder:
    """Adds triples to a graph and hands out blank nodes with deterministic labels."""

    def __init__(self, prefix: str) -> None:
        self.graph = rdflib.Graph()
        self.prefix = prefix
        self.count = 0
        for name, namespace in PREFIXES.items():
            self.graph.bind(name, namespace)

    def bnode(self) -> BNode:
        self.count += 1
        return BNode(f"{self.prefix}{self.count}")

    def add(self, subject, predicate: str, obj) -> None:
        self.graph.add((subject, URIRef(predicate), obj))

    def typed(self, iri: str, *classes: str) -> URIRef:
        """Give a vocabulary IRI its DCAT-AP range class, so range shapes can see it."""
        node = URIRef(iri)
        for cls in classes:
            self.add(node, RDF + "type", URIRef(cls))
        return node


def agent_node(b: Builder, base: str, agent: Agent) -> URIRef | BNode:
    node = URIRef(f"{base}agent/{agent.key}") if agent.shared else b.bnode()
    b.add(node, RDF + "type", URIRef(FOAF + "Agent"))
    b.add(node, RDF + "type", URIRef(FOAF + "Organization"))
    b.add(node, FOAF + "name", Literal(agent.name))
    b.add(node, DCT + "type", publisher_type(b, agent.publisher_type))
    if agent.shared:
        b.add(node, FOAF + "homepage", b.typed(f"https://www.{agent.key}.example/", FOAF + "Document"))
    return node


def publisher_type(b: Builder, local: str) -> URIRef:
    node = b.typed(ADMS_PUBLISHER_TYPE + local, SKOS + "Concept")
    b.add(node, SKOS + "prefLabel", Literal(PUBLISHER_TYPE_LABELS[local], lang="en"))
    b.add(node, SKOS + "inScheme", URIRef(ADMS_PUBLISHER_TYPE + "1.0"))
    return node


def dataset_languages(rng: random.Random, languages: tuple[str, ...]) -> list[str]:
    """Not every dataset is described in every language of its node; at least one is used."""
    chosen = [lang for lang in languages if rng.random() < (0.8 if lang == "en" else 0.75)]
    return chosen or [languages[0]]


def date(rng: random.Random, year_from: int, year_to: int) -> tuple[int, int, int]:
    return rng.randint(year_from, year_to), rng.randint(1, 12), rng.randint(1, 28)


def node_dataset(
    b: Builder,
    rng: random.Random,
    spec: NodeSpec,
    details: NodeDetails,
    base: str,
    index: int,
    agents: dict[str, URIRef | BNode],
    hdab: URIRef,
    invalid: str | None,
) -> tuple[URIRef, str]:
    """One dcat:Dataset with its distributions, agents and HealthDCAT-AP properties."""
    study = pick_study(rng)
    langs = dataset_languages(rng, spec.languages)
    agent = rng.choice(details.agents)
    public = study.allele
    access = "PUBLIC" if public else ("RESTRICTED" if rng.random() < 0.6 else "NON_PUBLIC")

    if details.uuid_iris:
        local = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    else:
        english = dataset_title(study, "en", details.country_names["en"]).replace(",", "")
        local = slug(english) + f"-{index + 1:03d}"
    dataset = URIRef(f"{base}dataset/{local}")
    add = b.add
    add(dataset, RDF + "type", URIRef(DCAT + "Dataset"))

    # Titles, descriptions, keywords: one per language the dataset is described in.
    content = content_sentence(rng, study)
    suffix = f" ({study.start}–{study.end})" if study.end and not study.allele and rng.random() < 0.3 else ""
    for lang in langs:
        title = dataset_title(study, lang, details.country_names[lang]) + suffix
        if invalid == "legacy-title":
            add(dataset, DC11 + "title", Literal(title, lang=lang))
        else:
            add(dataset, DCT + "title", Literal(title, lang=lang))
        if invalid != "missing-description":
            text = dataset_description(study, lang, agent.name, details.hdab, content, public)
            add(dataset, DCT + "description", Literal(text, lang=lang))
        keywords = ALLELE_KEYWORDS[lang] if study.allele else study.population.keywords[lang]
        for keyword in (GENOMICS[lang], study.method.text[lang], *keywords):
            add(dataset, DCAT + "keyword", Literal(keyword, lang=lang))
        add(dataset, DCT + "language", b.typed(LANGUAGE + LANGUAGE_CODES[lang], DCT + "LinguisticSystem"))

    # Themes: health nearly always, plus the population's secondary themes.
    themes = ["HEAL"] if rng.random() < 0.93 else []
    themes += [t for t in study.population.data_themes if rng.random() < 0.5] or ([] if themes else ["TECH"])
    for code in themes:
        add(dataset, DCAT + "theme", data_theme(b, code))

    # Publisher and contact point.
    if invalid == "publisher-literal":
        add(dataset, DCT + "publisher", Literal(agent.name))
    else:
        add(dataset, DCT + "publisher", agents[agent.key] if agent.shared else agent_node(b, base, agent))
    contact = b.bnode()
    add(contact, RDF + "type", URIRef(VCARD + "Kind"))
    add(contact, RDF + "type", URIRef(VCARD + "Organization"))
    add(contact, VCARD + "fn", Literal(f"Data desk – {agent.name}"))
    add(contact, VCARD + "hasEmail", URIRef(f"mailto:datadesk@{agent.key}.example"))
    add(dataset, DCAT + "contactPoint", contact)

    # When and where.
    period = b.bnode()
    add(period, RDF + "type", URIRef(DCT + "PeriodOfTime"))
    add(period, DCAT + "startDate", Literal(f"{study.start}-01-01", datatype=URIRef(XSD + "date")))
    if study.end:
        add(period, DCAT + "endDate", Literal(f"{study.end}-12-31", datatype=URIRef(XSD + "date")))
    add(dataset, DCT + "temporal", period)
    add(dataset, DCT + "spatial", b.typed(COUNTRY + COUNTRY_CODES[spec.country], DCT + "Location"))
    add(dataset, DCT + "accessRights", b.typed(ACCESS_RIGHT + access, DCT + "RightsStatement"))

    issued = date(rng, max(2016, study.start + 1), 2023)
    modified = min(max(date(rng, issued[0], 2025), issued), (2025, 6, 30))
    issued_literal, modified_literal = dates(rng, details.use_datetimes, issued, modified)
    add(dataset, DCT + "issued", issued_literal)
    add(dataset, DCT + "modified", modified_literal)

    # Identifiers, version, landing page, frequency.
    code = f"{details.identifier_prefix}-{issued[0]}-{index + 1:04d}"
    add(dataset, DCT + "identifier", Literal(code))
    other = b.bnode()
    add(other, RDF + "type", URIRef(ADMS + "Identifier"))
    add(other, SKOS + "notation", Literal(f"10.5072/{spec.name}.{index + 1:04d}"))  # DataCite test prefix
    add(other, ADMS + "schemaAgency", Literal("DataCite"))
    add(dataset, ADMS + "identifier", other)
    add(
        dataset,
        DCAT + "version",
        Literal(rng.choice(("1.0", "1.1", "2.0", "2.1", "3.0", f"{modified[0]}.1"))),
    )
    add(dataset, DCAT + "landingPage", b.typed(f"{base}page/{local}", FOAF + "Document"))
    frequency = (
        "NEVER" if study.end and study.end < 2020 else rng.choice(("ANNUAL", "QUARTERLY", "IRREG", "MONTHLY"))
    )
    add(dataset, DCT + "accrualPeriodicity", b.typed(FREQUENCY + frequency, DCT + "Frequency"))

    health_properties(b, rng, dataset, study, hdab, details.country_names["en"], public)
    distributions(b, rng, dataset, study, details, langs, public, invalid)
    return dataset, f"{modified[0]:04d}-{modified[1]:02d}-{modified[2]:02d}T12:00:00Z"


def dates(rng: random.Random, use_datetimes: bool, issued: tuple, modified: tuple) -> tuple[Literal, Literal]:
    """xsd:date on some nodes, xsd:dateTime on others, and now and then a mix."""
    both = []
    for year, month, day in (issued, modified):
        if use_datetimes or rng.random() < 0.15:
            value = f"{year:04d}-{month:02d}-{day:02d}T{rng.randint(6, 18):02d}:{rng.randrange(60):02d}:00Z"
            both.append(Literal(value, datatype=URIRef(XSD + "dateTime")))
        else:
            both.append(Literal(f"{year:04d}-{month:02d}-{day:02d}", datatype=URIRef(XSD + "date")))
    return both[0], both[1]


def health_properties(
    b: Builder,
    rng: random.Random,
    dataset: URIRef,
    study: Study,
    hdab: URIRef,
    country_name: str,
    public: bool,
) -> None:
    """The HealthDCAT-AP additions: categories, themes, population figures, purpose, legislation."""
    add = b.add
    categories = {"HGPD"} if study.allele else set(study.method.categories) | set(study.population.categories)
    for code in sorted(categories):
        add(dataset, HEALTHDCATAP + "healthCategory", URIRef(HEALTH_CATEGORY + code))
    themes = ("HEALTH_PRODUCTS",) if study.allele else study.population.themes
    for code in themes:
        add(dataset, HEALTHDCATAP + "healthTheme", URIRef(HEALTH_THEME + code))
    nonneg = URIRef(XSD + "nonNegativeInteger")
    records = study.individuals * (1 if study.allele else rng.choice((1, 1, 2, 3)))
    add(dataset, HEALTHDCATAP + "numberOfRecords", Literal(str(records), datatype=nonneg))
    add(dataset, HEALTHDCATAP + "numberOfUniqueIndividuals", Literal(str(study.individuals), datatype=nonneg))
    low, high = (0, 99) if study.allele else study.population.ages
    add(dataset, HEALTHDCATAP + "minTypicalAge", Literal(str(low), datatype=nonneg))
    add(dataset, HEALTHDCATAP + "maxTypicalAge", Literal(str(high), datatype=nonneg))
    who = (
        "Genomes from the national reference panel"
        if study.allele
        else capitalised(study.population.text["en"])
    )
    coverage = f"{who} in {country_name}, aged {low}–{high} years" if high else f"{who} in {country_name}"
    add(dataset, HEALTHDCATAP + "populationCoverage", Literal(coverage, lang="en"))
    add(dataset, HEALTHDCATAP + "hdab", hdab)
    purposes = ["ScientificResearch"] + (["AcademicResearch"] if rng.random() < 0.4 else [])
    for purpose in purposes:
        add(dataset, DPV + "hasPurpose", URIRef(DPV + purpose))
    if not public:
        add(
            dataset,
            DPV + "hasLegalBasis",
            URIRef(DPV + ("Consent" if rng.random() < 0.7 else "PublicInterest")),
        )
    laws = [EHDS] + ([] if public else [GDPR]) + ([DGA] if rng.random() < 0.2 else [])
    for law in laws:
        add(dataset, DCATAP + "applicableLegislation", b.typed(law, ELI + "LegalResource"))
    if not study.allele:
        coded(b, random.Random(str(dataset)), dataset, study.population.codes)


def coded(b: Builder, rng: random.Random, dataset: URIRef, codes: tuple[str, ...]) -> None:
    """Some of the population's codes, each a concept with its identifier and scheme.

    ``rng`` is the dataset's own (seeded by its IRI), so adding codes leaves
    every other draw of the node, and so its datasets, as they were. The
    concept's label is its identifier, never a disease name: what a record
    is about in other languages must come from the code itself.
    """
    if not codes:
        return
    chosen = sorted(rng.sample(codes, rng.randint(1, min(3, len(codes)))))
    for system in sorted({code.split(":", 1)[0] for code in chosen}):
        b.add(dataset, HEALTHDCATAP + "hasCodingSystem", URIRef(CODING_SYSTEMS[system]["scheme"]))
    for code in chosen:
        b.add(dataset, HEALTHDCATAP + "hasCodeValues", concept(b, code))


def data_theme(b: Builder, code: str) -> URIRef:
    """An EU data theme with the label and scheme DCAT-AP asks of a concept."""
    theme = b.typed(DATA_THEME + code, SKOS + "Concept")
    b.add(theme, SKOS + "prefLabel", Literal(THEME_LABELS[code], lang="en"))
    b.add(theme, SKOS + "inScheme", URIRef(DATA_THEME[:-1]))
    return theme


def concept(b: Builder, code: str) -> URIRef:
    """The concept of "SYSTEM:CODE" (e.g. "ICD-10:C50.4"), described as HealthDCAT-AP asks."""
    system, notation = code.split(":", 1)
    node = b.typed(CODING_SYSTEMS[system]["codes"] + notation, SKOS + "Concept")
    b.add(node, DCT + "identifier", Literal(code, datatype=URIRef(XSD + "anyURI")))
    b.add(node, SKOS + "notation", Literal(notation))
    b.add(node, SKOS + "prefLabel", Literal(code))
    b.add(node, SKOS + "inScheme", URIRef(CODING_SYSTEMS[system]["scheme"]))
    return node


def distributions(
    b: Builder,
    rng: random.Random,
    dataset: URIRef,
    study: Study,
    details: NodeDetails,
    langs: list[str],
    public: bool,
    invalid: str | None,
) -> None:
    """1–3 distributions: the data itself (public) or an access request (sensitive), plus documentation."""
    kinds: list[tuple[str, str, bool, str | None]]
    if public:
        kinds = [("frequencies", rng.choice(("TSV", "CSV", "ZIP")), True, "CC_BY_4_0")]
        if rng.random() < 0.5:
            kinds.append(("summary", "JSON", True, "CC0"))
    else:
        kinds = [
            ("variants", "GZIP", False, None) if rng.random() < 0.5 else ("request", "HTML", False, None),
            ("dictionary", rng.choice(("PDF", "CSV", "XML")), True, "CC_BY_4_0"),
        ]
        if rng.random() < 0.4:
            kinds.append(("summary", rng.choice(("TSV", "CSV", "RDF_TURTLE")), True, "CC_BY_4_0"))
    kinds = kinds[: rng.randint(1, len(kinds))]
    # The deliberate mistakes go on the first distribution they make sense on.
    sized = [n for n, (kind, *_) in enumerate(kinds, start=1) if kind != "request"]
    bad_size_at = sized[0] if sized else 1
    for number, (kind, file_type, downloadable, licence) in enumerate(kinds, start=1):
        distribution: URIRef | BNode
        if details.blank_distributions:
            distribution = b.bnode()
        else:
            distribution = URIRef(f"{dataset}/distribution/{number}")
        add = b.add
        add(distribution, RDF + "type", URIRef(DCAT + "Distribution"))
        for lang in langs[:2]:
            add(distribution, DCT + "title", Literal(DISTRIBUTION_TITLES[kind][lang], lang=lang))
        local = dataset.rsplit("/", 1)[-1]
        file_url = f"https://files.{details.domain}/{local}/{kind}.{file_type.lower()}"
        # Individual-level data is reached through the access body, never downloaded.
        access_url = file_url if downloadable else f"https://hdab.{details.domain}/apply?dataset={local}"
        if not (invalid == "distribution-without-access-url" and number == 1):
            add(distribution, DCAT + "accessURL", URIRef(access_url))
        if downloadable or (invalid == "distribution-without-access-url" and number == 1):
            add(distribution, DCAT + "downloadURL", URIRef(file_url))
        if rng.random() < 0.6:
            add(distribution, DCT + "description", Literal(DISTRIBUTION_DESCRIPTIONS[kind], lang="en"))
        if rng.random() < 0.7:
            code = "STABLE" if downloadable else "AVAILABLE"
            availability = b.typed(PLANNED_AVAILABILITY + code, SKOS + "Concept")
            add(availability, SKOS + "prefLabel", Literal(code.lower(), lang="en"))
            add(availability, SKOS + "inScheme", URIRef(PLANNED_AVAILABILITY[:-1]))
            add(distribution, DCATAP + "availability", availability)
        add(distribution, DCT + "format", b.typed(FILE_TYPE + file_type, DCT + "MediaTypeOrExtent"))
        add(distribution, DCAT + "mediaType", b.typed(IANA + FORMATS[file_type], DCT + "MediaType"))
        if licence:
            add(distribution, DCT + "license", b.typed(LICENCE + licence, DCT + "LicenseDocument"))
        size = int(log_uniform(rng, *SIZES[kind]))
        if invalid == "byte-size-text" and number == bad_size_at:
            add(distribution, DCAT + "byteSize", Literal(f"about {max(1, round(size / 10**9))} GB"))
        elif kind != "request":
            add(
                distribution,
                DCAT + "byteSize",
                Literal(str(size), datatype=URIRef(XSD + "nonNegativeInteger")),
            )
        if downloadable and rng.random() < 0.7:
            checksum = b.bnode()
            add(checksum, RDF + "type", URIRef(SPDX + "Checksum"))
            add(
                checksum,
                SPDX + "algorithm",
                b.typed(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm"),
            )
            digest = hashlib.sha256(file_url.encode()).hexdigest()
            add(checksum, SPDX + "checksumValue", Literal(digest, datatype=URIRef(XSD + "hexBinary")))
            add(distribution, SPDX + "checksum", checksum)
        add(dataset, DCAT + "distribution", distribution)


def slug(text: str) -> str:
    """A URL-safe, readable slug from an English title."""
    out, dash = [], False
    for char in text.lower():
        if char.isascii() and char.isalnum():
            out.append(char)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")[:60].rstrip("-")


# --------------------------------------------------------------------------------------
# Serialisation: byte-identical output for the same graph, whatever the hash seed.
