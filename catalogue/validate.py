"""Validate records against a profile's SHACL shapes with pyshacl.

Records are validated in batches (one rdflib graph per batch, one pyshacl
run) because pyshacl's fixed cost per run dominates for small records; each
result is then given to the records that describe its focus node. Every
record gets its own report, kept in the store as an ``sh:ValidationReport``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH, XSD

from catalogue.namespaces import RDF_TYPE
from catalogue.namespaces import SH as SH_NS
from catalogue.records import Record, Term
from catalogue.resources import profile_shapes

BATCH_SIZE = 250
# rdflib logs a traceback for every literal whose text does not fit its datatype
# ("about 2 GB"^^xsd:nonNegativeInteger); SHACL reports those properly, so keep quiet.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)
VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"


@dataclass(frozen=True)
class ValidationResult:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    component: str | None = None


@dataclass
class ValidationReport:
    results: list[ValidationResult] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(r.severity == VIOLATION for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.severity == WARNING for r in self.results)

    @property
    def conforms(self) -> bool:
        """True when nothing is a Violation; warnings do not stop publication."""
        return self.violations == 0


class ShapesError(ValueError):
    """The shapes themselves cannot be loaded."""


@cache
def load_shapes(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises many kinds of parser errors
        raise ShapesError(f"{path}: cannot load shapes: {error}") from error
    return graph


def validate_records(
    records: Sequence[Record],
    profile: str = "dcat-ap-3",
    shapes: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, ValidationReport]:
    """One report per record id."""
    shapes_graph = load_shapes(shapes or profile_shapes(profile))
    reports = {record.id: ValidationReport() for record in records}
    for start in range(0, len(records), BATCH_SIZE):
        batch = records[start : start + BATCH_SIZE]
        owners: dict[str, list[str]] = defaultdict(list)
        graph = rdflib.Graph()
        for record in batch:
            for subject in {t.subject.value for t in record.triples}:
                owners[subject].append(record.id)
            for triple in record.triples:
                graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        for result in _run_pyshacl(graph, shapes_graph):
            for record_id in owners.get(result.focus, ()):
                reports[record_id].results.append(result)
        if progress:
            progress(start + len(batch), len(records))
    return reports


def _run_pyshacl(data: rdflib.Graph, shapes: rdflib.Graph) -> list[ValidationResult]:
    _, results_graph, _ = pyshacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True
    )
    # only the report's own results: nested sh:detail results (from sh:node) are not ours to count
    results = [_result(results_graph, node) for node in results_graph.objects(None, SH.result)]
    return sorted(set(results), key=lambda r: (r.focus, r.severity, r.path or "", r.message))


def _result(graph: rdflib.Graph, node: rdflib.term.Node) -> ValidationResult:
    def one(predicate: rdflib.URIRef) -> str | None:
        value = graph.value(node, predicate)
        return None if value is None else str(value)

    path = graph.value(node, SH.resultPath)
    severity = str(graph.value(node, SH.resultSeverity)).rsplit("#", 1)[-1]
    messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
    return ValidationResult(
        severity=severity,
        focus=one(SH.focusNode) or "",
        path=_path_text(graph, path),
        message=messages[0] if messages else "",
        value=one(SH.value),
        shape=one(SH.sourceShape) if isinstance(graph.value(node, SH.sourceShape), rdflib.URIRef) else None,
        component=one(SH.sourceConstraintComponent),
    )


def _path_text(graph: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, rdflib.URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{inverse}"
    return path.n3()


def to_rdflib(term: Term) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


def report_triples(report: ValidationReport, report_iri: str) -> Iterable[ox.Triple]:
    """The report in SHACL's own vocabulary, so SPARQL users can read it."""
    subject = ox.NamedNode(report_iri)
    conforms = ox.Literal(str(report.conforms).lower(), datatype=ox.NamedNode(str(XSD.boolean)))
    yield ox.Triple(subject, _TYPE, _sh("ValidationReport"))
    yield ox.Triple(subject, _sh("conforms"), conforms)
    for index, result in enumerate(report.results):
        node = ox.NamedNode(f"{report_iri}#result-{index}")
        yield ox.Triple(subject, _sh("result"), node)
        yield ox.Triple(node, _TYPE, _sh("ValidationResult"))
        yield ox.Triple(node, _sh("resultSeverity"), _sh(result.severity))
        yield ox.Triple(node, _sh("focusNode"), ox.NamedNode(result.focus))
        yield ox.Triple(node, _sh("resultMessage"), ox.Literal(result.message))
        if result.path and not result.path.startswith(("^", "_:")):
            yield ox.Triple(node, _sh("resultPath"), ox.NamedNode(result.path))
        if result.value is not None:
            yield ox.Triple(node, _sh("value"), ox.Literal(result.value))
        if result.shape:
            yield ox.Triple(node, _sh("sourceShape"), ox.NamedNode(result.shape))
        if result.component:
            yield ox.Triple(node, _sh("sourceConstraintComponent"), ox.NamedNode(result.component))


def report_from_triples(triples: Iterable[ox.Triple]) -> ValidationReport:
    """The inverse of :func:`report_triples`, for showing a stored report."""
    fields: dict[Term, dict[str, str]] = defaultdict(dict)
    for triple in triples:
        name = triple.predicate.value.removeprefix(SH_NS)
        if name in _RESULT_FIELDS:
            fields[triple.subject][name] = triple.object.value
    report = ValidationReport()
    for values in fields.values():
        report.results.append(
            ValidationResult(
                severity=values.get("resultSeverity", "").removeprefix(SH_NS),
                focus=values.get("focusNode", ""),
                path=values.get("resultPath"),
                message=values.get("resultMessage", ""),
                value=values.get("value"),
                shape=values.get("sourceShape"),
                component=values.get("sourceConstraintComponent"),
            )
        )
    report.results.sort(key=lambda r: (r.focus, r.severity, r.path or "", r.message))
    return report


_TYPE = ox.NamedNode(RDF_TYPE)
_RESULT_FIELDS = {
    "resultSeverity",
    "focusNode",
    "resultPath",
    "resultMessage",
    "value",
    "sourceShape",
    "sourceConstraintComponent",
}


def _sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH_NS + name)
