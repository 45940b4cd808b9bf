"""Hostile input against a real Elasticsearch, and a test session killed while its nodes run.

Query text and facet values come from anyone: none may reach a query parser,
widen a filter or fail the request. And a test run that is killed (SIGKILL:
no atexit, no fixture teardown) must not leave an Elasticsearch node behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from catalogue.config import SearchSettings
from catalogue.index import SearchDocument, SearchIndex, SearchQuery
from catalogue.index.opening import open_index

HEAL = "http://publications.europa.eu/resource/authority/data-theme/HEAL"


@pytest.fixture
def index(es_url: str, tmp_path: Path) -> Iterator[SearchIndex]:
    prefix = f"catalogue-test-{uuid.uuid4().hex[:12]}"
    opened = open_index(SearchSettings(backend="elasticsearch", url=es_url, index_prefix=prefix), tmp_path)
    opened.upsert(
        SearchDocument(
            id=f"r{number}",
            uri=f"https://example.org/r{number}",
            source="alpha",
            title={"en": [f"Cancer registry {number}"]},
            facets={"theme": [HEAL]},
        )
        for number in range(30)
    )
    opened.commit()
    yield opened
    opened.close()
    for name in httpx.get(f"{es_url}/_alias/{prefix}-records", timeout=30).json():
        httpx.delete(f"{es_url}/{name}", timeout=30)
    httpx.delete(f"{es_url}/_index_template/{prefix}-records", timeout=30)


@pytest.mark.parametrize(
    "text",
    [
        "title_any:cancer OR *:*",
        '{"match_all": {}}',
        "cancer AND NOT registry",
        "/.*/ ~2 ^10 [a TO z]",
        "x" * 40_000,
        "cancer \u0000 \ufffe \U0001f600",
        " ".join(["cancer"] * 5_000),
    ],
)
def test_query_syntax_in_text_is_only_words(index: SearchIndex, text: str) -> None:
    results = index.search(SearchQuery(text=text))
    assert results.total in (0, 30)  # words that are there or not; never an error or a parsed query


def test_a_wildcard_facet_value_matches_only_itself(index: SearchIndex) -> None:
    for value in ("*", "http*", HEAL[:-1] + "?", ".*"):
        assert index.search(SearchQuery(filters={"theme": [value]})).total == 0
    assert index.search(SearchQuery(filters={"theme": [HEAL]})).total == 30


def test_a_page_far_past_the_end_is_empty(index: SearchIndex) -> None:
    results = index.search(SearchQuery(text="cancer", page=1_000_000, size=100))
    assert results.total == 30 and results.hits == []


CHILD = """
import sys, time, importlib.util
spec = importlib.util.spec_from_file_location("launcher", sys.argv[1])
launcher = importlib.util.module_from_spec(spec)
spec.loader.exec_module(launcher)
cluster = launcher.Cluster(1).start()
print(cluster.folder, flush=True)
time.sleep(600)
"""


def node_processes(folder: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if folder.encode() in cmdline.read_bytes():
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def test_nodes_die_with_a_session_killed_outright(es_launcher) -> None:
    if es_launcher.missing():
        pytest.skip(f"no {es_launcher.missing()}")
    launcher = Path(es_launcher.__file__)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(launcher)], stdout=subprocess.PIPE, text=True)
    try:
        folder = child.stdout.readline().strip()  # type: ignore[union-attr]
        assert folder, "the child did not start Elasticsearch"
        assert node_processes(folder)  # the CLI and the server JVM
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + 60
    while node_processes(folder) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert node_processes(folder) == []
    shutil.rmtree(folder, ignore_errors=True)  # what the killed session could not delete
