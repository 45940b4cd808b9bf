"""Administration beside a running catalogue: `catalogue harvest` and `token create` while `serve` is up.

Everything is real: `catalogue serve` in its own process on 127.0.0.1, the
commands as the operator would type them, and a reader asking `/api/search`
all the while.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import CATALOGUE, ServedCatalogue, wait_for

from catalogue.demo.generated import generate_catalog
from catalogue.harvest.validating import VALIDATION_BATCH


@pytest.fixture
def serving(serve_catalogue, tmp_path: Path) -> Iterator[ServedCatalogue]:
    """A catalogue of one small node (be), harvested and served; nl is declared, not written."""
    served = serve_catalogue()
    yield served
    served.stop()
    assert not (tmp_path / "data" / "admin" / "socket").exists()  # the channel closes with the catalogue


def test_harvest_and_token_create_run_inside_the_running_catalogue(
    serving: ServedCatalogue, tmp_path: Path
) -> None:
    url = serving.url
    (tmp_path / "nl.ttl").write_bytes(generate_catalog(1500, base="https://nl.example/"))
    answers: list[int] = []
    reading = threading.Event()
    reading.set()

    def read() -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while reading.is_set():
                answers.append(client.get("/api/search", params={"q": "genome"}).status_code)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        harvest = serving.cli("harvest", "nl", timeout=600)
    finally:
        reading.clear()
        reader.join()
    assert harvest.returncode == 0, harvest.stderr
    assert "Harvest summary" in harvest.stdout and "1,500" in harvest.stdout
    assert len(answers) > 5 and set(answers) == {200}  # readers kept getting answers meanwhile
    assert httpx.get(f"{url}/api/search", params={"source": "nl", "size": 1}).json()["total"] == 1500
    history = httpx.get(f"{url}/api/sources/nl/harvests").json()
    assert history[0]["outcome"] == "ok" and history[0]["new"] == 1500

    token = serving.token("ci")
    pushed = serving.push(token, 100)
    assert pushed.status_code == 200, pushed.text

    listed = serving.cli("token", "list", timeout=60)
    assert listed.returncode == 0 and "ci" in listed.stdout and "never" not in listed.stdout


def test_errors_of_a_command_sent_to_the_running_catalogue_reach_the_caller(serving: ServedCatalogue) -> None:
    missing = serving.cli("harvest", "nl", timeout=120)
    assert missing.returncode == 1  # nl.ttl does not exist: the run fails, and says so here
    assert "nl" in missing.stderr and "nl.ttl" in missing.stderr
    unknown = serving.cli("token", "revoke", "000000000000", timeout=60)
    assert unknown.returncode == 2 and "No such token" in unknown.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl+C", "SIGTERM"])
def test_stopping_a_harvest_sent_to_the_running_catalogue_stops_it_there(
    serving: ServedCatalogue, tmp_path: Path, signum: signal.Signals
) -> None:
    """The operator's Ctrl+C (or a kill) reaches the harvest running inside `serve`: it stops at its next
    step and its run is recorded as interrupted, nothing of it published; the catalogue goes on serving."""
    (tmp_path / "nl.ttl").write_bytes(generate_catalog(3 * VALIDATION_BATCH, base="https://nl.example/"))
    client = subprocess.Popen(
        [*CATALOGUE, "harvest", "nl"], env=serving.env, start_new_session=True,  # its own group, as in a terminal
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: staged(serving.data, "nl") > 0 or client.poll() is not None, seconds=300)
        assert client.poll() is None, client.communicate()  # a first batch is staged: the harvest is midway
        if signum == signal.SIGINT:  # Ctrl+C in a terminal: the whole process group gets it
            os.killpg(client.pid, signum)
        else:
            client.send_signal(signum)
        _, stderr = client.communicate(timeout=30)  # the caller leaves at once
    finally:
        if client.poll() is None:
            client.kill()
    assert client.returncode == 128 + signum, stderr
    by = "Ctrl+C" if signum == signal.SIGINT else "SIGTERM"
    assert f"Stopped by {by}" in stderr and "recorded as interrupted" in stderr

    def last_run() -> dict:
        runs = httpx.get(f"{serving.url}/api/sources/nl/harvests", timeout=30).json()
        return runs[0] if runs else {}

    wait_for(lambda: last_run().get("outcome") == "interrupted", seconds=300)
    assert "stopped (Ctrl+C, SIGTERM) or lost its connection" in last_run()["error"]
    assert staged(serving.data, "nl") == 0  # what it had staged is gone, nothing published
    assert httpx.get(f"{serving.url}/api/search", params={"source": "nl", "size": 1}).json()["total"] == 0
    assert serving.search_total(source="be") == 20


def staged(data: Path, source: str) -> int:
    """Records of this source staged by a harvest under way (read-only, beside the running catalogue)."""
    with sqlite3.connect(f"file:{data / 'store' / 'records.sqlite'}?mode=ro", uri=True) as db:
        return db.execute("SELECT count(*) FROM staging WHERE source = ?", (source,)).fetchone()[0]


def test_a_stale_channel_is_ignored(tmp_path: Path) -> None:
    """A catalogue killed with SIGKILL leaves its socket: the next command runs here, as without one."""
    (tmp_path / "be.ttl").write_bytes(generate_catalog(3, base="https://be.example/"))
    config = tmp_path / "catalogue.toml"
    config.write_text(
        '[catalogue]\ntitle = "T"\ndata_dir = "./data"\n\n[[sources]]\nname = "be"\nurl = "be.ttl"\n'
    )
    channel = tmp_path / "data" / "admin"
    channel.mkdir(parents=True)
    (channel / "secret").write_text("left behind")
    (channel / "socket").write_text("")  # not a socket at all
    env = {**os.environ, "CATALOGUE_CONFIG": str(config)}
    harvest = subprocess.run([*CATALOGUE, "harvest"], env=env, capture_output=True, text=True, timeout=300)
    assert harvest.returncode == 0, harvest.stderr
    assert "Harvest summary" in harvest.stdout
