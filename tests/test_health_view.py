"""The HealthDCAT-AP facts of a dataset, as nodes really write them, and their place in the API."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from catalogue.views import dataset_view
from catalogue.views.health import whole_number
from catalogue.web import create_app

PREFIXES = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dpv: <https://w3id.org/dpv#> .
@prefix hd: <http://healthdataportal.eu/ns/health#> .
@prefix ex: <https://node.example/> .
"""

FULL = (
    PREFIXES
    + """
ex:ds a dcat:Dataset ; dct:title "Borstkankercohort"@nl ; dct:description "Cohort."@nl ;
  hd:numberOfUniqueIndividuals "12 400" ; hd:numberOfRecords "50000"^^xsd:nonNegativeInteger ;
  hd:minTypicalAge "80"^^xsd:integer ; hd:maxTypicalAge "18"^^xsd:integer ;
  hd:populationCoverage "Vrouwen in Vlaanderen"@nl ;
  hd:healthCategory <http://healthdata.ec.europa.eu/authority/health-category/GENOMIC> ;
  hd:healthTheme <http://www.wikidata.org/entity/Q128581> ;
  hd:hasCodingSystem <http://www.wikidata.org/entity/Q45127> ;
  hd:hasCodeValues
    [ a skos:Concept ; skos:inScheme <http://www.wikidata.org/entity/Q45127> ;
      dct:identifier "ICD-10:C50.9"^^xsd:anyURI ; skos:prefLabel "Borstkanker"@nl ],
    [ a skos:Concept ; skos:inScheme <http://www.wikidata.org/entity/Q192093> ; skos:notation "L02BA01" ],
    <http://id.who.int/icd/release/10/C50.4>, <http://snomed.info/id/254837009>, "ORPHA:558" ;
  dpv:hasLegalBasis <https://w3id.org/dpv/dpv-gdpr#A9-2-j> ; dpv:hasPurpose <https://w3id.org/dpv#ScientificResearch> ;
  dpv:hasPersonalData <https://w3id.org/dpv/dpv-pd#Genetic> ;
  dct:type <http://publications.europa.eu/resource/authority/dataset-type/PERSONAL_DATA> ;
  hd:hdab [ a foaf:Agent ; foaf:name "Health Data Agency"@en ; foaf:homepage <https://hdab.example/> ] ;
  hd:retentionPeriod [ a dct:PeriodOfTime ; dcat:startDate "2024-01-01"^^xsd:date ; dcat:endDate "2034-12-31"^^xsd:date ] .
"""
)


def view_of(document: str, uri: str = "https://node.example/ds"):
    triples = [quad.triple for quad in ox.parse(document.encode(), format=ox.RdfFormat.TURTLE)]
    return dataset_view(triples, uri)


def test_every_health_fact_is_read() -> None:
    view = view_of(FULL)
    health = view.health
    assert (health.individuals, health.records) == (12_400, 50_000)
    assert (health.age_min, health.age_max) == (18, 80)  # given the wrong way round
    assert health.population_coverage == {"nl": ["Vrouwen in Vlaanderen"]}
    assert health.health_categories == ["http://healthdata.ec.europa.eu/authority/health-category/GENOMIC"]
    assert health.health_themes == ["http://www.wikidata.org/entity/Q128581"]
    assert health.coding_systems == ["http://www.wikidata.org/entity/Q45127"]
    assert [code.id for code in health.codes] == [
        "atc:L02BA01",
        "icd10:C50.4",
        "icd10:C50.9",
        "orpha:558",
        "snomedct:254837009",
    ]
    labelled = next(code for code in health.codes if code.id == "icd10:C50.9")
    assert labelled.labels == {"nl": ["Borstkanker"]}
    assert health.legal_basis == ["https://w3id.org/dpv/dpv-gdpr#A9-2-j"]
    assert health.purposes == ["https://w3id.org/dpv#ScientificResearch"]
    assert health.personal_data == ["https://w3id.org/dpv/dpv-pd#Genetic"]
    assert health.dataset_types == [
        "http://publications.europa.eu/resource/authority/dataset-type/PERSONAL_DATA"
    ]
    assert view.hdab is not None and view.hdab.name == {"en": ["Health Data Agency"]}
    assert view.retention is not None and (view.retention.start, view.retention.end) == (
        "2024-01-01",
        "2034-12-31",
    )
    assert health


def test_a_dataset_without_health_facts_has_none() -> None:
    view = view_of(PREFIXES + 'ex:ds a dcat:Dataset ; dct:title "Plain"@en .')
    assert not view.health
    assert view.health.codes == [] and view.health.individuals is None
    assert view.hdab is None and view.retention is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("1200", 1200), ("1 200", 1200), ("1,200", 1200), ("1.200.000", 1_200_000), ("42.0", 42), ("+7", 7)],
)
def test_counts_as_nodes_write_them(text: str, number: int) -> None:
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["", "many", "-5", "1.5", "12e3", "1,2"])
def test_what_is_no_count_is_left_out(text: str) -> None:
    assert whole_number(text) is None


def test_unreadable_and_absurd_counts_are_left_out_not_guessed() -> None:
    view = view_of(
        PREFIXES
        + """ex:ds a dcat:Dataset ; hd:numberOfRecords "about a thousand" ;
        hd:numberOfUniqueIndividuals "99999999999999999999" ; hd:minTypicalAge "-3" ; hd:maxTypicalAge "400" ."""
    )
    assert view.health.records is None and view.health.individuals is None
    assert view.health.age_min is None and view.health.age_max is None


def test_corpus_health_example_reads(corpus: Path) -> None:
    path = corpus / "examples" / "mvd-health-demo" / "health-catalog.ttl"
    if not path.exists():
        pytest.skip("no health example in the corpus")
    triples = [quad.triple for quad in ox.parse(path=path, format=ox.RdfFormat.TURTLE)]
    datasets = {
        t.subject.value
        for t in triples
        if t.predicate.value.endswith("#type") and t.object.value == "http://www.w3.org/ns/dcat#Dataset"
    }
    views = [dataset_view(triples, uri) for uri in sorted(datasets)]
    with_codes = [view for view in views if view.health.codes]
    assert with_codes, "the corpus example codes its datasets"
    assert all(":" in code.id for view in with_codes for code in view.health.codes)
    assert any(view.health.individuals for view in views)


DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix hd: <http://healthdataportal.eu/ns/health#> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:ds .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
ex:ds a dcat:Dataset ; dct:title "Breast cancer cohort"@en ; dct:description "Women."@en ; dct:publisher ex:org ;
   hd:numberOfUniqueIndividuals "300" ; hd:minTypicalAge "40" ; hd:maxTypicalAge "70" ;
   hd:hasCodeValues [ a skos:Concept ; dct:identifier "ICD-10:C50.9" ; skos:prefLabel "Breast"@en ],
     [ a skos:Concept ; skos:notation "A10BA02" ; skos:prefLabel "Metformin"@en ;
       skos:inScheme <http://www.wikidata.org/entity/Q192093> ] ;
   hd:hdab [ a foaf:Agent ; foaf:name "Access body"@en ] .
"""


def test_api_gives_the_health_facts_of_a_dataset_and_of_each_hit(harvested) -> None:
    backends, _, _ = harvested(DOC)
    with TestClient(create_app(backends)) as client:
        hit = client.get("/api/search", params={"q": "cohort"}).json()["results"][0]
        assert hit["health"]["individuals"] == 300
        # blank-node concepts are given IRIs of ours when stored: they are no codes' IRIs
        assert [(code["id"], code["iri"]) for code in hit["health"]["codes"]] == [
            ("atc:A10BA02", None),
            ("icd10:C50.9", None),
        ]
        health = client.get(f"/api/datasets/{hit['id']}").json()["health"]
    assert (health["age_min"], health["age_max"]) == (40, 70)
    assert health["hdab"]["name"] == {"en": ["Access body"]}
    assert health["retention"] is None


NODE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix hd: <http://healthdataportal.eu/ns/health#> .
@prefix ex: <https://node.example/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:fi, ex:be, ex:plain .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
ex:fi a dcat:Dataset ; dct:title "Rintasyöpäkohortti"@fi ; dct:description "Naisia."@fi ;
   dct:spatial country:FIN ; dcat:keyword "Genomik"@de ;
   dct:publisher [ a foaf:Agent ; foaf:name "Biobanken Nord"@de ] ;
   dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2010-01-01"^^xsd:date ; dcat:endDate "2015-12-31"^^xsd:date ] ;
   hd:numberOfUniqueIndividuals "1200" ; hd:minTypicalAge "40" ; hd:maxTypicalAge "70" ;
   hd:healthCategory <http://healthdata.ec.europa.eu/authority/health-category/GENOMIC> ;
   hd:hasCodeValues [ a skos:Concept ; dct:identifier "ICD-10:C50.4" ; skos:prefLabel "C50.4"@en ] .
ex:be a dcat:Dataset ; dct:title "Diabetes registry"@en ; dct:description "Adults."@en ; dcat:keyword "genomik"@de ;
   dct:publisher [ a foaf:Agent ; foaf:name "Biobanken Nord"@de ] ;
   hd:numberOfUniqueIndividuals "90000" ; hd:minTypicalAge "18" ;
   hd:hasCodeValues <http://www.whocc.no/atc_ddd_index/?code=A10BA02> .
ex:plain a dcat:Dataset ; dct:title "Weather"@en ; dct:description "Rain."@en ; dct:publisher ex:org ;
   dcat:keyword "GENOMIK"@de .
"""


@pytest.fixture
def node(harvested):
    backends, _, _ = harvested(NODE)
    with TestClient(create_app(backends)) as client:
        yield client


def titles(client: TestClient, **params) -> list[str]:
    answer = client.get("/api/search", params=params)
    assert answer.status_code == 200, answer.text
    return sorted(result["title"] for result in answer.json()["results"])


def test_api_filters_by_code_with_its_hierarchy_country_ages_and_counts(node: TestClient) -> None:
    assert titles(node, code="ICD-10:C50") == ["Rintasyöpäkohortti"]
    assert titles(node, code="http://id.who.int/icd/release/10/C00-C97") == ["Rintasyöpäkohortti"]
    assert titles(node, code="ATC:A10") == ["Diabetes registry"]
    assert titles(node, q="breast") == ["Rintasyöpäkohortti"]  # by the label of its code's category
    # and by its words in other languages (catalogue/vocabularies/medical-terms.tsv)
    for query in ("breast cancer", "borstkanker", "Brustkrebs", "cancer du sein", "bröstcancer"):
        assert titles(node, q=query) == ["Rintasyöpäkohortti"], query
    assert titles(node, q="Zuckerkrankheit") == ["Diabetes registry"]  # coded E11.9 (ICD-10-GM)
    # the node is Belgian: records naming no country of their own are Belgian
    assert titles(node, country="BE") == ["Diabetes registry", "Weather"]
    assert titles(node, country="FIN") == ["Rintasyöpäkohortti"]
    assert titles(node, age_min=75) == ["Diabetes registry"]  # 18 and over, no upper age given
    assert titles(node, age_max=17) == []
    assert titles(node, individuals_min=5000) == ["Diabetes registry"]
    assert titles(node, temporal_from="2014", temporal_to="2014-06") == ["Rintasyöpäkohortti"]
    assert titles(
        node, health_category="http://healthdata.ec.europa.eu/authority/health-category/GENOMIC"
    ) == ["Rintasyöpäkohortti"]


def test_facets_key_by_identity_and_label_in_the_visitors_language(node: TestClient) -> None:
    facets = node.get("/api/search", params={"lang": "de"}).json()["facets"]
    assert {(f["label"], f["count"]) for f in facets["country"]} == {("Belgien", 2), ("Finnland", 1)}
    # one organisation described by a blank node in two records is one entry
    publishers = {f["label"]: f["count"] for f in facets["publisher"]}
    assert publishers["Biobanken Nord"] == 2
    assert [(f["value"], f["label"], f["count"]) for f in facets["keyword"]] == [
        ("genomik", "Genomik", 3)
    ] or [(f["value"], f["count"]) for f in facets["keyword"]] == [("genomik", 3)]
    codes = {f["value"]: f["label"] for f in facets["code"]}
    assert codes["icd10:C50.4"].startswith("icd10:C50.4 ") and "atc:A10BA02" in codes
    blank = next(f["value"] for f in facets["publisher"] if f["label"] == "Biobanken Nord")
    assert titles(node, publisher=blank) == ["Diabetes registry", "Rintasyöpäkohortti"]


def test_pages_and_feed_take_the_same_filters(node: TestClient) -> None:
    page = node.get("/datasets", params={"code": "ICD-10:C50", "age_min": 30})
    assert page.status_code == 200 and "Rintasyöpäkohortti" in page.text and "Weather" not in page.text
    feed = node.get("/catalog", params={"code": "ATC:A10"}, headers={"Accept": "application/n-triples"})
    assert feed.status_code == 200
    assert "<https://node.example/be>" in feed.text and "<https://node.example/fi>" not in feed.text
    # the feed's paging links keep the filters
    assert "code=atc%3AA10" in feed.text


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"age_min": -1}, "age_min"),
        ({"age_min": "old"}, "age_min"),
        ({"age_min": 60, "age_max": 20}, "age_min"),
        ({"individuals_min": "1e9"}, "individuals_min"),
        ({"code": "breast cancer"}, "code"),
        ({"country": "Atlantis"}, "country"),
        ({"modified_from": "yesterday"}, "modified_from"),
        ({"temporal_to": "2020-13"}, "temporal_to"),
        ({"facet_size": 100_000}, "facet_size"),
        ({"sort": "nonsense"}, "sort"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(node: TestClient, params: dict, named: str) -> None:
    api = node.get("/api/search", params=params)
    assert api.status_code == 422 and named in api.text
    # the feed has no facets nor order: it ignores those two
    for path in ("/datasets",) if named in ("facet_size", "sort") else ("/datasets", "/catalog"):
        answer = node.get(path, params=params)
        assert answer.status_code == 400 and named in answer.text, (path, answer.text[:300])


def test_openapi_documents_every_filter(node: TestClient) -> None:
    from catalogue.index import FACETS

    operation = node.get("/openapi.json").json()["paths"]["/api/search"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    ranges = {f"{r}_{end}" for r in ("individuals", "records", "age") for end in ("min", "max")}
    dates = {f"{r}_{end}" for r in ("modified", "temporal") for end in ("from", "to")}
    assert set(FACETS) | ranges | dates | {"q", "facet_size", "page", "size", "sort", "quality_min"} <= names
