"""The shipped EU vocabulary labels: what search and facets can count on."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
from importlib.resources import as_file, files

import pyoxigraph as ox
import pytest

from catalogue.namespaces import EU_AUTHORITY, SKOS
from catalogue.vocabularies import Vocabularies

HEAL = EU_AUTHORITY + "data-theme/HEAL"
CSV = EU_AUTHORITY + "file-type/CSV"
CC_BY = EU_AUTHORITY + "licence/CC_BY_4_0"
RESTRICTED = EU_AUTHORITY + "access-right/RESTRICTED"
PROJECT_LANGUAGES = ("en", "nl", "fr", "de", "fi", "sv", "es", "pt", "it")


@pytest.fixture(scope="module")
def vocabularies() -> Vocabularies:
    return Vocabularies.load()


def test_health_theme_has_its_eu_labels(vocabularies: Vocabularies) -> None:
    labels = vocabularies.labels(HEAL)
    assert labels["de"] == "Gesundheit"
    assert labels["en"] == "Health"
    assert labels["nl"] == "Gezondheid"
    assert labels["fr"] == "Santé"
    assert "Gesundheit" in vocabularies.all_labels(HEAL)
    assert vocabularies.schemes(HEAL) == [EU_AUTHORITY + "data-theme"]


def test_a_file_type_a_licence_and_an_access_right_read_in_en_fr_nl(vocabularies: Vocabularies) -> None:
    # The EU file-type table names formats only in English ("CSV" is "CSV" everywhere): French and
    # Dutch readers get the English label through the fallback.
    for lang in ("en", "fr", "nl"):
        assert vocabularies.label(CSV, lang) == "CSV"
    assert vocabularies.labels(CC_BY)["en"] == "Creative Commons Attribution 4.0 International"
    assert vocabularies.labels(CC_BY)["nl"] == "Creative Commons Naamsvermelding 4.0 Internationaal"
    assert vocabularies.labels(CC_BY)["fr"] == "Creative Commons Attribution 4.0 International"
    assert (
        vocabularies.labels(RESTRICTED).items()
        >= {"en": "restricted", "fr": "restreint", "nl": "beperkt"}.items()
    )
    assert vocabularies.label(RESTRICTED, "de") == "eingeschränkt"


@pytest.mark.parametrize(
    "iri",
    [
        *(EU_AUTHORITY + "access-right/" + code for code in ("PUBLIC", "RESTRICTED", "NON_PUBLIC")),
        *(EU_AUTHORITY + "licence/" + code for code in ("CC_BY_4_0", "CC_BYSA_4_0", "CC0", "ODC_BL")),
        *(EU_AUTHORITY + "language/" + code for code in ("ENG", "NLD", "FRA", "DEU", "FIN", "SWE", "POR")),
        *(EU_AUTHORITY + "country/" + code for code in ("BEL", "NLD", "FIN", "SWE", "ESP", "PRT", "LUX")),
        *(EU_AUTHORITY + "planned-availability/" + code for code in ("AVAILABLE", "STABLE")),
        "http://purl.org/adms/publishertype/NationalAuthority",
        "http://purl.org/adms/publishertype/Academia-ScientificOrganisation",
    ],
)
def test_facet_vocabularies_have_the_project_languages(vocabularies: Vocabularies, iri: str) -> None:
    labels = vocabularies.labels(iri)
    assert set(PROJECT_LANGUAGES) <= set(labels), sorted(set(PROJECT_LANGUAGES) - set(labels))
    assert all(labels[lang].strip() for lang in PROJECT_LANGUAGES)


def test_every_frequency_the_demo_uses_is_labelled(vocabularies: Vocabularies) -> None:
    for code in ("ANNUAL", "IRREG", "NEVER", "QUARTERLY", "HOURLY", "QUINQUENNIAL"):
        assert vocabularies.label(EU_AUTHORITY + "frequency/" + code, "de"), code
    assert vocabularies.notations(EU_AUTHORITY + "frequency/ANNUAL") == ["ANN"]


def test_hand_written_labels_agree_with_the_converted_tables() -> None:
    """Where authority-tables.ttl labels a concept a converted EU table also labels (the English ADMS
    publisher types), in the same language, it says the same thing."""
    package = files("catalogue.vocabularies")
    with as_file(package / "authority-tables.ttl") as path:
        ours = Vocabularies.from_files(path)
    overlaps = 0
    for entry in package.iterdir():
        if not entry.name.endswith(".nt.gz"):
            continue
        with as_file(entry) as path:
            converted = Vocabularies.from_files(path)
        for iri in ours:
            for lang, text in converted.labels(iri).items():
                if lang in ours.labels(iri):
                    overlaps += 1
                    assert ours.labels(iri)[lang] == text, (iri, lang)
    assert overlaps >= 11  # the publisher types' English labels at least


def test_label_fallback_order(vocabularies: Vocabularies) -> None:
    assert vocabularies.label(HEAL, "fr") == "Santé"  # the requested language
    assert vocabularies.label(HEAL, "fr-BE") == "Santé"  # a regional tag finds its language
    assert vocabularies.label(HEAL, "NL") == "Gezondheid"  # tags are case-insensitive
    assert vocabularies.label(HEAL, "nb") == "Helse"
    assert vocabularies.label(HEAL, "xx") == "Health"  # else English
    assert vocabularies.label(HEAL, "") == "Health"


def test_label_matching_on_base_language_and_the_last_resorts(tmp_path) -> None:
    path = tmp_path / "t.ttl"
    path.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        '<http://x/machine> skos:prefLabel "Gezondheid"@nl-t-en, "Santé"@fr .\n'
        '<http://x/untagged> skos:prefLabel "Sundhed"@da, "HEAL" .\n'
        '<http://x/other> skos:prefLabel "Sundhed"@da .\n'
        '<http://x/notation> skos:notation "N1" ; skos:inScheme <http://x/scheme> .\n',
        encoding="utf-8",
    )
    vocabularies = Vocabularies.from_files(path)
    assert vocabularies.label("http://x/machine", "nl") == "Gezondheid"  # nl-t-en counts as nl
    assert vocabularies.labels("http://x/machine") == {"nl-t-en": "Gezondheid", "fr": "Santé"}
    assert vocabularies.label("http://x/untagged", "fi") == "HEAL"  # no fi, no en: the untagged label
    assert vocabularies.labels("http://x/untagged")[""] == "HEAL"
    assert vocabularies.label("http://x/other", "fi") == "Sundhed"  # else any language
    assert "http://x/notation" not in vocabularies  # no label: not a labelled concept
    assert vocabularies.notations("http://x/notation") == ["N1"]


def test_unknown_iri(vocabularies: Vocabularies) -> None:
    unknown = "http://example.org/not-a-concept"
    assert unknown not in vocabularies
    assert HEAL in vocabularies
    assert vocabularies.label(unknown, "en") is None
    assert vocabularies.label(unknown, "en", fallback=unknown) == unknown
    assert vocabularies.labels(unknown) == {}
    assert vocabularies.all_labels(unknown) == []


def test_load_is_cached(vocabularies: Vocabularies) -> None:
    assert Vocabularies.load() is vocabularies


def test_loading_every_table_takes_less_than_half_a_second() -> None:
    # In a fresh interpreter, so the cache and warm imports do not flatter the number.
    code = (
        "import time; import catalogue.vocabularies as v; t = time.perf_counter();"
        " n = len(v.Vocabularies.load()); print(time.perf_counter() - t, n)"
    )
    started = time.perf_counter()
    output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    seconds, concepts = output.split()
    assert float(seconds) < 0.5, f"loading took {seconds} s"
    assert int(concepts) > 300
    assert time.perf_counter() - started < 10


def test_shipped_files_hold_only_labels_schemes_and_notations_of_iris() -> None:
    allowed = {SKOS + "prefLabel", SKOS + "inScheme", SKOS + "notation"}
    package = files("catalogue.vocabularies")
    names = [entry.name for entry in package.iterdir() if entry.name.endswith((".nt.gz", ".ttl"))]
    assert {"data-theme.nt.gz", "file-type.nt.gz", "frequency.nt.gz", "continent.nt.gz"} <= set(names)
    assert "authority-tables.ttl" in names
    for name in names:
        data = package.joinpath(name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
            rdf_format = ox.RdfFormat.N_TRIPLES
        else:
            rdf_format = ox.RdfFormat.TURTLE
        for quad in ox.parse(data, format=rdf_format):
            assert quad.predicate.value in allowed, (name, quad)
            assert isinstance(quad.subject, ox.NamedNode), (name, quad)
            assert quad.subject.value.startswith(
                (EU_AUTHORITY, "http://purl.org/adms/", "http://healthdata.ec.europa.eu/authority/")
            ), (name, quad)


# -- codes, their hierarchy, countries and health categories ------------------------------------

from catalogue.vocabularies.codes import normalise, parse_code  # noqa: E402
from catalogue.vocabularies.concepts import broader, expand  # noqa: E402
from catalogue.vocabularies.concepts import labels as concept_labels  # noqa: E402
from catalogue.vocabularies.countries import country_iri  # noqa: E402


@pytest.mark.parametrize(
    ("given", "scheme", "expected"),
    [
        ("ICD-10:C50.9", None, "icd10:C50.9"),
        ("icd10:c509", None, "icd10:C50.9"),
        ("http://id.who.int/icd/release/10/C50.9", None, "icd10:C50.9"),
        ("https://icd.who.int/browse10/2019/en#/C50.9", None, "icd10:C50.9"),
        ("C50.9", "http://www.wikidata.org/entity/Q45127", "icd10:C50.9"),
        ("A10BA02", "https://www.wikidata.org/entity/Q192093", "atc:A10BA02"),
        ("ATC:a10ba02", None, "atc:A10BA02"),
        ("SNOMED-CT:363235000", None, "snomedct:363235000"),
        ("http://snomed.info/id/363235000", None, "snomedct:363235000"),
        ("http://www.orpha.net/ORDO/Orphanet_558", None, "orpha:558"),
        ("ORPHA:558", None, "orpha:558"),
        ("http://purl.obolibrary.org/obo/MONDO_0007254", None, "mondo:0007254"),
        ("http://purl.obolibrary.org/obo/HP_0000118", None, "hp:0000118"),
        ("http://www.wikidata.org/entity/Q12078", None, "wikidata:Q12078"),
        ("LOINC:4548-4", None, "loinc:4548-4"),
        ("ICD-10-GM:E11.9", None, "icd10gm:E11.9"),
        ("http://snomed.info/sct/254837009", None, "snomedct:254837009"),
        ("https://identifiers.org/icd10:C50.9", None, "icd10:C50.9"),
        ("https://loinc.org/4548-4/", None, "loinc:4548-4"),
        ("https://atcddd.fhi.no/atc_ddd_index/?code=A10BA02", None, "atc:A10BA02"),
        ("ORDO:558", None, "orpha:558"),
        ("SCTID:254837009", None, "snomedct:254837009"),
        ("MeSH:D001943", None, "mesh:D001943"),
        # a notation in a scheme given by the IRI its concepts' IRIs start with
        ("C50.9", "http://id.who.int/icd/release/10", "icd10:C50.9"),
        ("254837009", "http://snomed.info/sct", "snomedct:254837009"),
        ("A10BA02", "http://www.whocc.no/atc_ddd_index/?code=", "atc:A10BA02"),
        # nothing known: kept as given rather than dropped
        ("https://codes.example/x/1", None, "https://codes.example/x/1"),
        ("Q87.1", None, "Q87.1"),
    ],
)
def test_one_identifier_per_code_however_written(given: str, scheme: str | None, expected: str) -> None:
    assert normalise(given, scheme) == expected


def test_icd10_hierarchy_chapters_blocks_categories() -> None:
    assert broader("icd10:C50.9") == [
        "icd10:C50",
        "icd10:C50-C50",
        "icd10:C00-C75",
        "icd10:C00-C97",
        "icd10:II",
    ]
    assert broader("icd10:C00-C97") == ["icd10:II"]
    assert broader("icd10:NOPE") == [] and broader("snomedct:363235000") == []
    assert "breast" in concept_labels("icd10:C50")[0].lower()


def test_atc_hierarchy_by_code_structure() -> None:
    assert expand("atc:A10BA02") == ["atc:A10BA02", "atc:A10BA", "atc:A10B", "atc:A10", "atc:A"]
    assert broader("atc:A") == [] and broader("atc:not-a-code") == []


def test_national_icd10_codes_reach_who_concepts() -> None:
    assert expand("icd10gm:E11.9")[:4] == ["icd10gm:E11.9", "icd10gm:E11", "icd10:E11.9", "icd10:E11"]
    assert "icd10:IV" in expand("icd10gm:E11.9")


@pytest.mark.parametrize("bad", ["", "breast", "C50 9", "x" * 3000, "javascript alert(1)"])
def test_what_is_no_code_is_refused(bad: str) -> None:
    assert parse_code(bad) is None


@pytest.mark.parametrize(
    ("given", "alpha3"), [("BE", "BEL"), ("bel", "BEL"), ("EL", "GRC"), ("UK", "GBR"), ("FI", "FIN")]
)
def test_country_codes_become_eu_country_iris(given: str, alpha3: str) -> None:
    assert country_iri(given) == EU_AUTHORITY + "country/" + alpha3
    assert country_iri(EU_AUTHORITY + "country/" + alpha3) == EU_AUTHORITY + "country/" + alpha3


@pytest.mark.parametrize("bad", ["XX", "Belgium", "", "http://example.org/country/BEL"])
def test_unknown_countries_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="country"):
        country_iri(bad)


def test_health_categories_are_labelled_in_the_project_languages(vocabularies: Vocabularies) -> None:
    iri = "http://healthdata.ec.europa.eu/authority/health-category/GENOMIC"
    assert {"en", "nl", "fr", "de", "fi", "sv"} <= set(vocabularies.labels(iri))


@pytest.mark.parametrize(
    ("code", "lang", "expected"),
    [
        ("icd10:C50", "nl", "Borstkanker"),  # our term's word in the page's language
        ("icd10:C50", "fi", "Rintasyöpä"),
        ("icd10:C50", "en", "Malignant neoplasm of breast"),  # English pages keep WHO's title
        ("icd10:C50.4", "de", "Malignant neoplasm: Upper-outer quadrant of breast"),  # no term of its own
        ("icd10:c50", "fr", "Cancer du sein"),  # normalised first
        ("snomedct:254837009", "nl", None),  # not shipped: resolved labels only
        ("icd10:NOPE", "nl", None),
    ],
)
def test_display_label_of_a_code(code: str, lang: str, expected: str | None) -> None:
    from catalogue.vocabularies.concepts import display_label

    assert display_label(code, lang) == expected


def test_code_labels_cross_languages_through_the_terms_table() -> None:
    from catalogue.vocabularies.concepts import labels

    found = set(labels("icd10:C50"))
    assert {"Malignant neoplasm of breast", "borstkanker", "Brustkrebs", "rintasyöpä", "bröstcancer"} <= found
    assert {"kanker", "Krebs", "syöpä"} <= set(labels("icd10:C00-C97"))
    assert labels("snomedct:254837009") == []


def test_a_malformed_terms_row_names_the_file_and_line() -> None:
    from catalogue.vocabularies.terms import parse, terms

    text = "key\ticd10\ten\n# a comment\nok\t-\tword\tmot\twoord\tWort\tsana\tord\tpalabra\tpalavra\nbad\t-\tonly\n"
    with pytest.raises(ValueError, match=r"terms\.tsv, line 4: 3 columns, expected 10"):
        parse(text, "terms.tsv")
    assert len(terms()) > 80 and all(term.labels.get("en") for term in terms())
