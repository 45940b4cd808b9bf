""" "Did you mean" in the JSON API and on /datasets, against a harvested catalogue."""

from __future__ import annotations

import pytest
from conftest import NODE_HEAD
from fastapi.testclient import TestClient

DOC = (
    NODE_HEAD
    + """
ex:a a dcat:Dataset ; dct:title "Childhood leukemia cohort"@en ; dct:description "Samples."@en ;
   dct:publisher ex:org .
ex:b a dcat:Dataset ; dct:title "Borstkanker bij vrouwen"@nl ; dct:description "Monsters."@nl ;
   dct:publisher ex:org .
"""
)


@pytest.fixture
def client(site) -> TestClient:
    return site(DOC)


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
