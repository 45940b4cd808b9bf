"""The W3C SPARQL 1.1 Protocol tests that apply to a read-only endpoint, against the real server.

One test per entry of the W3C protocol test suite (named after it), written
from what each entry requires. The suite loads three graphs of its own
(data1…data3); here the catalogue's public graphs play their part: the record
graphs of two datasets and the provenance graph. The update entries are
answered as refusals: this endpoint is read-only.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import httpx
import pytest
import rdflib
from conftest import LiveServer, make_settings

from catalogue.backends import open_backends
from catalogue.config import Source
from catalogue.harvest import harvest_source
from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:wgs, ex:cohort .
ex:org a <http://xmlns.com/foaf/0.1/Agent> ; <http://xmlns.com/foaf/0.1/name> "Hospital"@en .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Hearts."@en .
"""
WGS, COHORT = "https://node.example/wgs", "https://node.example/cohort"
PROVENANCE = "http://catalogue.test/graphs/provenance"
XML_RESULTS, JSON_RESULTS = "application/sparql-results+xml", "application/sparql-results+json"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("w3c")
    (root / "be.ttl").write_text(DOC)
    source = Source(name="be", title="Belgian node", url=str(root / "be.ttl"), country="BE")
    backends = open_backends(make_settings(root, source))
    harvest_source(source, backends)
    app = create_app(backends)
    app.state.sparql.execute("ASK {}", deadline=time.monotonic() + 60)  # starts a worker once
    server = LiveServer(app)
    yield server.url + "/sparql"
    server.close()
    app.state.sparql.close()
    backends.close()


@pytest.fixture(scope="module")
def graphs(endpoint: str) -> dict[str, str]:
    """The record graph of each dataset: ``{dataset IRI: graph IRI}``."""
    query = "SELECT ?d ?g WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }"
    answer = httpx.get(endpoint, params={"query": query}, headers={"Accept": JSON_RESULTS})
    rows = answer.json()["results"]["bindings"]
    return {row["d"]["value"]: row["g"]["value"] for row in rows}


def boolean(response: httpx.Response) -> bool:
    """The ASK answer of a 2xx SPARQL XML or JSON result."""
    assert 200 <= response.status_code < 300, response.text
    media = response.headers["content-type"].split(";")[0]
    if media == XML_RESULTS:
        return ET.fromstring(response.content).find(f"{RESULTS_NS}boolean").text == "true"  # type: ignore[union-attr]
    assert media == JSON_RESULTS
    return response.json()["boolean"]


def refused(response: httpx.Response) -> bool:
    return 400 <= response.status_code < 500


# -- positive tests ------------------------------------------------------------


def test_query_via_get(endpoint: str) -> None:
    assert boolean(httpx.get(endpoint, params={"query": "ASK {}"})) is True


def test_query_via_url_encoded_post(endpoint: str) -> None:
    assert boolean(httpx.post(endpoint, content="query=ASK%20%7B%7D", headers=FORM)) is True


def test_query_via_post_directly(endpoint: str) -> None:
    assert boolean(httpx.post(endpoint, content="ASK {}", headers=DIRECT)) is True


ASK_BOTH = f"ASK {{ <{WGS}> ?p ?o . <{COHORT}> ?q ?r }}"


def test_query_dataset_default_graphs_get(endpoint: str, graphs: dict[str, str]) -> None:
    params = [("query", ASK_BOTH), ("default-graph-uri", graphs[WGS]), ("default-graph-uri", graphs[COHORT])]
    assert boolean(httpx.get(endpoint, params=params)) is True
    assert boolean(httpx.get(endpoint, params=params[:2])) is False  # only the graphs named


def test_query_dataset_default_graphs_post(endpoint: str, graphs: dict[str, str]) -> None:
    form = {"query": ASK_BOTH, "default-graph-uri": [graphs[WGS], graphs[COHORT]]}
    assert boolean(httpx.post(endpoint, data=form)) is True


ASK_NAMED = f"ASK {{ GRAPH ?a {{ <{WGS}> ?p ?o }} GRAPH ?b {{ <{COHORT}> ?q ?r }} }}"


def test_query_dataset_named_graphs_get(endpoint: str, graphs: dict[str, str]) -> None:
    params = [("query", ASK_NAMED), ("named-graph-uri", graphs[WGS]), ("named-graph-uri", graphs[COHORT])]
    assert boolean(httpx.get(endpoint, params=params)) is True
    assert boolean(httpx.get(endpoint, params=params[:2])) is False


def test_query_dataset_named_graphs_post(endpoint: str, graphs: dict[str, str]) -> None:
    form = {"query": ASK_NAMED, "named-graph-uri": [graphs[WGS], graphs[COHORT]]}
    assert boolean(httpx.post(endpoint, data=form)) is True


def test_query_dataset_full(endpoint: str, graphs: dict[str, str]) -> None:
    query = (
        f"ASK {{ <{WGS}> ?p ?o . GRAPH ?g {{ <{COHORT}> ?q ?r }} FILTER NOT EXISTS {{ <{COHORT}> ?x ?y }} }}"
    )
    form = {"query": query, "default-graph-uri": graphs[WGS], "named-graph-uri": graphs[COHORT]}
    assert boolean(httpx.post(endpoint, data=form)) is True


def test_query_multiple_dataset(endpoint: str, graphs: dict[str, str]) -> None:
    """The protocol's dataset wins over the query's FROM (§2.1.4), the other way round too."""
    query = f"ASK FROM <{PROVENANCE}> {{ <{WGS}> a ?type }}"
    assert boolean(httpx.get(endpoint, params={"query": query})) is False
    params = {"query": query, "default-graph-uri": graphs[WGS]}
    assert boolean(httpx.get(endpoint, params=params)) is True
    direct = httpx.post(endpoint, params={"default-graph-uri": graphs[WGS]}, content=query, headers=DIRECT)
    assert boolean(direct) is True


@pytest.mark.parametrize("media", [XML_RESULTS, JSON_RESULTS])
def test_query_content_type_select(endpoint: str, media: str) -> None:
    query = "SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
    response = httpx.get(endpoint, params={"query": query}, headers={"Accept": media})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)


@pytest.mark.parametrize("media", [XML_RESULTS, JSON_RESULTS])
def test_query_content_type_ask(endpoint: str, media: str) -> None:
    response = httpx.post(endpoint, data={"query": "ASK {}"}, headers={"Accept": media})
    assert response.headers["content-type"].startswith(media) and boolean(response) is True


@pytest.mark.parametrize(("media", "syntax"), [("application/rdf+xml", "xml"), ("text/turtle", "turtle")])
def test_query_content_type_describe(endpoint: str, media: str, syntax: str) -> None:
    response = httpx.get(endpoint, params={"query": f"DESCRIBE <{WGS}>"}, headers={"Accept": media})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    graph = rdflib.Graph().parse(data=response.content, format=syntax)
    assert (rdflib.URIRef(WGS), rdflib.RDF.type, rdflib.DCAT.Dataset) in graph


@pytest.mark.parametrize(("media", "syntax"), [("application/rdf+xml", "xml"), ("text/turtle", "turtle")])
def test_query_content_type_construct(endpoint: str, media: str, syntax: str) -> None:
    """The W3C query has relative IRIs: they resolve against the endpoint's IRI (its base_url)."""
    response = httpx.get(
        endpoint, params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}, headers={"Accept": media}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    graph = rdflib.Graph().parse(data=response.content, format=syntax)
    base = "http://catalogue.test/"
    assert list(graph) == [(rdflib.URIRef(base + "s"), rdflib.URIRef(base + "p"), rdflib.Literal(1))]


# -- negative tests ------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_bad_query_method(endpoint: str, method: str) -> None:
    response = httpx.request(method, endpoint, params={"query": "ASK {}"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST, OPTIONS"


def test_bad_multiple_queries(endpoint: str) -> None:
    two = [("query", "ASK {}"), ("query", "SELECT * {}")]
    assert refused(httpx.get(endpoint, params=two))
    assert refused(httpx.post(endpoint, data={"query": ["ASK {}", "SELECT * {}"]}))
    assert refused(httpx.post(endpoint, params={"query": "ASK {}"}, data={"query": "SELECT * {}"}))
    assert refused(httpx.post(endpoint, params={"query": "ASK {}"}, content="ASK {}", headers=DIRECT))


def test_bad_query_wrong_media_type(endpoint: str) -> None:
    assert refused(httpx.post(endpoint, content="ASK {}", headers={"Content-Type": "text/plain"}))


def test_bad_query_missing_form_type(endpoint: str) -> None:
    assert refused(httpx.post(endpoint, content="query=ASK%20%7B%7D"))


def test_bad_query_missing_direct_type(endpoint: str) -> None:
    assert refused(httpx.post(endpoint, content="ASK {}"))


def test_bad_query_non_utf8(endpoint: str) -> None:
    body = "ASK {}".encode("utf-16")
    declared = {"Content-Type": "application/sparql-query; charset=UTF-16"}
    assert refused(httpx.post(endpoint, content=body, headers=declared))
    assert refused(httpx.post(endpoint, content=body, headers=DIRECT))


def test_bad_query_syntax(endpoint: str) -> None:
    assert refused(httpx.get(endpoint, params={"query": "ASK {XXX}"}))


UPDATE = "CLEAR NAMED"


def test_bad_update_get(endpoint: str) -> None:
    assert refused(httpx.get(endpoint, params={"update": UPDATE}))


def test_bad_multiple_updates(endpoint: str) -> None:
    assert refused(httpx.post(endpoint, data={"update": [UPDATE, "CLEAR DEFAULT"]}))


def test_bad_update_wrong_media_type(endpoint: str) -> None:
    assert refused(httpx.post(endpoint, content=UPDATE, headers={"Content-Type": "text/plain"}))


def test_bad_update_missing_form_type(endpoint: str) -> None:
    assert refused(httpx.post(endpoint, content="update=CLEAR%20NAMED"))


def test_bad_update_non_utf8(endpoint: str) -> None:
    declared = {"Content-Type": "application/sparql-update; charset=UTF-16"}
    assert refused(httpx.post(endpoint, content=UPDATE.encode("utf-16"), headers=declared))


def test_bad_update_syntax(endpoint: str) -> None:
    assert refused(httpx.post(endpoint, data={"update": "CLEAR XYZ"}))


def test_bad_update_dataset_conflict(endpoint: str) -> None:
    update = "DELETE { ?s ?p ?o } USING <http://example.org/g> WHERE { ?s ?p ?o }"
    form = {"update": update, "using-graph-uri": "http://example.org/other"}
    assert refused(httpx.post(endpoint, data=form))


@pytest.mark.parametrize(
    "update", ["CLEAR ALL", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DROP SILENT GRAPH <urn:g>"]
)
def test_updates_are_refused_as_forbidden(endpoint: str, update: str) -> None:
    """The suite's update_* entries expect 2xx from a writable endpoint: a read-only one answers 403."""
    sent = httpx.post(endpoint, content=update, headers={"Content-Type": "application/sparql-update"})
    assert sent.status_code == 403
    assert httpx.post(endpoint, data={"update": update}).status_code == 403
    assert boolean(httpx.get(endpoint, params={"query": "ASK { <urn:a> ?p ?o }"})) is False
