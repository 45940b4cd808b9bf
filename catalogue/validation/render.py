"""A validation summary written out: JSON for the API, a SHACL report in Turtle, plain text for the terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH, XSD

from catalogue.validation.summary import PREFIXES, SKOLEM_MARK, Summary, own_label


def to_json(summary: Summary) -> dict[str, Any]:
    """The report as plain JSON: totals, then each record with its messages."""
    return {
        "profile": summary.profile,
        "specification": summary.spec,
        "conforms": summary.conforms,
        "records": len(summary.records),
        "datasets": summary.datasets,
        "violations": summary.violations,
        "warnings": summary.warnings,
        "results": [
            {
                "title": record.title or None,
                "label": record.label,
                "uri": record.uri,
                "kind": record.kind,
                "conforms": record.conforms,
                "violations": record.violations,
                "warnings": record.warnings,
                "messages": [
                    {
                        "severity": m.severity,
                        "property": m.property,
                        "found": m.found,
                        "expected": m.expected,
                        "specification": m.link,
                        "about": m.about,
                        "focus": m.focus,
                        "path": m.path,
                        "value": m.value,
                        "shape": m.shape,
                        "component": m.component,
                    }
                    for m in record.messages
                ],
            }
            for record in summary.records
        ],
    }


def to_graph(summary: Summary) -> rdflib.Graph:
    """A SHACL ``sh:ValidationReport``: one ``sh:result`` per distinct result.

    A result that two records share (an agent described in both) appears once.
    Blank nodes of the input were given skolem IRIs when the document was split
    into records; here they become blank nodes again, one per input node. Each
    result also links the specification with ``rdfs:seeAlso``.
    """
    graph = rdflib.Graph()
    graph.bind("sh", SH)
    for prefix in ("dcat", "dct", "foaf", "vcard", "xsd", "rdfs"):
        graph.bind(prefix, PREFIXES[prefix])
    report = rdflib.BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, rdflib.Literal(summary.conforms)))
    blanks: dict[str, rdflib.BNode] = {}

    def node(iri: str) -> rdflib.term.Node:
        if SKOLEM_MARK in iri:
            return blanks.setdefault(iri, rdflib.BNode())
        return rdflib.URIRef(iri)

    seen: set[tuple[Any, ...]] = set()
    for record in summary.records:
        for m in record.messages:
            key = (m.severity, m.focus, m.path, m.expected, m.value, m.shape, m.component)
            if key in seen:
                continue
            seen.add(key)
            result = rdflib.BNode()
            graph.add((report, SH.result, result))
            graph.add((result, RDF.type, SH.ValidationResult))
            graph.add((result, SH.focusNode, node(m.focus)))
            graph.add((result, SH.resultSeverity, SH[m.severity]))
            graph.add((result, SH.resultMessage, rdflib.Literal(m.expected)))
            if m.path:
                graph.add((result, SH.resultPath, _path_node(graph, m.path)))
            if m.value_term is not None:
                graph.add((result, SH.value, _rdflib_term(m.value_term, node)))
            if m.shape:
                graph.add((result, SH.sourceShape, rdflib.URIRef(m.shape)))
            if m.component:
                graph.add((result, SH.sourceConstraintComponent, rdflib.URIRef(m.component)))
            if m.link:
                graph.add((result, RDFS.seeAlso, rdflib.URIRef(m.link)))
    return graph


def to_turtle(summary: Summary) -> str:
    return to_graph(summary).serialize(format="turtle")


def _path_node(graph: rdflib.Graph, path: str) -> rdflib.term.Node:
    if path.startswith("^"):
        inverse = rdflib.BNode()
        graph.add((inverse, SH.inversePath, rdflib.URIRef(path[1:])))
        return inverse
    if path.startswith(("[", "_:")):  # a complex path we only have as text: say so rather than invent one
        return rdflib.Literal(path)
    return rdflib.URIRef(path)


def _rdflib_term(
    term: ox.NamedNode | ox.BlankNode | ox.Literal, node: Callable[[str], rdflib.term.Node]
) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return node(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode()
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def to_text(summary: Summary) -> str:
    """A plain-text report for the terminal: one block per record, then the totals."""
    lines = []
    if summary.profile:
        spec = f" ({summary.spec})" if summary.spec else ""
        lines += [f"Profile {summary.profile}{spec}", ""]
    for record in summary.records:
        mark = "conforms" if record.conforms else "violations"
        counts = f"{plural(record.violations, 'violation')}, {plural(record.warnings, 'warning')}"
        kind = "dataset" if record.kind == "dataset" else "catalogue"
        iri = f" <{record.uri}>" if record.uri else ""
        lines.append(f"{mark}: {kind} {record.label}{iri} — {counts}")
        for m in record.messages:
            where = "" if m.about == own_label(record.kind) else f" on {m.about}"
            lines.append(f"    {m.severity} {m.property}{where}")
            lines.append(f"        found:    {m.found}")
            lines.append(f"        expected: {m.expected}")
            if m.link:
                lines.append(f"        see:      {m.link}")
        if record.messages:
            lines.append("")
    lines.append(
        f"{plural(len(summary.records), 'record')} ({plural(summary.datasets, 'dataset')}), "
        f"{summary.failing} with violations; {plural(summary.violations, 'violation')} and "
        f"{plural(summary.warnings, 'warning')} in all"
        + (f"; profile {summary.profile}" if summary.profile else "")
    )
    return "\n".join(lines)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
