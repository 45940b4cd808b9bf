"""What every ``catalogue`` command shares: the app, the settings, the backends, errors, routing to a running catalogue."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.markup import escape

from catalogue.config import ConfigError, Settings, load_settings, locate_config
from catalogue.terminal import borrowed_backends, console, errors, run_for_caller

if TYPE_CHECKING:
    from catalogue.admin import Stream
    from catalogue.backends import Backends
    from catalogue.fetch import StopSignal
    from catalogue.store import Store

T = TypeVar("T")

app = typer.Typer(help="A FAIR dataset catalogue for DCAT-AP metadata.", no_args_is_help=True)
#: commands that write the store: sent to a running `catalogue serve` when there is one (catalogue/admin.py)
ROUTED: dict[str, Callable[..., None]] = {}


class State:
    config: str | None = None


@app.callback()
def main(
    config: Annotated[
        str | None,
        typer.Option(
            "--config", "-c", help="catalogue.toml to use (else $CATALOGUE_CONFIG, else ./catalogue.toml)"
        ),
    ] = None,
) -> None:
    State.config = config


def fail(title: str, error: object) -> NoReturn:
    """Say what went wrong and exit 2; the title and the error's text are never read as markup."""
    errors.print(f"[red]{escape(title)}:[/red] ", end="")
    errors.print(str(error), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def routed(command: Callable[..., None]) -> Callable[..., None]:
    """Mark a command that writes the store: while a catalogue serves, it runs there (see catalogue/admin.py)."""
    ROUTED[command.__name__] = command

    @functools.wraps(command)
    def run_where_the_store_is(**params: Any) -> None:
        if borrowed_backends() is None:
            from catalogue.admin import forward

            view = {"width": console.width, "terminal": console.is_terminal}
            try:
                with sigterm_as_ctrl_c():
                    status = forward(settings().data_dir, command.__name__, params, view)
            except KeyboardInterrupt as stop:  # the connection is closed: the running catalogue notices
                signum, by = stopped_by(stop)
                what = "a harvest there stops at its next step, its run recorded as interrupted"
                errors.print(f"[red]Stopped[/red] by {by}: ", end="")
                errors.print(
                    f"the running catalogue was told ({what}; other commands finish there)",
                    markup=False, highlight=False, soft_wrap=True,
                )  # fmt: skip
                raise typer.Exit(128 + signum) from None
            if status is not None:
                raise typer.Exit(status)
        command(**params)

    return run_where_the_store_is


def run_routed(
    backends: Backends, name: str, params: dict[str, Any], out: Stream, err: Stream, stop: StopSignal
) -> int:
    """Run a routed command for the admin channel, inside the running catalogue, until its caller goes."""
    return run_for_caller(backends, lambda: ROUTED[name](**params), out, err, stop)


@contextlib.contextmanager
def sigterm_as_ctrl_c() -> Iterator[None]:
    """While a command runs in this process, SIGTERM stops it as Ctrl+C does: with a KeyboardInterrupt.

    So an operator's ``kill``, or systemd or docker stopping the service, ends
    a harvest cleanly — the run under way recorded as interrupted, its
    validation workers stopped, the store closed — instead of ending the
    process where it stands; a command sent to a running catalogue closes its
    connection, which stops a harvest there. A second SIGTERM ends the process
    at once (the next open of the store records the run). Only the main thread
    receives signals: elsewhere (a command run for the admin channel) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise KeyboardInterrupt(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stopped_by(stop: KeyboardInterrupt) -> tuple[int, str]:
    """The signal behind a KeyboardInterrupt (Ctrl+C's SIGINT, or SIGTERM by :func:`sigterm_as_ctrl_c`)
    and its name."""
    signum = stop.args[0] if stop.args and isinstance(stop.args[0], int) else signal.SIGINT
    return signum, "Ctrl+C" if signum == signal.SIGINT else signal.Signals(signum).name


def settings() -> Settings:
    if (running := borrowed_backends()) is not None:
        return running.settings
    try:
        return load_settings(locate_config(State.config))
    except ConfigError as error:
        fail("Configuration error", error)


def backends_for(current: Settings) -> Backends:
    if (running := borrowed_backends()) is not None:
        return dataclasses.replace(running, owned=False)  # the catalogue closes them, not the command
    from catalogue.backends import open_backends
    from catalogue.index import SearchBackendError
    from catalogue.store import RemoteStoreError, StoreLockedError

    try:
        return open_backends(current)
    except StoreLockedError as error:
        fail("Cannot open the store", error)
    except RemoteStoreError as error:  # [store] backend = "sparql": the server is down or refuses us
        fail("The SPARQL store cannot be used", error)
    except SearchBackendError as error:  # [search] backend = "elasticsearch": the same
        fail("The search index cannot be used", error)


def read_only_store(current: Settings) -> Store:
    from catalogue.store import RemoteStoreError, open_store

    try:
        return open_store(current, read_only=True)
    except (OSError, RemoteStoreError) as error:
        fail(f"Cannot open the store at {current.store_dir}", error)


def open_search(action: Callable[[], T], cleanup: Callable[[], None]) -> T:
    """Run an action that talks to the search backend; an unreachable one is a clear error."""
    from catalogue.index import SearchBackendError

    try:
        return action()
    except SearchBackendError as error:
        cleanup()
        fail("The search index cannot be used", error)
