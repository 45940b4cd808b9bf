"""End to end on a SPARQL server: catalogue.toml with ``[store] backend = "sparql"`` → harvest → /sparql over HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import rdflib
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from catalogue.backends import open_backends
from catalogue.config import load_settings
from catalogue.harvest import harvest_source
from catalogue.web import create_app

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:wgs, ex:cohort, ex:broken .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en ;
   dcat:theme theme:HEAL ; dct:publisher ex:org .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en ;
   dcat:theme theme:HEAL ; dct:publisher ex:org .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
PREFIXES = "PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX dct: <http://purl.org/dc/terms/>\n"
DATASETS = PREFIXES + "SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title } ORDER BY ?d"
BASE = "http://catalogue.test"


def config(tmp_path: Path, server) -> Path:
    store = server.settings
    path = tmp_path / "catalogue.toml"
    path.write_text(
        f"""
[catalogue]
title = "Test catalogue"
base_url = "{BASE}"
data_dir = "./data"

[[sources]]
name = "be"
title = "Belgian node"
url = "be.ttl"

[store]
backend = "sparql"
query_url = "{store.query_url}"
update_url = "{store.update_url}"
graph_store_url = "{store.graph_store_url}"
"""
    )
    (tmp_path / "be.ttl").write_text(DOC)
    return path


def titles(endpoint: str, query: str = DATASETS) -> list[str]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return [row["title"]["value"] for row in client.query().convert()["results"]["bindings"]]


def test_harvest_into_a_sparql_server_and_query_it_over_http(
    tmp_path: Path, oxigraph_server, live_server
) -> None:
    oxigraph_server.clear(BASE)
    settings = load_settings(config(tmp_path, oxigraph_server))
    assert settings.store.backend == "sparql"
    backends = open_backends(settings)
    try:
        result = harvest_source(settings.source("be"), backends)
        assert (result.run.published, result.run.rejected) == (2, 1)
        server = live_server(create_app(backends))
        endpoint = server.url + "/sparql"

        assert titles(endpoint) == ["Cardiovascular cohort", "Whole-genome sequencing"]
        client = SPARQLWrapper(endpoint)
        client.setMethod("POST")
        client.setReturnFormat(JSON)
        client.setQuery(PREFIXES + "ASK { ?d dct:title 'Broken record without description'@en }")
        assert client.query().convert()["boolean"] is False
        client.setQuery("DESCRIBE <https://node.example/wgs>")
        client.setReturnFormat(TURTLE)
        graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
        assert (rdflib.URIRef("https://node.example/wgs"), rdflib.DCTERMS.title, None) in graph
        provenance = (
            "PREFIX cat: <https://w3id.org/catalogue/ns#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
            f"SELECT ?title WHERE {{ GRAPH <{BASE}/graphs/provenance> {{ ?r cat:status 'rejected' ; "
            "<http://purl.org/dc/terms/title> ?title } }"
        )
        assert titles(endpoint, provenance) == ["Broken record without description"]
        # the oxigraph server really holds it: the published union, record graphs, provenance
        direct = httpx.post(
            oxigraph_server.settings.query_url,
            data={"query": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"},
        )
        # provenance, published, and the records of wgs, cohort and the catalogue
        assert direct.json()["results"]["bindings"][0]["n"]["value"] == "5"
        # the rest of the site reads the registry, and the feed's sub-catalogue asks the server
        assert httpx.get(server.url + "/datasets", params={"q": "cohort"}).status_code == 200
        feed = httpx.get(server.url + "/catalog.ttl")
        assert feed.status_code == 200 and "University Hospital" in feed.text

        # the node drops the cohort: the next harvest withdraws it, and SPARQL no longer sees it
        (tmp_path / "be.ttl").write_text(
            DOC.replace("ex:wgs, ex:cohort, ex:broken", "ex:wgs, ex:broken").split("ex:cohort a")[0]
            + 'ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .\n'
        )
        assert harvest_source(settings.source("be"), backends).run.withdrawn == 1
        assert titles(endpoint) == ["Whole-genome sequencing"]
    finally:
        backends.close()


def test_an_unreachable_sparql_server_is_reported_not_raised(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from catalogue.cli import app

    dead = "http://127.0.0.1:9"  # the discard port: nothing answers
    (tmp_path / "be.ttl").write_text(DOC)
    (tmp_path / "catalogue.toml").write_text(
        f'[catalogue]\nbase_url = "{BASE}"\n[[sources]]\nname = "be"\nurl = "be.ttl"\n'
        f'[store]\nbackend = "sparql"\nquery_url = "{dead}/query"\nupdate_url = "{dead}/update"\n'
        f'graph_store_url = "{dead}/store"\n'
    )
    result = CliRunner().invoke(app, ["--config", str(tmp_path / "catalogue.toml"), "harvest"])
    assert result.exit_code == 2, result.output
    assert "The SPARQL store cannot be used" in result.output and "127.0.0.1:9" in result.output


def test_the_protocol_on_a_forwarded_store(tmp_path: Path, oxigraph_server, live_server) -> None:
    """Relative IRIs, the protocol's dataset over FROM and hidden graphs: as on the embedded store."""
    oxigraph_server.clear(BASE)
    settings = load_settings(config(tmp_path, oxigraph_server))
    backends = open_backends(settings)
    try:
        harvest_source(settings.source("be"), backends)
        endpoint = live_server(create_app(backends)).url + "/sparql"
        relative = httpx.get(endpoint, params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"})
        assert relative.status_code == 200, relative.text
        graph = rdflib.Graph().parse(data=relative.content, format="turtle")
        assert (rdflib.URIRef(BASE + "/s"), rdflib.URIRef(BASE + "/p"), rdflib.Literal(1)) in graph
        status = {m.uri: (m.status, backends.store.record_graph(m.id).value) for m in backends.store.metas()}
        hidden, wgs = status["https://node.example/broken"][1], status["https://node.example/wgs"][1]
        from_hidden = PREFIXES + f"SELECT ?title FROM <{hidden}> WHERE {{ ?d dct:title ?title }}"
        assert httpx.get(endpoint, params={"query": from_hidden}).status_code == 400
        overridden = httpx.get(
            endpoint,
            params={"query": from_hidden, "default-graph-uri": wgs},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert overridden.status_code == 200, overridden.text
        found = [row["title"]["value"] for row in overridden.json()["results"]["bindings"]]
        assert found == ["Whole-genome sequencing"]
        refused = httpx.get(endpoint, params={"query": DATASETS, "default-graph-uri": hidden})
        assert refused.status_code == 400 and hidden in refused.text
    finally:
        backends.close()
