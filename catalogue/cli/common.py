"""What every ``catalogue`` command shares: the app, the settings, the backends, errors, routing to a running catalogue."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.markup import escape

from catalogue.config import ConfigError, Settings, load_settings, locate_config
from catalogue.terminal import borrowed_backends, console, errors, run_for_caller

if TYPE_CHECKING:
    from catalogue.admin import Stream
    from catalogue.backends import Backends
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
            status = forward(settings().data_dir, command.__name__, params, view)
            if status is not None:
                raise typer.Exit(status)
        command(**params)

    return run_where_the_store_is


def run_routed(backends: Backends, name: str, params: dict[str, Any], out: Stream, err: Stream) -> int:
    """Run a routed command for the admin channel, inside the running catalogue."""
    return run_for_caller(backends, lambda: ROUTED[name](**params), out, err)


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
