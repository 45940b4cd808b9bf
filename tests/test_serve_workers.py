"""`catalogue serve --workers 2`: a reader process beside the one that writes, all real.

The server runs in its own process on 127.0.0.1. To be sure a request was
answered by the reader, the writing process is stopped (SIGSTOP) meanwhile:
then only the reader accepts connections from the shared socket.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import free_port
from prometheus_client.parser import text_string_to_metric_families

from catalogue.demo.generated import generate_catalog

CATALOGUE = [sys.executable, "-m", "catalogue"]


@dataclass
class Serving:
    server: subprocess.Popen[str]
    url: str
    env: dict[str, str]
    data: Path

    def readers(self) -> list[int]:
        """The reader processes' ids (children of the server running catalogue.web.reader)."""
        found = []
        for task in Path(f"/proc/{self.server.pid}/task").iterdir():
            for pid in (task / "children").read_text().split():
                try:
                    if b"catalogue.web.reader" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        found.append(int(pid))
                except OSError:
                    pass
        return found

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CATALOGUE, *args], env=self.env, capture_output=True, text=True, timeout=300)


def wait_for(condition, seconds: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Serving]:
    (tmp_path / "be.ttl").write_bytes(generate_catalog(20, base="https://be.example/"))
    port = free_port()
    config = tmp_path / "catalogue.toml"
    config.write_text(
        f'[catalogue]\ntitle = "T"\nbase_url = "http://127.0.0.1:{port}"\ndata_dir = "./data"\n\n'
        '[[sources]]\nname = "be"\nurl = "be.ttl"\n\n[[sources]]\nname = "nl"\nurl = "nl.ttl"\n'
    )
    env = {**os.environ, "CATALOGUE_CONFIG": str(config)}
    subprocess.run([*CATALOGUE, "harvest", "be"], env=env, check=True, capture_output=True, timeout=300)
    stale = tmp_path / "data" / "metrics" / "histogram_1.db"  # left by an earlier run
    stale.parent.mkdir()
    stale.write_bytes(b"stale samples")
    server = subprocess.Popen(
        [*CATALOGUE, "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    serving = Serving(server, f"http://127.0.0.1:{port}", env, tmp_path / "data")
    try:
        wait_for(
            lambda: answers(serving.url) and len(serving.readers()) == 1, seconds=300
        )  # a loaded machine
        yield serving
    finally:
        if server.poll() is None:
            os.kill(server.pid, signal.SIGCONT)
            server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def search_total(url: str, **params: str) -> int:
    """A fresh connection each time, so whichever worker accepts it answers."""
    with httpx.Client(timeout=30) as client:
        answer = client.get(f"{url}/api/search", params={"size": "1", **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["total"]


def push(serving: Serving, token: str, first: int) -> httpx.Response:
    return httpx.put(
        f"{serving.url}/api/sources/be/records",
        content=generate_catalog(1, base="https://be.example/", first=first),
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"},
        timeout=120,
    )


def test_the_reader_sees_a_harvest_and_forwards_a_push_to_the_writer(
    serving: Serving, tmp_path: Path
) -> None:
    (tmp_path / "nl.ttl").write_bytes(generate_catalog(300, base="https://nl.example/"))
    harvested = serving.cli("harvest", "nl")
    assert harvested.returncode == 0, harvested.stderr
    created = serving.cli("token", "create", "be", "--label", "workers")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]

    os.kill(serving.server.pid, signal.SIGSTOP)  # from here on only the reader accepts
    try:
        assert [search_total(serving.url, source="nl") for _ in range(5)] == [300] * 5
        pushed: list[httpx.Response] = []
        pushing = threading.Thread(target=lambda: pushed.append(push(serving, token, 500)))
        pushing.start()
        time.sleep(1.0)
        assert not pushed  # the reader passed it on to the writer, which is stopped
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)
    pushing.join(120)
    assert pushed and pushed[0].status_code == 200, pushed and pushed[0].text
    assert search_total(serving.url, source="be") == 21  # and the reader sees what the writer stored
    os.kill(serving.server.pid, signal.SIGSTOP)
    try:
        assert search_total(serving.url, source="be") == 21
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)


def test_a_killed_reader_loses_no_write_and_is_replaced(serving: Serving, tmp_path: Path) -> None:
    created = serving.cli("token", "create", "be", "--label", "workers")
    token = created.stdout.strip().splitlines()[-1]
    (reader,) = serving.readers()
    os.kill(reader, signal.SIGKILL)
    assert push(serving, token, 700).status_code == 200
    (tmp_path / "nl.ttl").write_bytes(generate_catalog(50, base="https://nl.example/"))
    assert serving.cli("harvest", "nl").returncode == 0
    wait_for(lambda: len(serving.readers()) == 1 and serving.readers() != [reader])
    wait_for(lambda: search_total(serving.url, source="be") == 21)
    os.kill(serving.server.pid, signal.SIGSTOP)  # the new reader answers, with every write
    try:
        wait_for(lambda: search_total(serving.url, source="nl") == 50, seconds=30)
        assert search_total(serving.url, source="be") == 21
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)


def test_sigterm_stops_the_readers_and_cleans_up(serving: Serving) -> None:
    readers = serving.readers()
    serving.server.send_signal(signal.SIGTERM)
    output, _ = serving.server.communicate(timeout=60)
    # uvicorn raised SIGTERM again after its shutdown, ending the process before this cleanup ran
    assert serving.server.returncode == 0, output
    assert "Stopped." in output
    for pid in readers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert (
        not list((serving.data / "admin").glob("*.sock")) and not (serving.data / "admin" / "socket").exists()
    )


def searches_counted(url: str) -> float:
    """``/api/search`` answers with 2xx counted in ``/metrics`` (which the writer answers)."""
    text = httpx.get(f"{url}/metrics", timeout=30).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "catalogue_request_seconds_count"
        and sample.labels == {"route": "/api/search", "method": "GET", "status": "2xx"}
    )


def test_metrics_count_the_requests_of_every_worker(serving: Serving) -> None:
    assert not (serving.data / "metrics" / "histogram_1.db").exists()  # an earlier run's: emptied at start
    before = searches_counted(serving.url)
    os.kill(serving.server.pid, signal.SIGSTOP)  # only the reader answers these
    try:
        for _ in range(7):
            search_total(serving.url, q="genome")
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)
    assert searches_counted(serving.url) >= before + 7
    (reader,) = serving.readers()
    os.kill(reader, signal.SIGKILL)  # a reader that died: what it answered stays counted
    wait_for(lambda: len(serving.readers()) == 1 and serving.readers() != [reader])
    assert searches_counted(serving.url) >= before + 7


def test_a_read_only_store_sees_the_triples_of_each_new_harvest(harvested) -> None:
    """What a reader's labels and linked-data lookups query: Oxigraph opened read-only beside the writer."""
    from catalogue.harvest import harvest_source
    from catalogue.store import open_store

    backends, source, node = harvested(generate_catalog(3, base="https://be.example/").decode())
    reader = open_store(backends.settings.store_dir, backends.settings.base_url, read_only=True)

    def datasets() -> int:
        reader.generation()  # what every cache keyed on the generation asks first
        query = "SELECT DISTINCT ?d WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> } }"
        return len(list(reader.query(query)))  # type: ignore[call-overload]

    try:
        assert datasets() == 3
        node.write_bytes(generate_catalog(5, base="https://be.example/"))
        harvest_source(source, backends)
        assert datasets() == 5
    finally:
        reader.close()
