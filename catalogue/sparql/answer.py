"""What the SPARQL endpoint answers and refuses: its limits and errors, the read-only guard, serialization.

Shared by both ways of answering (``service.py``): in a worker process over the
embedded store, and forwarded to a SPARQL server (``forward.py``).
"""

from __future__ import annotations

import time
from collections.abc import Container, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from catalogue.errors import CatalogueError
from catalogue.sparql.formats import RDF_FORMATS, RESULTS_FORMATS, results_json
from catalogue.sparql.syntax import QueryShape, is_update, query_form, shape

DEFAULT_TIMEOUT = 10.0  # seconds per query
DEFAULT_MAX_ROWS = 10_000  # SELECT solutions
DEFAULT_MAX_TRIPLES = 100_000  # CONSTRUCT / DESCRIBE triples
DEFAULT_MAX_CONCURRENT = 4  # queries evaluated at the same time
DEFAULT_MAX_QUEUE = 16  # queries waiting for a worker
DEFAULT_MAX_MEMORY_MB = 2048  # address space of a worker process (at rest about 450 MB)
DEFAULT_MAX_QUERY_BYTES = 262_144  # a GET query string or a POST body


class SparqlError(CatalogueError):
    """A query that cannot be answered; ``http_status`` is the HTTP status to answer with."""

    http_status = 400


class QuerySyntaxError(SparqlError):
    http_status = 400


class UpdateRefused(SparqlError):
    http_status = 403


class Timeout(SparqlError):
    http_status = 503


class Busy(SparqlError):
    http_status = 503


class TooLarge(SparqlError):
    """The result has more rows or triples than one answer may carry (413 would blame the request's size)."""

    http_status = 422


class NotAcceptable(SparqlError):
    http_status = 406


class Upstream(SparqlError):
    """The SPARQL server that holds the store failed (unreachable, an error, an unreadable answer)."""

    http_status = 502


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_triples: int = DEFAULT_MAX_TRIPLES
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    max_queue: int = DEFAULT_MAX_QUEUE
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES


@dataclass
class Answer:
    """A serialized result: ``kind`` is "bindings", "boolean" or "graph"."""

    kind: str
    format: str
    media_type: str
    body: bytes
    rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]] | None = None
    variables: list[str] | None = None


class OutOfMemory(SparqlError):
    http_status = 503


class EngineFailed(SparqlError):
    """The store failed while answering (an I/O error, a crash inside pyoxigraph): not the query's fault."""

    http_status = 500


@dataclass(frozen=True)
class Query:
    """One query and how it is to be answered (``deadline`` on the monotonic clock, which processes share)."""

    text: str
    results_format: str | None
    graph_format: str | None
    default_graph_uris: list[str]
    named_graph_uris: list[str]
    deadline: float
    base_iri: str | None
    #: written by the catalogue itself (related datasets), never by a visitor: no guard to pass, so
    #: no parse by rdflib (which costs more than such a query) — the dataset is the public union
    trusted: bool = False


# -- the guard ------------------------------------------------------------------


@dataclass(frozen=True)
class Inspected:
    """A query read by both parsers: its form (pyoxigraph's) and its shape (rdflib's)."""

    form: str
    shape: QueryShape


def inspect(query: str, base_iri: str | None = None) -> Inspected:
    """The read-only guard's reading of a query, in a worker process (rdflib's parser may take seconds).

    pyoxigraph's parser speaks first, so syntax errors read the same on every store; a text
    it refuses that reads as SPARQL Update is refused as such. rdflib's then gives the shape;
    a query only pyoxigraph can read is refused, since its dataset could not be checked.
    """
    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    try:
        form = query_form(query, base_iri)
    except SyntaxError as syntax:
        if is_update(query):
            raise UpdateRefused(
                "this endpoint is read-only: SPARQL Update operations are not accepted"
            ) from None
        raise QuerySyntaxError(str(syntax)) from None
    try:
        found = shape(query, base_iri)
    except SyntaxError as error:
        raise QuerySyntaxError(f"this endpoint cannot check what the query reads: {error}") from None
    if found.service:
        raise SparqlError("federated queries (SERVICE) are not accepted by this endpoint")
    return Inspected(form, found)


def refuse_hidden(found: QueryShape, public: Container[str]) -> None:
    """A query's own FROM / FROM NAMED may name public graphs only."""
    for iri in (*found.default_graphs, *found.named_graphs):
        if iri not in public:
            raise SparqlError(f"FROM may only name this catalogue's public graphs, not <{iri}>")


def own_dataset(found: QueryShape) -> dict[str, list[ox.NamedNode]]:
    """The query's FROM / FROM NAMED as pyoxigraph's dataset options: the graphs checked are those read."""
    if not found.has_dataset:
        return {}
    return {
        "default_graph": [ox.NamedNode(iri) for iri in found.default_graphs],
        "named_graphs": [ox.NamedNode(iri) for iri in found.named_graphs],
    }


def protocol_dataset(
    default_graph_uris: Iterable[str], named_graph_uris: Iterable[str], public: Container[str]
) -> tuple[list[ox.NamedNode], list[ox.NamedNode]]:
    """The protocol's ``default-graph-uri`` / ``named-graph-uri``: IRIs of public graphs, else a 400 (as FROM)."""
    dataset = []
    for uris, what in ((default_graph_uris, "default-graph-uri"), (named_graph_uris, "named-graph-uri")):
        nodes = _iris(uris, what)
        for node in nodes:
            if node.value not in public:
                raise SparqlError(f"{what} may only name this catalogue's public graphs, not <{node.value}>")
        dataset.append(nodes)
    return dataset[0], dataset[1]


def _iris(values: Iterable[str], what: str) -> list[ox.NamedNode]:
    nodes = []
    for value in values:
        try:
            nodes.append(ox.NamedNode(value))
        except ValueError as error:
            raise SparqlError(f"{what} {value!r} is not an IRI: {error}") from error
    return nodes


# -- answers --------------------------------------------------------------------


def serialize(result: object, query: Query, max_rows: int, max_triples: int) -> Answer:
    """The pyoxigraph result as an Answer in the format the query asked for, within the size caps."""
    results_format, graph_format, deadline = query.results_format, query.graph_format, query.deadline
    _check_clock(deadline)
    if isinstance(result, ox.QueryBoolean):
        name = _need(results_format, "an ASK result")
        media, fmt = RESULTS_FORMATS[name]
        return Answer("boolean", name, media, _written(result.serialize(format=fmt)))
    if isinstance(result, ox.QuerySolutions):
        name = _need(results_format, "SELECT results")
        variables = [v.value for v in result.variables]
        rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]] = []
        for solution in result:
            _check_clock(deadline)
            if len(rows) >= max_rows:
                raise TooLarge(
                    f"the result has more than {max_rows:,} rows; add LIMIT (and OFFSET to page through it)"
                )
            rows.append({v: term for v in variables if (term := solution[v]) is not None})
        body = results_json(variables, rows)
        media, fmt = RESULTS_FORMATS[name]
        if name != "json":
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            body = _written(parsed.serialize(format=fmt))
        return Answer("bindings", name, media, body, rows=rows, variables=variables)
    name = _need(graph_format, "a graph (CONSTRUCT/DESCRIBE) result")
    triples: list[ox.Triple] = []
    for triple in result:  # type: ignore[attr-defined]
        _check_clock(deadline)
        if len(triples) >= max_triples:
            raise TooLarge(f"the result has more than {max_triples:,} triples; add LIMIT to the query")
        triples.append(triple)
    media, rdf = RDF_FORMATS[name]
    return Answer("graph", name, media, _written(ox.serialize(triples, format=rdf)))


def _written(body: bytes | None) -> bytes:
    """What pyoxigraph serialized (None only when it was given a file to write to)."""
    assert body is not None
    return body


def _check_clock(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise Timeout("the query took longer than the time limit; narrow it down or add LIMIT")


def _need(name: str | None, what: str) -> str:
    if name is None:
        raise NotAcceptable(f"none of the accepted media types can represent {what}")
    return name
