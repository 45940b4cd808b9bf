"""The SPARQL 1.1 query service behind ``/sparql``: dataset, guard, limits, formats.

**Dataset.** The public default graph is the union of the graphs of visible
(published or flagged) records; those record graphs and the provenance graph
are the named graphs. Two strategies give it, after where the store keeps
its triples:

*Embedded store* (``sparql_snapshot.py``). A snapshot on disk holds exactly
the public dataset — the union materialised as its default graph, the visible
record graphs and the provenance graph as named graphs — rebuilt in the
background after each harvest; worker processes query it read-only.

*A store on a SPARQL server* (:class:`ForwardedDataset`). The server keeps the
union materialised as a graph of its own (``{base}/graphs/published``, see
``catalogue/store/sparql_server.py``); the query text is forwarded with that
graph as ``default-graph-uri``; a query with ``GRAPH ?g`` is also sent the
provenance and visible record graphs as ``named-graph-uri``, one with only
``GRAPH <iri>`` the public graphs it names. With ``[store] named_graphs =
"all"`` — for Virtuoso, which cannot take thousands of them — it is always only
those it names, and ``GRAPH ?g`` ranges over the server's own graphs (all of
them when the query names none). The syntax is checked by pyoxigraph first, so errors
read the same with either strategy. We ask the server for SPARQL JSON results
or N-Triples, read them as they stream in, and serialize them as the client
asked — so the same limits apply.

**Guard.** Both strategies refuse SPARQL Update, federated queries (SERVICE),
and a dataset — the query's FROM / FROM NAMED, or the protocol's
``default-graph-uri`` / ``named-graph-uri`` — naming graphs that are not public
(the provenance graph and the visible record graphs), with the same 400. The
protocol's dataset, when given, replaces the query's own (SPARQL 1.1 Protocol
§2.1.4), so only it is checked. Relative IRIs in a query are resolved against
the endpoint's IRI (``{base_url}/sparql``).

**Limits.** On the embedded store the whole query — the read-only guard,
parsing, evaluation and serialization — runs in a worker process
(``sparql_worker.py``): at most ``max_concurrent`` at a time, up to
``max_queue`` more waiting for one (beyond that: :class:`Busy`), each worker
under an address-space cap of ``max_memory_mb`` (past it the worker dies and
the query gets :class:`OutOfMemory`). At the deadline (``timeout`` seconds
after the request came in) the worker is killed: the work, its CPU and its
memory are gone, and a fresh worker starts in the background (about 50 ms).
Nothing of a query is parsed or checked on the web server's event loop.
Results over ``max_rows`` solutions or ``max_triples`` triples are refused
(:class:`TooLarge`, 422: the query is understood but this endpoint will not
carry it out whole; page with LIMIT/OFFSET) rather than silently truncated. A forwarded query runs
on the SPARQL server, from a thread here; our side stops reading at the
deadline and closes the connection (give the server a timeout of its own
too: ``oxigraph serve --timeout-s``, Virtuoso's ``MaxQueryExecutionTime``).
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Callable, Container, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from catalogue import negotiation
from catalogue.errors import CatalogueError
from catalogue.sparql_snapshot import Snapshots, open_snapshot
from catalogue.sparql_syntax import (
    dataset_clauses,
    mentioned_iris,
    query_form,
    uses_graph_variable,
    uses_keyword,
)
from catalogue.sparql_worker import PoolFull, WorkerDied, WorkerPool, WorkerTimeout
from catalogue.store import RemoteStoreError, RemoteTimeout, SparqlServer, Store

DEFAULT_TIMEOUT = 10.0  # seconds per query
DEFAULT_MAX_ROWS = 10_000  # SELECT solutions
DEFAULT_MAX_TRIPLES = 100_000  # CONSTRUCT / DESCRIBE triples
DEFAULT_MAX_CONCURRENT = 4  # queries evaluated at the same time
DEFAULT_MAX_QUEUE = 16  # queries waiting for a worker
DEFAULT_MAX_MEMORY_MB = 2048  # address space of a worker process (at rest about 450 MB)
DEFAULT_MAX_QUERY_BYTES = 262_144  # a GET query string or a POST body

RESULTS_FORMATS = {  # name: (media type, pyoxigraph format)
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "csv": ("text/csv", ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}
RDF_FORMATS = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
}
#: media types we answer, by the format name they select (first one is the preferred)
RESULTS_MEDIA = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
RDF_MEDIA = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "text/plain": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
    "text/xml": "rdfxml",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
}
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

#: one loop of alternatives that start differently (space, #, PREFIX, BASE): linear time. Nested
#: loops of whitespace, as before, took cubic time: 4,000 spaces before SELECT held the GIL for 9 s.
UPDATE_START = re.compile(
    r"^(?:\s|#[^\n]*(?:\n|$)|PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*"
    r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)


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


# -- the dataset ----------------------------------------------------------------


class PublicGraphs:
    """The graphs the public may name (FROM, default-graph-uri, named-graph-uri …).

    The provenance graph and the visible record graphs, read again when the store changes.
    """

    def __init__(self, store: Store, also: Iterable[str] = ()) -> None:
        self.store, self.also = store, list(also)
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._names: list[str] = []
        self._set: set[str] = set()

    def names(self) -> list[str]:
        """The provenance graph and the visible record graphs."""
        self._refresh()
        return self._names

    def __contains__(self, iri: object) -> bool:
        self._refresh()
        return iri in self._set

    def _refresh(self) -> None:
        generation = self.store.generation()
        with self._lock:
            if generation != self._generation:
                graphs = [self.store.provenance_graph(), *self.store.visible_graphs()]
                self._names = [graph.value for graph in graphs]
                self._set = {*self._names, *self.also}
                self._generation = generation

    def refuse_hidden(self, query: str) -> None:
        refuse_hidden(query, self)


def refuse_hidden(query: str, public: Container[str]) -> None:
    """A query's own FROM / FROM NAMED may name public graphs only."""
    try:
        clauses = dataset_clauses(query)
    except ValueError:
        return  # not readable: the parser says why
    for _, iri in clauses:
        if iri not in public:
            raise SparqlError(f"FROM may only name this catalogue's public graphs, not <{iri}>")


#: a graph no server holds: the protocol's dataset sent as only default or only named graphs gets it for the other
EMPTY_GRAPH = "urn:x-catalogue:empty-graph"


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


class ForwardedDataset:
    """The public dataset on the SPARQL server that holds the store's triples: queries are forwarded."""

    def __init__(self, store: Store, server: SparqlServer) -> None:
        self.store, self.server = store, server
        self.public = PublicGraphs(store, also=[server.published.value])

    def generation(self) -> int:
        return self.store.generation()

    def close(self) -> None:
        """Nothing runs in the background here."""

    def evaluate(
        self,
        query: str,
        default_graph_uris: list[str],
        named_graph_uris: list[str],
        deadline: float,
        base_iri: str | None = None,
    ) -> tuple[Result, Callable[[], None]]:
        try:
            form = query_form(query, base_iri)  # pyoxigraph's parser: the same syntax errors as embedded
        except SyntaxError as syntax:
            raise QuerySyntaxError(str(syntax)) from syntax
        if base_iri is not None:  # a BASE first: the query's own BASE, if any, still wins
            query = f"BASE <{base_iri}>\n{query}"
        if default_graph_uris or named_graph_uris:  # the protocol's dataset replaces the query's
            default_nodes, named_nodes = protocol_dataset(default_graph_uris, named_graph_uris, self.public)
            default = [node.value for node in default_nodes] or [EMPTY_GRAPH]
            named = [node.value for node in named_nodes] or [EMPTY_GRAPH]
        elif dataset_clauses(query):  # the query's own FROM / FROM NAMED: public graphs only
            self.public.refuse_hidden(query)
            default, named = [], []
        else:
            default = [self.server.published.value]
            named = []
            if uses_keyword(query, "GRAPH"):
                if self.server.lists_named_graphs and uses_graph_variable(query):
                    named = self.public.names()  # GRAPH ?g: every public graph (10,000: ~0.1 s more)
                else:  # GRAPH <g> needs only g; Virtuoso's GRAPH ?g ranges over the named ones, or all
                    named = sorted(iri for iri in mentioned_iris(query) if iri in self.public)
        accept = RDF_FORMATS["ntriples"][0] if form == "graph" else RESULTS_FORMATS["json"][0]
        try:
            answer = self.server.open_query(
                query, accept, default, named, max(0.001, deadline - time.monotonic())
            )
        except RemoteStoreError as error:
            raise _remote_error(error) from None
        if answer.truncated:
            answer.close()
            raise TooLarge(
                "the result is larger than the SPARQL server returns in one answer; add LIMIT "
                "(and OFFSET to page through it)"
            )
        try:
            body = io.BufferedReader(answer.body)
            graph_name = RDF_MEDIA.get(answer.media_type) if form == "graph" else None
            results_name = RESULTS_MEDIA.get(answer.media_type) if form != "graph" else None
            result: Result
            if graph_name is not None:
                result = (quad.triple for quad in ox.parse(body, format=RDF_FORMATS[graph_name][1]))
            elif results_name in ("json", "xml"):
                result = ox.parse_query_results(body, format=RESULTS_FORMATS[results_name][1])
            else:
                raise Upstream(f"the SPARQL server answered in {answer.media_type or 'an unnamed format'}")
        except BaseException:
            answer.close()
            raise
        return result, answer.close


def _remote_error(error: RemoteStoreError) -> SparqlError:
    """What the client is told when the SPARQL server fails (a new exception: no traceback travels)."""
    if isinstance(error, RemoteTimeout):
        return Timeout("the query took longer than the time limit; narrow it down or add LIMIT")
    if error.status == 400:
        return QuerySyntaxError(f"the SPARQL store refused the query: {error}")
    return Upstream(f"the SPARQL store failed: {error}")


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


# -- execution ------------------------------------------------------------------


def check_query(query: str) -> None:
    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    if UPDATE_START.match(query):
        raise UpdateRefused("this endpoint is read-only: SPARQL Update operations are not accepted")
    if uses_keyword(query, "SERVICE"):
        raise SparqlError("federated queries (SERVICE) are not accepted by this endpoint")


def _iris(values: Iterable[str], what: str) -> list[ox.NamedNode]:
    nodes = []
    for value in values:
        try:
            nodes.append(ox.NamedNode(value))
        except ValueError as error:
            raise SparqlError(f"{what} {value!r} is not an IRI: {error}") from error
    return nodes


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


class OutOfMemory(SparqlError):
    http_status = 503


@dataclass(frozen=True)
class WorkerRequest:
    """One query for a worker process (``deadline`` on the monotonic clock, which processes share)."""

    snapshot: str
    query: str
    results_format: str | None
    graph_format: str | None
    default_graph_uris: list[str]
    named_graph_uris: list[str]
    deadline: float
    max_rows: int
    max_triples: int
    base_iri: str | None = None


#: the snapshot a worker process has open: (folder, store, public graphs)
_opened: tuple[str, ox.Store, frozenset[str]] | None = None


def answer_in_worker(request: WorkerRequest) -> Answer | SparqlError:
    """Runs in a worker process: the whole query, from the read-only guard to the serialized answer.

    Errors are returned, not raised, so that the worker lives on to answer the next query.
    """
    try:
        return _answer_from_snapshot(request)
    except SparqlError as error:
        return error.with_traceback(None)
    except MemoryError:
        return OutOfMemory("the query needed more memory than this endpoint allows; narrow it down")


def _answer_from_snapshot(request: WorkerRequest) -> Answer:
    global _opened
    check_query(request.query)
    if _opened is None or _opened[0] != request.snapshot:
        _opened = None  # close the previous snapshot before opening the next
        _opened = (request.snapshot, *open_snapshot(request.snapshot))
    _, view, public = _opened
    options: dict[str, object] = {}
    protocol = bool(request.default_graph_uris or request.named_graph_uris)
    if protocol:  # the protocol's dataset replaces the query's FROM / FROM NAMED (§2.1.4)
        default, named = protocol_dataset(request.default_graph_uris, request.named_graph_uris, public)
        options = {"default_graph": default, "named_graphs": named}
    try:
        result = view.query(request.query, base_iri=request.base_iri, **options)  # type: ignore[arg-type]
    except SyntaxError as syntax:
        raise QuerySyntaxError(str(syntax)) from None
    if not protocol:
        refuse_hidden(request.query, public)
    return serialize(
        result,
        request.results_format,
        request.graph_format,
        request.deadline,
        request.max_rows,
        request.max_triples,
    )


#: what a query gives: a yes or no, solutions, or triples (from pyoxigraph, or parsed from a server)
Result = ox.QueryBoolean | ox.QuerySolutions | Iterable[ox.Triple]


def serialize(
    result: Result,
    results_format: str | None,
    graph_format: str | None,
    deadline: float,
    max_rows: int,
    max_triples: int,
) -> Answer:
    """The pyoxigraph result as an Answer in the format asked for, within the size caps."""
    _check_clock(deadline)
    if isinstance(result, ox.QueryBoolean):
        name = _need(results_format, "an ASK result")
        media, fmt = RESULTS_FORMATS[name]
        out = io.BytesIO()
        result.serialize(out, format=fmt)
        return Answer("boolean", name, media, out.getvalue())
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
            rows.append({v: solution[v] for v in variables if solution[v] is not None})
        body = results_json(variables, rows)
        media, fmt = RESULTS_FORMATS[name]
        if name != "json":
            out = io.BytesIO()
            ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(out, format=fmt)
            body = out.getvalue()
        return Answer("bindings", name, media, body, rows=rows, variables=variables)
    name = _need(graph_format, "a graph (CONSTRUCT/DESCRIBE) result")
    triples: list[ox.Triple] = []
    for triple in result:
        _check_clock(deadline)
        if len(triples) >= max_triples:
            raise TooLarge(f"the result has more than {max_triples:,} triples; add LIMIT to the query")
        triples.append(triple)
    graph_media, rdf_format = RDF_FORMATS[name]
    return Answer("graph", name, graph_media, negotiation.rdf_bytes(triples, rdf_format))


class SparqlService:
    """Answers SPARQL queries over the public dataset of a store, within limits.

    ``workdir`` holds the embedded store's snapshots (a temporary folder by default).
    """

    def __init__(self, store: Store, limits: Limits | None = None, workdir: Path | None = None) -> None:
        self.store = store
        self.limits = limits or Limits()
        server = store.sparql_server()
        self.snapshots = Snapshots(store, workdir) if server is None else None
        self.forwarded = ForwardedDataset(store, server) if server is not None else None
        self.workers = WorkerPool(
            answer_in_worker,
            self.limits.max_concurrent,
            self.limits.max_queue,
            self.limits.max_memory_mb * 2**20,
        )
        self._forwarding = threading.BoundedSemaphore(self.limits.max_concurrent)
        self._threads = ThreadPoolExecutor(
            self.limits.max_concurrent + self.limits.max_queue, thread_name_prefix="sparql"
        )
        self._running = 0
        self._count_lock = threading.Lock()

    def execute(
        self,
        query: str,
        results_format: str | None = "json",
        graph_format: str | None = "turtle",
        default_graph_uris: Iterable[str] = (),
        named_graph_uris: Iterable[str] = (),
        deadline: float | None = None,
        base_iri: str | None = None,
    ) -> Answer:
        """Answer one query (in a worker process, or forwarded to the SPARQL server); this thread waits.

        ``base_iri``: what relative IRIs in the query are resolved against (the endpoint's IRI).
        """
        deadline = deadline if deadline is not None else time.monotonic() + self.limits.timeout
        if self.forwarded is not None:
            return self._forward(
                query,
                results_format,
                graph_format,
                list(default_graph_uris),
                list(named_graph_uris),
                deadline,
                base_iri,
            )
        assert self.snapshots is not None
        snapshot = self.snapshots.acquire(deadline)
        if snapshot is None:
            raise Timeout("the SPARQL endpoint is still loading the catalogue; try again in a minute")
        request = WorkerRequest(
            str(snapshot),
            query,
            results_format,
            graph_format,
            list(default_graph_uris),
            list(named_graph_uris),
            deadline,
            self.limits.max_rows,
            self.limits.max_triples,
            base_iri,
        )
        try:
            reply = self.workers.call(request, deadline)
        except PoolFull:
            raise Busy("too many queries are running or waiting; try again shortly") from None
        except WorkerTimeout as stopped:
            if not stopped.started:
                raise Busy("too many queries are running; none finished in time, try again shortly") from None
            raise Timeout("the query took longer than the time limit; narrow it down or add LIMIT") from None
        except WorkerDied:
            raise OutOfMemory(
                f"the query needed more memory than this endpoint allows ({self.limits.max_memory_mb:,} MB), "
                "or crashed its worker, and was stopped; narrow it down or add LIMIT"
            ) from None
        finally:
            self.snapshots.release(snapshot)
        if isinstance(reply, SparqlError):
            raise reply
        assert isinstance(reply, Answer)
        return reply

    def _forward(
        self,
        query: str,
        results_format: str | None,
        graph_format: str | None,
        default_graph_uris: list[str],
        named_graph_uris: list[str],
        deadline: float,
        base_iri: str | None,
    ) -> Answer:
        """The query to the SPARQL server, at most ``max_concurrent`` at a time; the work runs there."""
        assert self.forwarded is not None
        check_query(query)
        if not self._forwarding.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise Busy("too many queries are running; none finished in time, try again shortly")
        try:
            result, release = self.forwarded.evaluate(
                query, default_graph_uris, named_graph_uris, deadline, base_iri
            )
            # pyoxigraph's result iterators must be dropped in the thread that made them:
            # keep them out of any traceback that travels to the caller's thread
            error: SparqlError | None = None
            try:
                answer = serialize(
                    result,
                    results_format,
                    graph_format,
                    deadline,
                    self.limits.max_rows,
                    self.limits.max_triples,
                )
            except SparqlError as raised:
                error = raised.with_traceback(None)
            except RemoteStoreError as raised:  # the answer stopped coming from the SPARQL server
                error = _remote_error(raised)
            except SyntaxError as raised:  # the SPARQL server's answer was not what it said
                error = Upstream(f"the SPARQL store's answer could not be read: {raised}")
            finally:
                release()
            del result
        finally:
            self._forwarding.release()
        if error is not None:
            raise error
        return answer

    def submit(self, query: str, **kwargs: object) -> Future[Answer]:
        """Run a query from a thread of our own (checks included: none on the caller's event loop).

        Refused at once when as many queries as may run and wait are under way.
        """
        with self._count_lock:
            if self._running >= self.limits.max_concurrent + self.limits.max_queue:
                raise Busy("too many queries are running or waiting; try again shortly")
            self._running += 1
        deadline = time.monotonic() + self.limits.timeout

        def work() -> Answer:
            try:
                return self.execute(query, deadline=deadline, **kwargs)  # type: ignore[arg-type]
            finally:
                with self._count_lock:
                    self._running -= 1

        return self._threads.submit(work)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.workers.close()
        if self.snapshots is not None:
            self.snapshots.close()


def _check_clock(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise Timeout("the query took longer than the time limit; narrow it down or add LIMIT")


def _need(name: str | None, what: str) -> str:
    if name is None:
        raise NotAcceptable(f"none of the accepted media types can represent {what}")
    return name


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
    return media, negotiation.rdf_bytes(triples, fmt, {"sd": SD, "formats": FORMATS_NS})
