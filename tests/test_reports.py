"""Validation reports turned into messages: real documents, real shapes, real pyshacl runs."""

from __future__ import annotations

import json

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from catalogue.fetch import Document
from catalogue.validation.render import to_json, to_text, to_turtle
from catalogue.validation.summary import (
    ShapeNotes,
    Summary,
    describe_term,
    readable_property,
    validate_document,
)

SPEC = "https://semiceu.github.io/DCAT-AP/releases/3.0.0/"
SHAPES = "https://w3id.org/catalogue/shapes/dcat-ap-3#"

DOC = """
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://node.example/> .

ex:fine a dcat:Dataset ; dct:title "Fine cohort"@en ; dct:description "All there."@en ; dct:publisher ex:org .
ex:nodesc a dcat:Dataset ; dct:title "Rare disease genomes"@en ; dct:publisher ex:org ;
    dct:modified "2024-01-01"^^xsd:date, "2024-02-01"^^xsd:date ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://node.example/get> ;
                        dcat:byteSize "12"^^xsd:integer ] .
ex:untitled a dcat:Dataset ; dct:description "No title."@en .
ex:org a foaf:Agent ; foaf:name "Org" .
"""


@pytest.fixture(scope="module")
def summary() -> Summary:
    return validate_document(Document("https://node.example/catalog.ttl", DOC.encode()), "dcat-ap-3")


def record(summary: Summary, uri: str):
    return next(r for r in summary.records if r.uri == uri)


def test_a_message_names_dataset_property_finding_expectation_and_spec(summary: Summary) -> None:
    nodesc = record(summary, "https://node.example/nodesc")
    assert nodesc.title == "Rare disease genomes" and nodesc.kind == "dataset"
    first = nodesc.messages[0]
    assert first.severity == "Violation"
    missing = next(m for m in nodesc.messages if m.path == "http://purl.org/dc/terms/description")
    assert missing.property == "dct:description (description)"
    assert missing.found == "missing"
    assert missing.expected.startswith("Dataset description (dct:description) is mandatory")
    assert missing.link == SPEC + "#Dataset.description"  # the shape's rdfs:seeAlso, with its anchor
    assert missing.about == "the dataset"


def test_found_values_keep_their_datatype_and_counts_are_given(summary: Summary) -> None:
    nodesc = record(summary, "https://node.example/nodesc")
    size = next(m for m in nodesc.messages if m.path == "http://www.w3.org/ns/dcat#byteSize")
    assert size.severity == "Violation" and size.found == '"12"^^xsd:integer'
    assert size.about == "dcat:Distribution (a blank node)"  # not our skolem IRI
    assert size.property == "dcat:byteSize (byte size)"
    modified = next(m for m in nodesc.messages if m.component == str(SH.MaxCountConstraintComponent))
    assert modified.property == "dct:modified (modification date)" and modified.found == "2 values"


def test_records_with_violations_come_first_and_violations_before_warnings(summary: Summary) -> None:
    order = [r.uri for r in summary.records]
    assert order[:2] == ["https://node.example/nodesc", "https://node.example/untitled"]
    assert order[2] == "https://node.example/fine"
    for rec in summary.records:
        severities = [m.severity for m in rec.messages]
        assert severities == sorted(severities, key=["Violation", "Warning", "Info"].index)
    untitled = record(summary, "https://node.example/untitled")
    assert untitled.title == "" and untitled.label == "(untitled dataset)"
    assert untitled.messages[0].property == "dct:title (title)"
    assert summary.violations == 4 and summary.failing == 2 and not summary.conforms


def test_a_result_shared_by_two_records_is_in_both(summary: Summary) -> None:
    """The publisher is described in both datasets that name it: each dataset hears about it."""
    for uri in ("https://node.example/fine", "https://node.example/nodesc"):
        agents = [m for m in record(summary, uri).messages if m.focus == "https://node.example/org"]
        assert agents and agents[0].about == "foaf:Agent <https://node.example/org>"


def test_json_report(summary: Summary) -> None:
    body = json.loads(json.dumps(to_json(summary)))
    assert body["profile"] == "dcat-ap-3" and body["specification"] == SPEC
    assert body["conforms"] is False and body["datasets"] == 3 and body["violations"] == 4
    first = body["results"][0]
    assert first["title"] == "Rare disease genomes" and first["uri"] == "https://node.example/nodesc"
    message = first["messages"][0]
    assert set(message) >= {"severity", "property", "found", "expected", "specification", "focus", "path"}


def test_turtle_report_is_a_shacl_validation_report(summary: Summary) -> None:
    graph = rdflib.Graph().parse(data=to_turtle(summary), format="turtle")
    report = graph.value(predicate=RDF.type, object=SH.ValidationReport)
    assert report is not None
    assert graph.value(report, SH.conforms).toPython() is False
    results = list(graph.objects(report, SH.result))
    # the agent's warning is shared by two records but reported once
    distinct = {
        (m.severity, m.focus, m.path, m.expected, m.value) for r in summary.records for m in r.messages
    }
    assert len(results) == len(distinct)
    for result in results:
        for predicate in (SH.focusNode, SH.resultSeverity, SH.resultMessage, SH.sourceShape):
            assert graph.value(result, predicate) is not None, predicate
        assert graph.value(result, SH.sourceConstraintComponent) is not None
    byte_size = rdflib.URIRef("http://www.w3.org/ns/dcat#byteSize")
    size = next(r for r in results if graph.value(r, SH.resultPath) == byte_size)
    assert graph.value(size, SH.value) == rdflib.Literal("12", datatype=rdflib.namespace.XSD.integer)
    assert isinstance(graph.value(size, SH.focusNode), rdflib.BNode)  # the input's blank node, not our IRI
    assert graph.value(size, SH.sourceShape) == rdflib.URIRef(SHAPES + "Distribution.byteSize")
    assert graph.value(size, SH.resultSeverity) == SH.Violation


def test_text_report(summary: Summary) -> None:
    text = to_text(summary)
    assert "violations: dataset Rare disease genomes <https://node.example/nodesc>" in text
    assert "Violation dct:description (description)" in text and "found:    missing" in text
    assert f"see:      {SPEC}#Dataset.description" in text
    assert text.rstrip().endswith("profile dcat-ap-3")


def test_a_conforming_document() -> None:
    doc = DOC.split("ex:nodesc")[0] + 'ex:org a foaf:Agent ; foaf:name "Org" .'
    summary = validate_document(Document("https://node.example/c.ttl", doc.encode()), "dcat-ap-3")
    assert summary.conforms and summary.violations == 0 and summary.warnings > 0
    graph = rdflib.Graph().parse(data=to_turtle(summary), format="turtle")
    assert (None, SH.conforms, rdflib.Literal(True)) in graph


def test_shape_notes_and_readable_names() -> None:
    shapes = rdflib.Graph().parse(
        format="turtle",
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix dct: <http://purl.org/dc/terms/> .
        <https://s.example/Node> a sh:NodeShape ; rdfs:seeAlso <https://spec.example/#Dataset> ;
            sh:property <https://s.example/title>, <https://s.example/own> .
        <https://s.example/title> sh:path dct:title ; sh:name "titel"@nl, "title"@en .
        <https://s.example/own> sh:path dct:type ;
            rdfs:seeAlso <https://spec.example/>, <https://spec.example/#Dataset.type> .
        """,
    )
    notes = ShapeNotes.from_graph(shapes)
    title = notes.get("https://s.example/title")
    assert title.name == "title" and title.link == "https://spec.example/#Dataset"  # inherited from its node
    assert notes.get("https://s.example/own").link == "https://spec.example/#Dataset.type"  # anchored first
    assert notes.get(None).link is None
    assert readable_property("http://purl.org/dc/terms/title", "title") == "dct:title (title)"
    assert readable_property("^http://www.w3.org/ns/dcat#dataset") == "inverse of dcat:dataset"
    assert readable_property("https://other.example/p") == "<https://other.example/p>"
    assert readable_property(None) == "(the resource itself)"


def test_values_are_described_as_written() -> None:
    import pyoxigraph as ox

    assert describe_term(ox.Literal("Genomes", language="en")) == '"Genomes"@en'
    assert describe_term(ox.Literal("about 2 GB")) == '"about 2 GB"'
    assert describe_term(ox.NamedNode("https://node.example/x")) == "<https://node.example/x>"
    assert describe_term(ox.NamedNode("urn:catalogue:validate/.well-known/genid/ab")) == "a blank node"
    assert describe_term(ox.Literal("x" * 500)).endswith('…"')
