"""The SPARQL service: the embedded store's public dataset read by worker processes, the pool, the guard."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from worker_handlers import spin

from catalogue.model import ValidationReport
from catalogue.records import Record
from catalogue.sparql.answer import Limits, SparqlError, TooLarge, UpdateRefused, inspect, protocol_dataset
from catalogue.sparql.formats import choose_format
from catalogue.sparql.service import SparqlService
from catalogue.sparql.syntax import query_form
from catalogue.sparql.worker import PoolFull, WorkerDied, WorkerPool, WorkerTimeout
from catalogue.store import HarvestRun, RecordWrite, Store, open_store

TITLES = "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t } ORDER BY ?t"
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def add(store: Store, name: str) -> None:
    uri = f"https://node.example/{name}"
    triple = ox.Triple(ox.NamedNode(uri), ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal(name))
    record = Record(f"be-{name}", "be", "dataset", uri, (triple,), f"hash-{name}")
    write = RecordWrite(record, "published", ValidationReport(), "dcat-ap-3", "reject")
    store.apply([write], [], HarvestRun("be", NOW, NOW, "ok", found=1))


def workers_up(service: SparqlService) -> SparqlService:
    """The service once its worker processes run (tests with tight limits time the query, not the start)."""
    service.workers.start()
    for _ in range(300):
        if len(service.workers.pids()) == service.limits.max_concurrent:
            return service
        time.sleep(0.05)
    raise AssertionError("the worker processes did not start within 15 s")


def titles(service: SparqlService) -> list[str]:
    return [row["t"].value for row in service.execute(TITLES).rows or []]


def test_a_harvest_is_answered_by_the_next_query_without_waiting(tmp_path: Path) -> None:
    """Nothing is copied for the endpoint: the workers read the store, again after each harvest."""
    store = open_store(tmp_path / "store", "http://catalogue.test")
    service = SparqlService(store, Limits(timeout=30))
    try:
        add(store, "alpha")
        assert titles(service) == ["alpha"]
        add(store, "beta")
        started = time.monotonic()
        assert titles(service) == ["alpha", "beta"]
        assert time.monotonic() - started < 2  # a reopened read-only view, not a rebuilt copy
        assert not (tmp_path / "store" / "sparql").exists()
    finally:
        service.close()
        store.close()


def test_the_workers_read_the_store_itself(tmp_path: Path) -> None:
    """Before, the first query waited for a copy of the public graphs (at 100,000 datasets ~115 s of 503s,
    and again after each harvest): now the workers open the store's own folder, read-only."""
    store = open_store(tmp_path / "store", "http://catalogue.test")
    add(store, "alpha")
    service = SparqlService(store, Limits(timeout=30, max_concurrent=1))
    try:
        assert titles(service) == ["alpha"]
        (worker,) = service.workers.pids()
        opened = {str(link.readlink()) for link in Path(f"/proc/{worker}/fd").iterdir()}
        assert any(name.startswith(str(tmp_path / "store" / "oxigraph")) for name in opened)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # no copy anywhere
    finally:
        service.close()
        store.close()


def test_the_service_answers_exactly_what_is_public(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", "http://catalogue.test")
    add(store, "alpha")
    service = SparqlService(store, Limits(timeout=30))
    try:
        assert titles(service) == ["alpha"]
        graphs = service.execute("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g").rows
        assert [row["g"].value for row in graphs or []] == [
            "http://catalogue.test/graphs/provenance",
            "http://catalogue.test/graphs/records/be-alpha",
        ]
        with pytest.raises(SparqlError, match="public graphs"):
            service.execute(
                "SELECT * FROM <http://catalogue.test/graphs/records/be-nobody> WHERE { ?s ?p ?o }"
            )
    finally:
        service.close()
        store.close()


def add_many(store: Store, name: str, triples: int) -> None:
    """A record of many triples: enough writes for RocksDB to flush and compact under the readers."""
    uri = f"https://node.example/{name}"
    subject, title = ox.NamedNode(uri), ox.NamedNode("http://purl.org/dc/terms/title")
    said = tuple(
        ox.Triple(subject, ox.NamedNode(f"https://node.example/p{i}"), ox.Literal(f"{name} {i}"))
        for i in range(triples)
    )
    record = Record(
        f"be-{name}", "be", "dataset", uri, (ox.Triple(subject, title, ox.Literal(name)), *said), name
    )
    write = RecordWrite(record, "published", ValidationReport(), "dcat-ap-3", "reject")
    store.apply([write], [], HarvestRun("be", NOW, NOW, "ok", found=1))


def test_queries_are_answered_while_harvests_rewrite_the_store(tmp_path: Path) -> None:
    """A writer that keeps committing compacts away table files that open read-only views still name:
    the workers open the folder again and answer, rather than dying (once read as "out of memory")."""
    store = open_store(tmp_path / "store", "http://catalogue.test")
    service = SparqlService(store, Limits(timeout=30, max_concurrent=2, max_memory_mb=64000))
    stop = time.monotonic() + 20
    try:
        with ThreadPoolExecutor(1) as writer:
            writing = writer.submit(lambda: [add_many(store, f"n{i:03}", 3_000) for i in range(60)])
            answered = 0
            while not writing.done() and time.monotonic() < stop:
                seen = titles(service)
                assert seen == [f"n{i:03}" for i in range(len(seen))]  # whole commits, in order
                answered += 1
            writing.result()
        assert answered > 5
        assert len(titles(service)) == 60
    finally:
        service.close()
        store.close()


# -- the worker pool ----------------------------------------------------------------------


@pytest.fixture
def pool():
    pools: list[WorkerPool] = []

    def make(size: int = 1, waiting: int = 0, memory_mb: int | None = None) -> WorkerPool:
        pools.append(WorkerPool(spin, size, waiting, memory_mb and memory_mb * 2**20))
        return pools[-1]

    yield make
    for made in pools:
        made.close()


def test_a_worker_past_its_deadline_is_killed_and_replaced(pool) -> None:
    workers = pool(size=1)
    assert workers.call(("echo", 1), time.monotonic() + 30) == ("echo", 1)
    (first,) = workers.pids()
    started = time.monotonic()
    with pytest.raises(WorkerTimeout) as stopped:
        workers.call(("sleep", 60), time.monotonic() + 0.5)
    assert stopped.value.started and time.monotonic() - started < 1.5
    assert not Path(f"/proc/{first}").exists()
    assert workers.call(("echo", 2), time.monotonic() + 30) == ("echo", 2)
    assert workers.pids() != [first]


def test_a_worker_past_its_memory_cap_dies_and_is_replaced(pool) -> None:
    workers = pool(size=1, memory_mb=600)
    assert workers.call(("allocate", 50), time.monotonic() + 30) == 50 * 2**20
    with pytest.raises(WorkerDied):
        workers.call(("allocate", 1000), time.monotonic() + 30)
    assert workers.call(("echo", 3), time.monotonic() + 30) == ("echo", 3)


def test_requests_beyond_the_workers_wait_in_a_bounded_line(pool) -> None:
    workers = pool(size=1, waiting=1)
    with ThreadPoolExecutor(3) as threads:
        busy = threads.submit(workers.call, ("sleep", 1.0), time.monotonic() + 30)
        time.sleep(0.3)
        waiting = threads.submit(workers.call, ("echo", 4), time.monotonic() + 30)
        time.sleep(0.1)
        with pytest.raises(PoolFull):
            workers.call(("echo", 5), time.monotonic() + 30)
        assert waiting.result() == ("echo", 4) and busy.result() == ("sleep", 1.0)
    with ThreadPoolExecutor(1) as threads:
        busy = threads.submit(workers.call, ("sleep", 1.0), time.monotonic() + 30)
        time.sleep(0.3)
        with pytest.raises(WorkerTimeout) as late:
            workers.call(("echo", 6), time.monotonic() + 0.2)
        assert not late.value.started
        busy.result()


def test_the_read_only_guard_takes_linear_time() -> None:
    """Nested loops of whitespace made the old guard's regex cubic: 4,000 spaces before SELECT took 9 s.

    rdflib's parser is slower per byte but linear: four times the filler costs about four times as much.
    """
    for line in (" ", "# comment\n", "PREFIX ex: <http://x.example/>\n"):
        seconds = []
        for count in (250, 1000):
            started = time.perf_counter()
            inspect(line * count + "SELECT * WHERE { ?s ?p ?o }")
            with pytest.raises(UpdateRefused):
                inspect(line * count + "INSERT DATA { <http://x.example/a> <http://x.example/b> 'c' }")
            seconds.append(time.perf_counter() - started)
        assert seconds[1] < 10 * seconds[0] + 0.05, (line, seconds)


# -- the protocol's parameters, without a server ---------------------------------------


@pytest.mark.parametrize(
    ("formats", "accept", "expected"),
    [
        ([], None, ("json", "turtle")),
        (["tsv", "text/tab-separated-values"], "application/sparql-results+json", ("tsv", None)),
        (["text/csv"], None, ("csv", None)),
        (["pdf", "xml"], None, ("xml", "rdfxml")),  # the first value we know
        (["pdf"], "text/csv", ("csv", None)),  # unknown values do not override Accept
        (["html"], "text/csv", ("csv", None)),  # the page is the web layer's business
        ([], "application/sparql-results+json;q=0, */*", ("xml", "turtle")),  # q=0 refuses the alias too
        ([], "application/json", ("json", "jsonld")),
    ],
)
def test_choose_format(formats: list[str], accept: str | None, expected: tuple) -> None:
    assert choose_format(formats, accept) == expected


def test_protocol_dataset_names_public_graphs_only() -> None:
    public = {"https://x.example/g1", "https://x.example/g2"}
    default, named = protocol_dataset(["https://x.example/g1"], ["https://x.example/g2"], public)
    assert [n.value for n in default] == ["https://x.example/g1"] and [n.value for n in named] == [
        "https://x.example/g2"
    ]
    with pytest.raises(SparqlError, match="named-graph-uri may only name .*hidden"):
        protocol_dataset([], ["https://x.example/hidden"], public)
    with pytest.raises(SparqlError, match="is not an IRI"):
        protocol_dataset(["not an iri"], [], public)


def test_query_form_resolves_relative_iris_against_a_base() -> None:
    with pytest.raises(SyntaxError):
        query_form("CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert query_form("CONSTRUCT { <s> <p> 1 } WHERE {}", "http://catalogue.test/sparql") == "graph"


def test_too_large_is_not_a_request_size_status() -> None:
    assert TooLarge.http_status == 422
