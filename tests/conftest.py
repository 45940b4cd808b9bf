"""Shared fixtures: real stores and indexes in tmp dirs, a real HTTP server for feeds."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from catalogue.backends import Backends, open_backends
from catalogue.config import Limits, Settings, Source

#: ../shared/corpus beside the clone; CATALOGUE_CORPUS names it for a clone elsewhere (a git worktree)
CORPUS = Path(
    os.environ.get("CATALOGUE_CORPUS") or Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
)


@pytest.fixture(scope="session")
def es_launcher() -> ModuleType:
    """tests/es/launcher.py (pytest does not put tests/ on sys.path; bench/search.py loads it too)."""
    if "catalogue_test_es" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "catalogue_test_es", Path(__file__).parent / "es" / "launcher.py"
        )
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules["catalogue_test_es"] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules["catalogue_test_es"]


def no_search_cluster(why: str) -> None:
    """Skip, or fail when ``CATALOGUE_REQUIRE_SEARCH`` is set (by .ci/run): CI must run these tests."""
    if os.environ.get("CATALOGUE_REQUIRE_SEARCH"):
        pytest.fail(f"{why}, and CATALOGUE_REQUIRE_SEARCH is set")
    pytest.skip(why)


@pytest.fixture(scope="session")
def es_url(es_launcher: ModuleType) -> Iterator[str]:
    """An Elasticsearch 8 cluster for the session: ``$CATALOGUE_TEST_ES_URL``, else one started here.

    Started from Maven Central with Java when both are installed (see
    tests/es/launcher.py), on a free port of 127.0.0.1, and stopped at the end.
    """
    given = os.environ.get("CATALOGUE_TEST_ES_URL", "").strip()
    if given:
        yield given
        return
    cluster = start_es_cluster(es_launcher, 1)
    yield cluster.url
    cluster.stop()


def start_es_cluster(launcher: ModuleType, size: int):
    """A started ``launcher.Cluster`` of ``size`` nodes; a skip (or failure) when it cannot start."""
    missing = launcher.missing()
    if missing:
        no_search_cluster(f"no CATALOGUE_TEST_ES_URL, and no {missing} to start Elasticsearch")
    cluster = launcher.Cluster(size)
    try:
        return cluster.start()
    except Exception as error:
        no_search_cluster(f"Elasticsearch {launcher.VERSION} did not start: {error}")


@pytest.fixture
def es_cluster(es_launcher: ModuleType) -> Iterator:
    """``es_cluster(size)``: a cluster of its own for one test (always started here), stopped after it."""
    started: list = []

    def start(size: int):
        started.append(start_es_cluster(es_launcher, size))
        return started[-1]

    yield start
    for cluster in started:
        cluster.stop()


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


class FeedServer:
    """A real HTTP server on 127.0.0.1 serving a folder, with per-path overrides."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.overrides: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.delays: dict[str, float] = {}  # path → seconds to wait before answering
        #: path → seconds between the bytes of an answer that trickles in (for at most a minute)
        self.trickles: dict[str, float] = {}
        #: (path, request headers) of every GET, in order
        self.requests: list[tuple[str, dict[str, str]]] = []
        handler = functools.partial(_Handler, self, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def respond(self, path: str, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.overrides[path] = (status, headers or {}, body)

    def publish(self, name: str, body: bytes | str) -> str:
        """Write the file ``name`` so the server sees it changed; its URL.

        Last-Modified has one-second resolution and tests rewrite a file within the second a harvest
        fetched it, which a conditional GET would take for "not modified"; so each write moves the
        file's time on by a minute."""
        path = self.root / name
        previous = path.stat().st_mtime if path.exists() else time.time()
        path.write_bytes(body.encode() if isinstance(body, str) else body)
        os.utime(path, (previous + 60, previous + 60))
        return f"{self.url}/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".ttl": "text/turtle",
        ".jsonld": "application/ld+json",
        ".rdf": "application/rdf+xml",
        ".nt": "application/n-triples",
        ".trig": "application/trig",
        ".gz": "application/gzip",
    }

    def __init__(self, server_state: FeedServer, *args, **kwargs) -> None:
        self.state = server_state
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.state.requests.append((self.path, dict(self.headers.items())))
        time.sleep(self.state.delays.get(self.path, 0))
        if self.path in self.state.trickles:
            self._trickle(self.state.trickles[self.path])
            return
        if self.path in self.state.overrides:
            status, headers, body = self.state.overrides[self.path]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def _trickle(self, interval: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.end_headers()
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                self.wfile.write(b"#")
                self.wfile.flush()
                time.sleep(interval)
        except OSError:  # the client gave up
            pass

    def log_message(self, *args) -> None:
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """The real app served by uvicorn on 127.0.0.1, in a background thread."""

    def __init__(self, app, port: int | None = None) -> None:
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(250):
            if self.server.started:
                break
            time.sleep(0.02)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


#: the start of a node's Turtle: prefixes, its catalog and the publisher ex:org, for tests to add datasets to
NODE_HEAD = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
"""


@pytest.fixture
def harvested(tmp_path: Path, open_catalogue):
    """Harvest a Turtle document as the Belgian node: ``harvested(doc) -> (backends, source, path)``."""

    def harvest(document: str):
        from catalogue.harvest import harvest_source

        node = tmp_path / "be.ttl"
        node.write_text(document)
        source = Source(name="be", title="Belgian node", url=str(node), country="BE")
        backends = open_catalogue(source)
        harvest_source(source, backends)
        return backends, source, node

    return harvest


@pytest.fixture
def site(harvested) -> Iterator[Callable[[str], TestClient]]:
    """``site(doc)``: the app over a harvested Turtle document (the Belgian node), in a TestClient
    (its lifespan run); closed after the test."""
    from catalogue.web import create_app

    with ExitStack() as opened:

        def open_site(document: str) -> TestClient:
            return opened.enter_context(TestClient(create_app(harvested(document)[0])))

        yield open_site


@pytest.fixture
def live_server() -> Iterator:
    """Start the real app on 127.0.0.1 (``live_server(app, port=None)``); stopped after the test."""
    started: list[LiveServer] = []

    def start(app, port: int | None = None) -> LiveServer:
        started.append(LiveServer(app, port))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[FeedServer]:
    root = tmp_path / "feeds"
    root.mkdir()
    server = FeedServer(root)
    yield server
    server.close()


#: retries stay on (they are part of what is tested) but wait milliseconds, not seconds
QUICK_LIMITS = Limits(timeout_seconds=10.0, retries=1, backoff_seconds=0.01)


def make_settings(tmp_path: Path, *sources: Source) -> Settings:
    return Settings(
        title="Test catalogue",
        base_url="http://catalogue.test",
        data_dir=tmp_path / "data",
        sources=tuple(sources),
        limits=QUICK_LIMITS,
    )


@pytest.fixture
def open_catalogue(tmp_path: Path) -> Iterator:
    """Open real backends for some sources; closed at the end of the test."""
    opened: list[Backends] = []

    def opener(*sources: Source) -> Backends:
        backends = open_backends(make_settings(tmp_path, *sources))
        opened.append(backends)
        return backends

    yield opener
    for backends in opened:
        backends.close()


# -- `catalogue serve` in a process of its own ----------------------------------------------

CATALOGUE = [sys.executable, "-m", "catalogue"]


@dataclass
class ServedCatalogue:
    """`catalogue serve` in its own process on 127.0.0.1, over a config in a tmp dir; output in ``log``."""

    server: subprocess.Popen[bytes]
    url: str
    env: dict[str, str]
    data: Path
    log: Path

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A `catalogue` command as the operator types it beside the running server."""
        return subprocess.run(
            [*CATALOGUE, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def token(self, label: str) -> str:
        """A new push token for source be."""
        created = self.cli("token", "create", "be", "--label", label, timeout=60)
        assert created.returncode == 0, created.stderr
        return created.stdout.strip().splitlines()[-1]

    def push(self, token: str, first: int) -> httpx.Response:
        """One generated dataset (numbered ``first``) pushed to source be."""
        from catalogue.demo.generated import generate_catalog

        return httpx.put(
            f"{self.url}/api/sources/be/records",
            content=generate_catalog(1, base="https://be.example/", first=first),
            headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {token}"},
            timeout=120,
        )

    def readers(self) -> list[int]:
        """The reader processes of ``serve --workers N`` (children of the server running catalogue.web.reader)."""
        found = []
        for task in Path(f"/proc/{self.server.pid}/task").iterdir():
            for pid in (task / "children").read_text().split():
                try:
                    if b"catalogue.web.reader" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        found.append(int(pid))
                except OSError:
                    pass
        return found

    def search_total(self, **params: str) -> int:
        """``/api/search``'s total on a fresh connection, so whichever worker accepts it answers."""
        with httpx.Client(timeout=30) as client:
            answer = client.get(f"{self.url}/api/search", params={"size": "1", **params})
        assert answer.status_code == 200, answer.text
        return answer.json()["total"]

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """SIGTERM (after SIGCONT, should a test have left it stopped), then SIGKILL if it lingers."""
        if self.server.poll() is None:
            os.kill(self.server.pid, signal.SIGCONT)
            self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()


def wait_for(condition: Callable[[], object], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture
def serve_catalogue(tmp_path: Path) -> Iterator[Callable[..., ServedCatalogue]]:
    """``serve_catalogue(*serve_args)``: sources be (20 generated datasets, harvested first) and nl
    (``nl.ttl``, for the test to write) in ``catalogue.toml``, served on a free port once ``/healthz``
    answers and ``ready`` holds (300 s at most: a loaded machine); stopped after the test."""
    from catalogue.demo.generated import generate_catalog

    started: list[ServedCatalogue] = []

    def serve(*serve_args: str, ready: Callable[[ServedCatalogue], bool] = lambda _: True) -> ServedCatalogue:
        (tmp_path / "be.ttl").write_bytes(generate_catalog(20, base="https://be.example/"))
        port = free_port()
        config = tmp_path / "catalogue.toml"
        config.write_text(
            f'[catalogue]\ntitle = "T"\nbase_url = "http://127.0.0.1:{port}"\ndata_dir = "./data"\n\n'
            '[[sources]]\nname = "be"\nurl = "be.ttl"\n\n[[sources]]\nname = "nl"\nurl = "nl.ttl"\n'
        )
        env = {**os.environ, "CATALOGUE_CONFIG": str(config)}
        subprocess.run([*CATALOGUE, "harvest", "be"], env=env, check=True, capture_output=True, timeout=300)
        log = tmp_path / "serve.log"
        with log.open("wb") as output:  # a file, not a pipe: a pipe nobody reads would stop the server
            server = subprocess.Popen(
                [*CATALOGUE, "serve", "--port", str(port), *serve_args],
                env=env, stdout=output, stderr=subprocess.STDOUT,
            )  # fmt: skip
        served = ServedCatalogue(server, f"http://127.0.0.1:{port}", env, tmp_path / "data", log)
        started.append(served)
        wait_for(lambda: served.answers() and ready(served), seconds=300)
        return served

    yield serve
    for served in started:
        served.stop()
