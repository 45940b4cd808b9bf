"""The one shapes loader: shapes files merged into one graph, with what the engines need from it.

Strict (the default), the first problem raises :class:`ShapesError`: a file
that does not parse, a constraint that points at a shape defined nowhere in
the files, a shape pyshacl cannot build. Tolerant (``tolerant=True``, for
``catalogue shapes check`` and operators' own files), each problem is
reported in ``problems`` and what is broken is left out while the rest still
runs. Loads are cached for as long as the files stay the same.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import RDF, SH
from rdflib.util import guess_format

from catalogue.validation.errors import ShapesError

#: blank-node shapes with an sh:message get IRIs under this inside pyrudof (which renames
#: blank nodes), so that their results can be given their messages
SKOLEM = "urn:catalogue:shacl-shape:"

#: parameters whose value is a shape (SHACL "shape-expecting"), and those taking a list of shapes
SHAPE_REFERENCES = (SH.node, SH["not"], SH.qualifiedValueShape)
SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)

Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]


@dataclass(frozen=True)
class Shapes:
    """Shapes files merged into one graph; unpacks as ``graph, problems``.

    Each :func:`load_shapes` call gives a new object with its own graph, so
    what the engines derive from shapes is cached by :attr:`key` instead.
    """

    paths: tuple[Path, ...]
    graph: rdflib.Graph
    #: human-readable problems, each naming the file (and the shape); empty unless tolerant
    problems: list[str]
    #: shape (IRI, or SKOLEM IRI of a blank-node shape) → the message its results carry
    messages: dict[str, str]
    #: sha256 over the files' bytes, in order: changes whenever a shapes file does
    digest: str

    @property
    def key(self) -> tuple[tuple[Path, ...], str, tuple[str, ...]]:
        """The same for the same files, loaded the same way (the graph is then the same)."""
        return self.paths, self.digest, tuple(self.problems)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.graph, self.problems))


def load_shapes(
    paths: Path | str | Sequence[Path | str], tolerant: bool = False, checked: bool = True
) -> Shapes:
    """Parse shapes files into one graph, ready for either engine.

    ``tolerant``: see the module's docstring. ``checked=False`` skips letting
    pyshacl build every shape (for worker processes, whose parent has checked
    the same files).
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    files = tuple(Path(p) for p in paths)
    if not files and not tolerant:
        raise ShapesError("no shapes files given")
    stamps = []
    for path in files:
        try:
            stat = path.stat()
        except OSError as error:
            if not tolerant:
                raise ShapesError(f"{path}: cannot load shapes: {error}") from error
            stamps.append((path, -1, -1))  # parsing reports it
            continue
        stamps.append((path, stat.st_mtime_ns, stat.st_size))
    loaded = _load(tuple(stamps), tolerant, checked)
    # the caller's own copy: pyshacl adds axioms to the graph it is given, tests edit theirs
    graph = rdflib.Graph()
    for prefix, namespace in loaded.graph.namespaces():
        graph.bind(prefix, namespace, override=False)
    graph += loaded.graph
    return replace(loaded, graph=graph, problems=list(loaded.problems))


@lru_cache(maxsize=16)
def _load(stamps: tuple[tuple[Path, int, int], ...], tolerant: bool, checked: bool) -> Shapes:
    paths = [path for path, _, _ in stamps]
    graph, problems = _parse(paths, tolerant, checked)
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as error:
            if not tolerant:
                raise ShapesError(f"{path}: cannot load shapes: {error}") from error
    skolem = skolem_names(graph)
    messages = {}
    for shape in set(graph.subjects(SH.message, None)):
        name = str(shape) if isinstance(shape, rdflib.URIRef) else skolem.get(shape)
        if name:
            messages[name] = sorted(str(m) for m in graph.objects(shape, SH.message))[0]
    return Shapes(tuple(paths), graph, problems, messages, digest.hexdigest())


def skolem_names(graph: rdflib.Graph) -> dict[rdflib.term.Node, str]:
    """SKOLEM IRIs for the blank nodes that carry an sh:message, numbered in a stable order."""
    nodes = {s for s in graph.subjects(SH.message, None) if isinstance(s, rdflib.BNode)}
    key = lambda n: sorted((str(p), o.n3()) for p, o in graph.predicate_objects(n))  # noqa: E731
    return {node: f"{SKOLEM}{number}" for number, node in enumerate(sorted(nodes, key=key))}


def _parse(paths: list[Path], tolerant: bool, checked: bool) -> tuple[rdflib.Graph, list[str]]:
    """The files merged, broken references removed (tolerant) or raised (strict)."""
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
    if not checked:
        return graph, problems
    try:
        _check_with_pyshacl(graph)
    except ShapesError as error:
        if not tolerant:
            raise
        # malformed beyond a missing reference (which file, which shape, pyshacl does not say)
        problems.append(f"{', '.join(map(str, paths))}: {error} (all shapes left out)")
        graph = rdflib.Graph()
    return graph, problems


def _broken_references(
    graph: rdflib.Graph, origin: dict[rdflib.term.Node, str]
) -> Iterator[tuple[str, Triple]]:
    """(problem, the triple that holds the broken constraint) for every reference to a missing shape."""

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
    for parameter in SHAPE_REFERENCES:
        for shape, target in sorted(graph.subject_objects(parameter)):
            if not _defined(graph, target):
                yield (
                    f"{where(shape)}: {graph.qname(parameter)} {_label(graph, target)} is not defined",
                    (shape, parameter, target),
                )
    for parameter in SHAPE_LISTS:
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
    seen = {shape}
    while isinstance(shape, rdflib.BNode):
        parent = next(graph.subjects(None, shape), None)
        if parent is None or parent in seen:
            break
        seen.add(parent)
        shape = parent
    return shape


def _label(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    return f"[{node}]"


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _check_with_pyshacl(graph: rdflib.Graph) -> None:
    """Let pyshacl build every shape, so that a malformed one fails here rather than mid-harvest."""
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError
    from pyshacl.shapes_graph import ShapesGraph

    copy = rdflib.Graph()
    copy += graph  # pyshacl adds a few axioms to the graph it is given
    try:
        ShapesGraph(copy).shapes  # noqa: B018 - building them is the check
    except (ShapeLoadError, ConstraintLoadError, ReportableRuntimeError) as error:
        raise ShapesError(f"the shapes cannot be loaded by pyshacl: {_one_line(error)}") from error
