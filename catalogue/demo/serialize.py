"""A node's graph written in the node's RDF syntax: byte-identical for the same graph, whatever the hash seed.

Turtle, N-Triples, RDF/XML and TriG are written by pyoxigraph's serializers
from the triples in sorted order (so each subject's statements stay
together); the TriG's statements are in the default graph, where the
harvester expects a node's catalogue. JSON-LD is the exception: pyoxigraph 0.5
writes only expanded JSON-LD, without a ``@context``, and a node's JSON-LD
carries its context inline (tests/test_demo.py); rdflib compacts it, and
every unordered array is sorted so the bytes do not change.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pyoxigraph as ox
import rdflib

from catalogue.demo.tables import PREFIXES

_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "turtle-gz": ox.RdfFormat.TURTLE,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "ntriples": ox.RdfFormat.N_TRIPLES,
}


def serialize(graph: rdflib.Graph, syntax: str) -> bytes:
    """The graph in ``syntax`` (a key of :data:`catalogue.demo.tables.EXTENSIONS`)."""
    if syntax == "jsonld":
        return _jsonld(graph)
    triples = sorted((_to_oxigraph(triple) for triple in graph), key=str)
    if syntax == "trig":
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        return _written(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES))
    data = _written(ox.serialize(triples, format=_FORMATS[syntax], prefixes=PREFIXES))
    if syntax == "turtle-gz":
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


def _written(data: bytes | None) -> bytes:
    """ox.serialize without an output file returns the bytes (None only when given a file)."""
    assert data is not None
    return data


def _to_oxigraph(triple: tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]) -> ox.Triple:
    subject, predicate, obj = (_term(node) for node in triple)
    assert isinstance(subject, ox.NamedNode | ox.BlankNode) and isinstance(predicate, ox.NamedNode)
    return ox.Triple(subject, predicate, obj)


def _term(node: rdflib.term.Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def _jsonld(graph: rdflib.Graph) -> bytes:
    text = graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
    # rdflib's JSON-LD object order follows Python's set order; sort every unordered
    # array (JSON-LD arrays without @list are sets) so the bytes do not change.
    tree = _sorted_json(json.loads(text))
    return (json.dumps(tree, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: (item if key == "@list" else _sorted_json(item)) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    return value
