"""Getting the catalogue's data out and back: ``export``, ``backup``, ``restore``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from catalogue.cli.common import (
    app,
    backends_for,
    fail,
    read_only_store,
    settings,
)
from catalogue.cli.maintenance import print_check
from catalogue.terminal import console, errors


@app.command()
def export(
    format: Annotated[
        str, typer.Option("--format", help="nq (a named graph per record) or ttl (merged)")
    ] = "nq",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write (default: catalogue.FORMAT.gz)")
    ] = None,
) -> None:
    """Write every visible record to a gzip-compressed N-Quads or Turtle file (as /dump.FORMAT.gz)."""
    from catalogue.feed import DUMPS, dump

    if format not in DUMPS:
        errors.print(f"[red]--format must be one of {', '.join(DUMPS)}[/red]")
        raise typer.Exit(2)
    current = settings()
    target = output or Path(f"catalogue.{format}.gz")
    store = read_only_store(current)  # read-only: works beside a running `catalogue serve`
    written = 0
    try:
        with open(target, "wb") as out:
            for chunk in dump(store, format, current):
                out.write(chunk)
                written += len(chunk)
    finally:
        store.close()
    console.print(escape(f"Wrote {target} ({written:,} bytes, gzip-compressed {format})."))


@app.command()
def backup(file: Annotated[Path, typer.Argument(help="the backup file to write (must not exist)")]) -> None:
    """Copy the record registry to FILE; works beside a running `catalogue serve` (the rest is rebuilt from it)."""
    from catalogue.backup import BackupError
    from catalogue.backup import backup as copy_registry

    try:
        summary = copy_registry(settings(), file)
    except BackupError as error:
        fail("Cannot back up", error)
    console.print(
        escape(
            f"Backed up {summary.records:,} records and {summary.runs:,} runs to {file} ({summary.bytes:,} bytes)."
        )
    )


@app.command()
def restore(file: Annotated[Path, typer.Argument(help="a file written by `catalogue backup`")]) -> None:
    """Restore a backup into an empty data directory, then rebuild the triple store and search index from it."""
    from catalogue.backup import BackupError
    from catalogue.backup import restore as put_back
    from catalogue.consistency import check as compare
    from catalogue.consistency import repair as bring_in_line

    current = settings()
    try:
        summary = put_back(current, file)
    except BackupError as error:
        fail("Cannot restore", error)
    backends = backends_for(current)  # rebuilds the triple side; a new index is filled from the store
    try:
        report = compare(backends.store, backends.index)
        if not report.in_line:  # e.g. an Elasticsearch index that outlived the catalogue
            bring_in_line(backends.store, backends.index, backends.vocabularies, report)
            report = compare(backends.store, backends.index)
    finally:
        backends.close()
    if not report.in_line:
        print_check(report)
        raise typer.Exit(1)
    console.print(
        escape(f"Restored {summary.records:,} records and {summary.runs:,} runs into {current.data_dir}.")
    )
