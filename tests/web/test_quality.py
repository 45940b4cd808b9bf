"""Quality over HTTP: scores in search and on pages, dashboards, DQV in SPARQL, URL checks."""

from __future__ import annotations

import csv
import io
import ipaddress
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from catalogue.config import Source
from catalogue.harvest import harvest_source
from catalogue.public_fetch import AddressPolicy
from catalogue.reachability import UrlChecker
from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
ex:rich a dcat:Dataset ; dct:title "Rich cohort"@en ; dct:description "Well described."@en ;
  dcat:keyword "cohort"@en ; dcat:theme <http://publications.europa.eu/resource/authority/data-theme/HEAL> ;
  dcat:distribution ex:rich-csv .
ex:rich-csv a dcat:Distribution ; dcat:accessURL <{server}/ok> ; dcat:downloadURL <{server}/missing> ;
  dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> .
ex:poor a dcat:Dataset ; dct:title "Poor cohort"@en ; dct:description "Barely described."@en .
"""
LOOPBACK = AddressPolicy(allowed=(ipaddress.ip_network("127.0.0.0/8"),))


@pytest.fixture
def catalogue(tmp_path, feed_server, open_catalogue, live_server):
    (feed_server.root / "ok").write_text("data")
    (tmp_path / "be.ttl").write_text(DOC.replace("{server}", feed_server.url))
    source = Source(name="be", title="Belgian node", url=str(tmp_path / "be.ttl"))
    backends = open_catalogue(source)
    assert harvest_source(source, backends).run.outcome == "ok"
    server = live_server(create_app(backends))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield backends, client


def scores(client: httpx.Client, **params) -> dict[str, int]:
    body = client.get("/api/search", params=params).json()
    return {hit["title"]: hit["quality"]["score"] for hit in body["results"]}


def test_search_sorts_and_filters_by_quality(catalogue) -> None:
    _, client = catalogue
    ranked = scores(client, sort="quality")
    assert list(ranked) == ["Rich cohort", "Poor cohort"] and ranked["Rich cohort"] > ranked["Poor cohort"]
    assert list(scores(client, quality_min=ranked["Rich cohort"])) == ["Rich cohort"]
    assert client.get("/api/search", params={"quality_min": 999}).status_code == 422
    page = client.get("/datasets", params={"sort": "quality"}).text
    # the quality rating is on each result; the validation badge is for stewards (/sources, /quality), not here
    assert 'class="badge quality-' in page and 'class="badge ok"' not in page


def test_url_checks_raise_the_accessibility_points(catalogue) -> None:
    backends, client = catalogue
    before = scores(client)["Rich cohort"]
    refused = UrlChecker(backends, per_host_seconds=0)  # the default: public addresses only
    assert refused.check_due() == 2
    assert scores(client)["Rich cohort"] == before
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    checks = backends.store.url_states(backends.store.urls_due(10, tomorrow))
    assert set(checks.values()) == {False}  # recorded as failed: 127.0.0.1 is not public
    checker = UrlChecker(backends, per_host_seconds=0, policy=LOOPBACK, recheck_after=timedelta(0))
    assert checker.check_due() == 2
    after = scores(client)["Rich cohort"]
    assert after == before + 50  # the access URL answers (50); the download URL is a 404 (0)
    rich = next(m for m in backends.store.metas("be") if m.title == "Rich cohort")
    page = client.get(f"/datasets/{rich.id}").text
    assert "Metadata quality: " in page and "Access URL answers" in page


def test_scores_are_dqv_measurements_in_sparql(catalogue) -> None:
    _, client = catalogue
    query = """PREFIX dqv: <http://www.w3.org/ns/dqv#>
    SELECT ?dataset ?value WHERE { GRAPH ?g { ?m dqv:computedOn ?dataset ; dqv:value ?value ;
      dqv:isMeasurementOf <https://w3id.org/catalogue/ns#qualityScore> } } ORDER BY DESC(?value)"""
    rows = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    bindings = rows.json()["results"]["bindings"]
    assert [b["dataset"]["value"] for b in bindings] == [
        "https://node.example/rich",
        "https://node.example/poor",
    ]


def test_dashboards_in_html_json_and_csv(catalogue) -> None:
    _, client = catalogue
    overview = client.get("/quality")
    assert overview.status_code == 200 and "<svg" in overview.text and "Belgian node" in overview.text
    node = client.get("/quality/be")
    assert "What to fix first" in node.text and "Poor cohort" in node.text and "<svg" in node.text
    data = client.get("/api/quality/be").json()
    assert data["datasets"] == 2 and data["fix_first"][0]["points_lost"] > 0
    assert [w["title"] for w in data["worst"]] == ["Poor cohort", "Rich cohort"]
    assert len(data["trend"]) == 1
    rows = list(csv.reader(io.StringIO(client.get("/quality/be.csv").text)))
    assert rows[0][:4] == ["id", "title", "status", "total"] and len(rows) == 3
    nodes = list(csv.reader(io.StringIO(client.get("/quality.csv").text)))
    assert nodes[1][:2] == ["be", "2"]
    assert client.get("/quality/zz").status_code == 404
