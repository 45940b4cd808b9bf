"""A search as SPARQL, and /api/search?where=: on a real harvested store, index and SPARQL endpoint."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from catalogue.index import SearchQuery
from catalogue.search_sparql import PatternError, check_where, search_as_sparql

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix healthdcatap: <http://healthdataportal.eu/ns/health#> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:g1, ex:g2, ex:c1, ex:c2, ex:other .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:lab a foaf:Agent ; foaf:name "Genome Lab"@en .
ex:g1 a dcat:Dataset ; dct:title "Genomes of Belgium"@en ; dct:description "Whole genomes."@en ;
   dcat:theme theme:HEAL ; dct:publisher ex:lab ; dcat:keyword "genomics"@en ;
   dct:modified "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .
ex:g2 a dcat:Dataset ; dct:title "Genomes of children"@en ; dct:description "Rare disease genomes."@en ;
   dcat:theme theme:HEAL, theme:TECH ; dct:publisher ex:org ; dcat:keyword "Genomics"@en ;
   dct:modified "2025-01-01"^^<http://www.w3.org/2001/XMLSchema#date> ;
   healthdcatap:numberOfUniqueIndividuals 1200 ; healthdcatap:minTypicalAge 0 ; healthdcatap:maxTypicalAge 17 ;
   healthdcatap:hasCodeValues [ a skos:Concept ; dct:identifier "ICD-10:C50.9" ; skos:prefLabel "Breast"@en ] .
ex:c1 a dcat:Dataset ; dct:title "Cancer registry"@en ; dct:description "Tumours."@en ;
   dcat:theme theme:HEAL ; dct:publisher ex:org ; healthdcatap:numberOfUniqueIndividuals 90000 ;
   healthdcatap:minTypicalAge 30 ; healthdcatap:maxTypicalAge 90 .
ex:c2 a dcat:Dataset ; dct:title "Cancer screening"@en ; dct:description "Screening."@en ;
   dcat:theme theme:SOCI ; dct:publisher ex:org .
ex:other a dcat:Dataset ; dct:title "Weather"@en ; dct:description "Rain."@en ; dct:publisher ex:lab .
"""
HEAL = "http://publications.europa.eu/resource/authority/data-theme/HEAL"
TECH = "http://publications.europa.eu/resource/authority/data-theme/TECH"
ORG = "https://node.example/org"


@pytest.fixture
def client(site) -> TestClient:
    client = site(DOC)
    client.app.state.sparql.execute("ASK {}", deadline=time.monotonic() + 120)  # type: ignore[attr-defined]
    return client


def search_uris(client: TestClient, params: list[tuple[str, str]]) -> tuple[set[str], dict]:
    body = client.get("/api/search", params=params + [("size", "100")]).json()
    return {item["uri"] for item in body["results"]}, body


def sparql_uris(client: TestClient, query: str) -> list[str]:
    answer = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return [row["dataset"]["value"] for row in answer.json()["results"]["bindings"]]


@pytest.mark.parametrize(
    "params",
    [
        [("theme", HEAL)],
        [("theme", HEAL), ("theme", TECH), ("publisher", ORG)],
        [("keyword", "genomics")],
        [("q", "genomes")],
        [("q", "cancer"), ("theme", HEAL)],
        [("source", "be"), ("sort", "modified")],
        [("quality_min", "0"), ("sort", "quality")],
        [("sort", "title")],
        [("individuals_min", "1000"), ("individuals_max", "5000")],
        [("age_min", "10"), ("age_max", "20")],
        [("age_min", "16")],
        [("code", "ICD-10:C50.9")],
        [("modified_from", "2024-06")],
    ],
)
def test_the_sparql_of_a_search_finds_what_it_finds(
    client: TestClient, params: list[tuple[str, str]]
) -> None:
    found, body = search_uris(client, params)
    assert found  # each case finds something: the comparison means something
    by_sparql = set(sparql_uris(client, body["sparql"]))
    if any(name == "q" for name, _ in params):
        # words: the SPARQL matches them as substrings of titles, descriptions and keywords; the index
        # also matches their other spellings and languages, publishers' names and the labels of codes
        # (g2, coded C50.9, is found by "cancer"): what the SPARQL finds, the search finds
        assert by_sparql and by_sparql <= found
    else:
        assert by_sparql == found


def test_the_sparql_keeps_the_order_and_the_page(client: TestClient) -> None:
    _, body = search_uris(client, [("sort", "modified"), ("theme", HEAL)])
    assert sparql_uris(client, body["sparql"])[:2] == ["https://node.example/g2", "https://node.example/g1"]
    paged = client.get("/api/search", params={"sort": "title", "size": 2, "page": 2}).json()
    assert "LIMIT 2 OFFSET 2" in paged["sparql"]
    assert sparql_uris(client, paged["sparql"]) == [item["uri"] for item in paged["results"]]


def test_datasets_page_links_its_search_to_the_sparql_page(client: TestClient) -> None:
    html = client.get("/datasets", params={"q": "cancer", "theme": HEAL}).text
    start = html.index('<p class="as-sparql"><a href="') + len('<p class="as-sparql"><a href="')
    href = html[start : html.index('"', start)].replace("&amp;", "&")
    assert urlsplit(href).path == "/sparql"
    query = parse_qs(urlsplit(href).query)["query"][0]
    assert sparql_uris(client, query) == ["https://node.example/c1"]
    page = client.get(href, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "c1" in page.text  # the SPARQL page, prefilled and answered


def test_where_restricts_hits_totals_and_facets(client: TestClient) -> None:
    where = f"{{ ?dataset dct:publisher <{ORG}> }}"
    found, body = search_uris(client, [("where", where), ("theme", HEAL)])
    assert found == {"https://node.example/g2", "https://node.example/c1"}
    assert body["total"] == 2
    themes = {facet["value"]: facet["count"] for facet in body["facets"]["theme"]}
    assert themes[HEAL] == 2 and themes.get(TECH) == 1
    assert where in body["sparql"] and set(sparql_uris(client, body["sparql"])) == found
    paged = client.get("/api/search", params={"where": where, "size": 1, "page": 3}).json()
    assert paged["total"] == 3 and len(paged["results"]) == 1


def test_where_with_words_and_a_graph_walk(client: TestClient) -> None:
    where = '{ ?dataset dct:publisher/foaf:name ?name FILTER(CONTAINS(?name, "Lab")) }'
    assert search_uris(client, [("where", where)])[0] == {
        "https://node.example/g1",
        "https://node.example/other",
    }
    found, _ = search_uris(client, [("where", where), ("q", "Belgium")])
    assert found == {"https://node.example/g1"}


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("", "empty"),
        ("?dataset a dcat:Dataset", "in braces"),
        ("{ ?d a dcat:Dataset }", "?dataset"),
        ("{ ?dataset a dcat:Dataset", "more braces"),
        ("{ ?dataset a dcat:Dataset } LIMIT 1", "goes on"),
        ("{ ?dataset nope:thing ?x }", "line 1, column 22: expected one of Prefix not found"),
        ("{ SERVICE <http://127.0.0.1:9/sparql> { ?dataset ?p ?o } }", "SERVICE"),
    ],
)
def test_a_bad_where_is_a_400_naming_the_problem(client: TestClient, where: str, problem: str) -> None:
    answer = client.get("/api/search", params={"where": where})
    assert answer.status_code == 400
    assert problem in answer.json()["error"]["message"]


def test_check_where_takes_braces_inside_strings_iris_and_comments() -> None:
    pattern = '{ ?dataset dct:title ?t FILTER(?t != "} }") # } }\n }'
    assert check_where(pattern) == pattern
    with pytest.raises(PatternError):
        check_where('{ ?dataset dct:title "a" } } UNION { ?dataset ?p ?o }')


def test_search_as_sparql_writes_values_as_terms() -> None:
    query = search_as_sparql(
        SearchQuery(text='a"b', filters={"keyword": ['x" } ; DROP ALL #'], "theme": ["not an iri"]}),
        "http://catalogue.test/graphs/provenance",
    )
    assert '"x\\" } ; DROP ALL #"' in query and '"a\\"b"' in query and '"not an iri"' in query
