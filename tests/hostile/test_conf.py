"""Hostile input against what we mint: the feed's view IRI, skolem and record IRIs, the LDES, borrowing."""

from __future__ import annotations

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import DCTERMS

NODE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ;
    dct:license <https://licence.example/one>, <https://licence.example/two> ;
    dct:issued "yesterday", "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> ;
    dct:language "English" ; dct:spatial [ a dct:Location ] ;
    <http://data.europa.eu/r5r/applicableLegislation> "a string, not a legal resource" ;
    dcat:dataset ex:wgs .
ex:wgs a dcat:Dataset ; dct:title "WGS"@en ; dct:description "Genomes."@en ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://node.example/a> ] .
"""
BASE = "http://catalogue.test"


@pytest.fixture
def client(site) -> TestClient:
    return site(NODE)


@pytest.mark.parametrize(
    "query",
    ['?q="<script>"', "?q=%7B%7D%7C%5E%60%5C", "?page_size=1&page_size=2", "?source=%00", "?q=%E2%80%AE"],
)
def test_the_view_iri_is_valid_whatever_the_query(client: TestClient, query: str) -> None:
    """The page's view IRI is the URL fetched: re-encoded, so no request makes it an invalid IRI."""
    answer = client.get("/catalog" + query)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 200:
        graph = rdflib.Graph().parse(data=answer.content, format="turtle")
        view = graph.value(
            rdflib.URIRef(f"{BASE}/catalog"), rdflib.URIRef("http://www.w3.org/ns/hydra/core#view")
        )
        assert str(view).startswith(f"{BASE}/catalog?")


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/genid/..%2F..%2Fetc%2Fpasswd",
        "/.well-known/genid/%3Cscript%3E",
        "/.well-known/genid/" + "a" * 5000,
        "/.well-known/genid/x.ttl",
        "/records/..%2Fdatasets",
        "/records/%00",
        "/ldes/2026-13-45",
        "/ldes/..%2F..",
    ],
)
def test_what_we_mint_answers_404_not_500_to_names_it_never_minted(client: TestClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "text/turtle, application/trig"}).status_code == 404


@pytest.mark.parametrize("after", ["", "~", "\x00", "z" * 10000, "99999999T999999.999999Z~x", '<>"{}'])
def test_a_stream_page_takes_any_key(client: TestClient, after: str) -> None:
    """``after`` is a client's key: anything gives a page of the day or an empty one, never an error."""
    root = rdflib.Dataset()
    root.parse(data=client.get("/ldes").content, format="trig")
    day = next(str(o) for o in root.objects(None, rdflib.URIRef("https://w3id.org/tree#node")))
    answer = client.get(day.removeprefix(BASE), params={"after": after})
    assert answer.status_code == 200
    rdflib.Dataset().parse(data=answer.content, format="trig")


def test_a_sub_catalogue_borrows_only_what_conforms(client: TestClient) -> None:
    """Literals where DCAT-AP wants resources, blank nodes, a second licence, a non-date: the node's
    catalogue is rejected for them, and our sub-catalogue borrows nothing from a rejected catalogue."""
    statuses = {m.kind: m.status for m in client.app.state.backends.store.metas()}  # type: ignore[attr-defined]
    assert statuses["catalog"] == "rejected"
    graph = rdflib.Graph().parse(data=client.get("/catalog").content, format="turtle")
    sub = rdflib.URIRef(f"{BASE}/sources/be")
    for borrowed in (DCTERMS.license, DCTERMS.issued, DCTERMS.language, DCTERMS.spatial, DCTERMS.source):
        assert set(graph.objects(sub, borrowed)) == set()
    legislation = set(graph.objects(sub, rdflib.URIRef("http://data.europa.eu/r5r/applicableLegislation")))
    assert legislation == {rdflib.URIRef("http://data.europa.eu/eli/reg/2025/327/oj")}  # ours, not the string
