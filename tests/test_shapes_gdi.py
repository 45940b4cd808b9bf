"""Tests for shapes/gdi.ttl and the profile ``gdi`` (dcat-ap-3.ttl + healthdcat-ap.ttl + gdi.ttl).

1. The file is valid SHACL, explains every shape and stands on its own.
2. A complete hand-written GDI dataset conforms; small changes to it give the
   verdicts the shapes promise and (with the shared corpus) the same verdicts
   as the official shapes, except where we differ on purpose.
3. The GDI shapes as published (gdi-metadata, PiecesShape/) load with
   ``load_shapes(tolerant=True)``: the file that does not parse and the
   constraint that points at its missing shape are reported and left out.
4. On the shared corpus, the focus nodes the profile rejects are the ones the
   official shapes reject (DCAT-AP 3.0.0 + HealthDCAT-AP Release 5 + the GDI
   pieces), apart from the rule-level differences in tests/shape_agreement.py
   and ``KNOWN_DIFFERENCES`` below.
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

from catalogue.validation.errors import ShapesError
from catalogue.validation.profiles import shapes_files
from catalogue.validation.shapes import load_shapes

SHAPES_DIR = Path(__file__).resolve().parents[1] / "shapes"
SHAPES = SHAPES_DIR / "gdi.ttl"
SPEC = "https://github.com/GenomicDataInfrastructure/gdi-metadata"

ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
DPV = Namespace("https://w3id.org/dpv#")
HEALTH = Namespace("http://healthdataportal.eu/ns/health#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EX = Namespace("https://example.org/")

VIOLATION, WARNING = SH.Violation, SH.Warning
DATASET, DISTRIBUTION, HELPDESK, LAB, REGISTRY = EX.dataset, EX.access, EX.helpdesk, EX.lab, EX.registry

PREFIXES = """
@prefix adms: <http://www.w3.org/ns/adms#> .
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
EHDS = "http://data.europa.eu/eli/reg/2025/327/oj"

#: a NON_PUBLIC synthetic genomic dataset with every mandatory and recommended property
COMPLETE = f"""
ex:dataset a dcat:Dataset ;
    dct:title "Synthetic genomes of Flanders"@en ;
    dct:description "Synthetic whole genomes modelled on the Flemish reference cohort."@en ;
    dct:identifier "GDI-BE-KUL-001" ;
    dct:creator ex:lab ;
    dcat:keyword "genomes"@en, "synthetic data"@en ;
    dcat:theme <{EU}data-theme/HEAL> ;
    dct:type <{EU}dataset-type/SYNTHETIC_DATA> ;
    dct:provenance [ a dct:ProvenanceStatement ; rdfs:label "Generated from cohort allele frequencies."@en ] ;
    dct:accessRights <{EU}access-right/NON_PUBLIC> ;
    dcatap:applicableLegislation <{EHDS}> ;
    healthdcatap:healthCategory <http://data.gdi.eu/core/p2/HealthCategoryHumanGenomic> ;
    healthdcatap:healthTheme <http://www.wikidata.org/entity/Q7020> ;
    healthdcatap:hdab ex:hdab ;
    dct:publisher ex:registry ;
    dcat:contactPoint ex:helpdesk ;
    dct:spatial <{EU}country/BEL> ;
    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2020-01-01"^^xsd:date ; dcat:endDate "2024-12-31"^^xsd:date ] ;
    healthdcatap:retentionPeriod [ a dct:PeriodOfTime ;
        dcat:startDate "2025-01-01"^^xsd:date ; dcat:endDate "2035-12-31"^^xsd:date ] ;
    healthdcatap:numberOfRecords "2000"^^xsd:nonNegativeInteger ;
    healthdcatap:numberOfUniqueIndividuals "1000"^^xsd:nonNegativeInteger ;
    healthdcatap:minTypicalAge "18"^^xsd:nonNegativeInteger ;
    healthdcatap:maxTypicalAge "90"^^xsd:nonNegativeInteger ;
    healthdcatap:populationCoverage "Adults of the Flemish reference cohort."@en ;
    dpv:hasLegalBasis <https://w3id.org/dpv#Consent> ;
    dpv:hasPersonalData <https://w3id.org/dpv/dpv-pd#Age> ;
    dpv:hasPurpose <https://w3id.org/dpv#ResearchAndDevelopment> ;
    healthdcatap:hasCodingSystem <http://www.wikidata.org/entity/P494> ;
    healthdcatap:hasCodeValues <https://icd.who.int/browse10/2019/en#/Z00> ;
    dqv:hasQualityAnnotation <https://example.org/quality/certificate> ;
    dcat:distribution ex:access .

ex:access a dcat:Distribution ;
    dct:title "Beacon"@en ;
    dct:description "Allele queries through the node's Beacon."@en ;
    dcat:accessURL <https://example.org/beacon> ;
    dct:format <{EU}file-type/JSON> ;
    dct:license <{EU}licence/CC_BY_4_0> ;
    dcatap:availability <{EU}planned-availability/STABLE> ;
    dcatap:applicableLegislation <{EHDS}> ;
    adms:status <{EU}distribution-status/COMPLETED> .

ex:lab a foaf:Agent, foaf:Organization ;
    foaf:name "Centre for Human Genetics"@en ;
    dct:type <http://purl.org/adms/publishertype/Academia-ScientificOrganisation> .

ex:registry a foaf:Agent, foaf:Organization ;
    foaf:name "Genome node Belgium"@en ;
    dct:type <http://purl.org/adms/publishertype/NationalAuthority> ;
    dcat:contactPoint ex:helpdesk .

ex:hdab a foaf:Agent, foaf:Organization ;
    foaf:name "Health Data Agency"@en ;
    dct:type <http://purl.org/adms/publishertype/NationalAuthority> ;
    dcat:contactPoint ex:hdab-desk .

ex:helpdesk a vcard:Kind ;
    vcard:fn "GoE - BE" ;
    vcard:hasEmail <mailto:info@genomes.example.org> .

ex:hdab-desk a vcard:Kind ;
    vcard:fn "Data access requests" ;
    vcard:hasEmail <mailto:access@hda.example.org> ;
    vcard:hasURL <https://hda.example.org/apply> .
"""


@cache
def profile_graph() -> rdflib.Graph:
    return load_shapes(shapes_files("gdi")).graph


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


def test_every_shape_has_a_name_a_message_a_severity_and_a_link_to_the_model():
    graph = load_shapes([SHAPES]).graph
    assert not agreement.undocumented_shapes(graph, (SPEC,))


def test_the_file_stands_alone_and_shares_no_shape_with_the_profiles_it_extends():
    own = load_shapes([SHAPES]).graph  # strict: no reference to a shape outside the file
    for base_file in ("dcat-ap-3.ttl", "healthdcat-ap.ttl"):
        base = load_shapes([SHAPES_DIR / base_file]).graph
        assert not {s for s in set(own.subjects()) & set(base.subjects()) if isinstance(s, URIRef)}


def test_the_profile_is_dcat_ap_3_then_healthdcat_ap_then_gdi():
    assert [p.name for p in shapes_files("gdi")] == ["dcat-ap-3.ttl", "healthdcat-ap.ttl", "gdi.ttl"]


# ---------------------------------------------------------------------------
# 2. Hand-written records
# ---------------------------------------------------------------------------

#: id -> (turtle, the (focus, path) of every expected Violation)
CASES: dict[str, tuple[str, set]] = {
    "complete": (COMPLETE, set()),
    "synthetic data under the GDI shapes' https IRI": (
        changed(
            f"<{EU}dataset-type/SYNTHETIC_DATA>",
            f"<{EU.replace('http:', 'https:')}dataset-type/SYNTHETIC_DATA>",
        ),
        set(),
    ),
    "identifier not in the GDI form": (
        changed('"GDI-BE-KUL-001"', '"GoE_BE_KUL_1"'),
        {(DATASET, DCT.identifier)},
    ),
    "no creator": (changed("dct:creator ex:lab ;", ""), {(DATASET, DCT.creator)}),
    "creator without a name": (
        changed('foaf:name "Centre for Human Genetics"@en ;', ""),
        {(DATASET, DCT.creator), (LAB, FOAF.name)},
    ),
    "no publisher": (changed("dct:publisher ex:registry ;", ""), {(DATASET, DCT.publisher)}),
    "publisher's contact point without e-mail": (
        changed(
            "vcard:hasEmail <mailto:info@genomes.example.org> .",
            "vcard:hasURL <https://genomes.example.org> .",
        ),
        {
            (DATASET, DCAT.contactPoint),
            (DATASET, DCT.publisher),
            (REGISTRY, DCAT.contactPoint),
            (HELPDESK, VCARD.hasEmail),
        },
    ),
    "e-mail address that is not a mailto: link": (
        changed("<mailto:info@genomes.example.org>", "<https://genomes.example.org/contact>"),
        {
            (DATASET, DCAT.contactPoint),
            (DATASET, DCT.publisher),
            (REGISTRY, DCAT.contactPoint),
            (HELPDESK, VCARD.hasEmail),
        },
    ),
    "contact point without formatted name": (
        changed('vcard:fn "GoE - BE" ;', ""),
        {
            (DATASET, DCAT.contactPoint),
            (DATASET, DCT.publisher),
            (REGISTRY, DCAT.contactPoint),
            (HELPDESK, VCARD.fn),
        },
    ),
    "health category outside the GDI list": (
        changed(
            "<http://data.gdi.eu/core/p2/HealthCategoryHumanGenomic>", "<https://example.org/registries>"
        ),
        {(DATASET, HEALTH.healthCategory)},
    ),
    "conforms to another standard": (
        changed(
            "dct:creator ex:lab ;", "dct:creator ex:lab ; dct:conformsTo <https://example.org/standard> ;"
        ),
        {(DATASET, DCT.conformsTo)},
    ),
    "type other than synthetic data": (
        changed(f"{EU}dataset-type/SYNTHETIC_DATA", f"{EU}dataset-type/STATISTICAL"),
        {(DATASET, DCT.type)},
    ),
    "two English titles": (
        changed(
            '"Synthetic genomes of Flanders"@en', '"Synthetic genomes of Flanders"@en, "Flemish genomes"@en'
        ),
        {(DATASET, DCT.title)},
    ),
    "distribution as a blank node": (
        changed("dcat:distribution ex:access .\n\nex:access a", "dcat:distribution _:access .\n\n_:access a"),
        {(DATASET, DCAT.distribution)},
    ),
    "distribution without title": (changed('dct:title "Beacon"@en ;', ""), {(DISTRIBUTION, DCT.title)}),
    "distribution status outside the GDI list": (
        changed(f"{EU}distribution-status/COMPLETED", f"{EU}distribution-status/HISTORICAL_ARCHIVE"),
        {(DISTRIBUTION, ADMS.status)},
    ),
    "legal basis as text": (
        changed("<https://w3id.org/dpv#Consent>", '"consent"'),
        {(DATASET, DPV.hasLegalBasis)},
    ),
}

#: where we differ from the official shapes on purpose (see the header of shapes/gdi.ttl)
DELIBERATE = {
    "applicable legislation without the EHDS": (
        changed(
            f"dcatap:applicableLegislation <{EHDS}> ;\n    healthdcatap:healthCategory",
            "dcatap:applicableLegislation <http://data.europa.eu/eli/reg/2016/679/oj> ;\n    healthdcatap:healthCategory",
        ),
        {(DATASET, DCATAP.applicableLegislation)},
    ),
}


@pytest.mark.parametrize("case", [*CASES, *DELIBERATE])
def test_hand_written_record(case):
    turtle, expected = {**CASES, **DELIBERATE}[case]
    assert violations(turtle) == expected


def test_complete_dataset_has_no_warning_either():
    results = agreement.run(data(COMPLETE), profile_graph())
    assert [r for r in results if r.severity in (VIOLATION, WARNING)] == []


def test_the_eur_lex_form_of_the_ehds_eli_is_accepted():
    turtle = changed(
        f"dcatap:applicableLegislation <{EHDS}> ;\n    healthdcatap",
        "dcatap:applicableLegislation <https://eur-lex.europa.eu/eli/reg/2025/327/oj> ;\n    healthdcatap",
    )
    assert violations(turtle) == set()


def _official_verdict(graph: rdflib.Graph) -> tuple[set, set]:
    ours, theirs = agreement.PROFILES["gdi"]
    rejected = {
        layer: {
            r.focus
            for r in agreement.violations(agreement.run(graph, agreement.layer_graph(layer)))
            if layer in ours or not agreement.SET_ASIDE[layer](r, graph)
        }
        for layer in ours + theirs
    }
    return set().union(*(rejected[la] for la in ours)), set().union(*(rejected[la] for la in theirs))


@pytest.mark.parametrize("case", CASES)
def test_hand_written_record_gets_the_official_verdict(case):
    """The same focus nodes rejected as by the official shapes (rule-level differences set aside)."""
    if not agreement.corpus_present():
        pytest.skip(f"no shared corpus at {agreement.CORPUS}")
    ours, theirs = _official_verdict(data(CASES[case][0]))
    assert ours == theirs


@pytest.mark.parametrize("case", DELIBERATE)
def test_deliberate_differences_are_ours_only(case):
    if not agreement.corpus_present():
        pytest.skip(f"no shared corpus at {agreement.CORPUS}")
    ours, theirs = _official_verdict(data(DELIBERATE[case][0]))
    assert theirs < ours


# ---------------------------------------------------------------------------
# 3. The GDI shapes as published, loaded tolerantly
# ---------------------------------------------------------------------------


def test_the_published_gdi_shapes_load_tolerantly_with_their_problems_named():
    pieces = sorted((agreement.OFFICIAL / "gdi-metadata" / "PiecesShape").glob("*.ttl"))
    if not pieces:
        pytest.skip(f"no shared corpus at {agreement.CORPUS}")
    with pytest.raises(ShapesError, match="Identifier.ttl"):
        load_shapes(pieces)
    graph, problems = load_shapes(pieces, tolerant=True)
    assert len(problems) == 2, problems
    unparsable, dangling = problems
    assert "Identifier.ttl" in unparsable and "does not parse" in unparsable and "foaf" in unparsable
    assert "Dataset.ttl" in dangling and "DatasetShape#other-identifier" in dangling
    assert "IdentifierShape" in dangling and "left out" in dangling
    # what is left runs: a dataset with an adms:identifier no longer reaches the missing shape
    record = data(COMPLETE + "ex:dataset <http://www.w3.org/ns/adms#identifier> [ ] .")
    conforms, _, _ = validate(record, shacl_graph=graph, inference="none")
    assert isinstance(conforms, bool)


# ---------------------------------------------------------------------------
# 4. Agreement with the official shapes on the corpus
# ---------------------------------------------------------------------------
#
# Official side: DCAT-AP 3.0.0 SHACL, HealthDCAT-AP Release 5 (with the DCAT-AP
# module it imports), then the GDI pieces (Identifier.ttl with the foaf: prefix
# it forgets to declare, so that the shape Dataset.ttl points at exists).
# Rule-level differences: tests/shape_agreement.py, SET_ASIDE (rules a-h).
#
# File-level differences (path under corpus/examples -> why); each one is a
# record we reject and the official shapes accept.

_CONTACT_SUBCLASS = (
    "a contact point typed only vcard:Organization or vcard:Individual has no e-mail "
    "address as a mailto: IRI (text instead, or nothing); our contact point shapes also "
    "apply to those subclasses of vcard:Kind, the official ones only to vcard:Kind (no inference)"
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


def test_verdicts_agree_with_the_official_gdi_shapes():
    """Same rejected focus nodes per file, except KNOWN_DIFFERENCES (about 10 s beyond healthdcat-ap's)."""
    if not agreement.corpus_present():
        pytest.skip(f"no shared corpus at {agreement.CORPUS}")
    comparison = agreement.compare("gdi")
    assert len(comparison.compared) > 100, f"only {len(comparison.compared)} example files could be read"
    unexpected = comparison.unexpected(KNOWN_DIFFERENCES)
    assert not unexpected, json.dumps(unexpected, indent=2)
    laxer = {f: d for f, d in comparison.differences.items() if d["only official"]}
    assert not laxer, json.dumps(laxer, indent=2)
    stale = comparison.stale(KNOWN_DIFFERENCES)
    assert not stale, f"no longer different, remove from KNOWN_DIFFERENCES: {stale}"
