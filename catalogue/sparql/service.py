"""The SPARQL 1.1 query service behind ``/sparql``: dataset, guard, limits, formats.

**Dataset.** The public default graph is the union of the graphs of visible
(published or flagged) records; those record graphs and the provenance graph
are the named graphs. Two strategies give it, after where the store keeps
its triples:

*Embedded store*. The store's own oxigraph folder is the public dataset: its
default graph is the union of the visible record graphs, materialised with
every commit (``catalogue/store/embedded.py``), its named graphs the visible
record graphs and the provenance graph. Worker processes open the snapshot
the writer takes after each change (``catalogue/store/snapshots.py``: a
checkpoint of hard links, never written again), read-only, and query it with
no dataset options; a worker opens the next snapshot when there is a newer
one. Nothing is copied: the endpoint answers as soon as the server has
started, and again right after each harvest.

*A store on a SPARQL server* (``forward.py``). The server keeps the
union materialised as a graph of its own; the query is forwarded to it with
the dataset it may read.

**Guard.** Both strategies refuse SPARQL Update, federated queries (SERVICE),
and a dataset — the query's FROM / FROM NAMED, or the protocol's
``default-graph-uri`` / ``named-graph-uri`` — naming graphs that are not public
(the provenance graph and the visible record graphs), with the same 400. The
protocol's dataset, when given, replaces the query's own (SPARQL 1.1 Protocol
§2.1.4), so only it is checked. Relative IRIs in a query are resolved against
the endpoint's IRI (``{base_url}/sparql``). The query is read by rdflib's
SPARQL parser (``syntax.py``) in a worker process for both strategies
(:func:`~catalogue.sparql.answer.inspect`): a query that is slow to parse
holds a worker until its deadline, never the web server.

**Limits.** On the embedded store the whole query — the read-only guard,
parsing, evaluation and serialization — runs in a worker process
(``worker.py``): at most ``max_concurrent`` at a time, up to
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

import logging
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from catalogue.sparql.answer import (
    Answer,
    Busy,
    EngineFailed,
    Inspected,
    Limits,
    OutOfMemory,
    Query,
    QuerySyntaxError,
    SparqlError,
    Timeout,
    Upstream,
    inspect,
    own_dataset,
    protocol_dataset,
    refuse_hidden,
    serialize,
)
from catalogue.sparql.forward import ForwardedDataset, remote_error
from catalogue.sparql.syntax import shape
from catalogue.sparql.worker import PoolFull, WorkerDied, WorkerPool, WorkerTimeout
from catalogue.store import RemoteStoreError, Store
from catalogue.store.embedded import files_vanished, open_read_only
from catalogue.store.snapshots import latest_snapshot

log = logging.getLogger(__name__)

# -- the dataset ----------------------------------------------------------------


# -- execution ------------------------------------------------------------------


@dataclass(frozen=True)
class InspectRequest:
    """A query for a worker to read (:func:`inspect`), before it is forwarded to a SPARQL server."""

    query: str
    base_iri: str | None


@dataclass(frozen=True)
class WorkerRequest:
    """A query for a worker process to answer from the embedded store's newest snapshot."""

    folder: str  # the store's live folder (the snapshots are beside it)
    query: Query
    max_rows: int
    max_triples: int


#: the snapshot a worker process has open: (its folder, a read-only store on it)
_opened: tuple[Path, ox.Store] | None = None


class NamedGraphsOf:
    """The public graphs of the embedded store: its named graphs (the visible record graphs, provenance)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def __contains__(self, iri: object) -> bool:
        try:
            return isinstance(iri, str) and self.store.contains_named_graph(ox.NamedNode(iri))
        except ValueError:  # not an IRI
            return False


#: queries that take rdflib's parser through most of the grammar (it readies each part on first use)
WARM_UP = (
    "PREFIX a: <x:> SELECT DISTINCT ?s (COUNT(*) AS ?n) FROM <x:g> WHERE { GRAPH ?g { ?s a:p ?o ; a:q 'x'@en, 1,"
    ' "y"^^a:t . OPTIONAL { ?o a:r* ?z } FILTER (regex(str(?o), "a") && ?n > 2) } VALUES ?s { <x:1> } }'
    " GROUP BY ?s ORDER BY DESC(?n) LIMIT 10 OFFSET 1",
    "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { ?o ^<x:p> ?s } MINUS { ?s <x:q> [] } }",
    "DESCRIBE <x:d> ?d WHERE { ?d a ?t BIND (IRI(?t) AS ?i) }",
    "ASK { FILTER NOT EXISTS { ?s ?p ?o } }",
)


def warm_up() -> None:
    """Run in the worker processes' zygote before it forks them: rdflib readies its SPARQL grammar on
    first use (0.5 s), which every worker would pay again on its first queries."""
    for query in WARM_UP:
        shape(query)


def answer_in_worker(request: WorkerRequest | InspectRequest) -> Answer | Inspected | SparqlError:
    """Runs in a worker process: the whole query, from the read-only guard to the serialized answer
    (or, for a query to forward, the guard's reading of it).

    Errors are returned, not raised, so that the worker lives on to answer the next query.
    """
    try:
        if isinstance(request, InspectRequest):
            return inspect(request.query, request.base_iri)
        return _answer_from_store(request)
    except SparqlError as error:
        return error.with_traceback(None)
    except MemoryError:
        return OutOfMemory("the query needed more memory than this endpoint allows; narrow it down")
    except Exception as error:  # a store error, or a Rust panic in pyoxigraph (not an ``Exception``):
        return _failed(error)
    except BaseException as error:  # said and survived, rather than the worker's end read as out of memory
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return _failed(error)


def _failed(error: BaseException) -> SparqlError:
    """The query engine's own failure: the details (paths, internals) in the log, not in the answer."""
    global _opened
    _opened = None  # a fresh view for the next query
    log.error("the SPARQL engine failed: %s: %s", type(error).__name__, error)
    return EngineFailed("the query engine failed on this query; try again, or report it if it keeps failing")


def _answer_from_store(request: WorkerRequest) -> Answer:
    try:
        return _answer_from_view(request, _view(request, again=False))
    except (OSError, RuntimeError) as error:
        if not files_vanished(error):
            raise
        return _answer_from_view(request, _view(request, again=True))  # over the files that replaced them


def _view(request: WorkerRequest, again: bool) -> ox.Store:
    """A read-only view of the store's newest snapshot: the one open, or a new one when the writer took
    another since (or when ``again``: the snapshot open was removed)."""
    global _opened
    folder = Path(request.folder)
    current = latest_snapshot(folder) or folder  # (a store no writer has opened since it had snapshots)
    if again or _opened is None or _opened[0] != current:
        _opened = None  # close the older view before opening the next
        _opened = (current, open_read_only(current))
    return _opened[1]


def _answer_from_view(request: WorkerRequest, view: ox.Store) -> Answer:
    query = request.query
    found = None if query.trusted else inspect(query.text, query.base_iri).shape
    public = NamedGraphsOf(view)
    options: dict[str, list[ox.NamedNode]]
    if found is None:  # our own query: the store's default graph (the public union), its named graphs
        options = {}
    elif query.default_graph_uris or query.named_graph_uris:  # the protocol's replaces FROM (§2.1.4)
        default, named = protocol_dataset(query.default_graph_uris, query.named_graph_uris, public)
        options = {"default_graph": default, "named_graphs": named}
    else:
        refuse_hidden(found, public)
        options = own_dataset(found)
    try:
        result = view.query(query.text, base_iri=query.base_iri, **options)  # type: ignore[arg-type]
    except SyntaxError as syntax:
        raise QuerySyntaxError(str(syntax)) from None
    return serialize(result, query, request.max_rows, request.max_triples)


class SparqlService:
    """Answers SPARQL queries over the public dataset of a store, within limits."""

    def __init__(self, store: Store, limits: Limits | None = None) -> None:
        self.store = store
        self.limits = limits or Limits()
        server = store.sparql_server()
        self.folder = store.public_folder() if server is None else None
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
        trusted: bool = False,
    ) -> Answer:
        """Answer one query (in a worker process, or forwarded to the SPARQL server); this thread waits.

        ``base_iri``: what relative IRIs in the query are resolved against (the endpoint's IRI).
        ``trusted``: the catalogue's own query, not a visitor's: on the embedded store it skips the
        read-only guard's parse (no FROM: it reads the public union and the named graphs).
        """
        deadline = deadline if deadline is not None else time.monotonic() + self.limits.timeout
        request = Query(
            query,
            results_format,
            graph_format,
            list(default_graph_uris),
            list(named_graph_uris),
            deadline,
            base_iri,
            trusted,
        )
        if self.forwarded is not None:
            return self._forward(request)
        assert self.folder is not None
        reply = self._in_worker(
            WorkerRequest(
                str(self.folder),
                request,
                self.limits.max_rows,
                self.limits.max_triples,
            ),
            deadline,
        )
        assert isinstance(reply, Answer)
        return reply

    def _in_worker(self, request: WorkerRequest | InspectRequest, deadline: float) -> Answer | Inspected:
        """The worker's reply; its errors, and the pool's, raised as the client is to read them."""
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
        if isinstance(reply, SparqlError):
            raise reply
        assert isinstance(reply, (Answer, Inspected))
        return reply

    def _forward(self, query: Query) -> Answer:
        """The query, read by a worker, to the SPARQL server, at most ``max_concurrent`` at a time."""
        assert self.forwarded is not None
        found = self._in_worker(InspectRequest(query.text, query.base_iri), query.deadline)
        assert isinstance(found, Inspected)
        if not self._forwarding.acquire(timeout=max(0.0, query.deadline - time.monotonic())):
            raise Busy("too many queries are running; none finished in time, try again shortly")
        try:
            result, release = self.forwarded.evaluate(query, found)
            # pyoxigraph's result iterators must be dropped in the thread that made them:
            # keep them out of any traceback that travels to the caller's thread
            error: SparqlError | None = None
            try:
                answer = serialize(result, query, self.limits.max_rows, self.limits.max_triples)
            except SparqlError as raised:
                error = raised.with_traceback(None)
            except RemoteStoreError as raised:  # the answer stopped coming from the SPARQL server
                error = remote_error(raised)
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
