"""Where the ``catalogue`` command writes: this terminal, or that of a command sent to a running catalogue.

A command that writes the store runs inside ``catalogue serve`` when one is
running (see :mod:`catalogue.admin`). There it must print to the caller's
terminal and use the backends ``serve`` holds, without changing how the
commands are written: ``console`` and ``errors`` stand for whichever
terminal the running command belongs to, and :func:`borrowed_backends` says
which backends it may use. Both are context variables, so a command run
for the channel in one thread never writes to another command's caller.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from catalogue.admin import Stream
    from catalogue.backends import Backends
    from catalogue.fetch import StopSignal


@dataclass(frozen=True)
class _Caller:
    out: Console
    err: Console
    backends: Backends
    stop: StopSignal  # set when the caller stopped (Ctrl+C, SIGTERM) or its connection was lost


_caller: contextvars.ContextVar[_Caller | None] = contextvars.ContextVar("catalogue_caller", default=None)


class _Terminal:
    """A rich Console that is this process's own, or the caller's while a command runs for the channel."""

    def __init__(self, own: Console, which: str) -> None:
        self._own, self._which = own, which

    def current(self) -> Console:
        """The console itself (for objects that keep it, e.g. a progress bar refreshed from a thread)."""
        caller = _caller.get()
        return self._own if caller is None else getattr(caller, self._which)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)


console = _Terminal(Console(), "out")
errors = _Terminal(Console(stderr=True), "err")


def borrowed_backends() -> Backends | None:
    """The running catalogue's backends, while a command runs for the admin channel; else None."""
    caller = _caller.get()
    return None if caller is None else caller.backends


def caller_stop() -> StopSignal | None:
    """What tells a command run for the admin channel that its caller went away; else None.

    A harvest stops on it (its run recorded as interrupted); shorter commands finish.
    """
    caller = _caller.get()
    return None if caller is None else caller.stop


def run_for_caller(
    backends: Backends, command: Callable[[], object], out: Stream, err: Stream, stop: StopSignal
) -> int:
    """Run a command with its output going to the caller's streams; its exit status."""

    def call() -> int:
        view = {
            "width": out.width,
            "force_terminal": out.terminal,
            "color_system": "standard" if out.terminal else None,
        }
        _caller.set(_Caller(Console(file=out, **view), Console(file=err, **view), backends, stop))  # type: ignore[arg-type]
        try:
            command()
        except Exception as error:  # typer's and click's Exit carry the status
            if not hasattr(error, "exit_code"):
                raise
            return int(error.exit_code)
        return 0

    return contextvars.copy_context().run(call)
