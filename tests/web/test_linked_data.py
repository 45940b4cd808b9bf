"""Linked data out, over HTTP: content negotiation, suffixes, caching headers, schema.org, sitemap."""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import format_datetime
from xml.etree import ElementTree as ET

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import DCAT, DCTERMS, FOAF, RDF, URIRef

from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://node.example/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:wgs, ex:evil, ex:broken .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:wgs a dcat:Dataset ;
   dct:title "Whole-genome sequencing"@en ; dct:description "Genomes of patients."@en ;
   dcat:keyword "genomics"@en ; dcat:theme theme:HEAL ; dct:publisher ex:org ;
   dct:issued "2020-01-01"^^xsd:date ; dct:modified "2024-05-01"^^xsd:date ;
   dct:spatial <http://publications.europa.eu/resource/authority/country/BEL> ;
   dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2019-01-01"^^xsd:date ; dcat:endDate "2021-12-31"^^xsd:date ] ;
   dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://node.example/access/wgs> ;
       dcat:downloadURL <https://node.example/files/wgs.csv> ;
       dcat:mediaType <http://www.iana.org/assignments/media-types/text/csv> ;
       dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> ] .
ex:evil a dcat:Dataset ;
   dct:title "Evil </script><script>alert(1)</script><!-- & more"@en ; dct:description "Hostile."@en ;
   dct:publisher ex:org .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
WGS = URIRef("https://node.example/wgs")
BASE = "http://catalogue.test"
RDFLIB = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
SUFFIXES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture
def client(harvested):
    backends, _, _ = harvested(DOC)
    with TestClient(create_app(backends)) as client:
        client.ids = {m.title: m.id for m in backends.store.metas()}  # type: ignore[attr-defined]
        yield client


def rid(client: TestClient, title: str) -> str:
    return next(i for t, i in client.ids.items() if t.startswith(title))  # type: ignore[attr-defined]


def parse(response) -> rdflib.Graph:
    media_type = response.headers["content-type"].split(";")[0]
    return rdflib.Graph().parse(data=response.content, format=RDFLIB[media_type])


def check_dataset_graph(graph: rdflib.Graph, record_id: str) -> None:
    assert (WGS, RDF.type, DCAT.Dataset) in graph
    assert (WGS, DCTERMS.title, rdflib.Literal("Whole-genome sequencing", lang="en")) in graph
    assert (WGS, DCTERMS.publisher, URIRef("https://node.example/org")) in graph
    record = URIRef(f"{BASE}/records/{record_id}")
    assert (record, RDF.type, DCAT.CatalogRecord) in graph
    assert (record, FOAF.primaryTopic, WGS) in graph
    assert graph.value(record, DCTERMS.modified) is not None


@pytest.mark.parametrize("media_type", list(RDFLIB))
def test_dataset_by_accept(client: TestClient, media_type: str) -> None:
    record_id = rid(client, "Whole-genome")
    response = client.get(f"/datasets/{record_id}", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in response.headers["vary"]
    suffix = next(s for s, m in SUFFIXES.items() if m == media_type)
    assert response.headers["content-location"] == f"/datasets/{record_id}.{suffix}"
    check_dataset_graph(parse(response), record_id)


@pytest.mark.parametrize("suffix", list(SUFFIXES))
def test_dataset_by_suffix(client: TestClient, suffix: str) -> None:
    record_id = rid(client, "Whole-genome")
    response = client.get(f"/datasets/{record_id}.{suffix}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == SUFFIXES[suffix]
    check_dataset_graph(parse(response), record_id)
    # same bytes as the negotiated version
    negotiated = client.get(f"/datasets/{record_id}", headers={"Accept": SUFFIXES[suffix]})
    assert negotiated.content == response.content
    assert negotiated.headers["etag"] == response.headers["etag"]


def test_q_values_browsers_and_406(client: TestClient) -> None:
    path = f"/datasets/{rid(client, 'Whole-genome')}"
    jsonld = client.get(path, headers={"Accept": "text/turtle;q=0.5, application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    for accept in (FIREFOX, "*/*", "text/html"):
        page = client.get(path, headers={"Accept": accept})
        assert page.headers["content-type"].startswith("text/html")
        assert "Whole-genome sequencing" in page.text
        assert (
            page.headers["vary"] == "Accept, Accept-Language, Cookie"
        )  # the language may come from its cookie
    missing = client.get(path, headers={"Accept": "application/pdf"})
    assert missing.status_code == 406
    assert "text/turtle" in missing.text
    assert client.get("/datasets/be-000000000000.ttl").status_code == 404
    assert client.get("/datasets/be-000000000000", headers={"Accept": "text/turtle"}).status_code == 404


def test_etag_last_modified_and_304(client: TestClient) -> None:
    path = f"/datasets/{rid(client, 'Whole-genome')}"
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    etag, last_modified = turtle.headers["etag"], turtle.headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]{32}-published-ttl"', etag)
    assert last_modified.endswith(" GMT")
    jsonld = client.get(path, headers={"Accept": "application/ld+json"})
    assert jsonld.headers["etag"] != etag  # another representation, another strong tag

    again = client.get(path, headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["vary"] == "Accept"
    other = client.get(path, headers={"Accept": "text/turtle", "If-None-Match": '"something-else"'})
    assert other.status_code == 200
    listed = client.get(path, headers={"Accept": "text/turtle", "If-None-Match": f'"x", W/{etag}'})
    assert listed.status_code == 304  # weak comparison, as RFC 9110 asks for If-None-Match
    since = client.get(path, headers={"Accept": "text/turtle", "If-Modified-Since": last_modified})
    assert since.status_code == 304
    earlier = client.get(
        path, headers={"Accept": "text/turtle", "If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    assert earlier.status_code == 200
    # If-None-Match wins over If-Modified-Since
    both = client.get(
        path, headers={"Accept": "text/turtle", "If-None-Match": '"x"', "If-Modified-Since": last_modified}
    )
    assert both.status_code == 200
    assert (
        client.get(path, headers={"Accept": "text/turtle", "If-Modified-Since": "nonsense"}).status_code
        == 200
    )

    page = client.get(path, params={"lang": "en"})
    assert page.headers["etag"].startswith('W/"') and page.headers["last-modified"] == last_modified
    assert (
        client.get(path, params={"lang": "en"}, headers={"If-None-Match": page.headers["etag"]}).status_code
        == 304
    )
    assert client.get(path, params={"lang": "nl"}).headers["etag"] != page.headers["etag"]


def test_html_page_advertises_rdf_versions(client: TestClient) -> None:
    record_id = rid(client, "Whole-genome")
    page = client.get(f"/datasets/{record_id}")
    head = page.text.split("</head>")[0]
    for suffix, media_type in SUFFIXES.items():
        assert f'<link rel="alternate" type="{media_type}" href="/datasets/{record_id}.{suffix}">' in head
    assert f'</datasets/{record_id}.ttl>; rel="alternate"; type="text/turtle"' in page.headers["link"]


def test_rejected_records_are_served_and_say_so(client: TestClient) -> None:
    record_id = rid(client, "Broken")
    page = client.get(f"/datasets/{record_id}")
    assert page.status_code == 200 and "Rejected:" in page.text
    assert '<meta name="robots" content="noindex">' in page.text
    assert 'application/ld+json">' not in page.text  # no schema.org for search engines
    turtle = client.get(f"/datasets/{record_id}.ttl")
    assert turtle.status_code == 200 and "-rejected-ttl" in turtle.headers["etag"]
    assert (URIRef("https://node.example/broken"), RDF.type, DCAT.Dataset) in parse(turtle)


def schema_block(html: str) -> str:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no schema.org block"
    return match.group(1)


def test_schema_org_block(client: TestClient) -> None:
    record_id = rid(client, "Whole-genome")
    block = schema_block(client.get(f"/datasets/{record_id}").text)
    data = json.loads(block)
    assert data["@type"] == "Dataset" and data["name"] == "Whole-genome sequencing"
    assert data["url"] == f"{BASE}/datasets/{record_id}"
    assert data["temporalCoverage"] == "2019-01-01/2021-12-31"
    assert data["distribution"] == [
        {
            "@type": "DataDownload",
            "contentUrl": "https://node.example/files/wgs.csv",
            "encodingFormat": "text/csv",
            "license": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        }
    ]
    assert data["publisher"]["@type"] == "Organization" and data["publisher"]["name"] == "University Hospital"
    assert data["includedInDataCatalog"] == {
        "@type": "DataCatalog",
        "name": "Test catalogue",
        "url": f"{BASE}/",
    }
    # it is JSON-LD: read with schema.org as vocabulary (no network)
    data["@context"] = {"@vocab": "https://schema.org/"}
    graph = rdflib.Graph().parse(data=json.dumps(data), format="json-ld")
    schema = rdflib.Namespace("https://schema.org/")
    assert (WGS, RDF.type, schema.Dataset) in graph
    assert (None, RDF.type, schema.DataDownload) in graph and (None, RDF.type, schema.DataCatalog) in graph


def test_schema_org_block_cannot_be_broken_out_of(client: TestClient) -> None:
    html = client.get(f"/datasets/{rid(client, 'Evil')}").text
    block = schema_block(html)
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["name"] == "Evil </script><script>alert(1)</script><!-- & more"
    assert "<script>alert(1)" not in html


def test_source_negotiation(client: TestClient) -> None:
    page = client.get("/sources/be", headers={"Accept": FIREFOX})
    assert page.headers["content-type"].startswith("text/html") and "Belgian node" in page.text
    assert '<link rel="alternate" type="text/turtle" href="/sources/be.ttl">' in page.text
    assert "Accept" in page.headers["vary"]
    catalog = URIRef("https://node.example/catalog")
    for suffix, media_type in SUFFIXES.items():
        by_suffix = client.get(f"/sources/be.{suffix}")
        assert by_suffix.headers["content-type"].split(";")[0] == media_type
        graph = parse(by_suffix)
        assert (catalog, RDF.type, DCAT.Catalog) in graph
        assert (catalog, DCAT.dataset, None) in graph  # it lists datasets (each record carries its link)
        assert (None, FOAF.primaryTopic, catalog) in graph
        ours = URIRef(f"{BASE}/sources/be")  # our sub-catalogue, as in the feed, derived from theirs
        assert (ours, RDF.type, DCAT.Catalog) in graph and (ours, DCTERMS.source, catalog) in graph
        assert graph.value(ours, DCTERMS.title) == rdflib.Literal("Belgian node")
        negotiated = client.get("/sources/be", headers={"Accept": media_type})
        assert negotiated.content == by_suffix.content and negotiated.headers["vary"] == "Accept"
    etag = client.get("/sources/be.ttl").headers["etag"]
    assert client.get("/sources/be.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/sources/be", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/sources/zz.ttl").status_code == 404


def test_catalogue_negotiation_at_home(client: TestClient) -> None:
    home = client.get("/", headers={"Accept": FIREFOX})
    assert home.headers["content-type"].startswith("text/html") and "Belgian node" in home.text
    assert '<link rel="alternate" type="application/ld+json" href="/index.jsonld">' in home.text
    catalog = URIRef(f"{BASE}/catalog")
    for media_type in RDFLIB:
        graph = parse(client.get("/", headers={"Accept": media_type}))
        assert (catalog, RDF.type, DCAT.Catalog) in graph
        assert (catalog, DCTERMS.title, rdflib.Literal("Test catalogue")) in graph
        assert graph.value(catalog, DCTERMS.description) is not None
        assert graph.value(catalog, DCTERMS.publisher) is not None
        part = URIRef(f"{BASE}/sources/be")  # the feed's sub-catalogue; /sources/be describes it
        assert (catalog, DCTERMS.hasPart, part) in graph and (part, RDF.type, DCAT.Catalog) in graph
    assert client.get("/index.ttl").headers["content-type"].startswith("text/turtle")
    assert client.get("/index.html").status_code == 404
    assert client.get("/", headers={"Accept": "application/pdf"}).status_code == 406


def test_sitemap_lists_published_datasets_only(client: TestClient) -> None:
    response = client.get("/sitemap.xml")
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    entries = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in root}
    wgs, evil, broken = rid(client, "Whole-genome"), rid(client, "Evil"), rid(client, "Broken")
    for path in ("/", "/datasets", "/sources", "/sources/be", f"/datasets/{wgs}", f"/datasets/{evil}"):
        assert BASE + path in entries
    assert f"{BASE}/datasets/{broken}" not in entries
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entries[f"{BASE}/datasets/{wgs}"])
    # Last-Modified and lastmod name the same moment
    last_modified = client.get(f"/datasets/{wgs}.ttl").headers["last-modified"]
    lastmod = datetime.fromisoformat(entries[f"{BASE}/datasets/{wgs}"])
    assert format_datetime(lastmod, usegmt=True) == last_modified


def test_robots_points_to_the_sitemap(client: TestClient) -> None:
    response = client.get("/robots.txt")
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines and f"Sitemap: {BASE}/sitemap.xml" in lines
    assert "Disallow: /" not in lines and "Disallow: /datasets/" not in lines


def test_over_real_http_with_each_accept_header(harvested, live_server) -> None:
    import httpx

    backends, _, _ = harvested(DOC)
    server = live_server(create_app(backends))
    record_id = next(m.id for m in backends.store.metas() if m.title.startswith("Whole-genome"))
    url = f"{server.url}/datasets/{record_id}"
    for media_type in RDFLIB:
        response = httpx.get(url, headers={"Accept": media_type})
        assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
        check_dataset_graph(parse(response), record_id)
        again = httpx.get(url, headers={"Accept": media_type, "If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
    assert httpx.get(url, headers={"Accept": FIREFOX}).headers["content-type"].startswith("text/html")
    assert httpx.get(url, headers={"Accept": "image/png"}).status_code == 406


def test_blank_node_iris_we_mint_resolve_to_the_part_they_name(client: TestClient) -> None:
    """Issue point 9: every /.well-known/genid/… a page links answers with the part of its record."""
    record = client.get(f"/datasets/{rid(client, 'Whole-genome')}.ttl")
    graph = parse(record)
    minted = {o for o in graph.objects(WGS, None) if "/.well-known/genid/" in str(o)}
    assert len(minted) == 2  # the temporal coverage and the distribution
    for iri in minted:
        path = str(iri).removeprefix(BASE)
        answer = client.get(path, headers={"Accept": "text/turtle"})
        assert answer.status_code == 200, answer.text
        part = parse(answer)
        assert set(part.triples((iri, None, None))) == set(graph.triples((iri, None, None)))
        assert len(part) == len(set(graph.triples((iri, None, None))))
        page = client.get(path, headers={"Accept": FIREFOX}, follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == f"/datasets/{rid(client, 'Whole-genome')}"
        assert client.get(path + ".jsonld").status_code == 200
    assert client.get("/.well-known/genid/0123456789abcdef01234567").status_code == 404


def test_catalogue_record_iris_answer(client: TestClient) -> None:
    """Issue point 5: /records/{id}, which the feed mints, answers (RDF, or the dataset's page)."""
    record_id = rid(client, "Whole-genome")
    answer = client.get(f"/records/{record_id}", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    graph = parse(answer)
    record = URIRef(f"{BASE}/records/{record_id}")
    assert (record, RDF.type, DCAT.CatalogRecord) in graph
    assert graph.value(record, FOAF.primaryTopic) == WGS
    assert graph.value(record, DCTERMS.issued) is not None
    page = client.get(f"/records/{record_id}", headers={"Accept": FIREFOX}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/datasets/{record_id}"
    assert client.get(f"/records/{rid(client, 'Broken')}.ttl").status_code == 404  # rejected: no record
    assert client.get("/records/be-000000000000").status_code == 404
