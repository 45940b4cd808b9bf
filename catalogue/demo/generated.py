"""Benchmark catalogues: any number of datasets, written as Turtle text for speed.

bench/ and the tests that need big inputs import :func:`generate_catalog`;
its output for a given seed is what earlier benchmarks measured, so it must
not change (the node documents of ``catalogue demo`` are apart, in
:mod:`catalogue.demo.nodes`).
"""

from __future__ import annotations

import hashlib
import random

from catalogue.demo.study import (
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
    COUNTRY,
    COUNTRY_CODES,
    DATA_THEME,
    EHDS,
    ELI,
    FILE_TYPE,
    FORMATS,
    FREQUENCY,
    HEALTH_CATEGORY,
    IANA,
    LANGUAGE,
    LICENCE,
    PREFIXES,
    PUBLISHER_TYPE_LABELS,
)
from catalogue.namespaces import DCT, FOAF


def generate_catalog(
    n: int,
    seed: int = 2024,
    *,
    base: str = "https://bench.example.org/",
    invalid_every: int = 0,
    first: int = 0,
) -> bytes:
    """One Turtle document with a dcat:Catalog and n datasets (for benchmarks and big tests).

    Written as text, not through an rdflib graph, so 10,000 datasets take well
    under a second. Everything is an IRI except the periods of time (inline
    ``[ ]``) and the checksums (labelled ``_:``), so that the harvester's
    blank-node handling is exercised. With ``invalid_every=k`` every k-th dataset
    (the k-th, 2k-th, …) has no dct:description and so violates DCAT-AP 3.
    ``first`` numbers the datasets from there, so that pages of one big feed
    can be generated one at a time.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not base.endswith(("/", "#")):
        base += "/"
    rng = random.Random(f"{seed}:bench:{first}" if first else f"{seed}:bench")
    out: list[str] = [_BENCH_PREFIXES, ""]
    catalog = f"<{base}catalog>"
    agents = [f"<{base}agent/{i:02d}>" for i in range(_BENCH_AGENTS)]
    contacts = [f"<{base}contact/{i:02d}>" for i in range(_BENCH_AGENTS)]
    out.append(
        f"{catalog} a dcat:Catalog ;\n"
        f'    dct:title "Benchmark catalogue ({n} datasets)"@en ;\n'
        f'    dct:description "Generated genomic dataset descriptions for benchmarks (seed {seed})."@en ;\n'
        f"    dct:publisher {agents[0]} ;\n"
        f"    foaf:homepage <{base}> ;\n"
        f"    dct:language <{LANGUAGE}ENG> ;\n"
        f'    dct:modified "2025-01-15T09:30:00Z"^^xsd:dateTime .\n'
    )
    for i in range(_BENCH_AGENTS):
        name, ptype = _BENCH_AGENT_NAMES[i % len(_BENCH_AGENT_NAMES)]
        out.append(
            f'{agents[i]} a foaf:Agent, foaf:Organization ;\n    foaf:name "{name} {i + 1}" ;\n'
            f"    dct:type <{ADMS_PUBLISHER_TYPE}{ptype}> .\n"
            f'{contacts[i]} a vcard:Kind, vcard:Organization ;\n    vcard:fn "Data desk, {name} {i + 1}" ;\n'
            f"    vcard:hasEmail <mailto:datadesk{i + 1:02d}@bench.example.org> .\n"
        )
    used: dict[str, set[str]] = {key: set() for key in _VOCAB_TYPES}
    for index in range(first, first + n):
        out.append(_bench_dataset(rng, base, index, invalid_every, agents, contacts, used))
        out.append(f"{catalog} dcat:dataset <{base}dataset/{index + 1:06d}> .\n")
    out.append(_bench_vocabulary(used, base))
    return "\n".join(out).encode("utf-8")


# --------------------------------------------------------------------------------------
# Per-node graphs (rdflib; the documents are small)


_BENCH_AGENTS = 20
_BENCH_AGENT_NAMES = (
    ("University Hospital", "NonProfitOrganisation"),
    ("Institute of Human Genetics", "Academia-ScientificOrganisation"),
    ("Regional Biobank", "NonProfitOrganisation"),
    ("National Genomics Centre", "NationalAuthority"),
    ("Regional Hospital Trust", "RegionalAuthority"),
)
_BENCH_PREFIXES = "\n".join(f"@prefix {name}: <{namespace}> ." for name, namespace in PREFIXES.items())
_BENCH_LANGS = ("nl", "fr", "de", "fi", "sv", "es", "pt")
# vocabulary kind -> the class DCAT-AP 3 expects of its values
_VOCAB_TYPES = {
    "language": DCT + "LinguisticSystem",
    "country": DCT + "Location",
    "access": DCT + "RightsStatement",
    "frequency": DCT + "Frequency",
    "format": DCT + "MediaTypeOrExtent",
    "media": DCT + "MediaType",
    "licence": DCT + "LicenseDocument",
    "law": ELI + "LegalResource",
    "document": FOAF + "Document",
}
_BENCH_COUNTRIES = tuple(COUNTRY_CODES.values())


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _bench_dataset(
    rng: random.Random,
    base: str,
    index: int,
    invalid_every: int,
    agents: list[str],
    contacts: list[str],
    used: dict[str, set[str]],
) -> str:
    """One dataset of about 36 triples, a period and (60 %) a checksum as blank nodes."""
    study = pick_study(rng)
    number = index + 1
    iri = f"<{base}dataset/{number:06d}>"
    langs = ["en"] + ([rng.choice(_BENCH_LANGS)] if rng.random() < 0.25 else [])
    country = rng.choice(_BENCH_COUNTRIES)
    public = study.allele
    access = "PUBLIC" if public else ("RESTRICTED" if rng.random() < 0.6 else "NON_PUBLIC")
    agent = rng.randrange(len(agents))
    publisher = _BENCH_AGENT_NAMES[agent % len(_BENCH_AGENT_NAMES)][0] + f" {agent + 1}"
    content = content_sentence(rng, study)
    lines = [f"{iri} a dcat:Dataset ;"]
    for lang in langs:
        title = dataset_title(study, lang, "EU")
        lines.append(f"    dct:title {_turtle_string(title)}@{lang} ;")
        if not (invalid_every and number % invalid_every == 0):
            text = dataset_description(study, lang, publisher, "the health data access body", content, public)
            lines.append(f"    dct:description {_turtle_string(text)}@{lang} ;")
    keywords = ALLELE_KEYWORDS["en"] if study.allele else study.population.keywords["en"]
    lines.append(
        "    dcat:keyword "
        + ", ".join(f"{_turtle_string(k)}@en" for k in (study.method.text["en"], *keywords))
        + " ;"
    )
    lines.append(f'    dct:identifier "BENCH-{number:06d}" ;')
    lines.append(f"    dcat:theme <{DATA_THEME}HEAL> ;")
    lines.append(f"    dct:publisher {agents[agent]} ;")
    lines.append(f"    dcat:contactPoint {contacts[agent]} ;")
    end = f' ; dcat:endDate "{study.end}-12-31"^^xsd:date' if study.end else ""
    lines.append(
        f'    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "{study.start}-01-01"^^xsd:date{end} ] ;'
    )
    lines.append(f"    dct:spatial <{COUNTRY}{country}> ;")
    lines.append(f"    dct:accessRights <{ACCESS_RIGHT}{access}> ;")
    lines.append(f"    dct:language <{LANGUAGE}ENG> ;")
    year = rng.randint(max(2016, study.start + 1), 2024)
    lines.append(f'    dct:issued "{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"^^xsd:date ;')
    lines.append(
        f'    dct:modified "{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z"^^xsd:dateTime ;'
    )
    frequency = rng.choice(("ANNUAL", "IRREG", "NEVER", "QUARTERLY"))
    lines.append(f"    dct:accrualPeriodicity <{FREQUENCY}{frequency}> ;")
    lines.append(f"    dcat:landingPage <{base}page/{number:06d}> ;")
    used["document"].add(f"{base}page/{number:06d}")
    category = "HGPD" if study.allele else sorted(study.method.categories)[0]
    lines.append(f"    healthdcatap:healthCategory <{HEALTH_CATEGORY}{category}> ;")
    lines.append(
        f'    healthdcatap:numberOfUniqueIndividuals "{study.individuals}"^^xsd:nonNegativeInteger ;'
    )
    lines.append(f"    dcatap:applicableLegislation <{EHDS}> ;")
    distribution = f"<{base}dataset/{number:06d}/distribution/1>"
    lines.append(f"    dcat:distribution {distribution} .")

    file_type = "TSV" if public else rng.choice(("CSV", "PDF", "GZIP"))
    licence = "CC_BY_4_0" if rng.random() < 0.8 else "CC0"
    size = int(log_uniform(rng, 40_000, 5 * 10**10))
    url = f"https://files.bench.example.org/{number:06d}/data.{file_type.lower()}"
    lines.append(f"{distribution} a dcat:Distribution ;")
    lines.append(f"    dcat:accessURL <{url}> ;")
    lines.append(f"    dct:format <{FILE_TYPE}{file_type}> ;")
    lines.append(f"    dcat:mediaType <{IANA}{FORMATS[file_type]}> ;")
    lines.append(f"    dct:license <{LICENCE}{licence}> ;")
    if rng.random() < 0.6:
        digest = hashlib.sha256(url.encode()).hexdigest()
        lines.append(f"    spdx:checksum _:checksum{number} ;")
        lines.append(f'    dcat:byteSize "{size}"^^xsd:nonNegativeInteger .')
        lines.append(
            f"_:checksum{number} a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ;"
            f' spdx:checksumValue "{digest}"^^xsd:hexBinary .'
        )
    else:
        lines.append(f'    dcat:byteSize "{size}"^^xsd:nonNegativeInteger .')

    used["country"].add(COUNTRY + country)
    used["access"].add(ACCESS_RIGHT + access)
    used["frequency"].add(FREQUENCY + frequency)
    used["format"].add(FILE_TYPE + file_type)
    used["media"].add(IANA + FORMATS[file_type])
    used["licence"].add(LICENCE + licence)
    return "\n".join(lines) + "\n"


def _bench_vocabulary(used: dict[str, set[str]], base: str) -> str:
    """Type every vocabulary IRI and page once, so DCAT-AP 3 range shapes (sh:class) can check them."""
    used["language"].add(LANGUAGE + "ENG")
    used["document"].add(base)
    used["law"].add(EHDS)
    lines = [
        f'<{DATA_THEME}HEAL> a skos:Concept ; skos:prefLabel "Health"@en ; skos:inScheme <{DATA_THEME[:-1]}> .',
        "spdx:checksumAlgorithm_sha256 a spdx:ChecksumAlgorithm .",
    ]
    for local, label in PUBLISHER_TYPE_LABELS.items():
        lines.append(
            f'<{ADMS_PUBLISHER_TYPE}{local}> a skos:Concept ; skos:prefLabel "{label}"@en ;'
            f" skos:inScheme <{ADMS_PUBLISHER_TYPE}1.0> ."
        )
    for kind in sorted(used):
        for iri in sorted(used[kind]):
            lines.append(f"<{iri}> a <{_VOCAB_TYPES[kind]}> .")
    return "\n".join(lines) + "\n"
