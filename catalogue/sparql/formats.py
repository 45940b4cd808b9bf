"""The SPARQL endpoint's formats: result and RDF syntaxes, their negotiation, SPARQL JSON, the service description.

The syntaxes themselves — media types, aliases, pyoxigraph formats — are the
one table in ``catalogue/negotiation.py``; this module names them as the
SPARQL endpoint does (``format=json``, ``format=turtle`` …).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox

from catalogue import negotiation

#: name: (media type, pyoxigraph format), from the one table in negotiation.py
RESULTS_FORMATS = {f.name: (f.media_type, f.format) for f in negotiation.RESULTS_FORMATS}
RDF_FORMATS = {f.name: (f.media_type, f.format) for f in negotiation.RDF_FORMATS}
#: media types we answer, by the format name they select (first one is the preferred)
RESULTS_MEDIA = {media: f.name for f in negotiation.RESULTS_FORMATS for media in (f.media_type, *f.aliases)}
RDF_MEDIA = {media: f.name for f in negotiation.RDF_FORMATS for media in (f.media_type, *f.aliases)}
#: ``format=`` values (and aliases SPARQLWrapper and others send)
FORMAT_ALIASES = {
    "json": "json",
    "xml": "xml",
    "csv": "csv",
    "tsv": "tsv",
    "turtle": "turtle",
    "ttl": "turtle",
    "n3": "turtle",
    "ntriples": "ntriples",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "rdfxml": "rdfxml",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "html": "html",
}
#: a results format name for a graph result (and back), when the client asked by name
GRAPH_EQUIVALENT = {"json": "jsonld", "xml": "rdfxml"}
SELECT_EQUIVALENT = {"jsonld": "json", "rdfxml": "xml"}


# -- negotiation ----------------------------------------------------------------


def negotiate(accept_header: str | None, offers: dict[str, str], preferred: str) -> str | None:
    """The best acceptable format name (ties: ``preferred``, then our order), or None.

    Through :func:`negotiation.choose`: a format's aliases answer for it, and q=0 on one of its
    media types refuses it even where ``*/*`` reaches another.
    """
    names = sorted(dict.fromkeys(offers.values()), key=lambda name: name != preferred)
    return negotiation.choose(accept_header, {n: [m for m, o in offers.items() if o == n] for n in names})


def format_name(value: str) -> str | None:
    """The format a ``format`` parameter names (by name or media type, as SPARQLWrapper sends both), or None."""
    value = value.strip().lower()
    return FORMAT_ALIASES.get(value) or RESULTS_MEDIA.get(value) or RDF_MEDIA.get(value)


def choose_format(format_params: Iterable[str], accept_header: str | None) -> tuple[str | None, str | None]:
    """(results format, graph format) for this request; None where nothing is acceptable.

    ``format`` is not part of the SPARQL Protocol: the first value this endpoint knows wins
    (the query page's download links use it); values it does not know are ignored, so a
    client's valid Accept header still decides.
    """
    for value in format_params:
        name = format_name(value)
        if name in RESULTS_FORMATS:
            return name, GRAPH_EQUIVALENT.get(name)
        if name in RDF_FORMATS:
            return SELECT_EQUIVALENT.get(name), name
    return negotiate(accept_header, RESULTS_MEDIA, "json"), negotiate(accept_header, RDF_MEDIA, "turtle")


# -- SPARQL JSON results ------------------------------------------------------------


def _term_json(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _term_json(term.subject),
            "predicate": _term_json(term.predicate),
            "object": _term_json(term.object),
        },
    }


def results_json(variables: list[str], rows: list[dict]) -> bytes:
    bindings = [{name: _term_json(term) for name, term in row.items()} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}).encode()


# -- service description -----------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
}


def service_description(endpoint: str, graph_format: str) -> tuple[str, bytes]:
    """(media type, body) of an sd:Service describing the endpoint."""
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset, graph = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), graph),
        ox.Triple(graph, rdf_type, sd("Graph")),
        ox.Triple(
            graph,
            ox.NamedNode("http://purl.org/dc/terms/description"),
            ox.Literal(
                "The union of the graphs of the published (and flagged) records; "
                "those graphs and the provenance graph are available as named graphs.",
                language="en",
            ),
        ),
    ]
    triples += [
        ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + iri)) for iri in FORMAT_IRIS.values()
    ]
    media, fmt = RDF_FORMATS[graph_format]
    body = ox.serialize(triples, format=fmt, prefixes={"sd": SD, "formats": FORMATS_NS})
    assert body is not None  # (None only when given a file to write to)
    return media, body
