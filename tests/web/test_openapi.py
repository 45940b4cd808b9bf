"""/openapi.json describes what the JSON API really answers: each route's errors, in one shape.

Every /api operation in the document is called with bad input (a route
without a case here fails the test, so new routes get one), and each answer's
status must be listed for that operation, with a body of the documented schema.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from catalogue.config import Source
from catalogue.tokens import create_token
from catalogue.web import create_app

TURTLE = {"Content-Type": "text/turtle"}
#: (path template, method) → requests with bad input: (path, keyword arguments for httpx, token owner)
CASES: dict[tuple[str, str], list[tuple[str, dict[str, Any], str | None]]] = {
    ("/api/search", "get"): [
        ("/api/search", {"params": {"page": 0}}, None),
        ("/api/search", {"params": {"sort": "colour"}}, None),
        ("/api/search", {"params": {"page": 20_000}}, None),
    ],
    ("/api/datasets/{record_id}", "get"): [("/api/datasets/nothing-here", {}, None)],
    ("/api/sources/{name}/harvests", "get"): [
        ("/api/sources/zz/harvests", {}, None),
        ("/api/sources/be/harvests", {"params": {"limit": 0}}, None),
    ],
    ("/api/sources/{name}/harvests/{run_id}", "get"): [
        ("/api/sources/be/harvests/999999", {}, None),
        ("/api/sources/be/harvests/first", {}, None),
    ],
    ("/api/sources/{name}/records", "put"): [
        ("/api/sources/be/records", {"content": "x", "headers": TURTLE}, None),
        ("/api/sources/be/records", {"content": "x", "headers": TURTLE}, "nl"),
        ("/api/sources/zz/records", {"content": "x", "headers": TURTLE}, "be"),
        ("/api/sources/be/records", {"content": "<a> <b> .", "headers": TURTLE}, "be"),
        ("/api/sources/be/records", {"content": b"\x89PNG", "headers": {"Content-Type": "image/png"}}, "be"),
    ],
    ("/api/sources/{name}/records", "delete"): [
        ("/api/sources/be/records", {}, "be"),
        ("/api/sources/be/records", {"params": {"uri": "https://node.example/none"}}, None),
        ("/api/sources/be/records", {"params": {"uri": "https://node.example/none"}}, "be"),
    ],
    ("/api/quality/{name}", "get"): [("/api/quality/zz", {}, None)],
    ("/api/validate", "post"): [
        ("/api/validate", {"content": "", "headers": TURTLE}, None),
        ("/api/validate", {"content": "<a> <b", "headers": TURTLE}, None),
        ("/api/validate", {"params": {"format": "pdf"}}, None),
        ("/api/validate", {"headers": {"Accept": "application/pdf"}}, None),
        (
            "/api/validate",
            {"params": {"profile": "nope"}, "content": "<a> <b> <c> .", "headers": TURTLE},
            None,
        ),
        ("/api/validate", {"content": b"GIF89a", "headers": {"Content-Type": "image/gif"}}, None),
        ("/api/validate", {"params": {"url": "http://127.0.0.1/x.ttl"}}, None),
    ],
}
#: operations that take no input at all, so none can be bad
NO_INPUT = {("/api/sources", "get"), ("/api/quality", "get")}


@pytest.fixture
def api(tmp_path, open_catalogue, live_server):
    be, nl = (Source(name=n, title=n.upper(), url=str(tmp_path / f"{n}.ttl")) for n in ("be", "nl"))
    backends = open_catalogue(be, nl)
    server = live_server(create_app(backends))
    tokens = {name: create_token(backends.store, name, "test") for name in ("be", "nl")}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client, tokens


def test_every_api_error_is_documented_with_its_shape(api) -> None:
    client, tokens = api
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["ErrorBody"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    detail_schema = schemas["ErrorDetail"]
    operations = {
        (path, method): operation
        for path, methods in document["paths"].items()
        if path.startswith("/api/")
        for method, operation in methods.items()
    }
    assert set(operations) == set(CASES) | NO_INPUT, "a new /api route needs bad-input cases here"
    seen_statuses = set()
    for (template, method), cases in CASES.items():
        documented = operations[template, method]["responses"]
        for path, arguments, owner in cases:
            headers = dict(arguments.get("headers", {}))
            if owner:
                headers["Authorization"] = f"Bearer {tokens[owner]}"
            answer = client.request(method.upper(), path, **{**arguments, "headers": headers})
            status = str(answer.status_code)
            assert status in documented, (method, path, status, answer.text)
            assert answer.status_code >= 400, (method, path)
            schema = documented[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path)
            body = answer.json()["error"]
            assert isinstance(body["message"], str) and body["message"], (method, path)
            assert body["status"] == answer.status_code, (method, path)
            assert set(body) <= set(detail_schema["properties"]), (method, path, body)
            seen_statuses.add(answer.status_code)
    assert {400, 401, 403, 404, 406, 415, 422} <= seen_statuses
    busy = operations["/api/validate", "post"]["responses"]["503"]
    assert "Retry-After" in busy["headers"]
    assert (
        "WWW-Authenticate" in operations["/api/sources/{name}/records", "put"]["responses"]["401"]["headers"]
    )


def test_options_and_wrong_methods_name_every_method_of_the_path(api) -> None:
    client, _ = api
    options = client.options("/api/sources/be/records")
    assert options.status_code == 204
    assert options.headers["allow"] == "PUT, DELETE, OPTIONS"
    wrong = client.post("/api/sources/be/records")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "PUT, DELETE, OPTIONS"
    assert isinstance(wrong.json()["error"]["message"], str)


def test_a_refused_push_keeps_its_challenge(api) -> None:
    client, _ = api
    refused = client.put("/api/sources/be/records", content="x", headers=TURTLE)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == 'Bearer realm="catalogue"'


def test_invalid_parameters_answer_a_sentence_and_say_which(api) -> None:
    client, _ = api
    answer = client.get("/api/search", params={"quality_min": "lots"})
    assert answer.status_code == 422
    body = answer.json()["error"]
    assert body["status"] == 422 and body["message"].startswith("query.quality_min: ")
    assert body["errors"][0]["where"] == "query.quality_min"
