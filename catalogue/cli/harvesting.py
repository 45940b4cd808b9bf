"""``catalogue harvest``: walk the sources, and print what each run found."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from catalogue.cli.common import (
    app,
    backends_for,
    fail,
    routed,
    settings,
    sigterm_as_ctrl_c,
    stopped_by,
)
from catalogue.terminal import caller_stop, console, errors

if TYPE_CHECKING:
    from catalogue.backends import Backends


@app.command()
@routed
def harvest(
    names: Annotated[list[str] | None, typer.Argument(help="sources to harvest (default: all)")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="withdraw however many datasets a source dropped (no brake)")
    ] = False,
) -> None:
    """Harvest sources: fetch, validate, store and index their datasets."""
    current = settings()
    unknown = [n for n in names or [] if n not in {s.name for s in current.sources}]
    if unknown:
        fail("No such source", f"{', '.join(unknown)} in {current.config_path}")
    pushed = [n for n in names or [] if current.source(n).kind == "push"]
    if pushed:
        fail("Push-only sources are not harvested", f'{", ".join(pushed)} (kind = "push")')
    backends = backends_for(current)
    try:
        with sigterm_as_ctrl_c():
            failed = run_harvests(
                backends, names or [s.name for s in current.sources if s.kind != "push"], force
            )
    except KeyboardInterrupt as stop:
        signum, by = stopped_by(stop)
        errors.print("[red]Harvest stopped[/red] ", end="")
        errors.print(
            f"by {by}: the source being harvested keeps what it had; its run is recorded as interrupted",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(128 + signum) from None
    finally:
        backends.close()
    raise typer.Exit(1 if failed else 0)


def run_harvests(backends: Backends, names: list[str], force: bool = False) -> int:
    """Harvest with a progress bar and print the summary table; returns the number of failures."""
    from catalogue.harvest import harvest_source

    results = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(), console=console.current(), transient=True,
    ) as bar:  # fmt: skip
        for name in names:
            source = backends.settings.source(name)
            task = bar.add_task(escape(f"{name:>6}"), total=None, stage="")

            def progress(stage: str, done: int, total: int, task=task) -> None:
                bar.update(task, stage=stage, completed=done, total=total or None)

            stop = caller_stop()  # run for the admin channel: its caller going away stops it
            results.append((source, harvest_source(source, backends, progress, force, stop)))
            bar.update(task, visible=False)
    table = Table(title="Harvest summary")
    columns = (
        "pages",
        "found",
        "new",
        "changed",
        "unchanged",
        "withdrawn",
        "published",
        "flagged",
        "rejected",
    )
    table.add_column("source")
    for column in columns:
        table.add_column(column, justify="right")
    table.add_column("errors")
    for source, result in results:
        run = result.run
        counts = [f"{getattr(run, column):,}" for column in columns]
        table.add_row(Text(source.name), *counts, "failed (below)" if run.error else "")
    console.print(table)
    for _, result in results:
        if result.run.error:
            errors.print("[red]error[/red] ", end="")
            errors.print(result.run.error, markup=False, highlight=False, soft_wrap=True)
    for source, result in results:
        for note in result.run.notes:  # claims on dataset IRIs another source publishes too
            console.print(f"[yellow]note[/yellow] {escape(source.name)}: ", end="")
            console.print(note, markup=False, highlight=False, soft_wrap=True)
        for record, report in result.rejected:
            console.print(
                f"[yellow]rejected[/yellow] {escape(f'{source.name}: {record.title} <{record.uri}>')}"
            )
            for item in report.results:
                if item.severity == "Violation":
                    console.print(f"    {_short(item.path)}: {item.message}", markup=False, highlight=False)
        if result.run.rejected > len(result.rejected):
            more = result.run.rejected - len(result.rejected)
            console.print(
                escape(
                    f"… and {more:,} more rejected records of {source.name}: see its page, /sources/{source.name}"
                )
            )
    return sum(result.run.outcome != "ok" for _, result in results)


def _short(iri: str | None) -> str:
    if not iri:
        return "(node)"
    for prefix, name in (
        ("http://purl.org/dc/terms/", "dct:"), ("http://www.w3.org/ns/dcat#", "dcat:"),
        ("http://xmlns.com/foaf/0.1/", "foaf:"), ("http://www.w3.org/2006/vcard/ns#", "vcard:"),
        ("http://spdx.org/rdf/terms#", "spdx:"), ("http://data.europa.eu/r5r/", "dcatap:"),
    ):  # fmt: skip
        if iri.startswith(prefix):
            return name + iri[len(prefix) :]
    return iri


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
