"""The SPARQL endpoint, driven over HTTP by real clients against a running server."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, SPARQLWrapper

from catalogue.harvest import harvest_source
from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService
from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .
@prefix ft: <http://publications.europa.eu/resource/authority/file-type/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:wgs, ex:cohort, ex:broken .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en ;
   dcat:theme theme:HEAL ; dct:publisher ex:org ;
   dcat:distribution ex:wgs-csv .
ex:wgs-csv a dcat:Distribution ; dcat:accessURL <https://node.example/access/wgs> ; dct:format ft:CSV .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart <b>study</b>."@en ;
   dcat:theme theme:TECH ; dct:publisher ex:org .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
WGS, COHORT, BROKEN = (f"https://node.example/{name}" for name in ("wgs", "cohort", "broken"))
PREFIXES = "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>\n"
DATASETS = PREFIXES + "SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title } ORDER BY ?d"
PROVENANCE = "http://catalogue.test/graphs/provenance"
LIMITS = Limits(timeout=1.0, max_rows=40, max_triples=60, max_concurrent=3)
# a cross join evaluated inside pyoxigraph before the first solution: seconds of work
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?l ?m . GRAPH ?x { ?s ?p ?o } }"


@pytest.fixture
def catalogue(harvested):
    return harvested(DOC)


@pytest.fixture
def server(catalogue, live_server):
    backends = catalogue[0]
    app = create_app(backends)
    app.state.sparql = SparqlService(backends.store, LIMITS)
    # the first query starts a worker: not within the tests' 1 s limit
    app.state.sparql.execute("ASK {}", deadline=time.monotonic() + 30)
    app.state.sparql.workers.start()
    while len(app.state.sparql.workers.pids()) < LIMITS.max_concurrent:
        time.sleep(0.05)
    yield live_server(app)
    app.state.sparql.close()


@pytest.fixture
def endpoint(server) -> str:
    return server.url + "/sparql"


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    return [{name: value["value"] for name, value in row.items()} for row in rows]


def test_get_post_form_and_post_direct(endpoint: str) -> None:
    by_get = bindings(httpx.get(endpoint, params={"query": DATASETS}))
    by_form = bindings(httpx.post(endpoint, data={"query": DATASETS}))
    by_body = bindings(
        httpx.post(endpoint, content=DATASETS, headers={"Content-Type": "application/sparql-query"})
    )
    assert by_get == by_form == by_body
    assert [row["d"] for row in by_get] == [COHORT, WGS]
    assert httpx.post(endpoint, content="x", headers={"Content-Type": "image/png"}).status_code == 415


def test_sparqlwrapper_select_ask_and_construct(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(DATASETS)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert {row["title"]["value"] for row in rows} == {"Whole-genome sequencing", "Cardiovascular cohort"}
    client.setMethod("POST")
    client.setQuery(PREFIXES + "ASK { ?d dct:title 'Broken record without description'@en }")
    assert client.query().convert()["boolean"] is False
    client.setQuery(f"DESCRIBE <{WGS}>")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert (rdflib.URIRef(WGS), rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")) in graph


def test_rdflib_sparqlstore(endpoint: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = list(graph.query(DATASETS))
    assert [str(row.d) for row in rows] == [COHORT, WGS]


@pytest.mark.parametrize(
    ("accept", "fmt", "check"),
    [
        ("application/sparql-results+json", None, lambda r: len(r.json()["results"]["bindings"]) == 2),
        ("application/sparql-results+xml", None, lambda r: len(ET.fromstring(r.content).iter().__next__())),
        ("text/csv", None, lambda r: len(list(csv.reader(io.StringIO(r.text)))) == 3),
        ("text/tab-separated-values", None, lambda r: len(r.text.strip().split("\n")) == 3),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.9", None, lambda r: r.text.startswith("<?xml")),
        ("text/html", "csv", lambda r: list(csv.reader(io.StringIO(r.text)))[0] == ["d", "title"]),
        (None, "tsv", lambda r: r.text.startswith("?d\t?title")),
        (None, "xml", lambda r: ET.fromstring(r.content).tag.endswith("sparql")),
        ("*/*", None, lambda r: "bindings" in r.json()["results"]),
    ],
)
def test_select_result_formats(endpoint: str, accept: str | None, fmt: str | None, check) -> None:
    params = {"query": DATASETS} | ({"format": fmt} if fmt else {})
    response = httpx.get(endpoint, params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert check(response)


def test_xml_results_parse(endpoint: str) -> None:
    response = httpx.get(endpoint, params={"query": DATASETS, "format": "xml"})
    assert response.headers["content-type"].startswith("application/sparql-results+xml")
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    uris = [e.text for e in ET.fromstring(response.content).findall(".//r:binding[@name='d']/r:uri", ns)]
    assert uris == [COHORT, WGS]


@pytest.mark.parametrize(
    ("accept", "fmt", "rdflib_format"),
    [
        ("text/turtle", None, "turtle"),
        ("application/n-triples", None, "nt"),
        ("application/rdf+xml", None, "xml"),
        ("application/ld+json", None, "json-ld"),
        (None, "turtle", "turtle"),
        (None, "ntriples", "nt"),
        (None, "rdfxml", "xml"),
        (None, "jsonld", "json-ld"),
        (None, None, "turtle"),
    ],
)
def test_graph_result_formats(endpoint: str, accept: str | None, fmt: str | None, rdflib_format: str) -> None:
    params = {"query": PREFIXES + "CONSTRUCT { ?d dct:title ?t } WHERE { ?d dct:title ?t }"}
    params |= {"format": fmt} if fmt else {}
    response = httpx.get(endpoint, params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    titles = {str(o) for o in graph.objects(None, rdflib.DCTERMS.title)}
    assert "Whole-genome sequencing" in titles and "Broken record without description" not in titles


def test_unsatisfiable_accept_is_406(endpoint: str) -> None:
    response = httpx.get(endpoint, params={"query": DATASETS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    construct = PREFIXES + "CONSTRUCT WHERE { ?d dct:title ?t }"
    response = httpx.get(endpoint, params={"query": construct}, headers={"Accept": "text/csv"})
    assert response.status_code == 406
    # format= is a hint: a value we do not know does not override a valid Accept
    pdf = httpx.get(endpoint, params={"query": DATASETS, "format": "pdf"}, headers={"Accept": "text/csv"})
    assert pdf.status_code == 200 and pdf.headers["content-type"].startswith("text/csv")


def test_format_parameter_read_alike_from_query_string_and_form(endpoint: str) -> None:
    """SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values``: the first known value wins."""
    twice = [("query", DATASETS), ("format", "tsv"), ("format", "text/tab-separated-values")]
    by_get = httpx.get(endpoint, params=twice, headers={"Accept": "application/sparql-results+json"})
    by_form = httpx.post(endpoint, data={"query": DATASETS, "format": ["tsv", "text/tab-separated-values"]})
    by_url = httpx.post(endpoint, params={"format": "nonsense"}, data={"query": DATASETS, "format": "tsv"})
    for response in (by_get, by_form, by_url):
        assert response.status_code == 200 and response.text.startswith("?d\t?title"), response.text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_tsv_and_csv(endpoint: str, method: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setMethod(method)
    client.setQuery(DATASETS)
    client.setReturnFormat(TSV)
    assert client.query().convert().decode().splitlines()[0] == "?d\t?title"
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines()[0] == "d,title"


def test_sparqlwrapper_relative_iris_resolve_against_the_endpoint(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery("CONSTRUCT { <s> <p> <o> } WHERE {}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    base = "http://catalogue.test/"  # [catalogue] base_url, not the Host the client used
    assert set(graph) == {(rdflib.URIRef(base + "s"), rdflib.URIRef(base + "p"), rdflib.URIRef(base + "o"))}


def test_vary_accept_on_every_answer(endpoint: str) -> None:
    for response in (
        httpx.get(endpoint, params={"query": DATASETS}),
        httpx.get(endpoint),
        httpx.get(endpoint, params={"query": "nonsense"}),
        httpx.post(endpoint, data={"query": DATASETS}),
    ):
        assert "Accept" in response.headers["vary"], response.status_code


def test_default_graph_is_the_union_of_visible_records(catalogue, endpoint: str) -> None:
    everything = "SELECT DISTINCT ?s WHERE { ?s ?p ?o }"
    subjects = {row["s"] for row in bindings(httpx.get(endpoint, params={"query": everything}))}
    assert {WGS, COHORT} <= subjects and BROKEN not in subjects
    assert not any(s.startswith("http://catalogue.test/") for s in subjects)  # no provenance, no reports
    # the rejected record's graph is not a named graph either
    named = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{BROKEN}> ?p ?o }} }}"
    assert bindings(httpx.get(endpoint, params={"query": named})) == []
    # withdraw the cohort by harvesting the node again without it
    backends, source, node = catalogue
    node.write_text(DOC.replace("ex:wgs, ex:cohort, ex:broken", "ex:wgs, ex:broken"))
    node.write_text(node.read_text().split("ex:cohort a dcat:Dataset")[0] + "ex:broken a dcat:Dataset .\n")
    assert harvest_source(source, backends).run.withdrawn == 1
    titles = {row["title"] for row in bindings(httpx.get(endpoint, params={"query": DATASETS}))}
    assert titles == {"Whole-genome sequencing"}


def test_provenance_and_record_graphs_are_named_graphs(endpoint: str) -> None:
    query = (
        "PREFIX cat: <https://w3id.org/catalogue/ns#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        f"SELECT ?topic ?status WHERE {{ GRAPH <{PROVENANCE}> {{ ?r foaf:primaryTopic ?topic ; cat:status ?status }} }}"
    )
    status = {row["topic"]: row["status"] for row in bindings(httpx.get(endpoint, params={"query": query}))}
    assert status[WGS] == "published" and status[BROKEN] == "rejected"
    graphs = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{WGS}> a ?type }} }}"
    rows = bindings(httpx.get(endpoint, params={"query": graphs}))
    assert len(rows) == 1 and rows[0]["g"].startswith("http://catalogue.test/graphs/records/be-")


def test_protocol_dataset_replaces_the_default(endpoint: str) -> None:
    graphs = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{WGS}> a ?type }} }}"
    wgs_graph = bindings(httpx.get(endpoint, params={"query": graphs}))[0]["g"]
    params = {"query": DATASETS, "default-graph-uri": wgs_graph}
    assert [row["d"] for row in bindings(httpx.get(endpoint, params=params))] == [WGS]
    form = {"query": DATASETS, "default-graph-uri": PROVENANCE}
    assert bindings(httpx.post(endpoint, data=form)) == []
    only_named = {"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}
    only_named["named-graph-uri"] = wgs_graph
    rows = bindings(httpx.get(endpoint, params=only_named))
    assert [row["g"] for row in rows] == [wgs_graph]
    assert bindings(httpx.get(endpoint, params={"query": DATASETS, "named-graph-uri": wgs_graph})) == []
    direct = httpx.post(
        endpoint,
        params={"default-graph-uri": wgs_graph},
        content=DATASETS,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert [row["d"] for row in bindings(direct)] == [WGS]
    assert (
        httpx.get(endpoint, params={"query": DATASETS, "default-graph-uri": "not an iri"}).status_code == 400
    )


def test_hidden_graphs_are_refused_alike_in_from_and_in_the_protocol(catalogue, endpoint: str) -> None:
    backends = catalogue[0]
    hidden = next(
        backends.store.record_graph(m.id).value for m in backends.store.metas() if m.status == "rejected"
    )
    from_clause = httpx.get(endpoint, params={"query": f"SELECT * FROM <{hidden}> {{ ?s ?p ?o }}"})
    as_default = httpx.get(endpoint, params={"query": DATASETS, "default-graph-uri": hidden})
    as_named = httpx.post(endpoint, data={"query": DATASETS, "named-graph-uri": hidden})
    for response in (from_clause, as_default, as_named):
        assert response.status_code == 400 and hidden in response.text, response.text


def test_protocol_dataset_wins_over_from_with_rdflib(endpoint: str) -> None:
    """rdflib's SPARQLStore sends a Graph's identifier as default-graph-uri (§2.1.4: it wins over FROM)."""
    graphs = f"SELECT ?g WHERE {{ GRAPH ?g {{ <{WGS}> a ?type }} }}"
    wgs_graph = bindings(httpx.get(endpoint, params={"query": graphs}))[0]["g"]
    store = SPARQLStore(endpoint, returnFormat="json")
    graph = rdflib.Graph(store=store, identifier=rdflib.URIRef(wgs_graph))
    query = f"SELECT ?d FROM <{PROVENANCE}> WHERE {{ ?d a <http://www.w3.org/ns/dcat#Dataset> }}"
    assert [str(row.d) for row in graph.query(query)] == [WGS]


UPDATES = [
    "INSERT DATA { <https://x.example/a> <https://x.example/b> 'c' }",
    "PREFIX ex: <https://x.example/>\nDELETE WHERE { ?s ?p ?o }",
    "# a comment\nDELETE DATA { <https://x.example/a> <https://x.example/b> 'c' }",
    "LOAD <https://x.example/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <https://x.example/g>",
    "CREATE GRAPH <https://x.example/g>",
    "ADD DEFAULT TO <https://x.example/g>",
    "WITH <https://x.example/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <https://x.example/a> <https://x.example/b> 'c' }",
    "insert data { <https://x.example/a> <https://x.example/b> 'c' }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_in_every_disguise(endpoint: str, update: str) -> None:
    for response in (
        httpx.get(endpoint, params={"query": update}),
        httpx.post(endpoint, data={"query": update}),
        httpx.post(endpoint, content=update, headers={"Content-Type": "application/sparql-query"}),
        httpx.post(endpoint, data={"update": update}),
        httpx.get(endpoint, params={"update": update}),
        httpx.post(endpoint, content=update, headers={"Content-Type": "application/sparql-update"}),
    ):
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { <https://x.example/a> ?p ?o } }"
    assert bindings(httpx.get(endpoint, params={"query": count}))[0]["n"] == "0"


def test_syntax_error_is_400_with_the_parsers_message(endpoint: str) -> None:
    response = httpx.get(endpoint, params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "error at 1:" in response.text
    assert httpx.get(endpoint, params={"query": "  "}).status_code == 400


def test_result_size_caps(endpoint: str) -> None:
    response = httpx.get(endpoint, params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"})
    # 422: understood, but more than one answer may carry (413 would blame the request's size)
    assert response.status_code == 422 and "more than 40 rows" in response.text
    limited = bindings(
        httpx.get(endpoint, params={"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 40"})
    )
    assert len(limited) == 40
    construct = httpx.get(
        endpoint, params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"}
    )
    assert construct.status_code == 422 and "more than 60 triples" in construct.text


def test_slow_query_times_out_and_fast_queries_still_answer(endpoint: str) -> None:
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        slow = pool.submit(httpx.get, endpoint, params={"query": SLOW}, timeout=30)
        time.sleep(0.2)
        fast_started = time.monotonic()
        fast = httpx.get(endpoint, params={"query": DATASETS}, timeout=30)
        waited = slow.done()  # the fast answer came while the slow query still ran (to its 1 s limit)
        assert len(bindings(fast)) == 2 and not waited, f"{time.monotonic() - fast_started:.2f} s"
        assert httpx.get(endpoint.replace("/sparql", "/api/sources"), timeout=30).status_code == 200
        slow_response = slow.result()
        took = time.monotonic() - started
    assert slow_response.status_code == 503 and "time limit" in slow_response.text
    assert took < 3  # answered at the limit (1 s), not when pyoxigraph finishes


def test_too_many_running_queries_are_refused(endpoint: str) -> None:
    # twice as many as the workers, sent at once: some wait for a worker past their own time limit
    with ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(lambda _: httpx.get(endpoint, params={"query": SLOW}, timeout=30), range(8))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [503] * 8
    assert any("too many" in r.text for r in responses) and responses[0].headers.get(
        "access-control-allow-origin"
    )


def test_cors(endpoint: str) -> None:
    response = httpx.get(
        endpoint, params={"query": DATASETS}, headers={"Origin": "https://elsewhere.example"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = httpx.options(
        endpoint,
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    assert httpx.get(endpoint, params={"query": "nonsense"}).headers["access-control-allow-origin"] == "*"


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_html_page_and_results_for_browsers(endpoint: str) -> None:
    page = httpx.get(endpoint, headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<textarea id="sparql-query" name="query"' in page.text and 'action="/sparql"' in page.text
    assert "Datasets per theme" in page.text and "Latest modified datasets" in page.text
    results = httpx.get(endpoint, params={"query": DATASETS}, headers={"Accept": BROWSER})
    assert results.status_code == 200 and '<table class="bindings">' in results.text
    assert f'<a href="{WGS}">{WGS}</a>' in results.text and "Whole-genome sequencing" in results.text
    assert "format=json" in results.text and "format=csv" in results.text
    # user input is escaped, never HTML
    evil = 'SELECT ("<script>alert(1)</script>" AS ?x) WHERE {}'
    escaped = httpx.get(endpoint, params={"query": evil}, headers={"Accept": BROWSER}).text
    assert "<script>alert" not in escaped and "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped
    description = PREFIXES + "SELECT ?d WHERE { ?x dct:description ?d }"
    assert (
        "<b>study" not in httpx.get(endpoint, params={"query": description}, headers={"Accept": BROWSER}).text
    )
    error = httpx.get(endpoint, params={"query": "SELECT <oops"}, headers={"Accept": BROWSER})
    assert error.status_code == 400 and "could not be answered" in error.text and "&lt;oops" in error.text
    form = httpx.get(endpoint, params={"query": DATASETS, "format": "html"})
    assert '<table class="bindings">' in form.text


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        (None, "turtle"),
    ],
)
def test_service_description(endpoint: str, accept: str | None, rdflib_format: str) -> None:
    response = httpx.get(endpoint, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.content, format=rdflib_format)
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = graph.value(None, rdflib.RDF.type, sd.Service)
    # minted from [catalogue] base_url like every other IRI, not from the request's Host header
    assert graph.value(service, sd.endpoint) == rdflib.URIRef("http://catalogue.test/sparql")
    spoofed = httpx.get(endpoint, headers={"Host": "evil.example", "Accept": "text/turtle"})
    assert b"evil.example" not in spoofed.content
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    formats = set(graph.objects(service, sd.resultFormat))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert graph.value(service, sd.defaultDataset) is not None


def test_service_in_process_without_http(catalogue) -> None:
    backends = catalogue[0]
    service = SparqlService(backends.store)
    answer = service.execute("ASK { <https://node.example/wgs> ?p ?o }")
    assert answer.kind == "boolean" and json.loads(answer.body)["boolean"] is True
    service.close()
