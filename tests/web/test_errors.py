"""One error shape per route family, pinned with real requests to the real app over HTTP.

/api/* answers JSON ``{"error": {"status", "message", …}}``; pages an HTML page;
/sparql and the RDF routes plain text (never an HTML page to an RDF client).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from catalogue.errors import CatalogueError
from catalogue.fetch import InputError
from catalogue.index import QueryError, SearchBackendError
from catalogue.parse import ParseError
from catalogue.sparql.service import Busy, SparqlError
from catalogue.store import RemoteStoreError, StoreLockedError
from catalogue.web import create_app
from catalogue.web.errors import family

NODE = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://node.example/ds1> a dcat:Dataset ; dct:title "One"@en ; dct:description "The first."@en .
"""
TURTLE = {"Accept": "text/turtle"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
TOO_BIG = b"x" * (1024 * 1024 + 1)  # [web] max_body_bytes is 1 MiB by default


@pytest.fixture
def client(harvested, live_server) -> Iterator[httpx.Client]:
    backends, _, _ = harvested(NODE)
    server = live_server(create_app(backends))
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def dataset_id(client: httpx.Client) -> str:
    return client.get("/api/search").json()["results"][0]["id"]


def test_api_errors_are_json_with_status_and_message(client: httpx.Client) -> None:
    cases = [
        ("GET", "/api/search?size=101", {}, None, 422),
        ("GET", "/api/search?quality_min=lots", {}, None, 422),
        ("GET", "/api/datasets/nope", {}, None, 404),
        ("GET", "/api/sources/nope/harvests", {}, None, 404),
        ("GET", "/api/no-such-route", {}, None, 404),
        ("POST", "/api/search", {}, None, 405),
        ("POST", "/api/search", {}, TOO_BIG, 413),
        ("POST", "/api/validate", {"Content-Type": "text/turtle"}, b"<a> <b> .", 400),
        ("POST", "/api/validate", {"Content-Type": "image/png"}, b"x", 415),
    ]
    for method, path, headers, body, status in cases:
        answer = client.request(method, path, headers=headers, content=body)
        assert answer.status_code == status, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/json", (method, path)
        error = answer.json()["error"]
        assert error["status"] == status and isinstance(error["message"], str) and error["message"]
        assert set(answer.json()) == {"error"}
    invalid = client.get("/api/search", params={"size": 101}).json()["error"]
    assert invalid["errors"][0]["where"] == "query.size" and "query.size" in invalid["message"]
    assert client.post("/api/search").headers["allow"].startswith("GET, HEAD")
    unreadable = client.post("/api/validate", content=b"<a> <b> .", headers={"Content-Type": "text/turtle"})
    assert unreadable.json()["error"]["line"] == 1 and unreadable.json()["error"]["column"]


def test_page_errors_are_html_pages(client: httpx.Client) -> None:
    cases = [
        ("GET", "/datasets?size=101", None, 400),
        ("GET", "/sources/nope", None, 404),
        ("GET", "/no-such-page", None, 404),
        ("POST", "/datasets", None, 405),
        ("POST", "/datasets", TOO_BIG, 413),
    ]
    for method, path, body, status in cases:
        answer = client.request(method, path, headers=BROWSER, content=body)
        assert answer.status_code == status, (method, path, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/html"), (method, path)
        assert "<html" in answer.text and str(status) in answer.text


def test_rdf_routes_never_answer_an_html_page(client: httpx.Client) -> None:
    known = dataset_id(client)
    cases = [
        ("GET", "/catalog?page_size=5000", TURTLE, 400),
        ("GET", "/catalog?page_size=5000", BROWSER, 400),
        ("GET", "/catalog", {"Accept": "image/png"}, 406),
        ("POST", "/catalog", TURTLE, 405),
        ("GET", "/datasets/nope.ttl", BROWSER, 404),
        ("GET", "/datasets/nope", TURTLE, 404),
        ("GET", f"/datasets/{known}", {"Accept": "image/png"}, 406),
        ("GET", "/records/nope", TURTLE, 404),
        ("GET", "/ldes/not-a-day", TURTLE, 404),
        ("GET", "/.well-known/genid/nope", TURTLE, 404),
    ]
    for method, path, headers, status in cases:
        answer = client.request(method, path, headers=headers)
        assert answer.status_code == status, (method, path, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/plain"), (method, path)
        assert "<html" not in answer.text and answer.text.strip(), (method, path)


def test_sparql_errors_are_plain_text(client: httpx.Client) -> None:
    cases = [
        ("GET", "/sparql?query=SELEC", {}, None, 400),
        ("PUT", "/sparql", {}, None, 405),
        ("POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL", 403),
        ("POST", "/sparql", {"Content-Type": "text/csv"}, b"x", 415),
    ]
    for method, path, headers, body, status in cases:
        answer = client.request(method, path, headers=headers, content=body)
        assert answer.status_code == status, (method, path, answer.text[:200])
        assert answer.headers["content-type"].startswith("text/plain"), (method, path)


def test_every_api_operation_documents_the_one_error_schema(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    reference = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "default" in responses, (method, path)
            for status, response in responses.items():
                if status[0] in "45" or status == "default":
                    assert response["content"]["application/json"]["schema"] == reference, (path, status)
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert {"status", "message"} <= set(detail["required"])


@pytest.mark.parametrize(
    ("path", "accept", "expected"),
    [
        ("/api/search", None, "api"),
        ("/sparql", "text/html", "sparql"),
        ("/catalog", "text/html", "rdf"),
        ("/catalog.ttl", None, "rdf"),
        ("/ldes/2026-01-01", None, "rdf"),
        ("/datasets/x.jsonld", "text/html", "rdf"),
        ("/datasets/x", "text/turtle", "rdf"),
        ("/datasets/x", "application/json", "rdf"),
        ("/datasets/x", None, "page"),
        ("/datasets/x", "*/*", "page"),
        ("/datasets", "text/html", "page"),
    ],
)
def test_family_of_a_request(path: str, accept: str | None, expected: str) -> None:
    assert family(path, accept) == expected


def test_domain_errors_share_one_base_with_a_status_and_details() -> None:
    parse = ParseError("be.ttl", "bad token", line=3, column=7)
    assert isinstance(parse, InputError) and isinstance(parse, CatalogueError)
    assert parse.http_status == 400 and parse.details() == {"line": 3, "column": 7}
    fetched = InputError("https://x/", "HTTP 500", source="be")
    assert fetched.details() == {"source": "be"} and str(fetched) == "source 'be': https://x/: HTTP 500"
    statuses = {
        SparqlError("x"): 400,
        Busy("x"): 503,
        QueryError("x"): 400,
        SearchBackendError("x"): 503,
        StoreLockedError("x"): 503,
        RemoteStoreError("x", 500): 502,
    }
    for error, status in statuses.items():
        assert isinstance(error, CatalogueError) and error.http_status == status, error
    assert RemoteStoreError("x", 500).status == 500  # the server's own status stays apart from ours
