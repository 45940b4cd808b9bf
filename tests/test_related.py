"""Related datasets through the graph, found by SPARQL on the public dataset of a real harvested store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalogue.related import PER_REASON, related_datasets, related_query
from catalogue.sparql.service import Limits, SparqlService

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix healthdcatap: <http://healthdataportal.eu/ns/health#> .
@prefix ex: <https://node.example/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:a, ex:b, ex:v2, ex:derived, ex:rel, ex:coded, ex:named, ex:alone, ex:other-org,
                ex:p1, ex:p2, ex:p3, ex:p4, ex:p5, ex:p6, ex:bad .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:series a dcat:DatasetSeries ; dct:title "Cohorts"@en ; dct:description "The cohorts."@en .
ex:a a dcat:Dataset ; dct:title "Cohort A"@en ; dct:description "A."@en ; dct:publisher ex:org ;
   dcat:inSeries ex:series ; dct:isVersionOf ex:v2 ; prov:wasDerivedFrom ex:derived ;
   healthdcatap:hasCodeValues <http://id.who.int/icd/release/10/C50> ,
       [ a skos:Concept ; dct:identifier "ICD-10:E11" ; skos:prefLabel "Type 2 diabetes"@en ] .
ex:b a dcat:Dataset ; dct:title "Cohort B"@en ; dct:description "B."@en ; dcat:inSeries ex:series ;
   dct:publisher [ a foaf:Agent ; foaf:name "Blank Institute" ] .
ex:v2 a dcat:Dataset ; dct:title "Cohort A, version 2"@en ; dct:description "V2."@en .
ex:derived a dcat:Dataset ; dct:title "Source of A"@en ; dct:description "D."@en .
ex:rel a dcat:Dataset ; dct:title "Related to A"@en ; dct:description "R."@en ; dct:relation ex:a .
ex:coded a dcat:Dataset ; dct:title "Coded like A"@en ; dct:description "C."@en ;
   healthdcatap:hasCodeValues <http://id.who.int/icd/release/10/C50> .
ex:named a dcat:Dataset ; dct:title "Coded by name like A"@en ; dct:description "N."@en ;
   healthdcatap:hasCodeValues [ a skos:Concept ; dct:identifier "ICD-10:E11" ; skos:prefLabel "Type 2 diabetes"@en ] .
ex:alone a dcat:Dataset ; dct:title "Alone"@en ; dct:description "Nothing shared."@en ;
   dct:publisher [ a foaf:Agent ; foaf:name "Blank Institute" ] .
ex:other-org a dcat:Dataset ; dct:title "Other"@en ; dct:description "O."@en ;
   dct:publisher [ a foaf:Agent ; foaf:name "Another Institute" ] .
ex:p1 a dcat:Dataset ; dct:title "P1"@en ; dct:description "P."@en ; dct:publisher ex:org .
ex:p2 a dcat:Dataset ; dct:title "P2"@en ; dct:description "P."@en ; dct:publisher ex:org .
ex:p3 a dcat:Dataset ; dct:title "P3"@en ; dct:description "P."@en ; dct:publisher ex:org .
ex:p4 a dcat:Dataset ; dct:title "P4"@en ; dct:description "P."@en ; dct:publisher ex:org .
ex:p5 a dcat:Dataset ; dct:title "P5"@en ; dct:description "P."@en ; dct:publisher ex:org .
ex:p6 a dcat:Dataset ; dct:title "P6"@en ; dct:description "P."@en ; dct:publisher ex:org .
ex:bad a dcat:Dataset ; dct:description "Rejected: no title, but in the series."@en ; dcat:inSeries ex:series ;
   dct:relation ex:a .
"""
EX = "https://node.example/"


@pytest.fixture
def catalogue(harvested) -> Iterator[tuple[SparqlService, str]]:
    backends, _, _ = harvested(DOC)
    service = SparqlService(backends.store, Limits(timeout=30))
    yield service, backends.store.provenance_graph().value
    service.close()


def reasons(service: SparqlService, provenance: str, name: str, per_reason: int = PER_REASON) -> dict:
    found = related_datasets(service, provenance, EX + name, per_reason, timeout=30)
    assert found is not None
    return {item.uri.removeprefix(EX): (item.reason, item.via) for item in found}


def test_each_reason_is_found_in_both_directions(catalogue) -> None:
    service, provenance = catalogue
    of_a = reasons(service, provenance, "a")
    assert of_a["b"] == ("series", EX + "series")
    assert of_a["v2"][0] == "version"
    assert of_a["derived"][0] == "derivation"
    assert of_a["rel"][0] == "relation"  # declared by the other dataset
    assert of_a["coded"] == ("code", "http://id.who.int/icd/release/10/C50")
    assert of_a["named"] == ("code", "ICD-10:E11")  # blank-node concepts matched by identifier
    assert of_a["p1"] == ("publisher", EX + "org")
    assert "a" not in of_a  # never itself
    assert "bad" not in of_a  # rejected: not published, not listed
    assert "alone" not in of_a and "other-org" not in of_a
    # the other way round
    assert reasons(service, provenance, "v2")["a"][0] == "version"
    assert reasons(service, provenance, "derived")["a"][0] == "derivation"
    assert reasons(service, provenance, "coded")["a"][0] == "code"


def test_blank_node_publishers_match_by_name_only(catalogue) -> None:
    service, provenance = catalogue
    of_b = reasons(service, provenance, "b")
    assert of_b["alone"] == ("publisher", "Blank Institute")
    assert "other-org" not in of_b


def test_each_reason_is_bounded_and_a_dataset_listed_once(catalogue) -> None:
    service, provenance = catalogue
    found = related_datasets(service, provenance, EX + "a", per_reason=2, timeout=30)
    assert found is not None
    by_reason: dict[str, int] = {}
    for item in found:
        by_reason[item.reason] = by_reason.get(item.reason, 0) + 1
    assert by_reason["publisher"] == 2  # six other datasets share the publisher
    assert len({item.uri for item in found}) == len(found)
    assert [item.reason for item in found] == sorted(
        (item.reason for item in found),
        key=["series", "version", "derivation", "relation", "code", "publisher"].index,
    )


def test_no_time_means_no_list_not_an_error(catalogue) -> None:
    service, provenance = catalogue
    assert related_datasets(service, provenance, EX + "a", timeout=0.0) is None


def test_the_dataset_iri_is_a_term_never_text() -> None:
    with pytest.raises(ValueError):
        related_query("https://x.example/> } ; DROP ALL ; <x:")
