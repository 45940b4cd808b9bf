"""Validation profiles: which SHACL shapes a source's records are checked against.

A profile has a name (what a source's ``profile`` says), the specification it
implements (linked from messages, claimed as ``dct:conformsTo`` in the feed)
and its shapes files; a profile may extend another, whose files then come
first. Three profiles are built in (``BUILT_IN``); an operator adds more with
``[[profiles]]`` tables in catalogue.toml (see catalogue/config.py), which
reach these functions through ``settings``.

:func:`load_shapes` parses shapes files into one graph; with ``tolerant=True``
a file that does not parse, or a shape that would crash pyshacl (a reference
to a shape that is not defined), is reported and left out while the rest
still runs.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from catalogue.errors import CatalogueError
from catalogue.resources import shapes_dir

if TYPE_CHECKING:  # rdflib is imported where shapes are loaded: the config needs only the table
    import rdflib

    from catalogue.config import Settings


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    spec: str  # the specification's URL ("" when a configured profile names none)
    #: shapes files of its own: names in shapes/ for built-in profiles, absolute paths for configured ones
    files: tuple[str, ...]
    extends: str | None = None


BUILT_IN = {
    "dcat-ap-3": Profile(
        "dcat-ap-3", "DCAT-AP 3.0.0", "https://semiceu.github.io/DCAT-AP/releases/3.0.0/", ("dcat-ap-3.ttl",)
    ),
    "healthdcat-ap": Profile(
        "healthdcat-ap",
        "HealthDCAT-AP Release 5",
        "https://healthdataeu.pages.code.europa.eu/healthdcat-ap/releases/release-5/",
        ("healthdcat-ap.ttl",),
        extends="dcat-ap-3",
    ),
    "gdi": Profile(
        "gdi",
        "GDI harmonised metadata model",
        "https://github.com/GenomicDataInfrastructure/gdi-metadata",
        ("gdi.ttl",),
        extends="healthdcat-ap",
    ),
}


class ShapesError(CatalogueError, ValueError):
    """Shapes that cannot be loaded: a file that does not parse, or a broken shape."""


def available(settings: Settings | None = None) -> list[Profile]:
    """The built-in profiles, then those configured in ``settings``."""
    configured = tuple(settings.profiles) if settings is not None else ()
    return [*BUILT_IN.values(), *configured]


def profile(name: str, settings: Settings | None = None) -> Profile:
    for known in available(settings):
        if known.name == name:
            return known
    names = ", ".join(p.name for p in available(settings))
    raise KeyError(f"no validation profile {name!r} (known: {names})")


def standard(name: str, settings: Settings | None = None) -> Profile | None:
    """The profile whose specification a record validated with ``name`` may claim (``dct:conformsTo``).

    Its own, else that of the nearest profile it extends (an operator's rules on
    top of GDI still make a GDI-conformant record); None when none names one.
    """
    seen: set[str] = set()
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        try:
            chosen = profile(current, settings)
        except KeyError:
            return None
        if chosen.spec:
            return chosen
        current = chosen.extends
    return None


def shapes_files(name: str, settings: Settings | None = None) -> list[Path]:
    """Every shapes file of the profile, those of the profiles it extends first."""
    chain: list[Profile] = []
    current: str | None = name
    while current is not None:
        chosen = profile(current, settings)
        if chosen in chain:
            raise KeyError(f"validation profile {name!r} extends itself (through {chosen.name!r})")
        chain.append(chosen)
        current = chosen.extends
    files = []
    for chosen in reversed(chain):
        for file_name in chosen.files:
            path = Path(file_name)
            if not path.is_absolute():
                path = shapes_dir() / path
            if not path.is_file():
                raise FileNotFoundError(f"no shapes for profile {chosen.name!r}: {path} is missing")
            files.append(path)
    return files


def combined_shapes_file(name: str, settings: Settings | None = None) -> Path:
    """One Turtle file with every shape of the profile (for code that takes a single path).

    A profile with one file is that file; otherwise the files are loaded
    (strictly) and written once to the temporary folder, named after a digest
    of their contents, so a changed file gives a new combined file.
    """
    files = shapes_files(name, settings)
    if len(files) == 1:
        return files[0]
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    folder = Path(tempfile.gettempdir()) / "catalogue-shapes"
    target = folder / f"{name}-{digest.hexdigest()[:16]}.ttl"
    if not target.is_file():
        graph, _ = load_shapes(files)
        folder.mkdir(parents=True, exist_ok=True)
        text = f"# The shapes of profile {name!r}, combined from:\n" + "".join(f"#   {p}\n" for p in files)
        text += graph.serialize(format="turtle")
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)  # atomic: parallel workers see a whole file or none
    return target


# ---------------------------------------------------------------------------
# Loading shapes
# ---------------------------------------------------------------------------


class LoadedShapes(NamedTuple):
    graph: rdflib.Graph
    #: human-readable problems, each naming the file (and the shape); empty unless tolerant
    problems: list[str]


def load_shapes(paths: Iterable[str | Path], tolerant: bool = False) -> LoadedShapes:
    """Parse shapes files into one graph, ready for pyshacl.

    Strict (the default): the first problem raises :class:`ShapesError`.
    Tolerant: a file that does not parse is left out, and so is every
    constraint that points at a shape defined nowhere in the files (pyshacl
    stops with an error on such an ``sh:property``, and silently accepts
    everything on such an ``sh:node``); each is reported in ``problems`` and
    the rest of the shapes still run. Shapes that pyshacl cannot build for
    another reason (a node shape with an sh:path, say) leave nothing to run:
    the problem is reported and the graph is empty.

    Unpack as ``graph, problems = load_shapes(files, tolerant=True)``.
    """
    import rdflib
    from rdflib.util import guess_format

    paths = list(paths)
    graph = rdflib.Graph()
    origin: dict[rdflib.term.Node, str] = {}  # subject -> the file that first described it
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        part = rdflib.Graph()
        try:
            part.parse(path, format=guess_format(str(path)) or "turtle")
        except Exception as error:  # rdflib raises many kinds of parser errors
            problem = f"{path}: does not parse: {_one_line(error)}"
            if not tolerant:
                raise ShapesError(problem) from error
            problems.append(f"{problem} (file left out)")
            continue
        for subject in part.subjects(unique=True):
            origin.setdefault(subject, str(path))
        for prefix, namespace in part.namespaces():
            graph.bind(prefix, namespace, override=False)
        graph += part
    for problem, broken in list(_broken_references(graph, origin)):
        if not tolerant:
            raise ShapesError(problem)
        problems.append(f"{problem} (constraint left out)")
        graph.remove(broken)
    try:
        _check_with_pyshacl(graph)
    except ShapesError as error:
        if not tolerant:
            raise
        # malformed beyond a missing reference (which file, which shape, pyshacl does not say)
        problems.append(f"{', '.join(map(str, paths))}: {error} (all shapes left out)")
        graph = rdflib.Graph()
    return LoadedShapes(graph, problems)


def _broken_references(
    graph: rdflib.Graph, origin: dict[rdflib.term.Node, str]
) -> Iterator[tuple[str, tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]]]:
    """(problem, the triple that holds the broken constraint) for every reference to a missing shape."""
    from rdflib.namespace import RDF, SH

    # parameters whose value is a shape (SHACL "shape-expecting"), and those taking a list of shapes
    shape_valued = (SH.node, SH["not"], SH.qualifiedValueShape)
    shape_lists = (SH["and"], SH["or"], SH.xone)

    def where(shape: rdflib.term.Node) -> str:
        owner = _named_owner(graph, shape)
        return f"{origin.get(owner, origin.get(shape, '(shapes)'))}: shape {_label(graph, owner)}"

    for shape, target in sorted(graph.subject_objects(SH.property)):
        paths = list(graph.objects(target, SH.path))
        if len(paths) != 1 or (target, RDF.type, SH.NodeShape) in graph:
            problem = (
                "is not defined" if not paths and not _defined(graph, target) else "has no single sh:path"
            )
            yield (
                f"{where(shape)}: sh:property {_label(graph, target)} {problem}",
                (shape, SH.property, target),
            )
    for parameter in shape_valued:
        for shape, target in sorted(graph.subject_objects(parameter)):
            if not _defined(graph, target):
                yield (
                    f"{where(shape)}: {graph.qname(parameter)} {_label(graph, target)} is not defined",
                    (shape, parameter, target),
                )
    for parameter in shape_lists:
        for shape, members in sorted(graph.subject_objects(parameter)):
            missing = [m for m in graph.items(members) if not _defined(graph, m)]
            if missing:
                names = ", ".join(_label(graph, m) for m in missing)
                yield (
                    f"{where(shape)}: {graph.qname(parameter)} lists {names}, which are not defined",
                    (shape, parameter, members),
                )


def _defined(graph: rdflib.Graph, node: rdflib.term.Node) -> bool:
    return (node, None, None) in graph


def _named_owner(graph: rdflib.Graph, shape: rdflib.term.Node) -> rdflib.term.Node:
    """The IRI shape a blank-node shape hangs off (for messages), else the shape itself."""
    from rdflib import BNode

    seen = {shape}
    while isinstance(shape, BNode):
        parent = next(graph.subjects(None, shape), None)
        if parent is None or parent in seen:
            break
        seen.add(parent)
        shape = parent
    return shape


def _label(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    from rdflib import URIRef

    if isinstance(node, URIRef):
        return f"<{node}>"
    return f"[{node}]"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _check_with_pyshacl(graph: rdflib.Graph) -> None:
    """Let pyshacl build every shape, so that a malformed one fails here rather than mid-harvest."""
    import rdflib
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError
    from pyshacl.shapes_graph import ShapesGraph

    copy = rdflib.Graph()
    copy += graph  # pyshacl adds a few axioms to the graph it is given
    try:
        ShapesGraph(copy).shapes  # noqa: B018 - building them is the check
    except (ShapeLoadError, ConstraintLoadError, ReportableRuntimeError) as error:
        raise ShapesError(f"the shapes cannot be loaded by pyshacl: {_one_line(error)}") from error
