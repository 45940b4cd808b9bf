"""Quality scores in W3C's Data Quality Vocabulary, for SPARQL users (and data.europa.eu's habits).

Each dataset's catalogue record gets one ``dqv:QualityMeasurement`` per
dimension and one for the total, each ``dqv:computedOn`` the dataset, with
the points as ``dqv:value``. The metrics and dimensions are described once.
"""

from __future__ import annotations

import pyoxigraph as ox

from catalogue.model import DIMENSIONS, QualityScore
from catalogue.namespaces import CAT, RDF_TYPE, SKOS, XSD

DQV = "http://www.w3.org/ns/dqv#"
MEASUREMENT = ox.NamedNode(DQV + "hasQualityMeasurement")
TYPE = ox.NamedNode(RDF_TYPE)
TOTAL = "quality"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def metric(name: str) -> ox.NamedNode:
    """``cat:findabilityScore`` …, and ``cat:qualityScore`` for the total."""
    return _n(f"{CAT}{name}Score")


def dqv_triples(
    record: ox.NamedNode, dataset: ox.NamedNode, score: QualityScore
) -> list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]:
    values = [(name, score.dimension(name)) for name in DIMENSIONS] + [(TOTAL, score.total)]
    triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = []
    for name, value in values:
        measurement = _n(f"{record.value}#{name}")
        triples += [
            (record, MEASUREMENT, measurement),
            (measurement, TYPE, _n(DQV + "QualityMeasurement")),
            (measurement, _n(DQV + "computedOn"), dataset),
            (measurement, _n(DQV + "isMeasurementOf"), metric(name)),
            (measurement, _n(DQV + "value"), ox.Literal(str(value), datatype=_n(XSD + "integer"))),
        ]
    return triples


def dqv_definitions(graph: ox.NamedNode) -> list[ox.Quad]:
    """The metrics (points per dimension, total points) and the five dimensions."""
    quads = []
    for name in (*DIMENSIONS, TOTAL):
        label = "Quality points (of 405)" if name == TOTAL else f"{name.title()} points"
        quads += [
            ox.Quad(metric(name), TYPE, _n(DQV + "Metric"), graph),
            ox.Quad(metric(name), _n(SKOS + "prefLabel"), ox.Literal(label, language="en"), graph),
            ox.Quad(metric(name), _n(DQV + "expectedDataType"), _n(XSD + "integer"), graph),
        ]
        if name != TOTAL:
            dimension = _n(CAT + name)
            quads += [
                ox.Quad(metric(name), _n(DQV + "inDimension"), dimension, graph),
                ox.Quad(dimension, TYPE, _n(DQV + "Dimension"), graph),
                ox.Quad(dimension, _n(SKOS + "prefLabel"), ox.Literal(name.title(), language="en"), graph),
            ]
    return quads
