"""Real Elasticsearch 8 nodes for tests and benchmarks, on 127.0.0.1, from Maven Central.

No pytest here: ``tests/conftest.py`` starts a one-node cluster for the test
session, ``tests/index/test_es_cluster.py`` a three-node one, and
``bench/search.py`` both.

Where Elasticsearch comes from: Maven Central publishes Elasticsearch's own
minimal distribution, ``org.elasticsearch.distribution.integ-test-zip:elasticsearch``
(the server, its libraries and the transport-netty4 module; no bundled JDK),
fetched once with ``mvn dependency:get`` into ``~/.m2`` and unpacked per run.
It lacks two modules of the full distribution that the catalogue uses:
analysis-common (the ``pattern`` tokenizer and the ``length``,
``asciifolding`` and ``snowball`` filters the index template names) and
rest-root (``GET /``, which the client reads). ``tests/es/plugin`` supplies
them as a small plugin compiled here with ``javac`` against the distribution's
own jars: each part is the Lucene class that the module wraps under that name.

Elasticsearch refuses to run as root; as root, the nodes run as ``nobody``.
Each node is a process group of its own (the CLI and the server JVM under it),
stopped with its group; ``PR_SET_PDEATHSIG`` ends the CLI when the process that
started it dies without stopping it, and the server ends when its CLI does, so
an interrupted test session leaves no node behind.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

VERSION = "8.19.21"
ARTIFACT = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{VERSION}:zip"
#: heap of each node (the issue caps it at 1 GB)
HEAP = "512m"
#: how long a node may take to answer after it is started (a loaded 2-core machine needs about a minute)
START_SECONDS = 300
PLUGIN = Path(__file__).with_name("plugin")
#: the prefix of every cluster's folder, so in every node's command line (.ci/run looks for it)
MARKER = "catalogue-es-node"

_running: list[Node] = []


def missing() -> str | None:
    """What is missing to start Elasticsearch here, or None."""
    for tool in ("java", "javac", "mvn"):
        if shutil.which(tool) is None:
            return f"{tool} (apt-get install -y openjdk-17-jdk-headless maven)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def distribution_zip() -> Path:
    """The distribution in the local Maven repository, fetched first if it is not there yet."""
    repository = Path.home() / ".m2" / "repository"
    found = repository.joinpath(
        "org/elasticsearch/distribution/integ-test-zip/elasticsearch", VERSION, f"elasticsearch-{VERSION}.zip"
    )
    if not found.is_file():
        subprocess.run(
            ["mvn", "-B", "-q", "dependency:get", f"-Dartifact={ARTIFACT}", "-Dtransitive=false"],
            check=True,
            timeout=900,
            stdin=subprocess.DEVNULL,
        )
    return found


def unpack(folder: Path) -> Path:
    """Elasticsearch with the plugin installed, under ``folder``; its home."""
    with zipfile.ZipFile(distribution_zip()) as archive:
        archive.extractall(folder)
    home = folder / f"elasticsearch-{VERSION}"
    for script in (home / "bin").iterdir():
        script.chmod(0o755)  # zipfile does not keep the modes
    classes = folder / "plugin-classes"
    sources = sorted(str(path) for path in PLUGIN.rglob("*.java"))
    subprocess.run(
        ["javac", "-nowarn", "--release", "17", "-cp", str(home / "lib" / "*"), "-d", str(classes), *sources],
        check=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    installed = home / "plugins" / "catalogue-analysis"
    installed.mkdir(parents=True)
    with zipfile.ZipFile(installed / "catalogue-analysis.jar", "w") as jar:
        for path in classes.rglob("*.class"):
            jar.write(path, path.relative_to(classes).as_posix())
    descriptor = (PLUGIN / "plugin-descriptor.properties").read_text()
    (installed / "plugin-descriptor.properties").write_text(
        descriptor.replace("${elasticsearch.version}", VERSION)
    )
    return home


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the process that started it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Node:
    """One Elasticsearch node process (its CLI and server JVM) in a folder of its own."""

    def __init__(self, home: Path, folder: Path, name: str, settings: dict[str, str]) -> None:
        self.home, self.folder, self.name = home, folder, name
        self.http_port = free_port()
        self.transport_port = free_port()
        self.settings = settings
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def prepare(self) -> None:
        """The node's own config (the CLI writes a keystore there) and tmp folder."""
        shutil.copytree(self.home / "config", self.folder / "config")
        (self.folder / "tmp").mkdir()

    def start(self, seeds: list[str]) -> None:
        options = {
            "node.name": self.name,
            "network.host": "127.0.0.1",
            "http.port": str(self.http_port),
            "transport.port": str(self.transport_port),
            "path.data": str(self.folder / "data"),
            "path.logs": str(self.folder / "logs"),
            "discovery.seed_hosts": ",".join(seeds),
            "xpack.security.enabled": "false",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            **self.settings,
        }
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": java_home(),
            "ES_PATH_CONF": str(self.folder / "config"),
            "ES_TMPDIR": str(self.folder / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP}",
        }
        user = _unprivileged()
        self.process = subprocess.Popen(
            [
                str(self.home / "bin" / "elasticsearch"),
                *(f"-E{key}={value}" for key, value in options.items()),
            ],
            cwd=self.folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=(self.folder / "console.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user,
            group=user,
            preexec_fn=_die_with_parent,
        )
        _running.append(self)

    def stop(self, seconds: float = 60) -> None:
        """Stop the node (its whole process group) and wait for it; SIGKILL after ``seconds``."""
        process, self.process = self.process, None
        if process is None:
            return
        if self in _running:
            _running.remove(self)
        for sent in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sent)
            except ProcessLookupError:
                break
            try:
                process.wait(seconds)
                _wait_for_group(process.pid, seconds)
                break
            except subprocess.TimeoutExpired:
                continue

    def log(self, lines: int = 40) -> str:
        console = self.folder / "console.log"
        text = console.read_text(errors="replace") if console.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


class Cluster:
    """``size`` nodes of one cluster on 127.0.0.1 in a tmp folder; ``url`` reaches the first."""

    def __init__(self, size: int = 1, name: str = "catalogue-test") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"{MARKER}-"))
        names = [f"node-{number}" for number in range(size)]
        if size == 1:
            common = {"cluster.name": name, "discovery.type": "single-node"}
        else:
            common = {"cluster.name": name, "cluster.initial_master_nodes": ",".join(names)}
        try:
            self.home = unpack(self.folder / "dist")
            self.nodes = [Node(self.home, self.folder / node, node, common) for node in names]
            for node in self.nodes:
                node.folder.mkdir()
                node.prepare()
            _hand_over(self.folder)
        except BaseException:  # e.g. Maven offline, or interrupted: no folder left behind
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        return self.nodes[0].url

    def start(self) -> Cluster:
        seeds = [f"127.0.0.1:{node.transport_port}" for node in self.nodes]
        try:
            for node in self.nodes:
                node.start(seeds)
            self.wait(len(self.nodes))
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self, nodes: int, url: str | None = None, status: str = "yellow") -> None:
        """Until the cluster has ``nodes`` nodes and at least ``status`` health, asked at ``url``."""
        deadline = time.monotonic() + START_SECONDS
        target = url or self.url
        while time.monotonic() < deadline:
            for node in self.nodes:
                if node.process is not None and node.process.poll() is not None:
                    raise RuntimeError(f"Elasticsearch {node.name} stopped at start:\n{node.log()}")
            try:
                answer = httpx.get(
                    f"{target}/_cluster/health",
                    params={"wait_for_nodes": str(nodes), "wait_for_status": status, "timeout": "5s"},
                    timeout=10,
                )
                if answer.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError(
            f"Elasticsearch did not reach {nodes} node(s) and {status} within {START_SECONDS} s:\n{self.nodes[0].log()}"
        )

    def stop(self) -> None:
        """Stop every node and delete the folder."""
        for node in self.nodes:
            node.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def java_home() -> str:
    """The JDK that ``javac`` belongs to (Elasticsearch's scripts want ES_JAVA_HOME)."""
    return str(Path(shutil.which("javac") or "javac").resolve().parent.parent)


def _unprivileged() -> int | None:
    """The uid to run nodes as: ``nobody`` when we are root (Elasticsearch refuses root), else ours."""
    return pwd.getpwnam("nobody").pw_uid if os.geteuid() == 0 else None


def _hand_over(folder: Path) -> None:
    """Give the cluster's folder to the user the nodes run as (only when we are root)."""
    uid = _unprivileged()
    if uid is None:
        return
    gid = pwd.getpwuid(uid).pw_gid
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, gid, follow_symlinks=False)


def _wait_for_group(pgid: int, seconds: float) -> None:
    """Until no process of the group is left (the server JVM outlives its CLI for a moment)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise subprocess.TimeoutExpired(f"process group {pgid}", seconds)


@atexit.register
def _stop_all() -> None:
    """Whatever the session did not stop (an interrupted run) is stopped on the way out."""
    for node in list(_running):
        node.stop(seconds=20)
