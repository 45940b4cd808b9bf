"""pyrudof (Rust), the default engine, and what it is given so that it finds what pyshacl finds.

Where the two engines differed, the difference was traced and is handled
here, not papered over. Literal focus nodes: pyrudof does not evaluate a
property shape (unless its path starts with ``sh:inversePath``) on a literal,
where SHACL gives it an empty set of values, so ``sh:minCount 1`` there must
fail. A literal value checked against such a shape with ``sh:node``,
``sh:or``… is made to fail explicitly for pyrudof (:func:`_for_pyrudof`); the
cases that cannot be made so (results reported *on* the literal) make pyrudof
decline the shapes (:class:`EngineUnsupported`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from catalogue.model import ValidationResult
from catalogue.validation.engine import PYRUDOF, sorted_findings
from catalogue.validation.errors import EngineUnsupported
from catalogue.validation.pyshacl_engine import PyshaclEngine
from catalogue.validation.shapes import SHAPE_LISTS, SHAPE_REFERENCES, SKOLEM, Shapes, skolem_names

if TYPE_CHECKING:  # imported where a session starts: pyrudof is optional
    import pyrudof

log = logging.getLogger(__name__)


#: Shapes.key → what _prepare gave; a few entries, one per set of shapes files in use
_PREPARED: dict[tuple[object, ...], str | EngineUnsupported] = {}


def _prepare(shapes: Shapes) -> str | EngineUnsupported:
    try:
        text = _for_pyrudof(shapes.graph).serialize(format="nt")
        _try_pyrudof(text, shapes.paths)
    except EngineUnsupported as error:
        return error
    except Exception as error:  # shapes our analysis does not understand: pyshacl judges them
        return EngineUnsupported(f"cannot prepare the shapes for pyrudof: {error!r}")
    return text


def prepare(shapes: Shapes) -> str:
    """The shapes as N-Triples for pyrudof (computed once); raises EngineUnsupported when it cannot be trusted with them."""
    prepared = _PREPARED.get(shapes.key)
    if prepared is None:
        if len(_PREPARED) >= 16:
            del _PREPARED[next(iter(_PREPARED))]
        prepared = _PREPARED[shapes.key] = _prepare(shapes)
    if isinstance(prepared, EngineUnsupported):
        raise prepared
    return prepared


class RudofEngine:
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
        self.shapes = shapes
        import pyrudof

        self._pyrudof = pyrudof
        self._fallback: PyshaclEngine | None = None
        self._session = _try_pyrudof(prepare(shapes), shapes.paths)
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
        return sorted_findings(self._finding(entry) for entry in entries)

    def _read(self, ntriples: str) -> None:
        # merge=True: read into the staged graph (replacing it would build a new one)
        self._session.read_data(ntriples, format=self._pyrudof.RDFFormat.NTriples, merge=True)

    def _finding(self, entry: pyrudof.ShaclValidationEntry) -> ValidationResult:
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


def _try_pyrudof(text: str, paths: Sequence[Path]) -> pyrudof.Rudof:
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

    skolem = skolem_names(graph)

    def rename(node: rdflib.term.Node) -> rdflib.term.Node:
        return rdflib.URIRef(skolem[node]) if node in skolem else node

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

    members = {cell for p in SHAPE_LISTS for head in graph.objects(None, p) for cell in _cells(graph, head)}
    for s, p, o in graph:
        is_reference = p in SHAPE_REFERENCES or (p == RDF.first and s in members)
        result.add((rename(s), p, wrapped(o) if is_reference else rename(o)))
    return result


def _cells(graph: rdflib.Graph, head: rdflib.term.Node | None) -> Iterator[rdflib.term.Node]:
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
            lists = {p: [list(Collection(g, head)) for head in g.objects(shape, p)] for p in SHAPE_LISTS}
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
        found = [o for p in SHAPE_REFERENCES for o in g.objects(shape, p)]
        for p in SHAPE_LISTS:
            for head in g.objects(shape, p):
                found.extend(Collection(g, head))
        return found

    @staticmethod
    def _closure(
        start: set[rdflib.term.Node], step: Callable[[rdflib.term.Node], Iterable[rdflib.term.Node]]
    ) -> set[rdflib.term.Node]:
        seen: set[rdflib.term.Node] = set()
        todo = list(start)
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(step(node))
        return seen


def _int(node: rdflib.term.Node) -> int:
    """A literal's integer value (sh:minCount 1 …); 0 for anything else."""
    if not isinstance(node, rdflib.Literal):
        return 0
    try:
        return int(float(str(node)))
    except (TypeError, ValueError, OverflowError):
        return 0
