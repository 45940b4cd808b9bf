"""The embedded endpoint's snapshot of the public dataset: rebuilt in the background after a harvest, while
queries are answered from the previous one — never blocked for the whole rebuild."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from worker_handlers import spin

import catalogue.sparql_snapshot as sparql_snapshot
from catalogue.model import ValidationReport
from catalogue.records import Record
from catalogue.sparql import (
    Limits,
    SparqlError,
    SparqlService,
    Timeout,
    TooLarge,
    UpdateRefused,
    check_query,
    choose_format,
    protocol_dataset,
)
from catalogue.sparql_snapshot import Snapshots
from catalogue.sparql_syntax import query_form
from catalogue.sparql_worker import PoolFull, WorkerDied, WorkerPool, WorkerTimeout
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


@pytest.fixture
def slow_builds(monkeypatch):
    """Every rebuild of the copy takes (at least) this long, as for a big catalogue."""
    real = Snapshots._build

    def set_delay(seconds: float) -> None:
        def slow(self, folder):
            time.sleep(seconds)
            return real(self, folder)

        monkeypatch.setattr(Snapshots, "_build", slow)

    monkeypatch.setattr(sparql_snapshot, "REFRESH_WAIT", 0.2)
    return set_delay


def test_queries_are_answered_from_the_last_copy_while_the_next_is_built(tmp_path: Path, slow_builds) -> None:
    store = open_store(tmp_path / "store", "http://catalogue.test")
    service = SparqlService(store, Limits(timeout=10))
    try:
        add(store, "alpha")
        assert titles(service) == ["alpha"]
        slow_builds(1.0)
        add(store, "beta")  # a harvest: the copy is out of date
        started = time.monotonic()
        assert titles(service) == ["alpha"]  # the previous harvest's snapshot…
        assert time.monotonic() - started < 0.8  # …after a short wait, not the whole rebuild
        for _ in range(50):  # the rebuild finishes in the background
            time.sleep(0.1)
            if titles(service) == ["alpha", "beta"]:
                break
        assert titles(service) == ["alpha", "beta"]
    finally:
        service.close()
        store.close()


def test_a_first_copy_that_takes_longer_than_a_query_may_run_is_a_timeout_then_answers(
    tmp_path: Path, slow_builds
) -> None:
    store = open_store(tmp_path / "store", "http://catalogue.test")
    add(store, "alpha")
    slow_builds(1.0)
    service = workers_up(SparqlService(store, Limits(timeout=0.5)))
    try:
        with pytest.raises(Timeout):
            titles(service)
        assert service.snapshots is not None
        service.snapshots.release(service.snapshots.acquire())  # the build goes on; wait for it
        assert titles(service) == ["alpha"]
    finally:
        service.close()
        store.close()


def test_closing_stops_a_copy_being_built(tmp_path: Path, slow_builds) -> None:
    store = open_store(tmp_path / "store", "http://catalogue.test")
    add(store, "alpha")
    service = SparqlService(store, Limits(timeout=0.3))
    slow_builds(0.5)
    with pytest.raises(Timeout):
        titles(service)  # starts the first build, which takes longer than the query may
    service.close()  # waits for the build to notice and stop, before the store closes
    assert not any(thread.name == "sparql-view" for thread in threading.enumerate())
    store.close()


def test_a_snapshot_is_deleted_once_a_newer_one_is_ready_and_nobody_reads_it(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store", "http://catalogue.test")
    snapshots = Snapshots(store, tmp_path / "sparql")
    try:
        add(store, "alpha")
        first = snapshots.acquire()
        assert first is not None and (first / "oxigraph").is_dir()
        add(store, "beta")
        second = snapshots.acquire()
        assert second is not None and second != first
        assert first.exists()  # still read by the first query
        snapshots.release(first)
        assert not first.exists() and second.exists()
        snapshots.release(second)
        assert second.exists()  # the current one stays
    finally:
        snapshots.close()
        store.close()
    assert list((tmp_path / "sparql").iterdir()) == []


def test_the_service_answers_from_the_snapshot_exactly_what_is_public(tmp_path: Path) -> None:
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
    """Nested loops of whitespace made it cubic: 4,000 spaces before SELECT took 9 s."""
    started = time.monotonic()
    for filler in (" " * 100_000, "# comment\n" * 20_000, "PREFIX ex: <http://x.example/>\n" * 5_000):
        check_query(filler + "SELECT * WHERE { ?s ?p ?o }")
        with pytest.raises(UpdateRefused):
            check_query(filler + "INSERT DATA { <http://x.example/a> <http://x.example/b> 'c' }")
    assert time.monotonic() - started < 2


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
