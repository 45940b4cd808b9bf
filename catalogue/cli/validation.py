"""``catalogue validate``: SHACL reports for a file or URL, without storing anything."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from catalogue.cli.common import (
    State,
    app,
    fail,
    settings,
)
from catalogue.config import Settings, locate_config
from catalogue.terminal import console, errors

if TYPE_CHECKING:
    import rdflib


@app.command()
def validate(
    location: Annotated[str, typer.Argument(help="file path or URL of an RDF document")],
    profile: Annotated[
        str | None, typer.Option(help="validation profile (default dcat-ap-3; with --shapes: added to them)")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text, json, or turtle (a SHACL sh:ValidationReport)")
    ] = "text",
    shapes: Annotated[
        list[Path] | None,
        typer.Option(
            "--shapes", help="validate with this SHACL shapes file instead of a profile (repeatable)"
        ),
    ] = None,
) -> None:
    """Validate a document; exit 0 if it conforms, 1 on violations, 2 if it or the shapes cannot be read.

    With --shapes, shapes that cannot be loaded are named and left out, the
    rest still validate, and the exit code is 2.
    """
    from catalogue.config import Limits
    from catalogue.fetch import InputError, fetch
    from catalogue.validation import profiles
    from catalogue.validation.errors import ShapesError
    from catalogue.validation.render import to_json, to_text, to_turtle
    from catalogue.validation.summary import ShapeNotes, validate_document

    if output_format not in ("text", "json", "turtle"):
        errors.print("[red]--format must be text, json or turtle[/red]")
        raise typer.Exit(2)
    problems: list[str] = []
    configured = settings() if locate_config(State.config).is_file() else None  # for its [[profiles]]
    try:
        if profile:
            profiles.profile(profile, configured)  # an unknown name fails here, naming the known ones
        with _user_shapes(shapes or [], profile, problems, configured) as (shapes_path, shapes_graph):
            document = fetch(location, Limits(retries=0))  # a person is waiting
            if shapes_path is None:
                summary = validate_document(document, profile or "dcat-ap-3", settings=configured)
            else:
                notes = ShapeNotes.from_graph(shapes_graph)
                summary = validate_document(document, shapes=shapes_path, notes=notes)
    except (InputError, ShapesError, profiles.ShapesError, FileNotFoundError, KeyError) as error:
        _say_problems(problems)
        fail("Cannot validate", str(error).strip("'\""))
    if output_format == "json":
        typer.echo(json.dumps(to_json(summary), indent=2, ensure_ascii=False))
    elif output_format == "turtle":
        typer.echo(to_turtle(summary), nl=False)
    else:
        text = Text(to_text(summary))
        text.highlight_regex(r"(?m)^violations(?=:)|(?<=^    )Violation\b", "bold red")
        text.highlight_regex(r"(?m)(?<=^    )Warning\b", "yellow")
        text.highlight_regex(r"(?m)^conforms(?=:)", "green")
        console.print(text, highlight=False, soft_wrap=True)
    _say_problems(problems)
    raise typer.Exit(2 if problems else 0 if summary.conforms else 1)


@contextmanager
def _user_shapes(
    paths: list[Path], profile: str | None, problems: list[str], configured: Settings | None
) -> Iterator[tuple[Path | None, rdflib.Graph]]:
    """The --shapes files (after the profile's, with --profile) as one temporary file, and their graph.

    Yields (None, an empty graph) without --shapes: the profile is used as it is.
    Loading is tolerant: what cannot be loaded is added to ``problems`` and
    left out. Raises ShapesError when no shape is left at all.
    """
    import rdflib

    from catalogue.validation.errors import ShapesError
    from catalogue.validation.profiles import shapes_files
    from catalogue.validation.shapes import load_shapes

    if not paths:
        yield None, rdflib.Graph()
        return
    files = [*(shapes_files(profile, configured) if profile else []), *(path.absolute() for path in paths)]
    graph, found = load_shapes(files, tolerant=True)
    problems.extend(found)
    if not _has_targets(graph):
        raise ShapesError(f"no SHACL shapes with a target in {', '.join(str(f) for f in files)}")
    with tempfile.TemporaryDirectory(prefix="catalogue-shapes-") as folder:
        merged = Path(folder) / "shapes.ttl"
        graph.serialize(merged, format="turtle")
        yield merged, graph


def _has_targets(graph: rdflib.Graph) -> bool:
    """Whether any shape applies to anything: without one, every document would "conform"."""
    from rdflib.namespace import SH

    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    return any((None, target, None) in graph for target in targets)


def _say_problems(problems: list[str]) -> None:
    for problem in problems:
        errors.print("[yellow]Shapes left out:[/yellow] ", end="")
        errors.print(problem, markup=False, highlight=False, soft_wrap=True)
