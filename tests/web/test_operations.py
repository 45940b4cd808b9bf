"""/healthz, /readyz and /metrics over HTTP against a harvested catalogue."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://node.example/catalog> a dcat:Catalog ; dct:title "Node"@en ;
    dcat:dataset <https://node.example/wgs>, <https://node.example/broken> .
<https://node.example/wgs> a dcat:Dataset ; dct:title "Whole genomes"@en ; dct:description "Genomes."@en .
<https://node.example/broken> a dcat:Dataset ; dct:title "No description"@en .
"""


@pytest.fixture
def catalogue(harvested):
    backends, _, _ = harvested(DOC)
    return backends


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_healthz_and_readyz_answer_when_search_and_sparql_do(catalogue) -> None:
    with TestClient(create_app(catalogue)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")  # not ready while the SPARQL endpoint loads the catalogue
        for _ in range(60):
            if ready.status_code == 200:
                break
            time.sleep(1)
            ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"search": "ok", "sparql": "ok"}}


def test_metrics_count_requests_by_route_template_and_the_catalogue_by_status(catalogue) -> None:
    with TestClient(create_app(catalogue)) as client:
        for record in ("a", "b", "c"):
            client.get(f"/datasets/no-such-{record}")  # three raw paths, one route
        client.get("/api/search", params={"q": "genomes"})
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    values = samples(response.text)
    page = (("method", "GET"), ("route", "/datasets/{name}"), ("status", "4xx"))
    assert values[("catalogue_request_seconds_count", page)] == 3
    search = (("method", "GET"), ("route", "/api/search"), ("status", "2xx"))
    assert values[("catalogue_request_seconds_count", search)] == 1
    assert not any("no-such" in str(labels) for _, labels in values)
    assert (
        values[("catalogue_records", (("kind", "dataset"), ("source", "be"), ("status", "published")))] == 1
    )
    assert values[("catalogue_records", (("kind", "dataset"), ("source", "be"), ("status", "rejected")))] == 1
    assert values[("catalogue_harvest_runs", (("outcome", "complete"), ("source", "be")))] == 1
    assert values[("catalogue_disk_bytes", (("part", "store"),))] > 0
    assert values[("catalogue_disk_bytes", (("part", "index"),))] > 0
