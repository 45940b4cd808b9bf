"""Worker processes for SPARQL queries: work that can be stopped.

pyoxigraph cannot cancel a query from Python, and a thread cannot be killed:
a cross join or an exploding property path kept a core busy (and memory
growing, 1.75 → 5.8 GB once) long after its client had its 503. So queries
run in a small pool of long-lived processes, each with an address-space cap
(``RLIMIT_AS``). The parent waits for an answer until the query's deadline;
then it kills the worker, which gives the CPU and memory back at once, and
a fresh process is started in the background for the next query. A worker that dies
on its own (out of memory: Rust aborts when an allocation fails) is reported
as :class:`WorkerDied` and replaced the same way.

The pool has as many processes as queries may run at the same time; up to
``max_waiting`` more requests wait for one, until their own deadline; beyond
that they are refused at once (:class:`PoolFull`).

Processes are forked by a *zygote*: a helper process of our own that has
imported the handler's module once (a second), and called its ``warm_up()``
if it has one, and forks a worker on request
(in about 20 ms), handing the parent its end of a socket pair. Never a fork
of the web server itself: its threads may hold locks at any moment. (The
standard library's ``forkserver`` would do, but in Python 3.11 its preload
of the main script is broken: every worker imported uvicorn's or pytest's
main script again, 0.7 s.) The zygote reaps its children; it and the
workers end when the parent's end of their sockets closes — and a worker busy
with a query, which would notice only once it is answered, is SIGKILLed by the
kernel as soon as the zygote ends (``catalogue/lifeline.py``), so nothing
outlives a web server that was killed.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import queue
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from catalogue.errors import CatalogueError
from catalogue.lifeline import end_with_parent

log = logging.getLogger(__name__)

#: how much lower than the web server's the workers' CPU priority is (see nice(2))
WORKER_NICENESS = 10
#: glibc gives each thread that allocates a malloc arena of its own, 64 MB of address space reserved
#: each, up to 8 per core: under the address-space cap, the threads RocksDB starts with every read-only
#: view took a worker from 0.5 to over 1 GB of address space, until opening the next view aborted.
#: Two arenas keep a worker's address space what its queries use.
WORKER_ENVIRONMENT = {"MALLOC_ARENA_MAX": "2"}
#: what a worker runs for each request: a picklable module-level function (of its own request type)
Handler = Callable[[Any], object]


class PoolFull(CatalogueError):
    """Every worker is busy and the waiting line is full."""

    http_status = 503


class WorkerTimeout(CatalogueError):
    """The deadline passed: either no worker became free, or the query did not finish (it was killed)."""

    http_status = 503

    def __init__(self, started: bool) -> None:
        super().__init__("the query was stopped at its deadline" if started else "no worker became free")
        self.started = started


class WorkerDied(CatalogueError):
    """The worker ended while answering (usually: it reached its memory cap)."""

    http_status = 503


class _Slot:
    """One worker process and the parent's end of its socket, started on first use."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.pid: int | None = None
        self.conn: Connection | None = None

    def ensure(self) -> Connection:
        if self.conn is None:
            self.pid, self.conn = _zygote(self.pool.handler).fork(self.pool.memory_bytes)
        return self.conn

    def stop(self) -> None:
        """Kill the process (SIGKILL: it may be deep inside pyoxigraph) and wait until it is gone."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            _wait_gone(self.pid)
        if self.conn is not None:
            self.conn.close()
        self.pid = self.conn = None


def _wait_gone(pid: int, wait: float = 5.0) -> None:
    """Until the process has ended and its zygote has reaped it (it is not our child: no waitpid)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.005)


class WorkerPool:
    """``size`` worker processes running ``handler``; requests beyond them wait in a bounded line."""

    def __init__(self, handler: Handler, size: int, max_waiting: int, memory_bytes: int | None) -> None:
        self.handler, self.memory_bytes, self.max_waiting = handler, memory_bytes, max_waiting
        self._idle: queue.LifoQueue[_Slot] = queue.LifoQueue()
        self._slots = [_Slot(self) for _ in range(size)]
        self._waiting = self._restarting = 0
        self._lock = threading.Lock()
        self._closed = False
        for slot in self._slots:  # started by their first caller, or by start()
            self._idle.put(slot)

    def start(self) -> None:
        """Start every worker process now, in the background (the first query need not wait for it)."""
        idle = []
        with contextlib.suppress(queue.Empty):
            while True:
                idle.append(self._idle.get_nowait())
        for slot in idle:  # (the restarted ones are back in the line at once: take them all first)
            if slot.conn is None:
                self._restart_later(slot)
            else:
                self._idle.put(slot)

    def call(self, request: object, deadline: float) -> object:
        """The handler's reply to ``request``, or an exception when the deadline passes or the worker dies."""
        slot = self._acquire(deadline)
        if time.monotonic() >= deadline:  # its time went by in the waiting line
            self._idle.put(slot)
            raise WorkerTimeout(started=False)
        healthy = False
        try:
            try:
                conn = slot.ensure()
                conn.send(request)
                if not conn.poll(max(0.0, deadline - time.monotonic())):
                    raise WorkerTimeout(started=True)
                reply = conn.recv()
            except (EOFError, OSError) as error:  # it ended: killed for its memory, or crashed
                raise WorkerDied(_death(slot)) from error
            healthy = True
            return reply
        finally:
            if healthy and not self._closed:
                self._idle.put(slot)
            else:
                slot.stop()
                self._restart_later(slot)

    def _acquire(self, deadline: float) -> _Slot:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if self._waiting >= self.max_waiting + self._restarting:  # a worker starting is not busy
                raise PoolFull("every worker is busy and the waiting line is full")
            self._waiting += 1
        try:
            return self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise WorkerTimeout(started=False) from None
        finally:
            with self._lock:
                self._waiting -= 1

    def _restart_later(self, slot: _Slot) -> None:
        """Start the slot's process in a thread, then offer it: no caller waits for the start."""
        if not self._closed:
            with self._lock:
                self._restarting += 1
            threading.Thread(
                target=self._restart, args=(slot,), name="sparql-worker-start", daemon=True
            ).start()

    def _restart(self, slot: _Slot) -> None:
        try:
            slot.ensure()
        except Exception:  # offered anyway: the next caller starts it, or reports why it cannot
            log.exception("starting a SPARQL worker process failed")
        if self._closed:
            slot.stop()
        self._idle.put(slot)
        with self._lock:
            self._restarting -= 1

    def pids(self) -> list[int]:
        """The worker processes running now (tests look at them in /proc)."""
        return [slot.pid for slot in self._slots if slot.pid is not None]

    def close(self) -> None:
        """Stop every worker; one still answering is stopped when its caller gives it back."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break


def _death(slot: _Slot) -> str:
    if slot.pid is not None:
        _wait_gone(slot.pid, 1.0)
    return f"the worker process {slot.pid} ended"


class _Zygote:
    """The helper process that forks workers (see the module's docstring); one per handler, shared."""

    def __init__(self, handler: Handler) -> None:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-c",
            # Ctrl+C in a terminal reaches the whole group: the parent stops, and its workers with it
            "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
            "from catalogue.sparql.worker import zygote_main; zygote_main(*sys.argv[1:])",
            str(theirs.fileno()),
            handler.__module__,
            handler.__qualname__,
            json.dumps(sys.path),
        ]
        self.process = subprocess.Popen(
            command, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=os.environ | WORKER_ENVIRONMENT
        )
        theirs.close()
        self.control = ours
        self.lock = threading.Lock()

    def fork(self, memory_bytes: int | None) -> tuple[int, Connection]:
        """A new worker: (its pid, our end of its socket)."""
        with self.lock:
            self.control.sendall(struct.pack("!q", memory_bytes or 0))
            message, fds, _, _ = socket.recv_fds(self.control, 64, 1)
        if not fds:
            raise OSError(f"the SPARQL worker zygote (pid {self.process.pid}) has ended")
        return int(message), Connection(fds[0])


_zygotes: dict[Handler, _Zygote] = {}
_zygotes_lock = threading.Lock()


def _zygote(handler: Handler) -> _Zygote:
    with _zygotes_lock:
        zygote = _zygotes.get(handler)
        if zygote is None or zygote.process.poll() is not None:
            zygote = _zygotes[handler] = _Zygote(handler)
        return zygote


def zygote_main(control_fd: str, module: str, name: str, path: str) -> None:
    """The zygote's life: import the handler once, then fork a worker per request until the parent goes."""
    sys.path[:] = json.loads(path)
    imported = importlib.import_module(module)
    handler = getattr(imported, name)
    warm_up = getattr(imported, "warm_up", None)
    if callable(warm_up):  # what every worker would do first (build a parser's grammar…): once, here
        warm_up()
    # a query may keep a core busy for its whole time limit: workers (forked from here) yield the CPU
    # to the web server, so pages and search stay quick while the endpoint is loaded
    os.nice(WORKER_NICENESS)
    control = socket.socket(fileno=int(control_fd))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps our children: no zombies
    zygote = os.getpid()
    while request := control.recv(8):
        (memory_bytes,) = struct.unpack("!q", request)
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            control.close()
            ours.close()
            try:
                end_with_parent(zygote)
                _serve(Connection(theirs.detach()), handler, memory_bytes or None)
            finally:
                os._exit(0)
        theirs.close()
        socket.send_fds(control, [str(pid).encode()], [ours.fileno()])
        ours.close()


def _serve(conn: Connection, handler: Handler, memory_bytes: int | None) -> None:
    """A worker's life: cap its memory, then answer requests until the pipe closes."""
    if memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(handler(request))
