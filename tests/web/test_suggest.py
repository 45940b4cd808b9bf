""" "Did you mean" in the JSON API and on /datasets, against a harvested catalogue."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
ex:a a dcat:Dataset ; dct:title "Childhood leukemia cohort"@en ; dct:description "Samples."@en ;
   dct:publisher ex:org .
ex:b a dcat:Dataset ; dct:title "Borstkanker bij vrouwen"@nl ; dct:description "Monsters."@nl ;
   dct:publisher ex:org .
"""


@pytest.fixture
def client(harvested):
    backends, _, _ = harvested(DOC)
    with TestClient(create_app(backends)) as client:
        yield client


def test_the_api_suggests_only_when_nothing_is_found(client: TestClient) -> None:
    missed = client.get("/api/search", params={"q": "leukemai"}).json()
    assert missed["total"] == 0 and missed["suggestion"] == "leukemia"
    assert client.get("/api/search", params={"q": "leukemia"}).json()["suggestion"] is None
    assert client.get("/api/search", params={"q": "zzzzzz"}).json()["suggestion"] is None


def test_the_datasets_page_links_to_the_suggestion(client: TestClient) -> None:
    page = client.get("/datasets", params={"q": "borstkankre"})
    assert 'Did you mean <a href="/datasets?q=borstkanker">borstkanker</a>?' in page.text
    # and the compound's parts find it across the language: the Dutch record for "kanker"
    assert "Borstkanker bij vrouwen" in client.get("/datasets", params={"q": "kanker"}).text
    assert "Did you mean" not in client.get("/datasets", params={"q": "kanker"}).text
