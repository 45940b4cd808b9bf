"""Hostile input against what the tidy-up merged: one header middleware, one guard for ``where=``, /ldes HEAD.

On a real server on 127.0.0.1, bounded in count and time. ``where=`` has no
keyword pre-check any more: updates and SERVICE, in every spelling and
nesting, are refused by the SPARQL endpoint's own guard, and nothing is
written; the same words as strings, IRIs or variable names still pass. The
headers every answer carries are added once, whatever the route set itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from conftest import NODE_HEAD

from catalogue.web import create_app
from catalogue.web.i18n import with_vary
from catalogue.web.safety import security_headers

DOC = (
    NODE_HEAD
    + """
ex:a a dcat:Dataset ; dct:title "SERVICE"@en ; dct:description "Its title is a keyword."@en ;
    dct:publisher ex:org .
ex:b a dcat:Dataset ; dct:title "Genomes"@en ; dct:description "About genomes."@en ;
    dct:publisher <https://node.example/DELETE> .
<https://node.example/DELETE> a foaf:Agent ; foaf:name "Lab"@en .
"""
)
FAR = "<http://127.0.0.1:9/sparql>"


@pytest.fixture
def base(harvested, live_server) -> Iterator[str]:
    backends = harvested(DOC)[0]
    app = create_app(backends)
    app.state.sparql.execute("ASK {}", deadline=time.monotonic() + 120)  # the workers are up
    yield live_server(app).url


def search(base: str, where: str) -> httpx.Response:
    return httpx.get(f"{base}/api/search", params={"where": where, "size": "10"}, timeout=30)


@pytest.mark.parametrize(
    "where",
    [
        f"{{ ?dataset ?p ?o OPTIONAL {{ SERVICE SILENT {FAR} {{ ?dataset ?q ?r }} }} }}",
        f"{{ ?dataset ?p ?o . SeRvIcE{FAR}{{ ?dataset ?q ?r }} }}",
        "{ ?dataset ?p ?o # a comment\n SERVICE ?far { ?dataset ?q ?r } }",
        f"{{ {{ {{ ?dataset ?p ?o }} UNION {{ SERVICE {FAR} {{ ?dataset ?q ?r }} }} }} }}",
        f"{{ ?dataset ?p ?o FILTER EXISTS {{ SERVICE {FAR} {{ ?dataset ?q ?r }} }} }}",
        "{ ?dataset ?p ?o . DELETE WHERE { ?dataset ?p ?o } }",
        "{ WITH <a:g> DELETE { ?dataset ?p ?o } WHERE { ?dataset ?p ?o } }",
        "{ ?dataset ?p ?o . CLEAR ALL }",
        "{ ?dataset ?p ?o . drop\tdefault }",
        "{ ?dataset ?p ?o . INSERT { ?dataset ?p 1 } WHERE { ?dataset ?p ?o } }",
    ],
)
def test_updates_and_service_anywhere_in_where_are_refused_by_the_guard(base: str, where: str) -> None:
    started = time.monotonic()
    answer = search(base, where)
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert message.startswith("where="), message
    assert "SERVICE" in message or "not a SPARQL group graph pattern" in message, message
    assert time.monotonic() - started < 10
    assert search(base, "{ ?dataset ?p ?o }").json()["total"] == 2  # nothing was written


@pytest.mark.parametrize(
    ("where", "total"),
    [
        ('{ ?dataset dct:title ?t FILTER(STR(?t) = "SERVICE") }', 1),
        ("{ ?dataset dct:publisher <https://node.example/DELETE> }", 1),
        ("{ ?dataset dct:title ?service . ?dataset dct:publisher ?delete }", 2),
        ("{ ?dataset ?p ?o # SERVICE <http://127.0.0.1:9/sparql> and DROP ALL\n }", 2),
    ],
)
def test_the_same_words_as_strings_iris_variables_or_comments_pass(base: str, where: str, total: int) -> None:
    answer = search(base, where)
    assert answer.status_code == 200, answer.text
    assert answer.json()["total"] == total


def test_each_header_is_sent_once_whatever_the_route_set(base: str) -> None:
    """Vary is merged into one header on pages; the security headers come once on every answer."""
    for path in ("/", "/datasets?q=genomes", "/docs", "/api/search", "/nowhere", "/ldes", "/sitemap.xml"):
        answer = httpx.get(f"{base}{path}", timeout=30)
        names = [name.lower() for name, _ in answer.headers.multi_items()]
        for name in (
            "content-security-policy",
            "x-content-type-options",
            "referrer-policy",
            "x-frame-options",
        ):
            assert names.count(name) == 1, (path, name)
        assert names.count("vary") <= 1, path
        if answer.headers["content-type"].startswith("text/html"):
            fields = [f.strip().lower() for f in answer.headers["vary"].split(",")]
            assert fields.count("accept-language") == 1 and fields.count("cookie") == 1, path


def test_the_header_edits_keep_what_the_route_set_and_repeat_nothing() -> None:
    own = [(b"Content-Type", b"text/html; charset=utf-8"), (b"Content-Security-Policy", b"sandbox")]
    own += [(b"Vary", b"Accept"), (b"vary", b"cookie, Accept")]
    edited = with_vary(security_headers(own))
    assert [v for k, v in edited if k.lower() == b"content-security-policy"] == [b"sandbox"]
    assert [v for k, v in edited if k.lower() == b"vary"] == [b"Accept, cookie, Accept, Accept-Language"]
    assert with_vary(edited) == edited  # a second pass adds nothing
    json = [(b"content-type", b"application/json")]
    assert with_vary(json) == json and dict(security_headers(json))[b"x-frame-options"] == b"DENY"


def test_ldes_answers_head_and_refuses_other_methods_with_allow(base: str) -> None:
    got = httpx.get(f"{base}/ldes", timeout=30)
    head = httpx.head(f"{base}/ldes", timeout=30)
    assert head.status_code == 200 and not head.content and head.headers["etag"] == got.headers["etag"]
    for method in ("POST", "PUT", "DELETE"):
        refused = httpx.request(method, f"{base}/ldes/2026-01-01", content=b"x", timeout=30)
        assert refused.status_code == 405 and refused.headers["allow"].startswith("GET, HEAD"), method
    assert httpx.head(f"{base}/ldes/not-a-day", timeout=30).status_code == 404
