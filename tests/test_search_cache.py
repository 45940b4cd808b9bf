"""Kept search answers: bounded, and never older than the catalogue they are given for."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from conftest import NODE_HEAD, ServedCatalogue

from catalogue.demo.generated import generate_catalog
from catalogue.index import QueryError, SearchQuery
from catalogue.search_cache import SearchCache, query_key


def test_a_kept_value_is_given_while_the_state_holds_and_computed_again_after() -> None:
    cache, computed = SearchCache(), []

    def compute(value: str):
        return lambda: computed.append(value) or value

    assert cache.get("k", 1, 1, compute("a")) == "a"
    assert cache.get("k", 1, 1, compute("b")) == "a"
    assert cache.get("k", 2, 1, compute("c")) == "c"
    assert computed == ["a", "c"] and (cache.hits, cache.misses) == (1, 2)


def test_the_least_recently_used_go_first_by_count_and_by_size() -> None:
    cache = SearchCache(max_entries=2)
    for key in ("a", "b"):
        cache.get(key, 0, 1, lambda key=key: key)
    cache.get("a", 0, 1, lambda: "recomputed")  # a is used again: b is now the oldest
    cache.get("c", 0, 1, lambda: "c")
    assert len(cache) == 2
    assert cache.get("a", 0, 1, lambda: "recomputed") == "a"
    assert cache.get("b", 0, 1, lambda: "recomputed") == "recomputed"

    small = SearchCache(max_bytes=100 * 1024)  # a page of 20 results is estimated at over 100 kB
    small.get("x", 0, 20, lambda: "x")
    assert len(small) == 0


def test_a_failed_search_is_not_kept() -> None:
    cache = SearchCache()

    def refuse() -> str:
        raise QueryError("no")

    with pytest.raises(QueryError):
        cache.get("k", 0, 1, refuse)
    assert len(cache) == 0


def test_the_key_ignores_the_order_of_filters_but_not_the_language() -> None:
    one = SearchQuery(text="x", filters={"theme": ["a"], "format": ["b"]})
    other = SearchQuery(text="x", filters={"format": ["b"], "theme": ["a"]})
    assert query_key(one, "en") == query_key(other, "en") != query_key(one, "fr")


NODE = (
    NODE_HEAD
    + """
ex:catalog dcat:dataset ex:asthma .
ex:asthma a dcat:Dataset ; dct:title "Asthma cohort"@en ; dct:description "Children with asthma."@en ;
  dct:publisher ex:org .
"""
)


def test_an_index_commit_the_store_does_not_know_of_shows_at_once(site) -> None:
    """Link checks rescore records in the index without a harvest run: the next search must show it."""
    client = site(NODE)
    backends = client.app.state.backends
    (record,) = [meta for meta in backends.store.metas() if meta.kind == "dataset"]
    for _ in range(2):  # the second answer is the kept one
        assert client.get("/api/search", params={"q": "asthma"}).json()["total"] == 1
        assert f"/datasets/{record.id}" in client.get("/datasets", params={"q": "asthma"}).text
    generation = backends.store.generation()
    backends.index.delete([record.id])
    backends.index.commit()
    assert backends.store.generation() == generation
    assert client.get("/api/search", params={"q": "asthma"}).json()["total"] == 0
    assert f"/datasets/{record.id}" not in client.get("/datasets", params={"q": "asthma"}).text


def test_a_reader_process_gives_no_kept_answer_after_a_harvest(serve_catalogue, tmp_path: Path) -> None:
    """``serve --workers 2``: the reader keeps answers in its own memory; a harvest made by the
    writer (the CLI sends it there) must show in the reader's very next answer to the same search."""
    serving: ServedCatalogue = serve_catalogue("--workers", "2", ready=lambda s: len(s.readers()) == 1)
    (tmp_path / "nl.ttl").write_bytes(generate_catalog(30, base="https://nl.example/"))
    os.kill(serving.server.pid, signal.SIGSTOP)  # only the reader answers: it keeps the answer
    try:
        assert [serving.search_total(source="nl") for _ in range(3)] == [0, 0, 0]
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)
    harvested = serving.cli("harvest", "nl")
    assert harvested.returncode == 0, harvested.stderr
    os.kill(serving.server.pid, signal.SIGSTOP)
    try:
        assert serving.search_total(source="nl") == 30
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)
