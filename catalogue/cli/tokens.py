"""``catalogue token``: the bearer tokens with which nodes push their own records."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from catalogue.cli.common import (
    app,
    backends_for,
    fail,
    read_only_store,
    routed,
    settings,
)
from catalogue.terminal import console, errors

token_app = typer.Typer(help="Bearer tokens with which a node pushes its own records.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
@routed
def token_create(
    name: Annotated[str, typer.Argument(help="the source the token may push to")],
    label: Annotated[str, typer.Option(help="a note to recognise the token by")] = "",
) -> None:
    """Create a push token for a source; it is shown once and stored only as a hash."""
    from catalogue.tokens import create_token

    current = settings()
    if name not in {s.name for s in current.sources}:
        errors.print(f"[red]No source called {escape(name)} in {escape(str(current.config_path))}[/red]")
        raise typer.Exit(2)
    backends = backends_for(current)
    try:
        token = create_token(backends.store, name, label)
    finally:
        backends.close()
    console.print(f"Push token for [bold]{escape(name)}[/bold] (shown once; keep it secret):")
    console.print(token, markup=False, highlight=False, soft_wrap=True)


@token_app.command("list")
def token_list(
    name: Annotated[str | None, typer.Argument(help="only this source's tokens")] = None,
) -> None:
    """List push tokens: id, source, label, when created and last used (never the tokens themselves)."""
    store = read_only_store(settings())  # read-only: works beside a running `catalogue serve`
    try:
        tokens = store.tokens(name)
    finally:
        store.close()
    table = Table(title="Push tokens")
    for column in ("id", "source", "label", "created", "last used"):
        table.add_column(column)
    for token in tokens:
        used = f"{token.last_used:%Y-%m-%d %H:%M}" if token.last_used else "never"
        table.add_row(
            Text(token.id), Text(token.source), Text(token.label), f"{token.created:%Y-%m-%d %H:%M}", used
        )
    console.print(table)


@token_app.command("revoke")
@routed
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="the token's id, as `catalogue token list` shows it")],
) -> None:
    """Revoke a push token: the node's pushes with it are refused from now on."""
    backends = backends_for(settings())
    try:
        revoked = backends.store.revoke_token(token_id)
    finally:
        backends.close()
    if revoked is None:
        fail("No such token", f"{token_id} (see `catalogue token list`)")
    console.print(
        f"Revoked token {revoked.id} of {revoked.source}" + (f" ({revoked.label})" if revoked.label else ""),
        markup=False,
    )
