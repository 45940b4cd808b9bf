"""Hostile traffic against /sparql on a real server (127.0.0.1 only, bounded in count and time).

The work of a query must end at its deadline — its worker process killed, its
CPU and memory given back — and the server must answer the next query at once.
The guards that already held (read-only, no SERVICE, public graphs only) stay.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from catalogue.config import StoreSettings
from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService
from catalogue.store import RemoteStoreError
from catalogue.store.sparql_server import SparqlServerTriples
from catalogue.web import create_app

DATASET = """
ex:d{n} a dcat:Dataset ; dct:title "Dataset {n}"@en ; dct:description "Genomes, part {n}."@en ;
   dct:publisher ex:org ; dcat:theme theme:HEAL ; dcat:keyword "genome", "part {n}" ;
   dcat:distribution ex:d{n}-csv .
ex:d{n}-csv a dcat:Distribution ; dcat:accessURL <https://node.example/access/{n}> ."""
DOC = (
    """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .

ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org ;
   dcat:dataset ex:broken, """
    + ", ".join(f"ex:d{n}" for n in range(20))
    + """ .
ex:org a foaf:Agent ; foaf:name "University Hospital"@en .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
    + "".join(DATASET.format(n=n) for n in range(20))
)
BROKEN = "https://node.example/broken"
# a worker's address space holds RocksDB's threads too: under 1.5 GB one may fail to start on a busy machine
LIMITS = Limits(timeout=1.0, max_concurrent=3, max_queue=8, max_memory_mb=1500, max_query_bytes=32_768)
ANY = "(<http://x.example/p>|!<http://x.example/p>)*"
# hours of work inside pyoxigraph before the first solution: the triples times 100^4 rows
NUMBERS = " ".join(str(i) for i in range(100))
CROSS_JOIN = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . "
    + " ".join(f"VALUES ?v{i} {{ {NUMBERS} }}" for i in range(4))
    + " }"
)
PROPERTY_PATH = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?a{i} {ANY} ?b{i} ." for i in range(5)) + " }"
# a hundred 60-byte strings, four times over, sorted: 10^8 rows of strings in memory
WORDS = " ".join(f'"{"x" * 50}{i}"' for i in range(100))
MEMORY_HOG = (
    "SELECT ?a ?b ?c ?d WHERE { "
    + " ".join(f"VALUES ?{name} {{ {WORDS} }}" for name in "abcd")
    + " } ORDER BY ?a"
)


@pytest.fixture
def served(harvested, live_server):
    """``served(limits) -> (base URL, service)``: a real server whose workers are all up."""
    services: list[SparqlService] = []

    def start(limits: Limits = LIMITS) -> tuple[str, SparqlService]:
        backends = harvested(DOC)[0]
        app = create_app(backends)
        app.state.sparql.close()
        service = app.state.sparql = SparqlService(backends.store, limits)
        services.append(service)
        service.execute("ASK {}", deadline=time.monotonic() + 30)  # a worker is started
        service.workers.start()
        wait_for_workers(service, limits.max_concurrent)
        return live_server(app).url, service

    yield start
    for service in services:
        service.close()


def wait_for_workers(service: SparqlService, count: int) -> list[int]:
    """The pids of the pool's processes once ``count`` of them run (started in the background)."""
    for _ in range(300):
        pids = service.workers.pids()
        if len(pids) == count and all(Path(f"/proc/{pid}").exists() for pid in pids):
            return pids
        time.sleep(0.05)
    raise AssertionError(f"the pool has {service.workers.pids()} after 15 s, not {count} workers")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime, stime in clock ticks (USER_HZ = 100)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ask(url: str) -> httpx.Response:
    return httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=30)


# -- work is stopped at the deadline -------------------------------------------------


@pytest.mark.parametrize("query", [CROSS_JOIN, PROPERTY_PATH], ids=["cross join", "property path"])
def test_expensive_query_is_stopped_at_the_deadline_and_its_worker_is_gone(served, query: str) -> None:
    url, service = served()
    before = set(service.workers.pids())
    started = time.monotonic()
    response = httpx.get(url + "/sparql", params={"query": query}, timeout=30)
    assert response.status_code == 503 and "time limit" in response.text, response.text[:300]
    assert time.monotonic() - started < 3
    after = wait_for_workers(service, LIMITS.max_concurrent)
    killed = before - set(after)
    assert len(killed) == 1  # the worker that ran it…
    assert not any(Path(f"/proc/{pid}").exists() for pid in killed)  # …is gone, not a zombie either
    spent = {pid: cpu_seconds(pid) for pid in after}
    time.sleep(1.0)
    # no worker still computes, and none holds more than a resting one's memory
    assert all(cpu_seconds(pid) - spent[pid] < 0.2 for pid in after), spent
    assert all(rss_mb(pid) < 200 for pid in after)
    assert ask(url).json()["boolean"] is True


def test_a_query_past_its_memory_cap_is_503_and_the_server_stays_up(served) -> None:
    url, service = served(Limits(timeout=60, max_concurrent=1, max_memory_mb=800))
    (worker,) = service.workers.pids()
    response = httpx.get(url + "/sparql", params={"query": MEMORY_HOG}, timeout=90)
    assert response.status_code == 503 and "more memory than this endpoint allows (800 MB)" in response.text
    assert not Path(f"/proc/{worker}").exists()
    assert ask(url).json()["boolean"] is True


def test_twenty_concurrent_expensive_queries_then_ask_answers_at_once(served) -> None:
    url, service = served()
    with ThreadPoolExecutor(20) as pool:
        responses = list(
            pool.map(
                lambda _: httpx.get(url + "/sparql", params={"query": CROSS_JOIN}, timeout=30), range(20)
            )
        )
    assert sorted({r.status_code for r in responses}) == [503]
    assert any("too many" in r.text for r in responses)  # beyond 3 running and 8 waiting: refused at once
    assert all(r.headers.get("retry-after") for r in responses if "too many" in r.text)
    started = time.monotonic()
    assert ask(url).json()["boolean"] is True
    assert time.monotonic() - started < 2
    pids = wait_for_workers(service, LIMITS.max_concurrent)
    spent = {pid: cpu_seconds(pid) for pid in pids}
    time.sleep(0.5)
    assert all(cpu_seconds(pid) - spent[pid] < 0.2 for pid in pids)


# -- bodies are capped, and checking them never holds the event loop ---------------------


def test_big_bodies_are_refused_with_413(served) -> None:
    url, _ = served()
    padding = "#" + "x" * 100_000 + "\n"
    big = padding + "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    sparql_query = {"Content-Type": "application/sparql-query"}
    for response in (
        httpx.post(url + "/sparql", content=big.encode(), headers=sparql_query, timeout=30),
        httpx.post(url + "/sparql", data={"query": big}, timeout=30),
        httpx.post(url + "/sparql", content=b"x" * 10_000_000, headers=sparql_query, timeout=30),
        httpx.get(url + "/sparql", params={"query": "#" + "x" * 40_000 + "\nASK {}"}, timeout=30),
    ):
        assert response.status_code == 413, response.text[:200]
        assert "longer than this endpoint accepts (32,768 bytes)" in response.text
    # a body streamed without a length is cut off at the cap as well
    chunks = (b"x" * 65_536 for _ in range(100))
    assert httpx.post(url + "/sparql", content=chunks, headers=sparql_query, timeout=30).status_code == 413
    assert ask(url).json()["boolean"] is True


def test_a_query_slow_to_check_stalls_nothing(served) -> None:
    """6,000 spaces before SELECT: the read-only guard's regex took cubic time (4,000: 9 s, holding the
    GIL), on the event loop — every other request waited. Now it is linear, and runs in the worker."""
    url, _ = served(Limits(timeout=10, max_concurrent=2))
    search = url + "/api/search"
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        spaced = pool.submit(httpx.get, url + "/sparql", params={"query": " " * 6_000 + "ASK {}"}, timeout=60)
        assert httpx.get(search, params={"q": "genome"}, timeout=60).status_code == 200
        searched = time.monotonic() - started
        answer = spaced.result()
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    assert time.monotonic() - started < 3 and searched < 3


def test_a_query_that_crashes_pyoxigraph_takes_down_only_its_worker(served) -> None:
    """60,000 triple patterns overflow the stack of pyoxigraph's parser: a segmentation fault. In the web
    server's own process that ended the server; in a worker, the query gets a 503."""
    url, service = served(Limits(timeout=30, max_concurrent=1, max_query_bytes=4_000_000))
    patterns = " ".join(f"?s <http://x.example/p{i}> ?o{i} ." for i in range(60_000))
    response = httpx.post(
        url + "/sparql",
        content=f"SELECT ?s WHERE {{ {patterns} }}".encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=60,
    )
    assert response.status_code == 503 and "crashed its worker" in response.text
    assert ask(url).json()["boolean"] is True


# -- the guards that held before --------------------------------------------------------

GUARDED = [
    ("SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <https://x.example/a> <https://x.example/b> 'c' }", 400),
    ("# harmless\nPREFIX ex: <https://x.example/>\nDELETE WHERE { ?s ?p ?o }", 403),
    ("insert data { <https://x.example/a> <https://x.example/b> 'c' }", 403),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", 400),
    ("SELECT * WHERE { service   <http://127.0.0.1:1/sparql> { ?s ?p ?o } }", 400),
    ("SELECT * FROM <http://catalogue.test/graphs/records/be-zzz> WHERE { ?s ?p ?o }", 400),
    ("SELECT * FROM NAMED <http://elsewhere.example/g> WHERE { GRAPH ?g { ?s ?p ?o } }", 400),
]


@pytest.mark.parametrize(("query", "status"), GUARDED)
def test_updates_service_and_hidden_graphs_are_refused(served, query: str, status: int) -> None:
    url, _ = served()
    response = httpx.post(url + "/sparql", data={"query": query}, timeout=30)
    assert response.status_code == status, response.text


def test_a_rejected_records_graph_is_neither_named_nor_reachable(served) -> None:
    url, _ = served()
    graphs = httpx.get(
        url + "/sparql",
        params={"query": f"SELECT ?g WHERE {{ GRAPH ?g {{ <{BROKEN}> ?p ?o }} }}"},
        timeout=30,
    )
    assert graphs.json()["results"]["bindings"] == []
    hidden = "http://catalogue.test/graphs/records/be-broken"
    params = {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": hidden}
    response = httpx.get(url + "/sparql", params=params, timeout=30)
    assert response.status_code == 400 and "public graphs" in response.text  # as in FROM


# -- a SPARQL server that trickles its answer ----------------------------------------------


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """A query URL on 127.0.0.1 that sends a SPARQL JSON head, then one byte every 0.2 s for 20 s."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65_536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                b"Content-Length: 100000\r\n\r\n" + b'{"head": {"vars": ["s"]}, "results": {"bindings": ['
            )
            for _ in range(100):
                if stop.wait(0.2):
                    break
                with contextlib.suppress(OSError):
                    connection.sendall(b" ")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/query"
    stop.set()
    thread.join(5)
    listener.close()


def test_a_forwarded_answer_that_trickles_is_cut_off_at_the_deadline(trickling_server: str) -> None:
    """httpx's timeout holds per read: each byte in time kept us reading for 20 s, past any deadline."""
    settings = StoreSettings(
        backend="sparql",
        query_url=trickling_server,
        update_url=trickling_server,
        graph_store_url=trickling_server,
    )
    server = SparqlServerTriples(settings, "http://catalogue.test")
    started = time.monotonic()
    answer = server.open_query("SELECT ?s WHERE { ?s ?p ?o }", "application/sparql-results+json", [], [], 1.0)
    try:
        with pytest.raises(RemoteStoreError):
            answer.body.read()
    finally:
        answer.close()
        server.close()
    assert time.monotonic() - started < 2.5
