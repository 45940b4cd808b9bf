"""The website's new doors against hostile requests: the language switch, languages, static files, result facts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

SCRIPT = "<script>alert(1)</script>"
DOC = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://node.example/catalog> a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ;
   dct:publisher <https://node.example/org> ; dcat:dataset <https://node.example/evil> .
<https://node.example/org> a foaf:Agent ; foaf:name "Publisher {SCRIPT}"@en .
<https://node.example/evil> a dcat:Dataset ; dct:title "Evil {SCRIPT}"@en ; dct:description "d"@en ;
   dct:publisher <https://node.example/org> ;
   dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://node.example/a> ] .
"""


@pytest.fixture
def client(site) -> TestClient:
    return site(DOC)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "evil",
        "\t//evil.example",
    ],
)
def test_the_language_switch_redirects_only_within_the_site(client: TestClient, target: str) -> None:
    answer = client.get("/language", params={"lang": "fr", "next": target}, follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location.split("?")[0]


@pytest.mark.parametrize("lang", [SCRIPT, "fr\r\nSet-Cookie: x=1", "f" * 10_000, "../../etc/passwd", ""])
def test_a_hostile_language_is_refused_not_stored_or_reflected(client: TestClient, lang: str) -> None:
    answer = client.get("/language", params={"lang": lang, "next": "/"}, follow_redirects=False)
    assert answer.status_code == 400 and "set-cookie" not in answer.headers
    assert SCRIPT not in answer.text
    page = client.get("/datasets", params={"lang": lang})
    # too long a ?lang= is a bad request (400, naming it); any other falls back to English
    assert page.status_code in (200, 400) and '<html lang="en">' in page.text and SCRIPT not in page.text


def test_a_hostile_cookie_or_accept_language_falls_back_to_english(client: TestClient) -> None:
    client.cookies.set("lang", '"><script>x</script>')
    noisy = ", ".join(f"x{i};q=0.{i % 10}" for i in range(2000)) + ", " + SCRIPT
    page = client.get("/sources", headers={"Accept-Language": noisy})
    assert page.status_code == 200 and '<html lang="en">' in page.text and "<script>x" not in page.text
    client.cookies.clear()


def test_the_switch_keeps_the_query_escaped(client: TestClient) -> None:
    page = client.get("/datasets", params={"q": f'"{SCRIPT}', "theme": SCRIPT}).text
    switch = page.split('action="/language"')[1].split("</form>")[0]
    assert SCRIPT not in switch and "&lt;script&gt;" in switch or "%3Cscript%3E" in switch


@pytest.mark.parametrize(
    "path",
    [
        "/static/..%2f..%2fpyproject.toml", "/static/%2e%2e/catalogue.toml", "/static/swagger/..%2f__init__.py",
        "/static/swagger/swagger-editor-bundle.js", "/static/base.html", "/static/swagger/LICENSE",
    ],
)  # fmt: skip
def test_static_files_are_an_allowlist(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_result_facts_from_a_record_are_escaped_and_never_links(client: TestClient) -> None:
    page = client.get("/datasets").text
    facts = page.split('class="result-facts"')[1].split("</dl>")[0]
    assert SCRIPT not in facts and "&lt;script&gt;" in facts
    assert "Publisher &lt;script&gt;" in facts  # the publisher's name, from the record, as text
    rid = client.get("/api/search").json()["results"][0]["id"]
    dataset = client.get(f"/datasets/{rid}").text
    assert SCRIPT not in dataset and 'href="javascript' not in dataset.lower()


def test_docs_run_under_the_same_self_only_policy(client: TestClient) -> None:
    docs = client.get("/docs")
    policy = docs.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "http" not in policy and "'sha256-" not in policy and "unsafe" not in policy
    assert "<script>" not in docs.text  # only script files of ours
