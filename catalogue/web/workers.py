"""Several processes serve readers; one of them writes (``catalogue serve --workers N``).

One Python process serves one core, so ``serve`` starts ``N - 1`` *reader*
processes beside itself, all accepting connections from the one listening
socket. The ``serve`` process stays the only writer — harvests, schedules,
link checks, pushes and the admin channel's commands run there, as with one
worker — and readers open the backends read-only: the registry through
read-only SQLite connections (WAL mode lets them read while the writer
commits), the search index without a writer, reloaded when the writer has
committed (``EmbeddedIndex.read_only``).

What a reader does not answer itself it forwards to the writer over a Unix
socket in ``data_dir/admin/`` (never a TCP port): every request that is not a
GET or HEAD (a push, a validation, a SPARQL POST), and the SPARQL endpoint,
the validation service, ``/readyz`` and ``/metrics``, so that SPARQL's worker
pool, the validation slots and the metrics stay one per catalogue rather than
one per process. A reader that dies is started again; nothing is lost, as it
never held a write. A reader ends with the ``serve`` process, even one that
is SIGKILLed (``catalogue/lifeline.py``; readers are started by the main thread
and by the thread that restarts them, which both run until the readers are stopped).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import FrameType

import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from catalogue.admin import channel_dir
from catalogue.web.operations import process_ended

log = logging.getLogger("catalogue.workers")

#: paths answered by the writing process whatever the method
FORWARDED = ("/sparql", "/validate", "/api/validate", "/readyz", "/metrics")
#: headers that belong to one connection, not to the request or response
HOP_BY_HOP = {b"connection", b"keep-alive", b"transfer-encoding", b"te", b"trailer", b"upgrade"}
#: seconds a reader may take to stop after SIGTERM before it is killed
STOP_WAIT = 10.0


class Server(uvicorn.Server):
    """uvicorn's server, but one that returns after the SIGTERM or SIGINT that stopped it.

    uvicorn raises the signal again once it has shut down, which ends the
    process right there: the caller's cleanup (closing the store and index,
    stopping the readers, removing sockets) would never run.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


class ReaderServer(Server):
    """A reader's server: Ctrl+C, which a terminal sends the whole process group, is left to the writer.

    The writer stops its readers with SIGTERM once it has stopped itself; a
    reader that ended on Ctrl+C first would be taken for a crashed one and
    started again, on a socket being closed.
    """

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig != signal.SIGINT:
            super().handle_exit(sig, frame)


def writer_socket(data_dir: Path) -> Path:
    """Where the writing process answers what readers forward."""
    return channel_dir(data_dir) / "web.sock"


def forwarded(method: str, path: str) -> bool:
    """Whether a reader passes this request to the writer."""
    return method not in ("GET", "HEAD") or any(path == p or path.startswith(p + "/") for p in FORWARDED)


class ForwardToWriter:
    """ASGI middleware of a reader: requests that write (or need the writer's pools) go to the writer.

    Bodies stream both ways, so a push's size is capped where it is read, by
    the writer's own limits; the caller's Host header is kept.
    """

    def __init__(self, app: ASGIApp, socket_path: Path) -> None:
        self.app, self.socket_path = app, socket_path
        self._client: httpx.AsyncClient | None = None

    def client(self) -> httpx.AsyncClient:
        if self._client is None:  # made on the server's event loop, at the first forwarded request
            transport = httpx.AsyncHTTPTransport(uds=str(self.socket_path))
            self._client = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(10, read=None))
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not forwarded(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP]
        query = scope.get("query_string", b"")
        target = scope.get("raw_path") or scope["path"].encode()
        url = "http://writer" + target.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        request = self.client().build_request(scope["method"], url, headers=headers, content=_body(receive))
        try:
            response = await self.client().send(request, stream=True)
        except httpx.HTTPError as error:
            log.warning(
                "the writing process did not answer a forwarded %s %s: %s", scope["method"], url, error
            )
            await _unavailable(send)
            return
        try:
            await send({
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP],
            })  # fmt: skip
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body"):
            return


async def _unavailable(send: Send) -> None:
    body = b'{"detail":"the catalogue is restarting; try again in a moment"}'
    await send({
        "type": "http.response.start", "status": 503,
        "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def tcp_listener(host: str, port: int) -> socket.socket:
    """The public listening socket, shared by the writer and the readers, made as TCP explicitly.

    asyncio turns Nagle's algorithm off (TCP_NODELAY) only on connections whose
    socket says it is TCP; ``socket.create_server`` leaves the protocol
    unnamed (0), and so do the connections it accepts. Then on a kept-alive
    connection a response's body waited for the client's delayed ACK of its
    headers: 40 ms more for every request after a connection's first.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(socket.SOMAXCONN)
    except OSError:
        listener.close()
        raise
    return listener


def unix_listener(path: Path) -> socket.socket:
    """The writer's socket for forwarded requests (its folder is the admin channel's, 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # left by a catalogue that was killed
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    return listener


class Readers:
    """The reader processes: started on the shared listening socket, restarted when one dies."""

    def __init__(self, config: Path, listener: socket.socket, count: int, log_format: str) -> None:
        self.config, self.listener, self.count, self.log_format = config, listener, count, log_format
        self.processes: list[subprocess.Popen[bytes]] = []
        self._stop, self._stopped = threading.Event(), threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="catalogue-readers", daemon=True)

    def start(self) -> None:
        self.processes = [self._spawn() for _ in range(self.count)]
        if self.count:
            self._watcher.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        fd = self.listener.fileno()
        command = [
            sys.executable, "-m", "catalogue.web.reader", str(self.config), str(fd), self.log_format,
            str(os.getpid()),
        ]  # fmt: skip
        return subprocess.Popen(command, pass_fds=(fd,))

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            for number, process in enumerate(self.processes):
                if process.poll() is not None and not self._stop.is_set():
                    log.warning(
                        "reader worker %d ended (exit %s); starting another", process.pid, process.returncode
                    )
                    process_ended(process.pid)
                    self.processes[number] = self._spawn()
        self._stopped.wait()  # the readers this thread started end with it (lifeline.py): not before stop()

    def stop(self) -> None:
        self._stop.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(STOP_WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process_ended(process.pid)
        self._stopped.set()
