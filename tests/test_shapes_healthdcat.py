"""Tests for shapes/healthdcat-ap.ttl and the profile ``healthdcat-ap`` (dcat-ap-3.ttl + healthdcat-ap.ttl).

1. The file is valid SHACL, explains every shape (name, message, severity,
   link to HealthDCAT-AP Release 5) and stands on its own.
2. A complete hand-written health dataset conforms; small changes to it give
   the verdicts the shapes promise, and (with the shared corpus) the same
   verdicts as the official Release 5 shapes.
3. On the shared corpus, the focus nodes the profile rejects are the ones the
   official shapes reject (DCAT-AP 3.0.0 SHACL + the HealthDCAT-AP Release 5
   shapes with the DCAT-AP module they import), apart from the rule-level
   differences in tests/shape_agreement.py and ``KNOWN_DIFFERENCES`` below.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import rdflib
import shape_agreement as agreement
from pyshacl import validate
from rdflib import Namespace, URIRef
from rdflib.namespace import SH

from catalogue.validation.profiles import shapes_files
from catalogue.validation.shapes import load_shapes

SHAPES_DIR = Path(__file__).resolve().parents[1] / "shapes"
SHAPES = SHAPES_DIR / "healthdcat-ap.ttl"
SPEC = "https://healthdataeu.pages.code.europa.eu/healthdcat-ap/releases/release-5/"

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCT = Namespace("http://purl.org/dc/terms/")
HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EX = Namespace("https://example.org/")

VIOLATION, WARNING = SH.Violation, SH.Warning
DATASET, DISTRIBUTION, HELPDESK = EX.dataset, EX.access, EX.helpdesk

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dcatap: <http://data.europa.eu/r5r/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix dqv: <http://www.w3.org/ns/dqv#> .
@prefix ex: <https://example.org/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix healthdcatap: <http://healthdataportal.eu/ns/health#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

EU = "http://publications.europa.eu/resource/authority/"

#: a NON_PUBLIC dataset with every mandatory and recommended property
COMPLETE = f"""
ex:dataset a dcat:Dataset ;
    dct:title "Cancer registry of Flanders"@en ;
    dct:description "Incidence of cancer per year, sex, age group and region."@en ;
    dct:identifier "BE-CR-2023-001" ;
    dcat:keyword "cancer"@en, "registry"@en ;
    dcat:theme <{EU}data-theme/HEAL> ;
    dct:type <{EU}dataset-type/STATISTICAL> ;
    dct:provenance [ a dct:ProvenanceStatement ; rdfs:label "Collected from hospital notifications."@en ] ;
    dct:accessRights <{EU}access-right/NON_PUBLIC> ;
    dcatap:applicableLegislation <http://data.europa.eu/eli/reg/2025/327/oj> ;
    healthdcatap:healthCategory <https://example.org/health-category/registries> ;
    healthdcatap:healthTheme <http://www.wikidata.org/entity/Q12078> ;
    healthdcatap:hdab ex:hdab ;
    dct:publisher ex:registry ;
    dcat:contactPoint ex:helpdesk ;
    dct:spatial <{EU}country/BEL> ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2004-01-01"^^xsd:date ; dcat:endDate "2022-12-31"^^xsd:date ] ;
    healthdcatap:retentionPeriod [ a dct:PeriodOfTime ;
        dcat:startDate "2024-01-01"^^xsd:date ; dcat:endDate "2034-12-31"^^xsd:date ] ;
    healthdcatap:numberOfRecords "1250000"^^xsd:nonNegativeInteger ;
    healthdcatap:numberOfUniqueIndividuals "830000"^^xsd:nonNegativeInteger ;
    healthdcatap:minTypicalAge "0"^^xsd:nonNegativeInteger ;
    healthdcatap:maxTypicalAge "110"^^xsd:nonNegativeInteger ;
    healthdcatap:populationCoverage "Every resident of Flanders diagnosed with cancer since 2004."@en ;
    dpv:hasLegalBasis <https://w3id.org/dpv#LegalObligation> ;
    dpv:hasPersonalData <https://w3id.org/dpv/dpv-pd#Age>, <https://w3id.org/dpv/dpv-pd#Gender> ;
    dpv:hasPurpose <https://w3id.org/dpv#ResearchAndDevelopment> ;
    healthdcatap:hasCodingSystem <http://www.wikidata.org/entity/P494> ;
    healthdcatap:hasCodeValues <https://icd.who.int/browse10/2019/en#/C50> ;
    dqv:hasQualityAnnotation <https://example.org/quality/certificate> ;
    dcat:distribution ex:access .

ex:access a dcat:Distribution ;
    dct:title "Access through the health data access body"@en ;
    dct:description "Data are made available in a secure processing environment after a data permit."@en ;
    dcat:accessURL <https://example.org/apply> ;
    dct:format <{EU}file-type/CSV> ;
    dct:license <{EU}licence/CC_BY_4_0> ;
    dcatap:availability <{EU}planned-availability/STABLE> ;
    dcatap:applicableLegislation <http://data.europa.eu/eli/reg/2025/327/oj> .

ex:registry a foaf:Agent, foaf:Organization ;
    foaf:name "Cancer Registry"@en ;
    dct:type <http://purl.org/adms/publishertype/NationalAuthority> ;
    dcat:contactPoint ex:helpdesk .

ex:hdab a foaf:Agent, foaf:Organization ;
    foaf:name "Health Data Agency"@en ;
    dct:type <http://purl.org/adms/publishertype/NationalAuthority> ;
    dcat:contactPoint ex:hdab-desk .

ex:helpdesk a vcard:Kind ;
    vcard:fn "Registry helpdesk" ;
    vcard:hasEmail <mailto:info@registry.example.org> .

ex:hdab-desk a vcard:Kind ;
    vcard:fn "Data access requests" ;
    vcard:hasEmail <mailto:access@hda.example.org> ;
    vcard:hasURL <https://hda.example.org/apply> .
"""


@cache
def profile_graph() -> rdflib.Graph:
    return load_shapes(shapes_files("healthdcat-ap")).graph


def data(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + turtle, format="turtle")


def changed(old: str, new: str, base: str = COMPLETE) -> str:
    assert old in base, old
    return base.replace(old, new)


def violations(turtle: str) -> set[tuple[URIRef, URIRef | None]]:
    results = agreement.run(data(turtle), profile_graph())
    return {(r.focus, r.path if isinstance(r.path, URIRef) else None) for r in agreement.violations(results)}


# ---------------------------------------------------------------------------
# 1. The shapes file
# ---------------------------------------------------------------------------


def test_shapes_are_valid_shacl():
    # meta_shacl: pyshacl first validates the shapes themselves against the SHACL-SHACL shapes
    conforms, _, text = validate(
        data('ex:thing rdfs:label "nothing to check" .'),
        shacl_graph=load_shapes([SHAPES]).graph,
        meta_shacl=True,
        inference="none",
        allow_warnings=True,
    )
    assert conforms, text


def test_every_shape_has_a_name_a_message_a_severity_and_a_link_to_the_spec():
    graph = load_shapes([SHAPES]).graph
    assert not agreement.undocumented_shapes(graph, (SPEC,))


def test_the_file_stands_alone_and_shares_no_shape_with_dcat_ap_3():
    own = load_shapes([SHAPES]).graph  # strict: no reference to a shape outside the file
    base = load_shapes([SHAPES_DIR / "dcat-ap-3.ttl"]).graph
    shared = {s for s in set(own.subjects()) & set(base.subjects()) if isinstance(s, URIRef)}
    assert not shared


def test_the_profile_is_dcat_ap_3_then_healthdcat_ap():
    assert [p.name for p in shapes_files("healthdcat-ap")] == ["dcat-ap-3.ttl", "healthdcat-ap.ttl"]


# ---------------------------------------------------------------------------
# 2. Hand-written records
# ---------------------------------------------------------------------------

ACCESS = f"dct:accessRights <{EU}access-right/NON_PUBLIC>"
PUBLIC = f"dct:accessRights <{EU}access-right/PUBLIC>"

#: id -> (turtle, the (focus, path) of every expected Violation)
CASES: dict[str, tuple[str, set]] = {
    "complete": (COMPLETE, set()),
    "public dataset without the non-public properties": (
        changed(ACCESS, PUBLIC)
        .replace('dcat:keyword "cancer"@en, "registry"@en ;', "")
        .replace(f"dct:type <{EU}dataset-type/STATISTICAL> ;", ""),
        set(),
    ),
    "non-public dataset without keyword": (
        changed('dcat:keyword "cancer"@en, "registry"@en ;', ""),
        {(DATASET, None)},
    ),
    "non-public dataset without type": (
        changed(f"dct:type <{EU}dataset-type/STATISTICAL> ;", ""),
        {(DATASET, None)},
    ),
    "access rights missing": (changed(ACCESS + " ;", ""), {(DATASET, DCT.accessRights)}),
    "access rights outside the three categories": (
        changed(ACCESS, f"dct:accessRights <{EU}access-right/SENSITIVE>"),
        {(DATASET, DCT.accessRights)},
    ),
    "no health data access body": (changed("healthdcatap:hdab ex:hdab ;", ""), {(DATASET, HEALTH.hdab)}),
    "health data access body without contact point": (
        changed("dcat:contactPoint ex:hdab-desk .", "."),
        {(DATASET, HEALTH.hdab)},
    ),
    "no health category": (
        changed("healthdcatap:healthCategory <https://example.org/health-category/registries> ;", ""),
        {(DATASET, HEALTH.healthCategory)},
    ),
    "health category as text": (
        changed("<https://example.org/health-category/registries>", '"registries"'),
        {(DATASET, HEALTH.healthCategory)},
    ),
    "no identifier": (changed('dct:identifier "BE-CR-2023-001" ;', ""), {(DATASET, DCT.identifier)}),
    "no applicable legislation on the dataset": (
        changed(
            "dcatap:applicableLegislation <http://data.europa.eu/eli/reg/2025/327/oj> ;\n    healthdcatap:healthCategory",
            "healthdcatap:healthCategory",
        ),
        {(DATASET, DCATAP.applicableLegislation)},
    ),
    "no applicable legislation on the distribution": (
        changed(
            ";\n    dcatap:applicableLegislation <http://data.europa.eu/eli/reg/2025/327/oj> .\n\nex:registry",
            ".\n\nex:registry",
        ),
        {(DISTRIBUTION, DCATAP.applicableLegislation)},
    ),
    "number of records as text": (
        changed('"1250000"^^xsd:nonNegativeInteger', '"about a million"'),
        {(DATASET, HEALTH.numberOfRecords)},
    ),
    "two maximum typical ages": (
        changed(
            '"110"^^xsd:nonNegativeInteger', '"110"^^xsd:nonNegativeInteger, "99"^^xsd:nonNegativeInteger'
        ),
        {(DATASET, HEALTH.maxTypicalAge)},
    ),
    "publisher with two contact points": (
        changed("dcat:contactPoint ex:helpdesk .", "dcat:contactPoint ex:helpdesk, ex:hdab-desk ."),
        {(DATASET, DCT.publisher)},
    ),
    "contact point without e-mail or page": (
        changed("vcard:hasEmail <mailto:info@registry.example.org> .", "."),
        {(HELPDESK, None)},
    ),
    "e-mail address as text": (
        changed("<mailto:info@registry.example.org>", '"info@registry.example.org"'),
        {(HELPDESK, VCARD.hasEmail)},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_hand_written_record(case):
    turtle, expected = CASES[case]
    assert violations(turtle) == expected


def test_complete_dataset_has_no_warning_either():
    results = agreement.run(data(COMPLETE), profile_graph())
    assert [r for r in results if r.severity in (VIOLATION, WARNING)] == []


def test_missing_recommended_health_properties_are_warnings():
    turtle = changed('healthdcatap:numberOfRecords "1250000"^^xsd:nonNegativeInteger ;', "")
    results = agreement.run(data(turtle), profile_graph())
    assert [(r.severity, r.focus, r.path) for r in results if r.severity != SH.Info] == [
        (WARNING, DATASET, HEALTH.numberOfRecords)
    ]


def test_retention_period_must_be_a_period_of_time():
    # Stricter than the official shapes (they only look inside it): see the file's header.
    turtle = changed("healthdcatap:retentionPeriod [ a dct:PeriodOfTime ;", "healthdcatap:retentionPeriod [")
    assert violations(turtle) == {(DATASET, HEALTH.retentionPeriod)}


@pytest.mark.parametrize("case", CASES)
def test_hand_written_record_gets_the_official_verdict(case):
    """The same focus nodes rejected as by the official shapes (rule-level differences set aside)."""
    if not agreement.corpus_present():
        pytest.skip(f"no shared corpus at {agreement.CORPUS}")
    graph = data(CASES[case][0])
    ours, theirs = agreement.PROFILES["healthdcat-ap"]
    rejected = {
        layer: {
            r.focus
            for r in agreement.violations(agreement.run(graph, agreement.layer_graph(layer)))
            if layer in ours or not agreement.SET_ASIDE[layer](r, graph)
        }
        for layer in ours + theirs
    }
    assert set().union(*(rejected[layer] for layer in ours)) == set().union(
        *(rejected[layer] for layer in theirs)
    )


# ---------------------------------------------------------------------------
# 3. Agreement with the official HealthDCAT-AP Release 5 shapes on the corpus
# ---------------------------------------------------------------------------
#
# Official side: DCAT-AP 3.0.0 SHACL, then HealthDCAT-AP Release 5
# (healthdcatap-shacl.ttl with the DCAT-AP 3.0.0 html/shacl/shapes.ttl it
# owl:imports). Rule-level differences: tests/shape_agreement.py, SET_ASIDE
# ("official:dcat-ap-3.0.0" rules a-c, "official:healthdcat-ap-r5" rules d-g).
#
# File-level differences (path under corpus/examples -> why); each one is a
# record we reject and the official shapes accept.

_CONTACT_SUBCLASS = (
    "a contact point typed only vcard:Organization or vcard:Individual has no e-mail "
    "address as a mailto: IRI (text instead, or nothing); our Kind shape also applies to "
    "those subclasses of vcard:Kind, the official one only to vcard:Kind (no inference)"
)
_UNTYPED_DATES = (
    "dates are plain strings, not typed literals (inherited from dcat-ap-3, see tests/test_shapes.py)"
)
_CKAN = (
    _CONTACT_SUBCLASS + "; and the publisher is typed foaf:Organization only, with its dct:type as text "
    "(inherited from dcat-ap-3, see tests/test_shapes.py)"
)
KNOWN_DIFFERENCES = {
    "ckanext-dcat/dcat/catalog_with_at_graph.jsonld": _CONTACT_SUBCLASS,
    "gdi-ckanext-fairdatapoint/example_graph.ttl": _UNTYPED_DATES,
    "udata/bnodes.jsonld": _CONTACT_SUBCLASS,
    "udata/bnodes.xml": _CONTACT_SUBCLASS,
    "udata/catalog.xml": _CONTACT_SUBCLASS,
    "udata/ckan.jsonld": _CKAN,
    "udata/ckan.rdf": _CKAN,
    "udata/ckan.ttl": _CKAN,
    "udata/ckan.xml": _CKAN,
    "udata/flat.jsonld": _CONTACT_SUBCLASS,
    "udata/nested.jsonld": _CONTACT_SUBCLASS,
    "udata/paged-collection-1.jsonld": _CONTACT_SUBCLASS,
    "udata/paged-collection-2.jsonld": _CONTACT_SUBCLASS,
    "udata/partial-collection-1.jsonld": _CONTACT_SUBCLASS,
    "udata/partial-collection-2.jsonld": _CONTACT_SUBCLASS,
}


def test_verdicts_agree_with_the_official_healthdcat_ap_r5_shapes():
    """Same rejected focus nodes per file, except KNOWN_DIFFERENCES (about 15 s beyond dcat-ap-3's)."""
    if not agreement.corpus_present():
        pytest.skip(f"no shared corpus at {agreement.CORPUS}")
    comparison = agreement.compare("healthdcat-ap")
    assert len(comparison.compared) > 100, f"only {len(comparison.compared)} example files could be read"
    unexpected = comparison.unexpected(KNOWN_DIFFERENCES)
    assert not unexpected, json.dumps(unexpected, indent=2)
    laxer = {f: d for f, d in comparison.differences.items() if d["only official"]}
    assert not laxer, json.dumps(laxer, indent=2)
    stale = comparison.stale(KNOWN_DIFFERENCES)
    assert not stale, f"no longer different, remove from KNOWN_DIFFERENCES: {stale}"
