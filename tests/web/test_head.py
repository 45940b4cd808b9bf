"""HEAD on every GET route, Allow on every 405, one negotiation on every RDF route: over real HTTP."""

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
   dcat:dataset ex:wgs .
ex:org a <http://xmlns.com/foaf/0.1/Agent> ; <http://xmlns.com/foaf/0.1/name> "Hospital"@en .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
"""
#: headers that differ between two answers of the same request
VOLATILE = {"date", "content-length", "x-request-id", "server-timing"}


@pytest.fixture
def site(harvested, live_server) -> tuple[str, str]:
    """(server URL, the dataset's record id)."""
    backends, _, _ = harvested(DOC)
    server = live_server(create_app(backends))
    record = next(m.id for m in backends.store.metas() if m.kind == "dataset")
    return server.url, record


PATHS = [
    ("/catalog", {}),
    ("/catalog.ttl", {}),
    ("/catalog", {"Accept": "application/ld+json"}),
    ("/dump.nq.gz", {}),
    ("/dump.ttl.gz", {}),
    ("/sparql", {"Accept": "text/turtle"}),
    ("/sparql?query=ASK%20%7B%7D", {}),
    ("/sparql", {"Accept": "text/html"}),
    ("/api/sources", {}),
    ("/api/search?q=genome", {}),
    ("/datasets", {}),
    ("/sources", {}),
    ("/healthz", {}),
    ("/robots.txt", {}),
]


def test_head_answers_as_get_without_a_body(site: tuple[str, str]) -> None:
    url, record = site
    for path, headers in [*PATHS, (f"/datasets/{record}", {}), (f"/datasets/{record}.ttl", {})]:
        get = httpx.get(url + path, headers=headers, timeout=30)
        head = httpx.head(url + path, headers=headers, timeout=30)
        assert head.status_code == get.status_code == 200, (path, head.status_code, get.text)
        assert head.content == b"", path
        same = {k: v for k, v in get.headers.items() if k not in VOLATILE}
        assert {k: v for k, v in head.headers.items() if k not in VOLATILE} == same, path


def test_head_of_a_dump_does_not_wait_for_the_whole_dump(site: tuple[str, str]) -> None:
    url, _ = site
    started = time.monotonic()
    head = httpx.head(url + "/dump.nq.gz", timeout=30)
    assert head.status_code == 200 and head.headers["content-type"] == "application/gzip"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("path", "method", "allow"),
    [
        ("/sparql", "PUT", "GET, HEAD, POST, OPTIONS"),
        ("/sparql", "DELETE", "GET, HEAD, POST, OPTIONS"),
        ("/catalog", "POST", "GET, HEAD, OPTIONS"),
        ("/catalog.ttl", "PUT", "GET, HEAD, OPTIONS"),
        ("/dump.nq.gz", "POST", "GET, HEAD, OPTIONS"),
        ("/api/sources", "DELETE", "GET, HEAD, OPTIONS"),
    ],
)
def test_every_405_lists_the_methods_that_work(
    site: tuple[str, str], path: str, method: str, allow: str
) -> None:
    url, _ = site
    response = httpx.request(method, url + path, timeout=30)
    assert response.status_code == 405 and response.headers["allow"] == allow
    for listed in allow.split(", "):
        if listed in ("GET", "HEAD", "OPTIONS"):
            assert httpx.request(listed, url + path, timeout=30).status_code in (200, 204), (path, listed)


def test_q_zero_refuses_a_format_on_every_rdf_route(site: tuple[str, str]) -> None:
    url, record = site
    refuse_turtle = {"Accept": "text/turtle;q=0, application/x-turtle;q=0, text/html;q=0, */*"}
    for path in ("/catalog", f"/datasets/{record}", "/sources/be", "/"):
        response = httpx.get(url + path, headers=refuse_turtle, timeout=30)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("application/ld+json"), path
    only_turtle_refused = httpx.get(url + "/catalog", headers={"Accept": "text/turtle;q=0, */*"}, timeout=30)
    assert not only_turtle_refused.headers["content-type"].startswith("text/turtle")
    assert httpx.get(url + "/catalog", headers={"Accept": "text/turtle;q=0"}, timeout=30).status_code == 406


def test_application_json_is_json_ld_on_every_rdf_route(site: tuple[str, str]) -> None:
    url, record = site
    for path in ("/catalog", f"/datasets/{record}", "/sources/be", "/"):
        response = httpx.get(url + path, headers={"Accept": "application/json"}, timeout=30)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("application/ld+json"), path
        assert response.json(), path
