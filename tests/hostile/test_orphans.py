"""Stopping a catalogue process leaves no process of its own behind (issue 16, operations).

``catalogue harvest`` and ``catalogue serve`` run real processes on a real
feed on 127.0.0.1: validation workers (``catalogue/validation/pool.py``),
SPARQL workers and their zygote (``catalogue/sparql/worker.py``), reader
processes (``catalogue/web/workers.py``). Each case waits until those children
exist, sends a signal to the catalogue process and then looks, in /proc, for
every process it had started: none may be left after a few seconds, whether
the catalogue could clean up (SIGTERM) or not (SIGKILL). A SIGTERMed harvest
also ends like Ctrl+C: a non-zero status, one line saying it was stopped, the
run interrupted in the history and the registry as it was. Whatever a failed
case leaves running is killed at its end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import FeedServer, free_port

from catalogue.backends import open_backends
from catalogue.config import load_settings
from catalogue.demo.generated import generate_catalog
from catalogue.harvest import VALIDATION_BATCH, harvest_source
from catalogue.schedule import STOP_GRACE

BASE = "https://be.example/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
WAIT = 120.0  # seconds a process may take to get where a case needs it (a loaded machine)
GONE = 10.0  # seconds its children may take to end once it was stopped
#: a process is (pid, start time in clock ticks): a pid the kernel hands out again is another process
Process = tuple[int, int]


def started(pid: int) -> int | None:
    """When the process started (field 22 of /proc/PID/stat), or None when it is gone or a zombie."""
    fields = stat(pid)
    return None if not fields or fields[0] in "ZX" else int(fields[19])


def descendants(pid: int) -> set[Process]:
    """Every live process below ``pid``: its children, theirs, and so on."""
    found: set[Process] = set()
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            if (start := started(child)) is not None:
                found |= {(child, start), *descendants(child)}
    return found


def alive(processes: set[Process]) -> set[Process]:
    return {(pid, start) for pid, start in processes if started(pid) == start}


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def validation_workers(pid: int) -> set[Process]:
    """The spawned validation workers below ``pid`` (not multiprocessing's resource tracker)."""
    return {p for p in descendants(pid) if "spawn_main" in command_line(p[0])}


def wait_until(
    condition: Callable[[], object], what: str, process: subprocess.Popen, log: Path, watched: set[Process]
) -> None:
    """Until ``condition`` holds; every process seen below ``process`` meanwhile is added to ``watched``."""
    deadline = time.monotonic() + WAIT
    while not condition():
        watched |= descendants(process.pid)
        assert process.poll() is None, f"ended ({process.returncode}) before {what}: {log.read_text()}"
        assert time.monotonic() < deadline, f"no {what} after {WAIT:g} s: {log.read_text()}"
        time.sleep(0.05)


def assert_all_gone(processes: set[Process], within: float = GONE) -> None:
    deadline = time.monotonic() + within
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive(processes)
    assert not left, f"{len(left)} orphan(s): " + "; ".join(command_line(p)[:120] for p, _ in left)


def kill_all(processes: set[Process]) -> None:
    """SIGKILL whatever of these still runs (a failed case must leave nothing behind)."""
    for pid, _ in alive(processes):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def watched() -> Iterator[set[Process]]:
    """Processes a case started, killed at its end if they outlived it."""
    processes: set[Process] = set()
    yield processes
    kill_all(processes)


def page(number: int, last: int, body: bytes, url: str) -> bytes:
    """A page of a Hydra-paged feed: the generated catalogue, with a link to the next page unless last."""
    view = f"{url}/page-{number}.ttl"
    paging = f"<{BASE}catalog> <{HYDRA}view> <{view}> .\n<{view}> a <{HYDRA}PartialCollectionView>"
    if number < last:
        paging += f" ; <{HYDRA}next> <{url}/page-{number + 1}.ttl>"
    return body + f"\n{paging} .\n".encode()


@pytest.fixture
def node(feed_server: FeedServer, tmp_path: Path) -> Path:
    """A catalogue that harvested 20 datasets of node be, whose feed now has a first page big enough
    for validation workers and a second page that takes two minutes to come: its config file."""
    feed_server.publish("page-1.ttl", page(1, 1, generate_catalog(20, base=BASE), feed_server.url))
    config = tmp_path / "catalogue.toml"
    config.write_text(
        f'[catalogue]\ntitle = "T"\nbase_url = "http://127.0.0.1:{free_port()}"\ndata_dir = "./data"\n\n'
        f"[limits]\ntimeout_seconds = {WAIT:g}\nretries = 0\n\n"
        f'[[sources]]\nname = "be"\nurl = "{feed_server.url}/page-1.ttl"\n'
    )
    settings = load_settings(config)
    backends = open_backends(settings)
    try:
        assert harvest_source(settings.source("be"), backends).run.outcome == "ok"
    finally:
        backends.close()
    # more new and changed datasets than a batch: validated by worker processes before page 2 is read
    big = generate_catalog(VALIDATION_BATCH + 100, base=BASE)
    feed_server.publish("page-1.ttl", page(1, 2, big, feed_server.url))  # not taken for "not modified"
    rest = generate_catalog(5, base=BASE, first=VALIDATION_BATCH + 100)
    feed_server.publish("page-2.ttl", page(2, 2, rest, feed_server.url))
    feed_server.delays["/page-2.ttl"] = WAIT
    return config


def registry(config: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(records, staged records, runs as (source, outcome, error)) of the catalogue's registry."""
    path = config.parent / "data" / "store" / "records.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return (
            db.execute("SELECT * FROM records ORDER BY id").fetchall(),
            db.execute("SELECT * FROM staging").fetchall(),
            db.execute("SELECT source, outcome, error FROM runs ORDER BY id").fetchall(),
        )


def catalogue(config: Path, *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:  # a file, not a pipe nobody reads
        return subprocess.Popen(
            [sys.executable, "-m", "catalogue", "--config", str(config), *args],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,  # a group of its own, for Ctrl+C
        )  # fmt: skip


def harvest_with_workers(
    config: Path, feed_server: FeedServer, watched: set[Process], log: Path, fetching: bool
) -> tuple[subprocess.Popen[bytes], set[Process]]:
    """`catalogue harvest` once its validation workers run (and, if ``fetching``, it waits for page 2)."""
    process = catalogue(config, "harvest", log=log)
    watched.add((process.pid, started(process.pid) or 0))
    wait_until(lambda: len(validation_workers(process.pid)) >= 2, "validation workers", process, log, watched)
    if fetching:
        wait_until(
            lambda: any(path == "/page-2.ttl" for path, _ in feed_server.requests),
            "page 2",
            process,
            log,
            watched,
        )
    children = descendants(process.pid)
    watched |= children
    return process, children


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_sigterm_stops_a_harvest_like_ctrl_c_and_its_workers_with_it(
    node: Path, feed_server: FeedServer, watched: set[Process], tmp_path: Path, signum: signal.Signals
) -> None:
    before, _, runs = registry(node)
    log = tmp_path / "harvest.log"
    process, children = harvest_with_workers(node, feed_server, watched, log, fetching=True)
    workers = validation_workers(process.pid)
    if signum == signal.SIGINT:  # Ctrl+C in a terminal: the whole process group gets it
        os.killpg(process.pid, signal.SIGINT)
    else:  # kill, systemd, docker: the process alone
        process.send_signal(signum)
    process.wait(GONE)
    output = log.read_text()
    assert process.returncode == 128 + signum, output  # it ended by itself, saying so in one line
    by = "Ctrl+C" if signum == signal.SIGINT else "SIGTERM"
    assert f"Harvest stopped by {by}: the source being harvested keeps what it had" in output, output
    assert "Traceback" not in output  # the workers left Ctrl+C to their parent
    assert_all_gone(workers, within=0)  # stopped before it exited, not left to end by themselves
    assert_all_gone(children)  # multiprocessing's resource tracker ends once its pipe closes
    records, staged, runs_after = registry(node)
    assert records == before and staged == []  # nothing it read was published, nothing left half-written
    assert runs_after[: len(runs)] == runs
    ((source, outcome, error),) = runs_after[len(runs) :]
    assert (source, outcome) == ("be", "interrupted") and "nothing it read was published" in error


def test_workers_of_a_sigkilled_harvest_end_by_themselves(
    node: Path, feed_server: FeedServer, watched: set[Process], tmp_path: Path
) -> None:
    process, children = harvest_with_workers(node, feed_server, watched, tmp_path / "h.log", fetching=False)
    process.send_signal(signal.SIGKILL)
    process.wait(GONE)
    assert_all_gone(children)


#: a query that keeps a SPARQL worker busy far longer than a case lasts (until its deadline, 10 s)
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=WAIT).status_code == 200
    except httpx.TransportError:
        return False


def stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name: [state, parent pid, …] ([] when gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2 :].split()


def sparql_worker_busy(pid: int) -> bool:
    """A SPARQL worker below ``pid`` (a child of the zygote) is running, not waiting for a query."""
    for worker, _ in descendants(pid):
        fields = stat(worker)
        if fields and fields[0] == "R" and "zygote_main" in command_line(int(fields[1])):
            return True
    return False


def serve_with_children(
    config: Path, watched: set[Process], log: Path
) -> tuple[subprocess.Popen[bytes], set[Process]]:
    """`catalogue serve --workers 2` once its reader, its SPARQL zygote and a worker busy with a
    query, and (a scheduled harvest of the big page) its validation workers all run."""
    with config.open("a") as settings:
        settings.write('interval = "1s"\n')
    port = load_settings(config).base_url.rsplit(":", 1)[1]
    process = catalogue(config, "serve", "--port", port, "--workers", "2", log=log)
    watched.add((process.pid, started(process.pid) or 0))
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: answers(f"{url}/healthz"), "answer", process, log, watched)

    def everything_runs() -> bool:
        lines = [command_line(pid) for pid, _ in descendants(process.pid)]
        return (
            any("catalogue.web.reader" in line for line in lines)
            and sum("spawn_main" in line for line in lines) >= 2
        )

    wait_until(everything_runs, "a reader and validation workers", process, log, watched)
    query = f"{url}/sparql?query=" + quote(CROSS_JOIN)
    threading.Thread(target=answers, args=(query,), daemon=True).start()  # cut short by the signal
    wait_until(lambda: sparql_worker_busy(process.pid), "a busy SPARQL worker", process, log, watched)
    children = descendants(process.pid)
    watched |= children
    return process, children


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT], ids=["SIGTERM", "SIGKILL", "Ctrl+C"]
)
def test_no_child_of_serve_outlives_it(
    node: Path, watched: set[Process], tmp_path: Path, signum: signal.Signals
) -> None:
    log = tmp_path / "serve.log"
    process, children = serve_with_children(node, watched, log)
    if signum == signal.SIGINT:  # Ctrl+C in a terminal: the whole process group gets it
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    # serve waits for its scheduled harvest to notice, up to a request's timeout (WAIT) and STOP_GRACE
    process.wait(WAIT + STOP_GRACE + 30)
    assert_all_gone(children)
    if signum == signal.SIGINT:  # its children left Ctrl+C to it: no traceback of theirs
        assert "Traceback" not in log.read_text(), log.read_text()
