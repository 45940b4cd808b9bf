"""A query's own dataset naming graphs the public may not read, written every way SPARQL allows.

The guard read FROM with regexes: ``FROM<iri>`` without a space was not
checked at all, and ``FROM NAMED<iri>`` was a 500 on a store kept on a SPARQL
server. It now reads the query with rdflib's parser; these are regressions
for both defects, on the embedded store and on the Oxigraph server (where a
graph the public may not read really exists beside the catalogue's).
"""

from __future__ import annotations

import http.server
import importlib.util
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest

from catalogue.backends import Backends, open_backends
from catalogue.config import Settings, Source, StoreSettings
from catalogue.harvest import harvest_source
from catalogue.sparql.answer import Limits, SparqlError
from catalogue.sparql.service import SparqlService
from catalogue.store import RemoteStoreError
from catalogue.store.sparql_server import SparqlServerTriples

BASE = "http://catalogue.test"
SECRET = f"{BASE}/graphs/secret"
DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dcat:dataset ex:wgs .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
"""
#: the query's dataset names {g} (a full IRI) — or, for the relative forms, the graph "secret" or the record's
WAYS = [
    "SELECT ?o FROM<{g}> WHERE {{ ?s ?p ?o }}",
    "SELECT ?o FROM NAMED<{g}> WHERE {{ GRAPH ?x {{ ?s ?p ?o }} }}",
    "SELECT ?o FROM NAMED<{g}>WHERE{{GRAPH<{g}>{{?s ?p ?o}}}}",
    "SELECT ?o FROM # a comment\n<{g}> WHERE {{ ?s ?p ?o }}",
    "SELECT ?o FROM NAMED#{{\n<{g}> WHERE {{ GRAPH ?x {{ ?s ?p ?o }} }}",
    "select ?o from <{g}> where {{ ?s ?p ?o }}",
    "sElEcT ?o fRoM nAmEd <{g}> WhErE {{ gRaPh ?x {{ ?s ?p ?o }} }}",
    "PREFIX g: <{ns}> SELECT ?o FROM g:{local} WHERE {{ ?s ?p ?o }}",
    "PREFIX : <{ns}> SELECT ?o FROM NAMED :{local} WHERE {{ GRAPH :{local} {{ ?s ?p ?o }} }}",
    "PREFIX g:<{ns}>SELECT ?o FROM g:{local} FROM NAMED g:{local} WHERE{{GRAPH ?x{{?s ?p ?o}}}}",
    "BASE <{ns}> SELECT ?o FROM <{local}> WHERE {{ ?s ?p ?o }}",
    "BASE <{ns}> SELECT ?o FROM NAMED <{local}> WHERE {{ GRAPH <{local}> {{ ?s ?p ?o }} }}",
    "SELECT ?o FROM <{relative}> WHERE {{ ?s ?p ?o }}",  # relative to the endpoint, {BASE}/sparql
    "ASK FROM<{g}> {{ ?s ?p ?o }}",
    "CONSTRUCT {{ ?s ?p ?o }} FROM NAMED<{g}> WHERE {{ GRAPH ?x {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s FROM<{g}> WHERE {{ ?s ?p ?o }}",
]


def _servers():
    """tests/store/servers.py, loaded by path (as tests/store/conftest.py does)."""
    if "catalogue_test_servers" not in sys.modules:
        path = Path(__file__).parent.parent / "store" / "servers.py"
        spec = importlib.util.spec_from_file_location("catalogue_test_servers", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["catalogue_test_servers"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules["catalogue_test_servers"]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory) -> Iterator:
    servers = _servers()
    binary = servers.oxigraph_binary()
    if binary is None:
        if os.environ.get("CATALOGUE_REQUIRE_STORES"):
            pytest.fail("the Oxigraph server is not installed, and CATALOGUE_REQUIRE_STORES is set")
        pytest.skip("the Oxigraph server is not installed")
    server = servers.OxigraphServer(tmp_path_factory.mktemp("oxigraph"), binary, timeout_seconds=30)
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["embedded", "oxigraph"])
def catalogue(request, tmp_path_factory) -> Iterator[tuple[Backends, SparqlService]]:
    """The catalogue harvested on either store, with its SPARQL service (and a graph nobody may read)."""
    folder = tmp_path_factory.mktemp(request.param)
    (folder / "be.ttl").write_text(DOC)
    source = Source(name="be", title="Belgian node", url=str(folder / "be.ttl"))
    settings = Settings("Test", BASE, folder / "data", (source,))
    if request.param == "oxigraph":
        server = request.getfixturevalue("oxigraph")
        server.clear(BASE)
        settings = Settings("Test", BASE, folder / "data", (source,), store=server.settings)
    backends = open_backends(settings)
    harvest_source(source, backends)
    if request.param == "oxigraph":  # (after the harvest: opening a new store rebuilds {BASE}/graphs/)
        insert = f"INSERT DATA {{ GRAPH <{SECRET}> {{ <x:s> <x:p> 'secret' }} }}"
        httpx.post(settings.store.update_url, data={"update": insert}, timeout=30).raise_for_status()
    service = SparqlService(backends.store, Limits(timeout=30))
    yield backends, service
    service.close()
    backends.close()


def _fill(way: str, graph: str) -> str:
    namespace, local = graph.rsplit("/", 1)
    relative = graph.removeprefix(BASE + "/")
    return way.format(g=graph, ns=namespace + "/", local=local, relative=relative)


@pytest.mark.parametrize("way", WAYS)
def test_a_graph_the_public_may_not_read_is_refused_however_from_is_written(catalogue, way: str) -> None:
    _, service = catalogue
    with pytest.raises(SparqlError) as refused:
        service.execute(_fill(way, SECRET), base_iri=f"{BASE}/sparql")
    assert refused.value.http_status == 400 and "public graphs" in str(refused.value)
    assert SECRET in str(refused.value)


@pytest.mark.parametrize("way", WAYS)
def test_a_public_graph_is_read_however_from_is_written(catalogue, way: str) -> None:
    backends, service = catalogue
    (meta,) = backends.store.metas(statuses=["published"])
    answer = service.execute(
        _fill(way, backends.store.record_graph(meta.id).value), base_iri=f"{BASE}/sparql"
    )
    if answer.kind == "bindings":
        assert "Whole-genome sequencing" in {row["o"].value for row in answer.rows or []}
    elif answer.kind == "boolean":
        assert b"true" in answer.body
    else:
        assert b"Whole-genome sequencing" in answer.body


def test_the_secret_graph_is_there_to_be_refused(catalogue) -> None:
    """On the Oxigraph server the refused graph exists: a bare FROM of it would have read it."""
    backends, _ = catalogue
    if backends.store.sparql_server() is None:
        pytest.skip("the embedded store holds public graphs only")
    query = f"SELECT ?o FROM <{SECRET}> WHERE {{ ?s ?p ?o }}"
    answer = httpx.post(
        backends.settings.store.query_url,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert [row["o"]["value"] for row in answer.json()["results"]["bindings"]] == ["secret"]


# -- the store's own typed queries, against a SPARQL server that records and answers what we choose --------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Keeps each POSTed form and answers with the server's ``answer`` (media type, body)."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        self.server.forms.append(parse_qs(self.rfile.read(length).decode(), keep_blank_values=True))  # type: ignore[attr-defined]
        media_type, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[http.server.ThreadingHTTPServer, SparqlServerTriples]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.forms, server.answer = [], ("application/sparql-results+json", NO_ROWS)  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    settings = StoreSettings(backend="sparql", query_url=url, update_url=url, graph_store_url=url)
    triples = SparqlServerTriples(settings, BASE)
    yield server, triples
    triples.close()
    server.shutdown()
    server.server_close()


NO_ROWS = b'{"head": {"vars": ["s"]}, "results": {"bindings": []}}'
#: a graph IRI that would end the query and start another if it were pasted into the text
SNEAKY = ox.NamedNode(f"{BASE}/graphs/a%3E%7D;DROP?named-graph-uri=x&query=DROP+ALL#&default-graph-uri=y")


def test_the_dataset_goes_as_protocol_parameters_and_the_query_as_written(recorder) -> None:
    server, triples = recorder
    query = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert triples.select(query, default_graph=[SNEAKY], named_graphs=[SNEAKY, ox.NamedNode(SECRET)]) == []
    (form,) = server.forms
    assert form == {
        "query": [query],
        "default-graph-uri": [SNEAKY.value],
        "named-graph-uri": [SNEAKY.value, SECRET],
    }
    with pytest.raises(ValueError):  # an IRI that could break out of <…> is no graph name at all
        ox.NamedNode(BASE + "/graphs/a> } DROP ALL")


@pytest.mark.parametrize(
    ("media_type", "body", "complaint"),
    [
        (
            "application/sparql-results+json",
            b'{"head": {"vars": ["s"]}, "results": {"bindings": [{',
            "cannot read",
        ),
        ("application/sparql-results+json", b'{"head": {}, "boolean": true}', "with a boolean"),
        ("text/html", b"<html>Welcome</html>", "text/html"),
    ],
)
def test_a_select_answered_badly_is_an_error_naming_the_server(recorder, media_type, body, complaint) -> None:
    server, triples = recorder
    server.answer = (media_type, body)
    with pytest.raises(RemoteStoreError, match=complaint) as error:
        triples.select("SELECT ?s WHERE { ?s ?p ?o }")
    assert triples.query_url in str(error.value)


def test_an_ask_or_construct_answered_badly_is_an_error_too(recorder) -> None:
    server, triples = recorder
    with pytest.raises(RemoteStoreError, match="with rows"):
        triples.ask("ASK { ?s ?p ?o }")
    server.answer = ("application/n-triples", b"<x:s> <x:p> broken .\n")
    with pytest.raises(RemoteStoreError, match="cannot read"):
        triples.construct("CONSTRUCT WHERE { ?s ?p ?o }")
