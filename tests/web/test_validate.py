"""The validation service, driven over real HTTP: the page's forms, the API's three formats, the guards.

Every server here listens on 127.0.0.1, which the service must refuse to
fetch from. So the refusals are tested as the service ships, and the one
successful URL fetch switches on exactly 127.0.0.1/32 for one app, through
the options the router reads from ``app.state.validation``.
"""

from __future__ import annotations

import gzip
import ipaddress
from collections.abc import Iterator

import httpx
import pytest
import rdflib
from rdflib.namespace import RDF, SH

from catalogue.config import Limits
from catalogue.public_fetch import AddressPolicy
from catalogue.web import create_app
from catalogue.web.validate import ServiceOptions

SPEC = "https://semiceu.github.io/DCAT-AP/releases/3.0.0/"
DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .

ex:good a dcat:Dataset ; dct:title "Good cohort"@en ; dct:description "All there."@en .
ex:bad a dcat:Dataset ; dct:title "Genomes <script>alert(1)</script>"@en ; dct:description "Sizes."@en ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL ex:get ; dcat:byteSize "about 2 GB" ] .
"""
BROKEN = """@prefix dct: <http://purl.org/dc/terms/> .
<https://node.example/a> dct:title "ok" .
<https://node.example/b> dct:title "no end
"""
TURTLE = {"Content-Type": "text/turtle"}


@pytest.fixture
def service(open_catalogue, live_server):
    """Start the app (no sources needed) and return (app, base URL)."""

    def start(options: ServiceOptions | None = None):
        app = create_app(open_catalogue())
        if options is not None:
            app.state.validation = options
        return app, live_server(app).url

    return start


@pytest.fixture
def client(service) -> Iterator[httpx.Client]:
    _, url = service()
    with httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_the_page_offers_paste_upload_and_url_and_is_linked_from_every_page(client: httpx.Client) -> None:
    page = client.get("/validate")
    assert page.status_code == 200
    assert page.text.count('action="/validate"') == 3
    assert 'name="data"' in page.text and 'type="file" name="file"' in page.text and 'name="url"' in page.text
    assert '<option value="dcat-ap-3" selected>' in page.text
    assert '<a href="/validate">Validate</a>' in client.get("/datasets").text


def test_pasted_text_gives_a_report_per_dataset(client: httpx.Client) -> None:
    page = client.post("/validate", data={"data": DOC, "profile": "dcat-ap-3"}, files={"file": ("", b"")})
    assert page.status_code == 200
    report = page.text.split('id="report"')[1]
    assert "Does not conform" in report
    # the dataset with violations comes first, named by title (escaped) and IRI
    assert report.index("Genomes &lt;script&gt;") < report.index("Good cohort")
    assert "<script>alert(1)</script>" not in page.text
    assert "<code>https://node.example/bad</code>" in report
    bad = report.split('id="record-1"')[1].split('id="record-2"')[0]
    assert f'<a href="{SPEC}#Distribution.bytesize">dcat:byteSize (byte size)</a>' in bad
    assert "on dcat:Distribution (a blank node)" in bad
    assert "&#34;about 2 GB&#34;" in bad or "&quot;about 2 GB&quot;" in bad  # what was found
    assert bad.index("sev-violation") < bad.index("sev-warning")
    # the pasted text is kept in the form, escaped
    assert "Genomes &lt;script&gt;alert(1)&lt;/script&gt;" in page.text.split('id="paste-data"')[1]


def test_an_uploaded_file(client: httpx.Client) -> None:
    page = client.post(
        "/validate", data={"profile": "dcat-ap-3"}, files={"file": ("node.ttl", DOC.encode(), "text/turtle")}
    )
    assert page.status_code == 200
    assert "Report: The uploaded file node.ttl" in page.text and "Good cohort" in page.text
    packed = client.post("/validate", files={"file": ("node.ttl.gz", gzip.compress(DOC.encode()))})
    assert packed.status_code == 200 and "Good cohort" in packed.text


def test_the_forms_explain_what_is_wrong(client: httpx.Client) -> None:
    broken = client.post("/validate", data={"data": BROKEN}, files={"file": ("", b"")})
    assert broken.status_code == 400
    assert "The pasted text is not readable RDF" in broken.text and "Look at line 3" in broken.text
    refused = client.post(
        "/validate", data={"url": "http://localhost/catalog.ttl"}, files={"file": ("", b"")}
    )
    assert refused.status_code == 422
    assert "localhost resolves to 127.0.0.1, a loopback address" in refused.text
    assert 'value="http://localhost/catalog.ttl"' in refused.text  # kept in the form
    nothing = client.post("/validate", data={"data": " "}, files={"file": ("", b"")})
    assert nothing.status_code == 400 and "Nothing to validate" in nothing.text
    both = client.post(
        "/validate", data={"data": DOC, "url": "https://node.example/"}, files={"file": ("", b"")}
    )
    assert both.status_code == 400 and "not pasted text and URL" in both.text


def test_api_json(client: httpx.Client) -> None:
    answer = client.post("/api/validate", content=DOC, headers=TURTLE)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    body = answer.json()
    assert body["conforms"] is False and body["profile"] == "dcat-ap-3" and body["datasets"] == 2
    bad, good = body["results"]
    assert bad["uri"] == "https://node.example/bad" and bad["violations"] == 1
    assert good["title"] == "Good cohort" and good["conforms"] is True
    size = bad["messages"][0]
    assert size["severity"] == "Violation"
    assert size["property"] == "dcat:byteSize (byte size)" and size["found"] == '"about 2 GB"'
    assert size["specification"] == SPEC + "#Distribution.bytesize"
    assert "xsd:nonNegativeInteger" in size["expected"]
    assert "Vary" in answer.headers


def test_api_turtle_is_a_shacl_report(client: httpx.Client) -> None:
    answer = client.post("/api/validate", content=DOC, headers={**TURTLE, "Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=answer.text, format="turtle")
    report = graph.value(predicate=RDF.type, object=SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    results = list(graph.objects(report, SH.result))
    violations = [r for r in results if graph.value(r, SH.resultSeverity) == SH.Violation]
    assert len(violations) == 1 and len(results) > 1
    (violation,) = violations
    assert graph.value(violation, SH.resultPath) == rdflib.URIRef("http://www.w3.org/ns/dcat#byteSize")
    assert graph.value(violation, SH.value) == rdflib.Literal("about 2 GB")
    assert str(graph.value(violation, SH.sourceShape)).endswith("#Distribution.byteSize")
    assert graph.value(violation, SH.sourceConstraintComponent) == SH.DatatypeConstraintComponent
    assert graph.value(violation, SH.resultMessage) is not None
    assert graph.value(violation, SH.focusNode) is not None
    # format= wins over Accept
    as_json = client.post(
        "/api/validate?format=json", content=DOC, headers={**TURTLE, "Accept": "text/turtle"}
    )
    assert as_json.headers["content-type"] == "application/json"


def test_api_html_and_negotiation(client: httpx.Client) -> None:
    page = client.post("/api/validate", content=DOC, headers={**TURTLE, "Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Report: The request body" in page.text
    assert (
        client.post("/api/validate?format=html", content=DOC, headers=TURTLE).text.count('id="record-') == 2
    )
    refused = client.post("/api/validate", content=DOC, headers={**TURTLE, "Accept": "image/png"})
    assert refused.status_code == 406
    assert client.post("/api/validate?format=pdf", content=DOC, headers=TURTLE).status_code == 400


def test_api_form_fields_work_too(client: httpx.Client) -> None:
    answer = client.post("/api/validate", data={"data": DOC, "format": "turtle", "profile": "dcat-ap-3"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")


def test_api_errors(client: httpx.Client) -> None:
    broken = client.post("/api/validate", content=BROKEN, headers=TURTLE)
    assert broken.status_code == 400
    assert broken.json()["error"]["line"] == 3 and broken.json()["error"]["column"]
    assert "The request body is not readable RDF" in broken.json()["error"]["message"]
    assert "line 3" in broken.json()["error"]["message"]
    empty = client.post("/api/validate")
    assert empty.status_code == 400 and "url=" in empty.json()["error"]["message"]
    unknown = client.post("/api/validate?profile=no-such", content=DOC, headers=TURTLE)
    assert unknown.status_code == 400 and "dcat-ap-3" in unknown.json()["error"]["message"]
    assert "/api/validate" in client.get("/openapi.json").json()["paths"]


REFUSED = [
    ("http://127.0.0.1:{port}/catalog.ttl", "127.0.0.1 is a loopback address"),
    ("http://localhost:{port}/catalog.ttl", "localhost resolves to 127.0.0.1, a loopback address"),
    ("http://[::1]:{port}/catalog.ttl", "::1 is a loopback address"),
    ("http://10.20.30.40/catalog.ttl", "10.20.30.40 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[::ffff:127.0.0.1]:{port}/catalog.ttl", "IPv4-mapped IPv6 address"),
    ("file:///etc/passwd", "only http and https"),
]


def test_api_refuses_urls_that_are_not_public(client: httpx.Client, feed_server) -> None:
    """As shipped, the service will not fetch from the (perfectly working) server on 127.0.0.1."""
    (feed_server.root / "catalog.ttl").write_text(DOC)
    port = feed_server.url.rsplit(":", 1)[1]
    for url, reason in REFUSED:
        answer = client.post("/api/validate", params={"url": url.format(port=port)})
        assert answer.status_code == 422, url
        assert (
            reason in answer.json()["error"]["message"]
            and "was not fetched" in answer.json()["error"]["message"]
        )


def test_a_url_on_an_allowed_address_is_fetched_but_a_redirect_to_a_private_one_is_not(
    service, feed_server
) -> None:
    """127.0.0.1/32 allowed explicitly, as an operator could for one internal host: nothing else is."""
    (feed_server.root / "catalog.ttl").write_text(DOC)
    feed_server.respond("/moved", 302, b"", {"Location": "/catalog.ttl"})
    feed_server.respond("/metadata", 302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
    feed_server.respond("/internal", 307, b"", {"Location": "http://10.0.0.8/catalog.ttl"})
    allow_local = AddressPolicy((ipaddress.ip_network("127.0.0.1/32"),))
    _, url = service(ServiceOptions(Limits(timeout_seconds=5, max_bytes=100_000, retries=0), allow_local))
    with httpx.Client(base_url=url, timeout=30) as client:
        fetched = client.post("/api/validate", params={"url": f"{feed_server.url}/moved"})
        assert fetched.status_code == 200, fetched.text
        assert [r["uri"] for r in fetched.json()["results"]] == [
            "https://node.example/bad",
            "https://node.example/good",
        ]
        page = client.post(
            "/validate", data={"url": f"{feed_server.url}/catalog.ttl"}, files={"file": ("", b"")}
        )
        assert page.status_code == 200 and "Good cohort" in page.text
        for path, reason in (
            ("/metadata", "169.254.169.254 is a link-local"),
            ("/internal", "10.0.0.8 is a private"),
        ):
            refused = client.post("/api/validate", params={"url": f"{feed_server.url}{path}"})
            assert refused.status_code == 422 and reason in refused.json()["error"]["message"]
        missing = client.post("/api/validate", params={"url": f"{feed_server.url}/absent.ttl"})
        assert missing.status_code == 400 and "HTTP 404" in missing.json()["error"]["message"]


def test_bodies_and_documents_over_the_limit(service, feed_server) -> None:
    allow_local = AddressPolicy((ipaddress.ip_network("127.0.0.1/32"),))
    _, url = service(ServiceOptions(Limits(timeout_seconds=5, max_bytes=2_000, retries=0), allow_local))
    big = DOC + "#" * 3_000
    with httpx.Client(base_url=url, timeout=30) as client:
        declared = client.post("/api/validate", content=big, headers=TURTLE)
        assert declared.status_code == 413
        assert declared.json()["error"]["message"] == "The input is larger than the limit of 2,000 bytes."
        streamed = client.post(
            "/api/validate", content=iter([big.encode()[:1500], big.encode()[1500:]]), headers=TURTLE
        )
        assert streamed.status_code == 413  # no Content-Length: counted while reading
        upload = client.post("/validate", files={"file": ("big.ttl", big.encode(), "text/turtle")})
        assert upload.status_code == 413 and "larger than the limit of 2,000 bytes" in upload.text
        bomb = client.post("/validate", files={"file": ("bomb.ttl.gz", gzip.compress(big.encode()))})
        assert (
            bomb.status_code == 400 and "larger than the limit of 2,000 bytes once decompressed" in bomb.text
        )
        (feed_server.root / "big.ttl").write_text(big)
        fetched = client.post("/api/validate", params={"url": f"{feed_server.url}/big.ttl"})
        assert (
            fetched.status_code == 400
            and "larger than the limit of 2,000 bytes" in fetched.json()["error"]["message"]
        )


KEYWORD_RULE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
<https://node.example/shapes#Keyword> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
    sh:property [ sh:path dcat:keyword ; sh:minCount 1 ; sh:message "Our node asks for keywords" ] .
"""


def test_a_configured_profile_is_offered_and_used(tmp_path, live_server) -> None:
    from dataclasses import replace

    from catalogue.backends import open_backends
    from catalogue.config import Settings
    from catalogue.validation.profiles import Profile

    rule = tmp_path / "keywords.ttl"
    rule.write_text(KEYWORD_RULE)
    ours = Profile("ours", "Our rules", "https://node.example/rules", (str(rule),), extends="dcat-ap-3")
    settings = replace(Settings("T", "http://catalogue.test", tmp_path / "data"), profiles=(ours,))
    backends = open_backends(settings)
    try:
        url = live_server(create_app(backends)).url
        with httpx.Client(base_url=url, timeout=30) as client:
            assert '<option value="ours"' in client.get("/validate").text
            answer = client.post("/api/validate", params={"profile": "ours"}, content=DOC, headers=TURTLE)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["profile"] == "ours"
            good = next(r for r in body["results"] if r["title"] == "Good cohort")
            assert good["conforms"] is False  # no keyword: our rule, on top of DCAT-AP's
            [missing] = [m for m in good["messages"] if m["severity"] == "Violation"]
            assert missing["path"] == "http://www.w3.org/ns/dcat#keyword"
            assert "Our node asks for keywords" in answer.text
    finally:
        backends.close()
