"""The admin channel: commands that write run inside a running ``catalogue serve``.

The embedded store and index take one writing process at a time, and
``catalogue serve`` is that process while it runs. So that an operator need
not take the public catalogue down to harvest a node now, create a push
token or repair the index, ``serve`` listens on a Unix socket in
``data_dir/admin/`` (a folder only its user may enter; never a TCP port) and
the ``catalogue`` command sends such commands there when it finds a
catalogue serving: the running catalogue does the writing, with the backends
it already holds, and streams the command's output back, progress bars
included. A secret in the same folder, sent with every request, is what
authenticates the caller.

Frames are JSON lines: ``{"out": text}``, ``{"err": text}``, then
``{"exit": code}``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import secrets
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from catalogue.fetch import StopSignal

#: runs one command by name with its parameters, writing to (out, err), until stopped; its exit status
Runner = Callable[[str, dict[str, Any], "Stream", "Stream", StopSignal], int]
#: why a harvest run for the channel stopped, as its run's record says
CALLER_GONE = "the `catalogue` command that started it was stopped (Ctrl+C, SIGTERM) or lost its connection"
#: what the caller's terminal is like, so that tables and progress bars fit it
View = dict[str, Any]
SECRET_HEADER = "X-Catalogue-Admin"


def channel_dir(data_dir: Path) -> Path:
    return data_dir / "admin"


class Stream:
    """A text file for a rich Console that sends what is written to the caller, frame by frame."""

    def __init__(self, name: str, send: Callable[[dict[str, Any]], None], view: View) -> None:
        self.name, self._send = name, send
        self.width: int = int(view.get("width") or 80)
        self.terminal: bool = bool(view.get("terminal"))

    def write(self, text: str) -> int:
        if text:
            self._send({self.name: text})
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class AdminServer:
    """The socket ``serve`` listens on for commands, in a thread of its own."""

    def __init__(self, data_dir: Path, runner: Runner) -> None:
        self.folder = channel_dir(data_dir)
        self.runner = runner
        self.secret = secrets.token_urlsafe(32)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "socket"

    def start(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)  # an existing folder too: the socket and secret live here
        secret_file = self.folder / "secret"
        secret_file.unlink(missing_ok=True)
        descriptor = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(self.secret)
        self.socket.unlink(missing_ok=True)  # left by a catalogue that was killed
        app = Starlette(routes=[Route("/run", self._run, methods=["POST"])])
        config = uvicorn.Config(app, uds=str(self.socket), log_level="warning", timeout_graceful_shutdown=5)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="catalogue-admin", daemon=True)
        self._thread.start()
        for _ in range(500):
            if self._server.started or not self._thread.is_alive():
                break
            threading.Event().wait(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        for name in ("socket", "secret"):
            (self.folder / name).unlink(missing_ok=True)

    async def _run(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return JSONResponse({"detail": "not allowed"}, status_code=403)
        body = await request.json()
        frames: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        gone = StopSignal(CALLER_GONE)

        def send(frame: dict[str, Any] | None) -> None:
            if not gone.is_set():  # nobody reads a gone caller's frames: do not pile them up
                loop.call_soon_threadsafe(frames.put_nowait, frame)

        def work() -> None:
            try:
                out, err = Stream("out", send, body["view"]), Stream("err", send, body["view"])
                code = self.runner(body["command"], body["params"], out, err, gone)
            except BaseException as error:  # say what broke rather than leave the caller waiting
                send({"err": f"the command failed inside the running catalogue: {error!r}\n"})
                code = 1
            send({"exit": code})
            send(None)

        threading.Thread(target=work, name=f"catalogue-admin-{body['command']}", daemon=True).start()

        async def stream() -> AsyncIterator[bytes]:
            """The command's frames; if the caller disconnects first (the response is cancelled), it stops."""
            ended = False
            try:
                while (frame := await frames.get()) is not None:
                    yield json.dumps(frame).encode() + b"\n"
                ended = True
            finally:
                if not ended:
                    gone.set()

        return StreamingResponse(stream(), media_type="application/x-ndjson")


def forward(data_dir: Path, command: str, params: dict[str, Any], view: View) -> int | None:
    """Run a command in the catalogue serving ``data_dir``; its exit status, or None when none is serving.

    Once the command has started there, a lost connection is a failure (1), not
    a reason to run it here as well.
    """
    folder = channel_dir(data_dir)
    try:
        secret = (folder / "secret").read_text()
    except OSError:
        return None
    transport = httpx.HTTPTransport(uds=str(folder / "socket"))
    body = {"command": command, "params": params, "view": view}
    with httpx.Client(transport=transport, timeout=httpx.Timeout(10, read=None)) as client:
        try:
            answer = client.send(
                client.build_request(
                    "POST", "http://catalogue/run", json=body, headers={SECRET_HEADER: secret}
                ),
                stream=True,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, OSError):  # left by a catalogue that was killed
            return None
        try:
            if answer.status_code != 200:
                return None
            return _relay(answer.iter_lines())
        except httpx.HTTPError as error:
            sys.stderr.write(f"the running catalogue stopped answering: {error}\n")
            return 1
        finally:
            answer.close()


def _relay(lines: Any) -> int:
    code = 1
    for line in lines:
        frame = json.loads(line)
        if "out" in frame:
            sys.stdout.write(frame["out"])
            sys.stdout.flush()
        elif "err" in frame:
            sys.stderr.write(frame["err"])
            sys.stderr.flush()
        elif "exit" in frame:
            code = frame["exit"]
    return code
