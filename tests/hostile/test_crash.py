"""Kill tests: ``catalogue harvest`` and ``catalogue serve`` SIGKILLed at named stages, then restarted.

Each case starts from a catalogue that harvested version 1 of a small node,
changes the node to version 2 and runs a real ``catalogue`` process with
``CATALOGUE_STOP_AT=<point>`` (see ``catalogue/crashpoints.py``): when the
process reports that it stopped there, it gets SIGKILL. Then a plain
``catalogue serve`` (no hook) must answer, by itself, with search totals, a
SPARQL count and ``catalogue check`` that agree with the registry; the
registry holds version 1 if the kill came before its commit and version 2
after, nothing lost or twice; and the history shows a run killed before its
commit as interrupted. A plain harvest afterwards brings version 2 in full.
A server killed while it stores a push is held to the same.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import free_port

from catalogue.backends import open_backends
from catalogue.config import load_settings
from catalogue.consistency import check
from catalogue.harvest import harvest_source
from catalogue.records import record_id
from catalogue.tokens import create_token

NODE = "https://node.example/"
HEAD = f"""
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <{NODE}> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en .
"""
V1 = (
    HEAD
    + """
ex:catalog dcat:dataset ex:wgs, ex:cohort, ex:rare, ex:broken .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing"@en ; dct:description "Genomes."@en .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en .
ex:rare a dcat:Dataset ; dct:title "Rare diseases"@en ; dct:description "A registry."@en .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
)
# wgs changed, cohort unchanged, rare withdrawn, imaging new; broken still rejected
V2 = (
    HEAD
    + """
ex:catalog dcat:dataset ex:wgs, ex:cohort, ex:imaging, ex:broken .
ex:wgs a dcat:Dataset ; dct:title "Whole-genome sequencing, second batch"@en ; dct:description "Genomes."@en .
ex:cohort a dcat:Dataset ; dct:title "Cardiovascular cohort"@en ; dct:description "Heart study."@en .
ex:imaging a dcat:Dataset ; dct:title "Cardiac imaging"@en ; dct:description "MRI scans."@en .
ex:broken a dcat:Dataset ; dct:title "Broken record without description"@en .
"""
)
VISIBLE_V1 = {record_id("be", NODE + n) for n in ("wgs", "cohort", "rare")}
VISIBLE_V2 = {record_id("be", NODE + n) for n in ("wgs", "cohort", "imaging")}
#: points before the registry's commit: the run is interrupted, version 1 stays
BEFORE_COMMIT = ("fetched", "validated")
WAIT = 60.0  # seconds a process may take to reach a point or to answer
COUNT_DATASETS = "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"


def write_config(folder: Path, interval: str | None = None) -> Path:
    config = folder / "catalogue.toml"
    config.write_text(
        '[catalogue]\ntitle = "T"\nbase_url = "http://catalogue.test"\ndata_dir = "./data"\n\n'
        '[[sources]]\nname = "be"\nurl = "be.ttl"\n' + (f'interval = "{interval}"\n' if interval else "")
    )
    return config


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue that harvested version 1 (built once, copied by each case)."""
    folder = tmp_path_factory.mktemp("template")
    (folder / "be.ttl").write_text(V1)
    settings = load_settings(write_config(folder))
    backends = open_backends(settings)
    try:
        assert harvest_source(settings.source("be"), backends).run.outcome == "ok"
        (folder / "token").write_text(create_token(backends.store, "be", "kill test"))
    finally:
        backends.close()
    return folder


@pytest.fixture
def token(template: Path) -> str:
    """A push token of node be (in the template catalogue)."""
    return (template / "token").read_text()


@pytest.fixture
def catalogue_dir(template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(template, folder)
    (folder / "be.ttl").write_text(V2)
    return folder


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "catalogue", "--config", str(config), *args]


def run_until_stopped(args: list[str], point: str, log: Path) -> None:
    """Run a catalogue process until it stops at ``point``, then SIGKILL it."""
    env = {**os.environ, "CATALOGUE_STOP_AT": point}
    with log.open("w") as err:
        process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + WAIT
        while f"stopped at {point}" not in log.read_text():
            assert process.poll() is None, f"ended ({process.returncode}) before {point}: {log.read_text()}"
            assert time.monotonic() < deadline, f"never reached {point}: {log.read_text()}"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(WAIT)
    assert process.returncode == -signal.SIGKILL


@pytest.fixture
def serve(tmp_path: Path) -> Iterator:
    """Start ``catalogue serve`` (plain, or stopped at a point); stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(config: Path, port: int) -> httpx.Client:
        log = (tmp_path / "serve.log").open("w")
        started.append(subprocess.Popen(command(config, "serve", "--port", str(port)), stderr=log))
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT)
        deadline = time.monotonic() + WAIT
        while True:
            try:
                client.get("/api/sources").raise_for_status()
                return client
            except httpx.TransportError:
                assert started[-1].poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline
                time.sleep(0.1)

    yield start
    for process in started:
        process.terminate()
        process.wait(WAIT)


def registry_visible(folder: Path) -> set[str]:
    with sqlite3.connect(f"file:{folder / 'data/store/records.sqlite'}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT id FROM records WHERE kind = 'dataset' AND status IN ('published', 'flagged')"
        )
        return {row[0] for row in rows}


def assert_restart_agrees(folder: Path, config: Path, client: httpx.Client, expected: set[str]) -> None:
    """Search, SPARQL and `catalogue check` (beside the server) agree with the registry, which holds ``expected``."""
    assert registry_visible(folder) == expected
    found = client.get("/api/search", params={"size": 100}).json()
    ids = [hit["id"] for hit in found["results"]]
    assert found["total"] == len(ids) == len(expected) and set(ids) == expected
    answer = client.get(
        "/sparql", params={"query": COUNT_DATASETS}, headers={"Accept": "application/sparql-results+json"}
    )
    assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) == len(expected)
    # exit status 0: in line (1: drift); beside a running server the check may run inside it, so the
    # status is what the test relies on, not where the report is printed
    checked = subprocess.run(command(config, "check"), capture_output=True, text=True, timeout=WAIT)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def assert_history(client: httpx.Client, point: str) -> None:
    runs = client.get("/api/sources/be/harvests").json()
    assert [run["outcome"] for run in runs] == ["interrupted" if point in BEFORE_COMMIT else "ok", "ok"]
    if point in BEFORE_COMMIT:
        assert "interrupted" in runs[0]["error"]


def assert_a_plain_harvest_finishes_the_job(folder: Path, config: Path) -> None:
    settings = load_settings(config)
    backends = open_backends(settings)
    try:
        assert harvest_source(settings.source("be"), backends).run.outcome == "ok"
        assert check(backends.store, backends.index).in_line
    finally:
        backends.close()
    assert registry_visible(folder) == VISIBLE_V2


@pytest.mark.parametrize("point", ["fetched", "validated", "committed", "mirroring", "indexing"])
def test_a_harvest_killed_at_any_stage_leaves_a_catalogue_that_restarts_in_line(
    point: str, catalogue_dir: Path, serve
) -> None:
    config = catalogue_dir / "catalogue.toml"
    run_until_stopped(command(config, "harvest"), point, catalogue_dir / "harvest.log")

    client = serve(config, free_port())
    expected = VISIBLE_V1 if point in BEFORE_COMMIT else VISIBLE_V2
    assert_restart_agrees(catalogue_dir, config, client, expected)
    assert_history(client, point)
    client.close()


@pytest.mark.parametrize("point", ["validated", "committed", "indexing"])
def test_a_server_killed_during_a_scheduled_harvest_restarts_in_line(
    point: str, catalogue_dir: Path, serve
) -> None:
    config = write_config(catalogue_dir, interval="1s")
    run_until_stopped(
        command(config, "serve", "--port", str(free_port())), point, catalogue_dir / "serve.log"
    )

    config = write_config(
        catalogue_dir
    )  # the restart harvests nothing by itself: what it shows is what it found
    client = serve(config, free_port())
    expected = VISIBLE_V1 if point in BEFORE_COMMIT else VISIBLE_V2
    assert_restart_agrees(catalogue_dir, config, client, expected)
    assert_history(client, point)
    client.close()


@pytest.mark.parametrize("point", ["validated", "committed"])
def test_a_server_killed_during_a_push_restarts_in_line(
    point: str, token: str, catalogue_dir: Path, serve
) -> None:
    config = catalogue_dir / "catalogue.toml"
    port = free_port()
    log = catalogue_dir / "serve.log"
    env = {**os.environ, "CATALOGUE_STOP_AT": point}
    with log.open("w") as err:
        server = subprocess.Popen(command(config, "serve", "--port", str(port)), env=env, stderr=err)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    client.get("/api/sources").raise_for_status()
                    break
                except httpx.TransportError:
                    assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            pushing = threading.Thread(target=push_imaging, args=(client, token), daemon=True)
            pushing.start()  # its request never gets an answer: the server is killed while handling it
            deadline = time.monotonic() + WAIT
            while f"stopped at {point}" not in log.read_text():
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.05)
            server.send_signal(signal.SIGKILL)
    finally:
        server.kill()
        server.wait(WAIT)

    client = serve(config, free_port())
    expected = VISIBLE_V1 | ({record_id("be", NODE + "imaging")} if point != "validated" else set())
    assert_restart_agrees(catalogue_dir, config, client, expected)
    runs = client.get("/api/sources/be/harvests").json()
    assert [(r["kind"], r["outcome"]) for r in runs[:2]] == [
        ("push", "interrupted" if point == "validated" else "ok"),
        ("rdf", "ok"),
    ]
    client.close()


def push_imaging(client: httpx.Client, token: str) -> None:
    body = HEAD + 'ex:imaging a dcat:Dataset ; dct:title "Cardiac imaging"@en ; dct:description "MRI."@en .\n'
    headers = {"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"}
    with contextlib.suppress(httpx.HTTPError):
        client.put("/api/sources/be/records", content=body, headers=headers)


@pytest.mark.parametrize("point", ["fetched", "indexing"])
def test_a_plain_harvest_after_a_kill_completes_the_change(point: str, catalogue_dir: Path) -> None:
    config = catalogue_dir / "catalogue.toml"
    run_until_stopped(command(config, "harvest"), point, catalogue_dir / "harvest.log")
    assert_a_plain_harvest_finishes_the_job(catalogue_dir, config)
