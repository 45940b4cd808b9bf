"""pyshacl, the reference engine: on an rdflib in-memory graph, with one speed-up of its internals."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD

from catalogue.model import ValidationResult
from catalogue.validation.engine import PYSHACL, sorted_findings
from catalogue.validation.shapes import Shapes


class PyshaclEngine:
    """pyshacl on an rdflib in-memory graph (never a pyoxigraph-backed one: slow, and wrong datatypes)."""

    name = PYSHACL

    def __init__(self, shapes: Shapes) -> None:
        self.shapes = shapes
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
        return sorted_findings(_pyshacl_finding(report, node) for node in report.objects(None, SH.result))


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
        shape_module.CONSTRAINT_PARAMS = frozenset(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP  # type: ignore[attr-defined]  # a module global pyshacl reads


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
