"""Hostile requests to /sparql at the protocol level, on a real server (127.0.0.1 only, bounded).

Each test here failed before its fix: a query with bytes that are not UTF-8 ran
with U+FFFD in their place; a second query quietly replaced the first; an
unknown ``format`` overrode a valid Accept; a graph that is not public was a
400 in FROM but an empty 200 as ``default-graph-uri``; the service description
named whatever host the request's Host header claimed.
"""

from __future__ import annotations

import time

import httpx
import pytest

from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:wgs, ex:broken .
ex:org a <http://xmlns.com/foaf/0.1/Agent> ; <http://xmlns.com/foaf/0.1/name> "Hospital"@en .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
SELECT = "SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"


@pytest.fixture
def site(harvested, live_server):
    """(the /sparql URL, the graph of the rejected record, the graph of the published one)."""
    backends, _, _ = harvested(DOC)
    app = create_app(backends)
    app.state.sparql.execute("ASK {}", deadline=time.monotonic() + 60)  # a worker, started once
    datasets = backends.store.metas(kind="dataset")
    graphs = {m.status: backends.store.record_graph(m.id).value for m in datasets}
    yield live_server(app).url + "/sparql", graphs["rejected"], graphs["published"]
    app.state.sparql.close()


def test_bytes_that_are_not_utf8_are_refused_wherever_they_come(site) -> None:
    endpoint, _, _ = site
    literal = b'SELECT ("caf\xe9" AS ?x) {}'  # Latin-1, not UTF-8
    encoded = "".join(f"%{byte:02X}" for byte in literal)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for response in (
        httpx.get(f"{endpoint}?query={encoded}"),
        httpx.post(endpoint, content=f"query={encoded}", headers=form),
        httpx.post(endpoint, content=literal, headers={"Content-Type": "application/sparql-query"}),
        httpx.get(f"{endpoint}?query=ASK%20%7B%7D&caf%E9=1"),  # in a parameter's name
        httpx.get(f"{endpoint}?query=ASK%20%7B%7D&default-graph-uri=%FF"),
    ):
        assert response.status_code == 400, response.text
        assert "not UTF-8" in response.text and "\ufffd" not in response.text
    utf16 = {"Content-Type": "application/sparql-query; charset=utf-16"}
    declared = httpx.post(endpoint, content="ASK {}".encode("utf-16-le"), headers=utf16)
    assert declared.status_code == 415 and "UTF-8" in declared.text


def test_a_second_query_is_refused_not_run_instead(site) -> None:
    endpoint, _, _ = site
    ask, drop = "ASK {}", SELECT
    for response in (
        httpx.get(endpoint, params=[("query", ask), ("query", drop)]),
        httpx.post(endpoint, params={"query": ask}, data={"query": drop}),
        httpx.post(endpoint, data={"query": [ask] * 200}),
    ):
        assert response.status_code == 400 and "exactly one query" in response.text


def test_format_values_do_not_override_a_valid_accept(site) -> None:
    endpoint, _, _ = site
    junk = [("format", f"junk{n}") for n in range(500)]
    response = httpx.get(endpoint, params=[("query", SELECT), *junk], headers={"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    unknown_only = httpx.post(endpoint, data={"query": SELECT, "format": "<script>"})
    assert unknown_only.status_code == 200 and "bindings" in unknown_only.json()["results"]


def test_a_hidden_graph_is_refused_however_it_is_named(site) -> None:
    endpoint, hidden, public = site
    for response in (
        httpx.get(endpoint, params={"query": f"SELECT * FROM <{hidden}> {{ ?s ?p ?o }}"}),
        httpx.get(endpoint, params={"query": SELECT, "default-graph-uri": hidden}),
        httpx.get(endpoint, params={"query": SELECT, "named-graph-uri": hidden}),
        httpx.post(endpoint, data={"query": SELECT, "default-graph-uri": [public, hidden]}),
    ):
        assert response.status_code == 400 and hidden in response.text, response.text
    # the protocol's public dataset replaces a FROM naming a hidden graph: nothing hidden is read
    overridden = httpx.get(
        endpoint,
        params={"query": f"SELECT ?d FROM <{hidden}> WHERE {{ ?d ?p ?o }}", "default-graph-uri": public},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert overridden.status_code == 200
    values = {row["d"]["value"] for row in overridden.json()["results"]["bindings"]}
    assert "https://node.example/broken" not in values and "https://node.example/wgs" in values


def test_the_host_header_does_not_name_the_endpoint(site) -> None:
    endpoint, _, _ = site
    for host in ("evil.example", "127.0.0.1:1", "x\u00e9.example"):
        response = httpx.get(
            endpoint, headers={"Host": host.encode("idna").decode(), "Accept": "text/turtle"}
        )
        assert response.status_code == 200
        assert b"<http://catalogue.test/sparql>" in response.content and b"evil" not in response.content
