"""The SPARQL 1.1 query service behind ``/sparql``: dataset, guard, limits, formats.

**Dataset.** The public default graph is the union of the graphs of visible
(published or flagged) records; those record graphs and the provenance graph
are the named graphs. Two strategies give it, after where the store keeps
its triples:

*Embedded store* (:class:`VisibleDataset`). pyoxigraph can restrict a query to a list of graphs
(``default_graph=[…]``), but it then looks every triple pattern up once per
graph: with ~10,000 record graphs a two-pattern join took 17 s instead of
7 ms. So :class:`VisibleDataset` keeps an in-memory pyoxigraph store holding
exactly the public dataset (the union materialised as its default graph, the
visible record graphs and the provenance graph as named graphs) and queries it
with no dataset options. It is rebuilt when the store changes: every harvest
writes one ``cat:HarvestRun`` into the provenance graph, so their number is a
generation counter checked (in about a millisecond) before each query. The
rebuild runs in the background; until it is done (2 s at most), queries are
answered from the previous copy.

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
(the provenance graph and the visible record graphs); the protocol's are
replaced by an empty graph, a query's own are refused.

**Limits.** Queries run in worker threads (pyoxigraph releases the GIL while it
evaluates), at most ``max_concurrent`` at a time; more are refused at once
(:class:`Busy`). The caller waits at most ``timeout`` seconds (:class:`Timeout`);
the worker also checks the clock between solutions and stops there. pyoxigraph
0.5 has no way to cancel a query from Python, so a query whose first solution
takes long (ORDER BY, GROUP BY, COUNT over a cross join) keeps its thread busy
until pyoxigraph returns it; its answer is then dropped. That CPU time and
memory are not bounded, only the number of such threads is. Results over
``max_rows`` solutions or ``max_triples`` triples are refused
(:class:`TooLarge`) rather than silently truncated. A forwarded query is
abandoned at the time limit (the connection closed); give the server a
timeout of its own too (``oxigraph serve --timeout-s``, Virtuoso's
``MaxQueryExecutionTime``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox

from catalogue import negotiation
from catalogue.sparql_syntax import (
    dataset_clauses,
    mentioned_iris,
    query_form,
    uses_graph_variable,
    uses_keyword,
)
from catalogue.store import RemoteStoreError, RemoteTimeout, SparqlServer, Store

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0  # seconds per query
DEFAULT_MAX_ROWS = 10_000  # SELECT solutions
DEFAULT_MAX_TRIPLES = 100_000  # CONSTRUCT / DESCRIBE triples
DEFAULT_MAX_CONCURRENT = 4  # queries evaluated at the same time
#: seconds a query waits for the endpoint's copy of a newer harvest before it is answered from the last one
REFRESH_WAIT = 2.0
#: seconds closing waits for a copy being built to notice and stop
CLOSE_WAIT = 10.0

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

UPDATE_START = re.compile(
    r"^\s*(?:(?:#[^\n]*\n|\s)*(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>))*(?:#[^\n]*\n|\s)*"
    r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)


class SparqlError(Exception):
    """A query that cannot be answered; ``status`` is the HTTP status to answer with."""

    status = 400


class QuerySyntaxError(SparqlError):
    status = 400


class UpdateRefused(SparqlError):
    status = 403


class Timeout(SparqlError):
    status = 503


class Busy(SparqlError):
    status = 503


class TooLarge(SparqlError):
    status = 413


class NotAcceptable(SparqlError):
    status = 406


class Upstream(SparqlError):
    """The SPARQL server that holds the store failed (unreachable, an error, an unreadable answer)."""

    status = 502


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_triples: int = DEFAULT_MAX_TRIPLES
    max_concurrent: int = DEFAULT_MAX_CONCURRENT


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

    def __contains__(self, iri: str) -> bool:
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
        """A query's own FROM / FROM NAMED may name public graphs only."""
        try:
            clauses = dataset_clauses(query)
        except ValueError:
            return  # not readable: the parser says why
        for _, iri in clauses:
            if iri not in self:
                raise SparqlError(f"FROM may only name this catalogue's public graphs, not <{iri}>")


class VisibleDataset:
    """An in-memory copy of what the public may query, rebuilt when the store changes.

    The rebuild runs in a thread of its own. A query that finds the copy out of
    date waits for the new one at most :data:`REFRESH_WAIT` seconds, then is
    answered from the previous copy — a consistent snapshot of the last
    harvest but one — rather than waiting: at 100,000 datasets a rebuild takes
    about two minutes, longer than any query may run. Only the very first copy
    is waited for (built by the first query, not at start-up, so a catalogue
    nobody queries by SPARQL does not pay for it); a first query that runs out
    of time while it is built gets a Timeout, and the next ones the copy.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.public = PublicGraphs(store)
        self._lock = threading.Lock()
        self._view: ox.Store | None = None
        self._generation: int | None = None
        #: the rebuild under way: (the generation it builds, set when it is done)
        self._building: tuple[int, threading.Event] | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        self.build_seconds = 0.0

    def generation(self) -> int:
        return self.store.generation()

    def current(self, deadline: float | None = None) -> ox.Store:
        """The copy of the current generation, or the previous one while that is being built."""
        generation = self.generation()
        view = self._view
        if view is not None and self._generation == generation:
            return view
        done = self._refresh(generation)
        if view is None:  # nothing to answer from yet
            done.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        else:
            wait = REFRESH_WAIT if deadline is None else min(REFRESH_WAIT, deadline - time.monotonic())
            done.wait(max(0.0, wait))
        if self._view is None:
            raise Timeout("the SPARQL endpoint is still loading the catalogue; try again in a minute")
        return self._view

    def _refresh(self, generation: int) -> threading.Event:
        """Start a rebuild for this generation unless one is under way; its done-event."""
        with self._lock:
            if self._building is not None:
                return self._building[1]
            done = threading.Event()
            if self._closed.is_set():
                done.set()
                return done
            self._building = (generation, done)
            self._thread = threading.Thread(
                target=self._rebuild, args=(generation, done), name="sparql-view", daemon=True
            )
            self._thread.start()
        return done

    def close(self) -> None:
        """Stop a rebuild under way (it reads the store, which is about to close) and wait for it."""
        self._closed.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(CLOSE_WAIT)

    def _rebuild(self, generation: int, done: threading.Event) -> None:
        started = time.perf_counter()
        try:
            view = self._build()
            with self._lock:
                self._view, self._generation = view, generation
            self.build_seconds = time.perf_counter() - started
        except _Closed:
            pass
        except Exception:  # the next query starts another attempt
            log.exception("building the SPARQL endpoint's copy of the catalogue failed")
        finally:
            with self._lock:
                self._building = None
            done.set()

    def _build(self) -> ox.Store:
        provenance = self.store.provenance_graph()
        graphs = [*self.store.visible_graphs(), provenance]
        default = ox.DefaultGraph()

        def quads() -> Iterator[ox.Quad]:
            solutions = self.store.query(
                "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=graphs
            )
            for solution in solutions:  # type: ignore[attr-defined]
                if self._closed.is_set():
                    raise _Closed
                graph, s, p, o = solution[0], solution[1], solution[2], solution[3]
                yield ox.Quad(s, p, o, graph)
                if graph != provenance:
                    yield ox.Quad(s, p, o, default)

        view = ox.Store()
        view.bulk_extend(quads())
        return view

    def evaluate(
        self, query: str, default_graph_uris: list[str], named_graph_uris: list[str], deadline: float
    ) -> tuple[object, Callable[[], None]]:
        """(pyoxigraph result, what to call when done with it)."""
        options: dict[str, object] = {}
        if default_graph_uris or named_graph_uris:  # the protocol's dataset replaces ours
            options["default_graph"] = _iris(default_graph_uris, "default-graph-uri")
            options["named_graphs"] = _iris(named_graph_uris, "named-graph-uri")
        view = self.current(deadline)
        try:
            result = view.query(query, **options)  # type: ignore[arg-type]
        except SyntaxError as syntax:
            raise QuerySyntaxError(str(syntax)) from syntax
        try:
            self.public.refuse_hidden(query)
        except SparqlError as error:
            del result
            raise error.with_traceback(None) from None
        return result, _nothing


class _Closed(Exception):
    """The service closed while a copy was being built."""


#: a graph no server holds: what a client-named dataset gets instead of graphs that are not public
EMPTY_GRAPH = "urn:x-catalogue:empty-graph"


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
        self, query: str, default_graph_uris: list[str], named_graph_uris: list[str], deadline: float
    ) -> tuple[object, Callable[[], None]]:
        try:
            form = query_form(query)  # pyoxigraph's parser: the same syntax errors as embedded
        except SyntaxError as syntax:
            raise QuerySyntaxError(str(syntax)) from syntax
        self.public.refuse_hidden(query)
        if default_graph_uris or named_graph_uris:  # the protocol's dataset replaces ours: public graphs only
            default = self._only_public(default_graph_uris, "default-graph-uri")
            named = self._only_public(named_graph_uris, "named-graph-uri")
        elif dataset_clauses(query):  # the query's own FROM / FROM NAMED (public graphs, checked above)
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
            if form == "graph":
                name = RDF_MEDIA.get(answer.media_type)
                fmt = RDF_FORMATS[name][1] if name else None
            else:
                name = RESULTS_MEDIA.get(answer.media_type)
                fmt = RESULTS_FORMATS[name][1] if name in ("json", "xml") else None
            if fmt is None:
                raise Upstream(f"the SPARQL server answered in {answer.media_type or 'an unnamed format'}")
            if form == "graph":
                result: object = (quad.triple for quad in ox.parse(answer.body, format=fmt))
            else:
                result = ox.parse_query_results(answer.body, format=fmt)
        except BaseException:
            answer.close()
            raise
        return result, answer.close

    def _only_public(self, uris: list[str], what: str) -> list[str]:
        wanted = [node.value for node in _iris(uris, what)]
        return [uri for uri in wanted if uri in self.public] or [EMPTY_GRAPH]


def _nothing() -> None:
    pass


def _remote_error(error: RemoteStoreError) -> SparqlError:
    """What the client is told when the SPARQL server fails (a new exception: no traceback travels)."""
    if isinstance(error, RemoteTimeout):
        return Timeout("the query took longer than the time limit; narrow it down or add LIMIT")
    if error.status == 400:
        return QuerySyntaxError(f"the SPARQL store refused the query: {error}")
    return Upstream(f"the SPARQL store failed: {error}")


# -- negotiation ----------------------------------------------------------------


def negotiate(accept_header: str | None, offers: dict[str, str], preferred: str) -> str | None:
    """The format name of the best acceptable media type (ties: ``preferred``, then our order), or None."""
    ordered = sorted(offers, key=lambda media: offers[media] != preferred)
    chosen = negotiation.negotiate(accept_header, ordered)
    return offers[chosen] if chosen else None


def choose_format(format_param: str | None, accept_header: str | None) -> tuple[str | None, str | None]:
    """(results format, graph format) for this request; None where nothing is acceptable."""
    if format_param:
        name = FORMAT_ALIASES.get(format_param.strip().lower())
        if name is None:
            raise SparqlError(f"unknown format {format_param!r}; use one of {', '.join(FORMAT_NAMES)}")
        if name in RESULTS_FORMATS:
            return name, GRAPH_EQUIVALENT.get(name)
        return SELECT_EQUIVALENT.get(name), name
    return negotiate(accept_header, RESULTS_MEDIA, "json"), negotiate(accept_header, RDF_MEDIA, "turtle")


FORMAT_NAMES = [*RESULTS_FORMATS, *RDF_FORMATS]


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


class SparqlService:
    """Answers SPARQL queries over the public dataset of a store, within limits."""

    def __init__(self, store: Store, limits: Limits | None = None) -> None:
        self.store = store
        self.limits = limits or Limits()
        server = store.sparql_server()
        self.dataset: VisibleDataset | ForwardedDataset = (
            VisibleDataset(store) if server is None else ForwardedDataset(store, server)
        )
        self._pool = ThreadPoolExecutor(self.limits.max_concurrent, thread_name_prefix="sparql")
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
    ) -> Answer:
        """Run one query in this thread and serialize its result."""
        check_query(query)
        deadline = deadline if deadline is not None else time.monotonic() + self.limits.timeout
        result, release = self.dataset.evaluate(
            query, list(default_graph_uris), list(named_graph_uris), deadline
        )
        # pyoxigraph's result iterators must be dropped in the thread that made them:
        # keep them out of any traceback that travels to the caller's thread
        error: SparqlError | None = None
        try:
            answer = self._serialize(result, results_format, graph_format, deadline)
        except SparqlError as raised:
            error = raised.with_traceback(None)
        except RemoteStoreError as raised:  # the answer stopped coming from the SPARQL server
            error = _remote_error(raised)
        except SyntaxError as raised:  # the SPARQL server's answer was not what it said
            error = Upstream(f"the SPARQL store's answer could not be read: {raised}")
        finally:
            release()
        del result
        if error is not None:
            raise error
        return answer

    def _serialize(
        self, result: object, results_format: str | None, graph_format: str | None, deadline: float
    ) -> Answer:
        _check_clock(deadline)
        if isinstance(result, ox.QueryBoolean):
            name = _need(results_format, "an ASK result")
            media, fmt = RESULTS_FORMATS[name]
            return Answer("boolean", name, media, result.serialize(format=fmt))
        if isinstance(result, ox.QuerySolutions):
            name = _need(results_format, "SELECT results")
            variables = [v.value for v in result.variables]
            rows = []
            for solution in result:
                _check_clock(deadline)
                if len(rows) >= self.limits.max_rows:
                    raise TooLarge(
                        f"the result has more than {self.limits.max_rows:,} rows; "
                        "add LIMIT (and OFFSET to page through it)"
                    )
                rows.append({v: solution[v] for v in variables if solution[v] is not None})
            body = results_json(variables, rows)
            media, fmt = RESULTS_FORMATS[name]
            if name != "json":
                body = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON).serialize(format=fmt)
            return Answer("bindings", name, media, body, rows=rows, variables=variables)
        name = _need(graph_format, "a graph (CONSTRUCT/DESCRIBE) result")
        triples = []
        for triple in result:  # type: ignore[attr-defined]
            _check_clock(deadline)
            if len(triples) >= self.limits.max_triples:
                raise TooLarge(
                    f"the result has more than {self.limits.max_triples:,} triples; add LIMIT to the query"
                )
            triples.append(triple)
        media, fmt = RDF_FORMATS[name]
        return Answer("graph", name, media, ox.serialize(triples, format=fmt))

    def submit(self, query: str, **kwargs: object) -> Future[Answer]:
        """Run a query in a worker thread; refuse at once when all workers are busy."""
        check_query(query)
        with self._count_lock:
            if self._running >= self.limits.max_concurrent:
                raise Busy("too many queries are running; try again shortly")
            self._running += 1
        deadline = time.monotonic() + self.limits.timeout

        def work() -> Answer:
            try:
                return self.execute(query, deadline=deadline, **kwargs)  # type: ignore[arg-type]
            finally:
                with self._count_lock:
                    self._running -= 1

        return self._pool.submit(work)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.dataset.close()


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
    return media, ox.serialize(triples, format=fmt, prefixes={"sd": SD, "formats": FORMATS_NS})
