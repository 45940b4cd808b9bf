"""The embedded endpoint's copy of the public dataset: rebuilt in the background after a harvest, while
queries are answered from the previous copy — never blocked for the whole rebuild."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest

import catalogue.sparql as sparql
from catalogue.records import Record
from catalogue.sparql import Limits, SparqlService, Timeout, VisibleDataset
from catalogue.store import HarvestRun, RecordWrite, Store, open_store
from catalogue.validate import ValidationReport

TITLES = "SELECT ?t WHERE { ?d <http://purl.org/dc/terms/title> ?t } ORDER BY ?t"
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def add(store: Store, name: str) -> None:
    uri = f"https://node.example/{name}"
    triple = ox.Triple(ox.NamedNode(uri), ox.NamedNode("http://purl.org/dc/terms/title"), ox.Literal(name))
    record = Record(f"be-{name}", "be", "dataset", uri, (triple,), f"hash-{name}")
    write = RecordWrite(record, "published", ValidationReport(), "dcat-ap-3", "reject")
    store.apply([write], [], HarvestRun("be", NOW, NOW, "ok", found=1))


def titles(service: SparqlService) -> list[str]:
    return [row["t"].value for row in service.execute(TITLES).rows or []]


@pytest.fixture
def slow_builds(monkeypatch):
    """Every rebuild of the copy takes (at least) this long, as for a big catalogue."""
    real = VisibleDataset._build

    def set_delay(seconds: float) -> None:
        def slow(self):
            time.sleep(seconds)
            return real(self)

        monkeypatch.setattr(VisibleDataset, "_build", slow)

    monkeypatch.setattr(sparql, "REFRESH_WAIT", 0.2)
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
    service = SparqlService(store, Limits(timeout=0.3))
    try:
        with pytest.raises(Timeout):
            titles(service)
        time.sleep(1.2)
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
