"""`catalogue serve --workers 2`: a reader process beside the one that writes, all real.

The server runs in its own process on 127.0.0.1. To be sure a request was
answered by the reader, the writing process is stopped (SIGSTOP) meanwhile:
then only the reader accepts connections from the shared socket.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import ServedCatalogue, wait_for
from prometheus_client.parser import text_string_to_metric_families

from catalogue.demo.generated import generate_catalog


@pytest.fixture
def serving(serve_catalogue) -> ServedCatalogue:
    return serve_catalogue("--workers", "2", ready=lambda served: len(served.readers()) == 1)


def test_the_reader_sees_a_harvest_and_forwards_a_push_to_the_writer(
    serving: ServedCatalogue, tmp_path: Path
) -> None:
    (tmp_path / "nl.ttl").write_bytes(generate_catalog(300, base="https://nl.example/"))
    harvested = serving.cli("harvest", "nl")
    assert harvested.returncode == 0, harvested.stderr
    token = serving.token("workers")

    os.kill(serving.server.pid, signal.SIGSTOP)  # from here on only the reader accepts
    try:
        assert [serving.search_total(source="nl") for _ in range(5)] == [300] * 5
        pushed: list[httpx.Response] = []
        pushing = threading.Thread(target=lambda: pushed.append(serving.push(token, 500)))
        pushing.start()
        time.sleep(1.0)
        assert not pushed  # the reader passed it on to the writer, which is stopped
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)
    pushing.join(120)
    assert pushed and pushed[0].status_code == 200, pushed and pushed[0].text
    assert serving.search_total(source="be") == 21  # and the reader sees what the writer stored
    os.kill(serving.server.pid, signal.SIGSTOP)
    try:
        assert serving.search_total(source="be") == 21
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)


def test_a_killed_reader_loses_no_write_and_is_replaced(serving: ServedCatalogue, tmp_path: Path) -> None:
    token = serving.token("workers")
    (reader,) = serving.readers()
    os.kill(reader, signal.SIGKILL)
    assert serving.push(token, 700).status_code == 200
    (tmp_path / "nl.ttl").write_bytes(generate_catalog(50, base="https://nl.example/"))
    assert serving.cli("harvest", "nl").returncode == 0
    wait_for(lambda: len(serving.readers()) == 1 and serving.readers() != [reader])
    wait_for(lambda: serving.search_total(source="be") == 21)
    os.kill(serving.server.pid, signal.SIGSTOP)  # the new reader answers, with every write
    try:
        wait_for(lambda: serving.search_total(source="nl") == 50, seconds=30)
        assert serving.search_total(source="be") == 21
    finally:
        os.kill(serving.server.pid, signal.SIGCONT)


def test_sigterm_stops_the_readers_and_cleans_up(serving: ServedCatalogue) -> None:
    readers = serving.readers()
    serving.server.send_signal(signal.SIGTERM)
    serving.server.wait(timeout=60)
    output = serving.log.read_text()
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


def test_metrics_count_the_requests_of_every_worker(serve_catalogue, tmp_path: Path) -> None:
    stale = tmp_path / "data" / "metrics" / "histogram_1.db"  # an earlier run's samples: emptied at start
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale samples")
    serving = serve_catalogue("--workers", "2", ready=lambda served: len(served.readers()) == 1)
    assert not stale.exists()
    before = searches_counted(serving.url)
    os.kill(serving.server.pid, signal.SIGSTOP)  # only the reader answers these
    try:
        for _ in range(7):
            serving.search_total(q="genome")
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
        return len(reader.select(query))

    try:
        assert datasets() == 3
        node.write_bytes(generate_catalog(5, base="https://be.example/"))
        harvest_source(source, backends)
        assert datasets() == 5
    finally:
        reader.close()


def test_connections_to_the_public_socket_send_without_waiting_for_acks() -> None:
    """asyncio sets TCP_NODELAY only where the socket says it is TCP: without it a kept-alive
    connection's response body waited ~40 ms for the client's delayed ACK of the headers."""
    import asyncio
    import socket

    from catalogue.web.workers import tcp_listener

    async def nodelay_of_an_accepted_connection() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        listener = tcp_listener("127.0.0.1", 0)
        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        try:
            return await asyncio.wait_for(accepted, 10)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(nodelay_of_an_accepted_connection()) != 0
