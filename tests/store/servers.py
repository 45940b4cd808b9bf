"""Private SPARQL servers for tests and benchmarks: the Oxigraph server and Virtuoso, on 127.0.0.1.

Each runs from a folder of its own on a free port and is stopped after use.
No pytest here: ``bench/stores.py`` starts the same servers.

* Oxigraph: ``pip install oxigraph`` puts ``oxigraph`` beside the venv's python.
* Virtuoso: ``apt-get install -y virtuoso-opensource`` (``virtuoso-t``, ``isql-vt``).
  A minimal ``virtuoso.ini`` is written into the folder; SPARQL Update goes to
  ``/sparql-auth`` and the Graph Store Protocol to ``/sparql-graph-crud-auth``,
  both with digest login as ``dba``, whose password is changed from the default.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from catalogue.config import StoreSettings

ASK = {"query": "ASK {}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def oxigraph_binary() -> str | None:
    beside_python = Path(sys.executable).with_name("oxigraph")
    return str(beside_python) if beside_python.is_file() else shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


class Server:
    """A server process; ``settings`` is the ``[store]`` table that reaches it."""

    name = ""
    settings: StoreSettings
    process: subprocess.Popen

    def _wait(self, url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped at start:\n{self.log()}")
            try:
                if httpx.get(url, params=ASK, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {seconds:g} s:\n{self.log()}")

    def log(self) -> str:
        return ""

    def clear(self, prefix: str) -> None:
        """Drop every graph whose IRI starts with ``prefix`` (what tests wrote)."""
        found = httpx.post(
            self.settings.query_url,
            data={
                "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                f"FILTER STRSTARTS(STR(?g), {ox.Literal(prefix)}) }}"
            },
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        found.raise_for_status()
        graphs = [row["g"]["value"] for row in found.json()["results"]["bindings"]]
        if graphs:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))

    def update(self, text: str) -> None:
        auth = None
        if self.settings.user and self.settings.password:
            auth = httpx.DigestAuth(self.settings.user, self.settings.password)
        response = httpx.post(
            self.settings.update_url,
            content=text.encode(),
            headers={"Content-Type": "application/sparql-update"},
            auth=auth,
            timeout=60,
        )
        response.raise_for_status()

    def disk_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class OxigraphServer(Server):
    name = "oxigraph"

    def __init__(self, folder: Path, binary: str, timeout_seconds: int = 60) -> None:
        self.folder = folder
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        self.settings = StoreSettings(
            backend="sparql",
            query_url=f"{base}/query",
            update_url=f"{base}/update",
            graph_store_url=f"{base}/store",
        )
        self.log_file = open(folder / "oxigraph.log", "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [binary, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}",
             "--timeout-s", str(timeout_seconds)],
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait(self.settings.query_url, 30)

    def log(self) -> str:
        return (self.folder / "oxigraph.log").read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        super().stop()
        self.log_file.close()


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {folder}/virtuoso-temp.db
TransactionFile    = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
CheckpointInterval = 60
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty}
DirsAllowed        = {folder}
CaseMode           = 2

[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {folder}
ServerThreads      = 10
Charset            = UTF-8

[SPARQL]
; above the catalogue's [sparql] max_rows, so that too big a result is refused, not cut short
ResultSetMaxRows      = 1000000
MaxQueryExecutionTime = {timeout}
"""


class VirtuosoServer(Server):
    name = "virtuoso"

    def __init__(
        self,
        folder: Path,
        binary: str,
        memory_mb: int = 256,
        timeout_seconds: int = 60,
        password: str = "catalogue2026",
    ) -> None:
        self.folder = folder
        sql_port, http_port = free_port(), free_port()
        buffers = memory_mb * 1024 // 8 * 2 // 3  # Virtuoso's rule of thumb: 8 KB pages, 2/3 of the memory
        (folder / "virtuoso.ini").write_text(
            VIRTUOSO_INI.format(
                folder=folder, sql_port=sql_port, http_port=http_port, buffers=buffers,
                dirty=buffers * 3 // 4, timeout=timeout_seconds,
            )
        )  # fmt: skip
        self.process = subprocess.Popen(
            [binary, "-f", "+configfile", str(folder / "virtuoso.ini")],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{http_port}"
        self._wait(f"{base}/sparql", 120)
        user_password = "dba"
        isql = shutil.which("isql-vt") or shutil.which("isql")
        if isql is not None:  # the default password is public knowledge: change it
            subprocess.run(
                [isql, str(sql_port), "dba", "dba", f"exec=set password dba {password};"],
                check=True,
                capture_output=True,
                timeout=60,
            )
            user_password = password
        self.settings = StoreSettings(
            backend="sparql",
            query_url=f"{base}/sparql",
            update_url=f"{base}/sparql-auth",
            graph_store_url=f"{base}/sparql-graph-crud-auth",
            user="dba",
            password=user_password,
            auth="digest",
            named_graphs="all",
        )

    def log(self) -> str:
        path = self.folder / "virtuoso.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""
