"""Hostile input against the graph-aware search: /api/search?where=, the SPARQL of a search, related datasets.

On a real server on 127.0.0.1, bounded in count and time. A ``where=`` pattern
cannot leave its braces, cannot update, cannot federate, cannot reach records
that are not published, and a slow one ends at the SPARQL time limit with the
server answering the next request at once. Values a visitor types reach SPARQL
only as serialised terms.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest

from catalogue.sparql.service import Limits, SparqlService
from catalogue.web import create_app

DATASET = """
ex:d{n} a dcat:Dataset ; dct:title "Dataset {n}"@en ; dct:description "Genomes, part {n}."@en ;
   dct:publisher ex:org ; dcat:keyword "genome", "part {n}" ."""
HOSTILE_KEYWORD = 'x" } } ; DROP ALL ; SELECT * { ?s ?p ?o } #\n\\u0022 <evil> \'\'\' """ {'
DOC = (
    """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:broken, ex:hostile, """
    + ", ".join(f"ex:d{n}" for n in range(20))
    + """ .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en ; dct:publisher ex:org .
ex:hostile a dcat:Dataset ; dct:title "Hostile"@en ; dct:description "Its keyword is hostile."@en ;
   dcat:keyword """
    + str(ox.Literal(HOSTILE_KEYWORD))  # written as N-Triples writes it: valid Turtle
    + """ .
"""
    + "".join(DATASET.format(n=n) for n in range(20))
)
LIMITS = Limits(timeout=1.0, max_concurrent=2, max_queue=4, max_memory_mb=1500)
#: minutes of work inside pyoxigraph before the first solution
NUMBERS = " ".join(str(i) for i in range(100))
SLOW = (
    "{ ?dataset ?p ?o . "
    + " ".join(f"VALUES ?v{i} {{ {NUMBERS} }}" for i in range(4))
    + " FILTER(?v0 + ?v1 + ?v2 + ?v3 < 0) }"
)


@pytest.fixture
def server(harvested, live_server) -> Iterator[tuple[str, SparqlService]]:
    backends = harvested(DOC)[0]
    app = create_app(backends)
    app.state.sparql.close()
    service = app.state.sparql = SparqlService(backends.store, LIMITS)
    service.execute("ASK {}", deadline=time.monotonic() + 30)  # the snapshot is built
    yield live_server(app).url, service
    service.close()


def search(base: str, **params: str) -> httpx.Response:
    return httpx.get(f"{base}/api/search", params={"size": "100", **params}, timeout=30)


@pytest.mark.parametrize(
    "where",
    [
        "{ ?dataset a dcat:Dataset } } LIMIT 1 #",
        '{ ?dataset a dcat:Dataset } UNION { VALUES ?id { "be-x" } }',
        "{ ?dataset ?p ?o } } ; DROP ALL ; SELECT * { {",
        "{ ?dataset ?p ?o }\n} GROUP BY ?id #",
        "{ ?dataset ?p ?o . FILTER(true) } } } } }",
        "{ ?dataset ?p ?o } INSERT DATA { <a:a> <a:b> <a:c> }",
        "{ INSERT DATA { <a:a> <a:b> <a:c> } }",
        "{ ?dataset ?p ?o . LOAD <http://127.0.0.1:9/x> }",
        "{ SERVICE <http://127.0.0.1:9/sparql> { ?dataset ?p ?o } }",
        "{ service\t<http://127.0.0.1:9/sparql> { ?dataset ?p ?o } }",
        "{ ?dataset ?p ?o # } }\n",
        "{" * 5_000 + " ?dataset ?p ?o " + "}" * 5_000,
        "{ ?dataset ?p ?o . " + "?dataset ?p ?o . " * 1_000 + "}",
        '{ ?dataset dct:title "' + "\\" * 3 + '" }',
        "{ ?dataset ?p ?o \x00 }",
    ],
)
def test_a_where_that_leaves_its_braces_or_breaks_the_rules_is_a_400(server, where: str) -> None:
    base, _ = server
    started = time.monotonic()
    answer = search(base, where=where)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"].startswith("where=")
    assert time.monotonic() - started < 5


def test_a_slow_where_ends_at_the_time_limit_and_the_server_goes_on(server) -> None:
    base, _ = server
    started = time.monotonic()
    answer = search(base, where=SLOW)
    assert answer.status_code == 503 and "time limit" in answer.json()["error"]["message"]
    assert time.monotonic() - started < 5
    assert search(base, where="{ ?dataset a dcat:Dataset }").json()["total"] == 21


def test_where_reaches_only_published_records(server) -> None:
    base, _ = server
    broken = "<https://node.example/broken>"
    assert search(base, where=f"{{ VALUES ?dataset {{ {broken} }} }}").json()["total"] == 0
    graphs = "{ GRAPH ?g { ?dataset ?p ?o } }"
    assert search(base, where=graphs).json()["total"] == 21  # the 22nd, rejected, is in no graph


def test_hostile_values_reach_sparql_as_terms(server) -> None:
    base, _ = server
    body = search(base, keyword=HOSTILE_KEYWORD, q='" } DELETE { ?s ?p ?o } WHERE #').json()
    answer = httpx.post(
        f"{base}/sparql",
        data={"query": body["sparql"]},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text  # it parses: nothing closed a string or a brace
    assert answer.json()["results"]["bindings"] == []  # and asks for what was typed, nothing else
    exact = search(base, keyword=HOSTILE_KEYWORD).json()
    answer = httpx.post(
        f"{base}/sparql",
        data={"query": exact["sparql"]},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    values = [row["dataset"]["value"] for row in answer.json()["results"]["bindings"]]
    assert values == ["https://node.example/hostile"]
