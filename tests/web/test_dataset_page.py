"""The researcher's dataset page and /api/datasets/{id}: related datasets, downloads of the record."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html import unescape

import pytest
import rdflib
from fastapi.testclient import TestClient

from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix healthdcatap: <http://healthdataportal.eu/ns/health#> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:a, ex:b, ex:evil, ex:alone .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:a a dcat:Dataset ; dct:title "Cohort A"@en, "Cohorte A"@fr ; dct:description "A."@en ;
   dct:publisher ex:org ; dct:isVersionOf ex:b ;
   healthdcatap:numberOfUniqueIndividuals "12000"^^xsd:nonNegativeInteger ;
   healthdcatap:minTypicalAge 18 ; healthdcatap:maxTypicalAge 65 ;
   healthdcatap:hasCodeValues [ a skos:Concept ; dct:identifier "ICD-10:C50.9" ;
       skos:prefLabel "Breast cancer, unspecified"@en, "Cancer du sein"@fr ] ,
       <http://id.who.int/icd/release/10/E11> ;
   healthdcatap:hdab [ a foaf:Agent ; foaf:name "Health Data Access Body"@en ; foaf:mbox <mailto:hdab@node.example> ] ;
   dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://node.example/request/a> ] .
ex:b a dcat:Dataset ; dct:title "Cohort B"@en, "Cohorte B"@fr ; dct:description "B."@en .
ex:evil a dcat:Dataset ; dct:title "Evil </a><script>alert(1)</script>"@en ; dct:description "E."@en ;
   dct:publisher ex:org .
ex:alone a dcat:Dataset ; dct:title "Alone"@en ; dct:description "Nothing shared."@en .
"""


@pytest.fixture
def client(harvested) -> Iterator[TestClient]:
    backends, _, _ = harvested(DOC)
    with TestClient(create_app(backends)) as client:
        client.app.state.sparql.execute("ASK {}", deadline=time.monotonic() + 120)  # type: ignore[attr-defined]
        client.ids = {m.uri.rsplit("/", 1)[-1]: m.id for m in backends.store.metas()}  # type: ignore[attr-defined]
        yield client


def section(html: str, name: str) -> str:
    found = re.search(rf'<section class="{name}".*?</section>', html, re.DOTALL)
    assert found is not None, f"no {name} section"
    return found.group()


def test_page_opens_with_key_facts_and_request_access(client: TestClient) -> None:
    ids = client.ids  # type: ignore[attr-defined]
    html = client.get(f"/datasets/{ids['a']}", params={"lang": "fr"}).text
    facts = section(html, "key-facts")
    assert (
        html.index('class="key-facts"')
        < html.index('class="downloads"')
        < html.index("Toutes les propriétés")
    )
    assert '<a class="button" href="https://node.example/request/a">Demander l’accès</a>' in facts
    assert "12\u202f000" in facts and "18 – 65" in facts  # numbers as French writes them
    assert "Cancer du sein" in facts  # the node's own label, in the visitor's language
    assert "Type 2 diabetes mellitus" in facts  # a shipped ICD-10 label for a code given as an IRI
    assert "Health Data Access Body" in facts and "mailto:hdab@node.example" in facts
    assert "http://healthdataportal.eu/ns/health#" not in facts  # raw property IRIs only in the full list


def test_no_request_access_without_an_access_url_or_hdab(client: TestClient) -> None:
    html = client.get(f"/datasets/{client.ids['alone']}").text  # type: ignore[attr-defined]
    assert "Request access" not in html


def test_page_lists_related_datasets_by_reason(client: TestClient) -> None:
    ids = client.ids  # type: ignore[attr-defined]
    html = client.get(f"/datasets/{ids['a']}").text
    related = section(html, "related")
    versions = related.index("Versions")
    publisher = related.index("From the same publisher")
    assert versions < related.index(f'href="/datasets/{ids["b"]}"') < publisher
    assert publisher < related.index(f'href="/datasets/{ids["evil"]}"')
    assert "University Hospital" in related  # what the datasets share, by its label
    assert "<script>" not in related and "&lt;script&gt;" in related  # titles are escaped
    assert "Alone" not in related and f'href="/datasets/{ids["a"]}"' not in related


def test_page_without_relations_says_so(client: TestClient) -> None:
    html = client.get(f"/datasets/{client.ids['alone']}").text  # type: ignore[attr-defined]
    assert "No other published dataset is linked to this one." in section(html, "related")


def test_api_gives_related_with_reason_and_title_in_the_language(client: TestClient) -> None:
    ids = client.ids  # type: ignore[attr-defined]
    body = client.get(f"/api/datasets/{ids['a']}", params={"lang": "fr"}).json()
    by_id = {item["id"]: item for item in body["related"]}
    assert by_id[ids["b"]]["reason"] == "version"
    assert by_id[ids["b"]]["title"] == "Cohorte B"
    assert by_id[ids["b"]]["url"] == f"http://catalogue.test/datasets/{ids['b']}"
    assert by_id[ids["evil"]]["reason"] == "publisher"
    assert by_id[ids["evil"]]["via"] == "https://node.example/org"
    assert ids["alone"] not in by_id
    # and the other way round: b is a version of a
    back = client.get(f"/api/datasets/{ids['b']}").json()["related"]
    assert [(item["id"], item["reason"]) for item in back] == [(ids["a"], "version")]


@pytest.mark.parametrize(("label", "fmt"), [("Turtle", "turtle"), ("JSON-LD", "json-ld"), ("RDF/XML", "xml")])
def test_page_links_the_record_as_rdf(client: TestClient, label: str, fmt: str) -> None:
    record_id = client.ids["a"]  # type: ignore[attr-defined]
    downloads = section(client.get(f"/datasets/{record_id}").text, "downloads")
    href = unescape(re.search(rf'href="([^"]+)" download>{re.escape(label)}<', downloads).group(1))  # type: ignore[union-attr]
    assert href.startswith(f"/datasets/{record_id}.")
    answer = client.get(href)
    assert answer.status_code == 200
    graph = rdflib.Graph().parse(data=answer.content, format=fmt)
    assert (rdflib.URIRef("https://node.example/a"), None, None) in graph


def test_page_etag_changes_with_a_harvest_elsewhere(client: TestClient, harvested) -> None:
    """Related datasets come from other records: the weak ETag of the page follows the store's generation."""
    record_id = client.ids["a"]  # type: ignore[attr-defined]
    backends = client.app.state.backends  # type: ignore[attr-defined]
    first = client.get(f"/datasets/{record_id}").headers["etag"]
    from catalogue.harvest import harvest_source

    harvest_source(backends.settings.sources[0], backends, force=True)
    assert client.get(f"/datasets/{record_id}").headers["etag"] != first
