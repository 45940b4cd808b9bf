"""SHACL engines behind one small interface: pyrudof (the default) and pyshacl (the reference).

An engine is built once per shapes graph and validates N-Triples text (made
with :func:`ntriples`), returning :class:`ValidationResult` objects. Both engines report only the
report's own results (not the ``sh:detail`` explanations of a failed
``sh:node``), name a result's shape only when it is an IRI, and take its
message from the shape's ``sh:message`` (the first in sorted order), so they
give the same findings; only a shape without ``sh:message`` leaves each engine
its own wording.

pyrudof (Rust) is 5–10× faster than pyshacl. Where the two differ, the
difference was traced and is handled here, not papered over:

* Well-formedness of literals (``"2012-05-10T21:04"^^xsd:dateTime``): both get
  it partly wrong, differently; one judge decides for both (:func:`ntriples`).
* Literal focus nodes: pyrudof does not evaluate a property shape (unless its
  path starts with ``sh:inversePath``) on a literal, where SHACL gives it an
  empty set of values, so ``sh:minCount 1`` there must fail. A literal value
  checked against such a shape with ``sh:node``, ``sh:or``… is made to fail
  explicitly for pyrudof (:func:`_for_pyrudof`); the cases that cannot be made
  so (results reported *on* the literal) make pyrudof decline the shapes.

Shapes that pyrudof declines (:class:`EngineUnsupported`: SHACL-SPARQL, paths
it cannot evaluate on literals, a pattern its regex engine refuses …) are
validated with pyshacl, with a warning in the log. tests/test_validate.py
checks that both engines give the same findings on every parsable file of the
shared corpus with every built-in profile. ``engine="pyshacl"`` (or
``CATALOGUE_SHACL_ENGINE=pyshacl`` in the environment) selects pyshacl.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from catalogue.shapes import ShapesError
from catalogue.shapes import load_shapes as parse_shapes

log = logging.getLogger(__name__)
# rdflib logs a traceback for every literal whose text does not fit its datatype
# ("about 2 GB"^^xsd:nonNegativeInteger); SHACL reports those properly, so keep quiet.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

PYRUDOF, PYSHACL = "pyrudof", "pyshacl"
ENGINES = (PYRUDOF, PYSHACL)
#: blank-node shapes with an sh:message get IRIs under this inside pyrudof (which renames
#: blank nodes), so that their results can be given their messages
SKOLEM = "urn:catalogue:shacl-shape:"


class EngineUnsupported(ShapesError):
    """The engine cannot be trusted with these shapes; the message says why."""


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result as the catalogue keeps it (re-exported by :mod:`catalogue.validate`)."""

    severity: str  # Violation | Warning | Info
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    component: str | None = None


# -- shapes ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Shapes:
    """Shapes files merged into one graph, with what the engines need from it."""

    paths: tuple[Path, ...]
    graph: rdflib.Graph
    #: shape (IRI, or SKOLEM IRI of a blank-node shape) → the message its results carry
    messages: dict[str, str]
    #: sha256 over the files' bytes, in order: changes whenever a shapes file does
    digest: str
    #: what pyrudof is given (see _for_pyrudof), or why it cannot be: computed once
    _pyrudof: list = field(default_factory=list, repr=False)

    def for_pyrudof(self) -> str:
        """The shapes as N-Triples for pyrudof; raises EngineUnsupported when it cannot be trusted with them."""
        if not self._pyrudof:
            try:
                text = _for_pyrudof(self.graph).serialize(format="nt")
                _try_pyrudof(text, self.paths)
                self._pyrudof.append(text)
            except EngineUnsupported as error:
                self._pyrudof.append(error)
            except Exception as error:  # shapes our analysis does not understand: pyshacl judges them
                self._pyrudof.append(EngineUnsupported(f"cannot prepare the shapes for pyrudof: {error!r}"))
        if isinstance(self._pyrudof[0], EngineUnsupported):
            raise self._pyrudof[0]
        return self._pyrudof[0]


def load_shapes(paths: Path | str | Sequence[Path | str], checked: bool = True) -> Shapes:
    """Shapes files merged into one graph (:func:`catalogue.shapes.load_shapes`, strictly).

    Cached for as long as the files stay the same. ``checked=False`` skips
    letting pyshacl build every shape (for worker processes, whose parent
    has checked the same files).
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = tuple(Path(p) for p in paths)
    if not paths:
        raise ShapesError("no shapes files given")
    stamps = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError as error:
            raise ShapesError(f"{path}: cannot load shapes: {error}") from error
        stamps.append((path, stat.st_mtime_ns, stat.st_size))
    return _load(tuple(stamps), checked)


@lru_cache(maxsize=16)
def _load(stamps: tuple[tuple[Path, int, int], ...], checked: bool) -> Shapes:
    paths = [path for path, _, _ in stamps]
    graph, problems = parse_shapes(paths, tolerant=not checked)
    if problems:  # only when not checked: the same problems as a strict load, all at once
        raise ShapesError("; ".join(problems))
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError as error:
            raise ShapesError(f"{path}: cannot load shapes: {error}") from error
    skolem = _skolem_names(graph)
    messages = {}
    for shape in set(graph.subjects(SH.message, None)):
        name = str(shape) if isinstance(shape, rdflib.URIRef) else skolem.get(shape)
        if name:
            messages[name] = sorted(str(m) for m in graph.objects(shape, SH.message))[0]
    return Shapes(tuple(paths), graph, messages, digest.hexdigest())


def _skolem_names(graph: rdflib.Graph) -> dict[rdflib.term.Node, str]:
    """SKOLEM IRIs for the blank nodes that carry an sh:message, numbered in a stable order."""
    nodes = {s for s in graph.subjects(SH.message, None) if isinstance(s, rdflib.BNode)}
    key = lambda n: sorted((str(p), o.n3()) for p, o in graph.predicate_objects(n))  # noqa: E731
    return {node: f"{SKOLEM}{number}" for number, node in enumerate(sorted(nodes, key=key))}


# -- engines --------------------------------------------------------------------------


class Engine(ABC):
    name: str

    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes

    @abstractmethod
    def validate(self, ntriples: str) -> list[ValidationResult]:
        """The findings of the shapes on the data (N-Triples from :func:`ntriples`), sorted, no repeats."""


def resolve_engine(name: str | None, shapes: Shapes) -> str:
    """The engine that will validate with these shapes.

    ``None`` means the default: $CATALOGUE_SHACL_ENGINE, else pyrudof, falling
    back to pyshacl (with a warning) when pyrudof is missing or declines the
    shapes. Asking for pyrudof by name raises EngineUnsupported instead.
    """
    asked = name or os.environ.get("CATALOGUE_SHACL_ENGINE") or None
    if asked not in (*ENGINES, None):
        raise ValueError(f"unknown SHACL engine {asked!r} (known: {', '.join(ENGINES)})")
    if asked == PYSHACL:
        return PYSHACL
    try:
        if not pyrudof_available():
            raise EngineUnsupported("pyrudof is not installed")
        shapes.for_pyrudof()
    except EngineUnsupported as error:
        if asked == PYRUDOF:
            raise
        log.warning("validating with pyshacl: %s", error)
        return PYSHACL
    return PYRUDOF


def make_engine(name: str | None, shapes: Shapes) -> Engine:
    """An engine for these shapes: see :func:`resolve_engine` for which."""
    chosen = resolve_engine(name, shapes)
    if chosen == PYRUDOF:
        try:
            return RudofEngine(shapes)
        except EngineUnsupported as error:
            if name == PYRUDOF:
                raise
            log.warning("validating with pyshacl: %s", error)
    return PyshaclEngine(shapes)


@lru_cache(maxsize=1)
def pyrudof_available() -> bool:
    try:
        import pyrudof  # noqa: F401
    except ImportError:
        return False
    return True


def _sorted(findings: Iterable[ValidationResult]) -> list[ValidationResult]:
    return sorted(set(findings), key=lambda r: (r.focus, r.severity, r.path or "", r.message, repr(r)))


class PyshaclEngine(Engine):
    """pyshacl on an rdflib in-memory graph (never a pyoxigraph-backed one: slow, and wrong datatypes)."""

    name = PYSHACL

    def __init__(self, shapes: Shapes) -> None:
        super().__init__(shapes)
        _speed_up_pyshacl()

    def validate(self, ntriples: str) -> list[ValidationResult]:
        from pyshacl import validate as pyshacl_validate

        data = rdflib.Graph()
        for quad in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
            data.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        _, report, _ = pyshacl_validate(
            data, shacl_graph=self.shapes.graph, inference="none", advanced=False, allow_warnings=True
        )
        # only the report's own results: nested sh:detail results (from sh:node) explain another one
        return _sorted(_pyshacl_finding(report, node) for node in report.objects(None, SH.result))


def _pyshacl_finding(graph: rdflib.Graph, node: rdflib.term.Node) -> ValidationResult:
    def one(predicate: rdflib.URIRef) -> str | None:
        value = graph.value(node, predicate)
        return None if value is None else str(value)

    severity = str(graph.value(node, SH.resultSeverity)).rsplit("#", 1)[-1]
    messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
    shape = graph.value(node, SH.sourceShape)
    return ValidationResult(
        severity=severity,
        focus=one(SH.focusNode) or "",
        path=path_text(graph, graph.value(node, SH.resultPath)),
        message=messages[0] if messages else "",
        value=one(SH.value),
        shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
        component=one(SH.sourceConstraintComponent),
    )


def path_text(graph: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    """A SHACL property path as text: the IRI, else SPARQL-like (``^p``, ``(p / q)``, ``(p | q)``, ``p*``)."""
    if path is None:
        return None
    if isinstance(path, rdflib.URIRef):
        return str(path)
    if graph.value(path, RDF.first) is not None:
        return "(" + " / ".join(path_text(graph, p) or "" for p in Collection(graph, path)) + ")"
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + " | ".join(path_text(graph, p) or "" for p in Collection(graph, alternatives)) + ")"
    for predicate, text in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, predicate)
        if inner is not None:
            return text.format(path_text(graph, inner))
    return path.n3()


class RudofEngine(Engine):
    """pyrudof's native SHACL engine: one session, one data graph, a staging frame per batch.

    Creating a data graph costs pyrudof ~40 ms whatever its size, so the
    session keeps one (empty) and each batch is read into a staging frame,
    validated, and rolled back (which leaves the graph empty again). pyrudof
    has a thread pool of its own (rayon); on batches this small it did not
    make validation faster, so the validator's worker processes, which
    already use every CPU, run it with RAYON_NUM_THREADS=1.
    """

    name = PYRUDOF

    def __init__(self, shapes: Shapes) -> None:
        super().__init__(shapes)
        import pyrudof

        self._pyrudof = pyrudof
        self._fallback: PyshaclEngine | None = None
        self._session = _try_pyrudof(shapes.for_pyrudof(), shapes.paths)
        # pyrudof refuses to read an empty document: an empty graph is one triple, removed
        self._session.read_data(f"<{SKOLEM}s> <{SKOLEM}p> <{SKOLEM}o> .", format=pyrudof.RDFFormat.NTriples)
        self._session.remove_triple(f"<{SKOLEM}s>", f"<{SKOLEM}p>", f"<{SKOLEM}o>")

    def validate(self, ntriples: str) -> list[ValidationResult]:
        if not ntriples.strip():
            return []
        session = self._session
        session.begin_staging()
        try:
            self._read(ntriples)
            entries = list(session.validate_shacl())
        except self._pyrudof.RudofError as error:
            # data pyrudof cannot read or a failure of its own: the reference engine takes over
            log.warning("pyrudof failed on a batch, validating it with pyshacl: %s", error)
            if self._fallback is None:
                self._fallback = PyshaclEngine(self.shapes)
            return self._fallback.validate(ntriples)
        finally:
            session.rollback_staging()
        return _sorted(self._finding(entry) for entry in entries)

    def _read(self, ntriples: str) -> None:
        # merge=True: read into the staged graph (replacing it would build a new one)
        self._session.read_data(ntriples, format=self._pyrudof.RDFFormat.NTriples, merge=True)

    def _finding(self, entry) -> ValidationResult:  # a pyrudof.ShaclValidationEntry
        shape = entry.source_shape or ""
        message = self.shapes.messages.get(shape)
        if message is None:  # the shape has no sh:message: pyrudof's own ("MinCount(1) not satisfied")
            message = _first_literal(entry.message or "")
        return ValidationResult(
            severity=entry.severity.rsplit("#", 1)[-1],
            focus=_term_value(entry.focus_node),
            path=_rudof_path(entry.path),
            message=message,
            value=None if entry.value is None else _term_value(entry.value),
            shape=shape if shape and not shape.startswith(("_:", SKOLEM)) else None,
            component=entry.constraint_component,
        )


def _try_pyrudof(text: str, paths: Sequence[Path]):  # -> pyrudof.Rudof
    """A pyrudof session with these shapes (N-Triples) loaded; EngineUnsupported if it refuses them."""
    import pyrudof

    session = pyrudof.Rudof(pyrudof.RudofConfig())
    try:
        session.read_shacl(text, format=pyrudof.ShaclFormat.NTriples)
    except pyrudof.RudofError as error:  # e.g. a sh:pattern its regex engine refuses (back-references)
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        raise EngineUnsupported(
            f"pyrudof cannot load {', '.join(map(str, paths))}: {' '.join(lines[:4])}"
        ) from None
    return session


_LITERAL = re.compile(r'^"(.*)"(@[A-Za-z0-9-]+|\^\^\S+)?$', re.DOTALL)


def _term_value(text: str) -> str:
    """A term as pyrudof writes it, as pyshacl gives it: a literal's text, an IRI, a blank node's id."""
    match = _LITERAL.match(text)
    if match:
        return match[1]
    if text.startswith("_:"):
        return text[2:]
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    return text


def _first_literal(text: str) -> str:
    match = re.match(r'^"((?:[^"\\]|\\.)*)"', text)
    return match[1] if match else text


_SIMPLE = r"([^\s()]+)"  # an IRI
_RUDOF_INVERSE = re.compile(rf"\^\({_SIMPLE}\)")
_RUDOF_REPEAT = re.compile(rf"\({_SIMPLE}\)([*+?])")


def _rudof_path(text: str | None) -> str | None:
    """pyrudof writes ``^(p)`` and ``(p)*`` where :func:`path_text` writes ``^p`` and ``p*``."""
    if text is None:
        return None
    return _RUDOF_REPEAT.sub(r"\1\2", _RUDOF_INVERSE.sub(r"^\1", text))


# -- what pyrudof is given --------------------------------------------------------------

_SHAPE_REFERENCES = (SH.node, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
_NOT_SUPPORTED = {
    SH.sparql: "SHACL-SPARQL constraints (sh:sparql)",
    SH.target: "SHACL-AF targets (sh:target)",
    SH.rule: "SHACL-AF rules (sh:rule)",
    # pyrudof compares a value with a bound only within one type (1^^xsd:int is not
    # above 0^^xsd:integer for it), and pyshacl lets incomparable values pass
    **{
        SH[name]: f"range constraints (sh:{name}) as pyshacl does"
        for name in ("minExclusive", "minInclusive", "maxExclusive", "maxInclusive")
    },
}


def _for_pyrudof(graph: rdflib.Graph) -> rdflib.Graph:
    """The shapes as pyrudof gets them (see the module's docstring); raises EngineUnsupported.

    1. Blank-node shapes with an sh:message become SKOLEM IRIs, so that
       results name them.
    2. Every reference to a shape that no literal can conform to (it has a
       property shape with a forward path and ``sh:minCount``/
       ``sh:qualifiedMinCount`` ≥ 1 or ``sh:hasValue``) — through ``sh:node``,
       ``sh:not``, ``sh:qualifiedValueShape`` or an ``sh:and``/``sh:or``/
       ``sh:xone`` member — points instead to ``[ sh:nodeKind
       sh:BlankNodeOrIRI ; sh:node S ]`` (``sh:property S`` for a property
       shape S): the same for IRIs and blank nodes, and a failure pyrudof
       sees for literals.
    3. pyrudof is declined where that cannot help: a property shape whose
       results are reported on a literal (nested in a property shape, or
       targeted with sh:targetObjectsOf / a literal sh:targetNode) that needs
       values, a path other than forward or ``^p`` on possible literals, an
       inverse of a complex path (pyrudof panics), SHACL-SPARQL and SHACL-AF.
    """
    for predicate, what in _NOT_SUPPORTED.items():
        if (None, predicate, None) in graph:
            raise EngineUnsupported(f"pyrudof does not evaluate {what}")
    for inner in graph.objects(None, SH.inversePath):
        if not isinstance(inner, rdflib.URIRef):
            raise EngineUnsupported("pyrudof cannot evaluate an sh:inversePath of a complex path")
    analysis = _LiteralFocus(graph)
    analysis.check()

    skolem = _skolem_names(graph)
    rename = lambda n: rdflib.URIRef(skolem[n]) if n in skolem else n  # noqa: E731
    result = rdflib.Graph()
    wrappers: dict[rdflib.term.Node, rdflib.BNode] = {}

    def wrapped(shape: rdflib.term.Node) -> rdflib.term.Node:
        if not analysis.cannot(shape):
            return rename(shape)
        if shape not in wrappers:
            wrapper = wrappers[shape] = rdflib.BNode()
            result.add((wrapper, SH.nodeKind, SH.BlankNodeOrIRI))
            result.add((wrapper, SH.property if analysis.is_property(shape) else SH.node, rename(shape)))
        return wrappers[shape]

    members = {cell for p in _SHAPE_LISTS for head in graph.objects(None, p) for cell in _cells(graph, head)}
    for s, p, o in graph:
        is_reference = p in _SHAPE_REFERENCES or (p == RDF.first and s in members)
        result.add((rename(s), p, wrapped(o) if is_reference else rename(o)))
    return result


def _cells(graph: rdflib.Graph, head: rdflib.term.Node) -> Iterator[rdflib.term.Node]:
    while head != RDF.nil and head is not None:
        yield head
        head = graph.value(head, RDF.rest)


class _LiteralFocus:
    """Which shapes may be evaluated on a literal, and what pyrudof does there (see _for_pyrudof)."""

    def __init__(self, graph: rdflib.Graph) -> None:
        self.graph = graph
        self._cannot: dict[rdflib.term.Node, bool] = {}

    def is_property(self, shape: rdflib.term.Node) -> bool:
        return (shape, SH.path, None) in self.graph

    def path_kind(self, path: rdflib.term.Node | None) -> str:
        """forward (no values from a literal), inverse (pyrudof evaluates it) or other."""
        g = self.graph
        if isinstance(path, rdflib.URIRef):
            return "forward"
        if path is None:
            return "other"
        if g.value(path, RDF.first) is not None:
            return self.path_kind(g.value(path, RDF.first))
        if isinstance(g.value(path, SH.inversePath), rdflib.URIRef):
            return "inverse"
        if g.value(path, SH.oneOrMorePath) is not None:
            return "forward" if self.path_kind(g.value(path, SH.oneOrMorePath)) == "forward" else "other"
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None and all(
            self.path_kind(p) == "forward" for p in Collection(g, alternatives)
        ):
            return "forward"
        return "other"

    def needs_values(self, shape: rdflib.term.Node) -> bool:
        """A property shape with a forward path that an empty set of values fails."""
        g = self.graph
        if self.path_kind(g.value(shape, SH.path)) != "forward":
            return False
        counts = [*g.objects(shape, SH.minCount), *g.objects(shape, SH.qualifiedMinCount)]
        return any(_int(c) >= 1 for c in counts) or (shape, SH.hasValue, None) in g

    def cannot(self, shape: rdflib.term.Node) -> bool:
        """No literal conforms to the shape, but pyrudof might let one."""
        if shape in self._cannot:
            return self._cannot[shape]
        self._cannot[shape] = False  # while deciding (recursive shapes)
        g = self.graph
        if self.is_property(shape):
            answer = self.needs_values(shape)
        else:
            lists = {p: [list(Collection(g, head)) for head in g.objects(shape, p)] for p in _SHAPE_LISTS}
            answer = (
                any(self.needs_values(q) for q in g.objects(shape, SH.property))
                or any(self.cannot(s) for s in g.objects(shape, SH.node))
                or any(self.cannot(s) for members in lists[SH["and"]] for s in members)
                or any(members and all(map(self.cannot, members)) for members in lists[SH["or"]])
                or any(members and all(map(self.cannot, members)) for members in lists[SH.xone])
            )
        self._cannot[shape] = answer
        return answer

    def check(self) -> None:
        """Raise EngineUnsupported where pyrudof would differ on a literal and no rewriting helps."""
        g = self.graph
        reported: set[rdflib.term.Node] = set()  # results reported with a literal as focus node
        checked: set[rdflib.term.Node] = set()  # only their conformance counts
        for prop in set(g.subjects(SH.path, None)):
            reported.update(g.objects(prop, SH.property))
            checked.update(self._references(prop))
        for shape in set(g.subjects(SH.targetObjectsOf, None)):
            reported.add(shape)
        for shape, node in g.subject_objects(SH.targetNode):
            if isinstance(node, rdflib.Literal):
                reported.add(shape)
        reported = self._closure(
            reported, lambda s: g.objects(s, SH.property) if not self.is_property(s) else ()
        )
        checked = self._closure(
            checked | reported, lambda s: [*self._references(s), *g.objects(s, SH.property)]
        )
        for shape in checked:
            if self.is_property(shape) and self.path_kind(g.value(shape, SH.path)) == "other":
                raise EngineUnsupported(
                    f"pyrudof does not evaluate the path of {shape.n3()} on literal focus nodes as SHACL does"
                )
        for shape in reported:
            if self.is_property(shape) and self.needs_values(shape):
                raise EngineUnsupported(
                    f"pyrudof does not report {shape.n3()} (sh:minCount/sh:hasValue) on literal focus nodes"
                )

    def _references(self, shape: rdflib.term.Node) -> list[rdflib.term.Node]:
        g = self.graph
        found = [o for p in _SHAPE_REFERENCES for o in g.objects(shape, p)]
        for p in _SHAPE_LISTS:
            for head in g.objects(shape, p):
                found.extend(Collection(g, head))
        return found

    @staticmethod
    def _closure(start: set, step) -> set:
        seen, todo = set(), list(start)
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(step(node))
        return seen


def _int(node: rdflib.term.Node) -> int:
    try:
        return int(node)
    except (TypeError, ValueError):
        return 0


# -- literals: one judge of well-formedness -------------------------------------------
#
# Whether a literal's text is valid for its XSD datatype decides sh:datatype
# (and a value that is not well-formed fails it). pyshacl (through rdflib) and
# pyrudof both get this partly wrong, and differently: on the shared corpus
# rdflib accepts "2012-05-10T21:04"^^xsd:dateTime and "2009-05-19 14:39:22"^^
# xsd:dateTime, pyrudof accepts ""^^xsd:date and "20090519"^^xsd:date, and both
# accept "2020-13"^^xsd:gYearMonth. So the decision is taken here, once, by the
# lexical rules of XSD 1.1 Part 2 (restricted to years 0001–9999 and hours
# 00–23, what Python's datetime and so pyshacl can hold; durations to 6 digits
# per component; no "+INF" (XSD 1.0) and no "-0" for unsigned types, which
# pyrudof refuses): a literal that breaks them reaches the engines with the
# datatype ILL_TYPED + its datatype, which no shape allows, so every engine
# reports it, with the same text as value. Well-formed literals pass unchanged.

XSD_NS = str(XSD)
ILL_TYPED = "urn:catalogue:ill-typed:"

_YEAR = r"(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?"
_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))"
_DURATION_TIME = r"(?:T(?=\d)(?:\d{1,6}H)?(?:\d{1,6}M)?(?:\d{1,6}(?:\.\d+)?S)?)"
_INTEGER = re.compile(r"[+-]?\d+")
_PATTERNS = {
    "date": rf"(?P<y>{_YEAR})-(?P<m>{_MONTH})-(?P<d>{_DAY}){_TZ}?",
    "dateTime": rf"(?P<y>{_YEAR})-(?P<m>{_MONTH})-(?P<d>{_DAY})T{_TIME}{_TZ}?",
    "dateTimeStamp": rf"(?P<y>{_YEAR})-(?P<m>{_MONTH})-(?P<d>{_DAY})T{_TIME}{_TZ}",
    "time": rf"{_TIME}{_TZ}?",
    "gYear": rf"{_YEAR}{_TZ}?",
    "gYearMonth": rf"{_YEAR}-{_MONTH}{_TZ}?",
    "gMonth": rf"--{_MONTH}{_TZ}?",
    "gDay": rf"---{_DAY}{_TZ}?",
    "gMonthDay": rf"--(?P<m>{_MONTH})-(?P<d>{_DAY}){_TZ}?",
    "duration": rf"-?P(?=\d|T\d)(?:\d{{1,6}}Y)?(?:\d{{1,6}}M)?(?:\d{{1,6}}D)?{_DURATION_TIME}?",
    "dayTimeDuration": rf"-?P(?=\d|T\d)(?:\d{{1,6}}D)?{_DURATION_TIME}?",
    "yearMonthDuration": r"-?P(?=\d)(?:\d{1,6}Y)?(?:\d{1,6}M)?",
    "decimal": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)",
    "float": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NaN",
    "double": r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NaN",
    "boolean": r"true|false|1|0",
    "hexBinary": r"(?:[0-9a-fA-F]{2})*",
}
_COMPILED = {XSD_NS + name: re.compile(pattern) for name, pattern in _PATTERNS.items()}
#: integer types and their (inclusive) bounds; None: unbounded
_INTEGERS = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-(2**7), 2**7 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 2**8 - 1),
}
_INTEGER_BOUNDS = {XSD_NS + name: bounds for name, bounds in _INTEGERS.items()}
_UNSIGNED = XSD_NS + "unsigned"
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def well_formed(text: str, datatype: str) -> bool | None:
    """Is ``text`` in the lexical space of the XSD ``datatype`` (full IRI)? None for datatypes not judged here."""
    bounds = _INTEGER_BOUNDS.get(datatype)
    if bounds is not None:
        if not _INTEGER.fullmatch(text) or (text[0] == "-" and datatype.startswith(_UNSIGNED)):
            return False
        low, high = bounds
        value = int(text)
        return (low is None or value >= low) and (high is None or value <= high)
    pattern = _COMPILED.get(datatype)
    if pattern is None:
        return None
    match = pattern.fullmatch(text)
    if match is None:
        return False
    groups = match.groupdict()
    if groups.get("d"):  # the day must exist in that month (and year)
        month, day = int(groups["m"]), int(groups["d"])
        if day > _DAYS[month - 1]:
            return False
        if month == 2 and day == 29 and groups.get("y"):
            year = int(groups["y"])
            return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


def ntriples(triples: Iterable[ox.Triple]) -> str:
    """N-Triples for the engines: ill-typed literals get the datatype ILL_TYPED + theirs (see above)."""
    lines = []
    for triple in triples:
        value = triple.object
        if type(value) is ox.Literal and well_formed(value.value, value.datatype.value) is False:
            marked = ox.Literal(value.value, datatype=ox.NamedNode(ILL_TYPED + value.datatype.value))
            triple = ox.Triple(triple.subject, triple.predicate, marked)
        lines.append(f"{triple} .\n")
    return "".join(lines)


# -- helpers --------------------------------------------------------------------------


def _speed_up_pyshacl() -> None:
    """Let pyshacl look its constraint parameters up in a set instead of a list.

    For every shape it evaluates, pyshacl tests each predicate of the shape
    against a list of ~30 constraint IRIs; in profiles that was a quarter of
    all validation time. A frozenset gives the same answers. Applied only when
    pyshacl has the layout we know (it only reads the value when ``advanced``
    is off, as here); otherwise pyshacl is left as it is.
    """
    try:
        import pyshacl.shape as shape_module
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:
        return
    if isinstance(ALL_CONSTRAINT_PARAMETERS, list) and hasattr(shape_module, "Shape"):
        shape_module.CONSTRAINT_PARAMS = (frozenset(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        # normalize=False: keep the text ("01"^^xsd:integer stays "01"), so that sh:in,
        # sh:hasValue and sh:pattern see the term as SHACL (and pyrudof) does
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return rdflib.Literal(term.value, normalize=False)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=False)
    raise TypeError(f"unsupported term {term!r}")
