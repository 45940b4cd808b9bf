"""The triple side on a SPARQL 1.1 server over HTTP: the Oxigraph server, Virtuoso, …

``[store] backend = "sparql"``. The registry stays local (``data_dir/store``,
the commit point); this module keeps the server in line with it
(``mirror.py`` decides what changes) and lets the public endpoint forward
queries to it (:class:`~catalogue.store.SparqlServer`).

What the server holds, all under ``{base_url}/graphs/``:

* ``records/{id}``: one named graph per visible record;
* ``provenance``: records' provenance, harvest runs, DQV quality measurements;
* ``published``: the union of the visible record graphs, materialised — the
  public default graph (``default-graph-uri``), since neither a list of 10,000s
  of graphs per query nor a server's own "union of everything" (which would
  include provenance) will do.

How it is written — request sizes measured on the Oxigraph server 0.5 and
Virtuoso 7.2 with the benchmark generator's records (2,000 datasets, 115,000
triples; 2 cores):

* new record graphs: SPARQL Update ``INSERT DATA { GRAPH <g1> {…} GRAPH <g2> {…} }``,
  about 10,000 triples per request (Oxigraph 3.9 s, Virtuoso 2.4 s), where one
  Graph Store PUT per record took 4.4 s and 7.3 s, and 50,000-triple updates
  6.3 s on Virtuoso (whose parser also gives up on a GRAPH block of more than
  about 5,000 triples: blocks hold at most 1,000);
* the same triples into ``published``: Graph Store Protocol POST of N-Triples,
  about 100,000 triples per request (Virtuoso 1.1 s, Oxigraph 4.0 s);
* removed (rewritten or withdrawn) record graphs, about 10,000 triples per
  request, as one SPARQL Update: their triples — as the registry kept them
  before the commit (its ``superseded`` table) — into a scratch graph, out of
  their graphs (``DELETE DATA``, one operation per graph: Virtuoso 7.2 leaves
  triples in place when one has several GRAPH blocks), out of ``published`` unless a remaining record
  graph still holds them (``FILTER NOT EXISTS``), then the scratch graph is
  dropped. 200 records took about 0.8 s on Virtuoso at 10,000 records; deleting by
  pattern (``VALUES ?g {…} GRAPH ?g {?s ?p ?o}``) took 3.9 s, one DROP per
  graph 5–16 ms a graph, and a single DELETE whose NOT EXISTS excluded the
  batch's graphs by ``NOT IN`` ran into Virtuoso's 2-minute limit even for 50;
* provenance: ``INSERT DATA`` / ``DELETE DATA`` of exact quads, 10,000 per request;
* a rebuild starts by deleting everything under ``{base_url}/graphs/``: the
  two big graphs dropped whole, the record graphs in one pattern delete.

Every term in a request is written by pyoxigraph in its N-Triples form
(validated IRIs, escaped literals): no text is ever pasted into SPARQL.

One process at a time opens the store for writing (a lock file in the store
folder), as with the embedded store.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

import httpx
import pyoxigraph as ox

from catalogue.store.errors import RemoteStoreError, RemoteTimeout, StoreLockedError
from catalogue.store.mirror import MirroredStore
from catalogue.store.protocols.triples import RemoteAnswer, SparqlServer
from catalogue.store.registry import Registry
from catalogue.store.types import Graphs, Solution, solutions

if TYPE_CHECKING:
    from catalogue.config import StoreSettings

UPDATE_TRIPLES = 10_000  # triples per INSERT DATA / DELETE DATA request
BLOCK_TRIPLES = 1_000  # triples per GRAPH block in one (Virtuoso's parser gives up at about 5,000)
UNION_TRIPLES = 100_000  # triples per Graph Store POST into the published graph
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
RESULT_FORMATS = {  # media type → pyoxigraph format, for what servers answer
    JSON_RESULTS: ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


class SparqlServerTriples:
    """The triple side as graphs on a SPARQL 1.1 server (Update, Graph Store Protocol, Protocol)."""

    def __init__(self, settings: StoreSettings, base_url: str) -> None:
        self.settings = settings
        self.query_url, self.update_url = settings.query_url, settings.update_url
        self.graph_store_url = settings.graph_store_url
        self.graphs_prefix = f"{base_url}/graphs/"
        self.published = ox.NamedNode(f"{base_url}/graphs/published")
        self.scratch = ox.NamedNode(f"{base_url}/graphs/scratch")
        self.lists_named_graphs = settings.named_graphs == "listed"
        auth: httpx.Auth | None = None
        if settings.user is not None and settings.password is not None:
            if settings.auth == "digest":
                auth = httpx.DigestAuth(settings.user, settings.password)
            else:
                auth = httpx.BasicAuth(settings.user, settings.password)
        timeout = httpx.Timeout(settings.timeout_seconds, connect=10.0)
        #: writes (one at a time, under the store's commit lock) and reads (queries, from any thread)
        self.http = httpx.Client(auth=auth, timeout=timeout)
        self.reads = httpx.Client(auth=auth, timeout=timeout, limits=httpx.Limits(max_connections=32))

    # -- writing -------------------------------------------------------------
    def add_graphs(self, graphs: Iterable[tuple[ox.NamedNode, str]]) -> None:
        """INSERT DATA of the record graphs, and Graph Store POSTs of the same triples into the union."""
        pending: list[tuple[str, list[str]]] = []
        union: list[str] = []
        in_pending = in_union = 0
        for graph, lines in _pieces(graphs):
            pending.append((graph, lines))
            union += lines
            in_pending += len(lines)
            in_union += len(lines)
            if in_pending >= UPDATE_TRIPLES:
                self._update(f"INSERT DATA {{\n{_blocks(pending)}}}")
                pending, in_pending = [], 0
            if in_union >= UNION_TRIPLES:
                self._post_graph(self.published, union)
                union, in_union = [], 0
        if pending:
            self._update(f"INSERT DATA {{\n{_blocks(pending)}}}")
        if union:
            self._post_graph(self.published, union)

    def remove_graphs(self, graphs: Sequence[tuple[ox.NamedNode, str]]) -> None:
        """Delete the graphs' triples, and from the published union those no other record graph holds."""
        batch: list[tuple[str, list[str]]] = []
        size = 0
        for graph, lines in _pieces(graphs):
            batch.append((graph, lines))
            size += len(lines)
            if size >= UPDATE_TRIPLES:
                self._remove(batch)
                batch, size = [], 0
        if batch:
            self._remove(batch)

    def _remove(self, batch: list[tuple[str, list[str]]]) -> None:
        """One update: the old triples into a scratch graph, out of their graphs, out of the union unless
        another record graph still holds them; then the scratch graph goes.

        (An emptied graph is not dropped as well: on Virtuoso that costs 5 ms a graph, and no
        query pattern sees an empty graph.)"""
        scratch, records = str(self.scratch), ox.Literal(self.graphs_prefix + "records/")
        everything = [line for _, lines in batch for line in lines]
        deletions = " ;\n".join(_data_request("DELETE DATA", {graph: lines}) for graph, lines in batch)
        self._update(
            f"INSERT DATA {{\n{_blocks([(scratch, everything)])}}} ;\n"
            f"{deletions} ;\n"
            f"DELETE {{ GRAPH {self.published} {{ ?s ?p ?o }} }}\n"
            f"WHERE {{ GRAPH {scratch} {{ ?s ?p ?o }}\n"
            f"  FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?h), {records})) }} }} ;\n"
            f"DROP SILENT GRAPH {scratch}"
        )

    def add(self, quads: Iterable[ox.Quad]) -> None:
        self._data("INSERT DATA", quads)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        self._data("DELETE DATA", quads)

    def clear(self) -> None:
        """Delete every graph under ``{base_url}/graphs/`` (other graphs on the server are left alone).

        The two big graphs are dropped whole, the record graphs in one pass: at
        10,000 records that took 4–6 s, where one DROP per record graph took
        80 s on Virtuoso.
        """
        prefix = ox.Literal(self.graphs_prefix)
        self._update(
            f"DROP SILENT GRAPH {self.published} ;\n"
            f"DROP SILENT GRAPH {ox.NamedNode(self.graphs_prefix + 'provenance')} ;\n"
            f"DROP SILENT GRAPH {self.scratch} ;\n"
            f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (STRSTARTS(STR(?g), {prefix})) }}"
        )

    def flush(self) -> None:
        pass  # every request is committed by the server when it answers

    def _data(self, operation: str, quads: Iterable[ox.Quad]) -> None:
        """INSERT DATA / DELETE DATA in requests of UPDATE_TRIPLES quads, grouped by graph."""
        by_graph: dict[str, list[str]] = {}
        count = 0
        for quad in quads:
            if operation == "DELETE DATA" and any(
                isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object)
            ):
                raise ValueError(f"DELETE DATA cannot name a blank node: {quad}")
            by_graph.setdefault(str(quad.graph_name), []).append(
                f"{quad.subject} {quad.predicate} {quad.object} .\n"
            )
            count += 1
            if count >= UPDATE_TRIPLES:
                self._update(_data_request(operation, by_graph))
                by_graph, count = {}, 0
        if by_graph:
            self._update(_data_request(operation, by_graph))

    def _update(self, text: str) -> None:
        self._send(
            "POST",
            self.update_url,
            content=text.encode(),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    def _post_graph(self, graph: ox.NamedNode, lines: list[str]) -> None:
        self._send(
            "POST",
            self.graph_store_url,
            params={"graph": graph.value},
            content="".join(lines).encode(),
            headers={"Content-Type": N_TRIPLES},
        )

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        try:
            response = self.http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException as error:
            raise RemoteTimeout(f"{url}: no answer within {self.settings.timeout_seconds:g} s") from error
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"{url}: {error}") from error
        if response.status_code >= 300:
            raise RemoteStoreError(_refusal(url, response.status_code, response.text), response.status_code)
        return response

    # -- reading -------------------------------------------------------------
    def select(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> list[Solution]:
        """Our own queries (not the public's), answered whole; the dataset goes as the protocol's
        ``default-graph-uri`` and ``named-graph-uri``, never into the query's text."""
        rows = self._results(query, default_graph, named_graphs)
        if isinstance(rows, bool):
            raise RemoteStoreError(f"{self.query_url} answered a SELECT query with a boolean")
        return rows

    def construct(
        self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()
    ) -> list[ox.Triple]:
        media_type, body = self._read(query, N_TRIPLES, default_graph, named_graphs)
        try:
            return [
                quad.triple
                for quad in ox.parse(body, format=_format(media_type, GRAPH_FORMATS, self.query_url))
            ]
        except SyntaxError as error:
            raise RemoteStoreError(
                f"{self.query_url} answered with triples we cannot read: {error}"
            ) from None

    def ask(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> bool:
        answer = self._results(query, default_graph, named_graphs)
        if not isinstance(answer, bool):
            raise RemoteStoreError(f"{self.query_url} answered an ASK query with rows")
        return answer

    def _results(self, query: str, default_graph: Graphs, named_graphs: Graphs) -> list[Solution] | bool:
        """A SELECT's rows or an ASK's answer, read whole (rows are parsed as they are read)."""
        media_type, body = self._read(query, JSON_RESULTS, default_graph, named_graphs)
        try:
            result = ox.parse_query_results(body, format=_format(media_type, RESULT_FORMATS, self.query_url))
            return bool(result) if isinstance(result, ox.QueryBoolean) else solutions(result)
        except SyntaxError as error:
            raise RemoteStoreError(
                f"{self.query_url} answered with results we cannot read: {error}"
            ) from None

    def _read(
        self, query: str, accept: str, default_graph: Graphs, named_graphs: Graphs
    ) -> tuple[str, bytes]:
        """The whole answer to one of our queries: its media type and body."""
        default, named = [g.value for g in default_graph], [g.value for g in named_graphs]
        answer = self._open(self.reads, query, accept, default, named, self.settings.timeout_seconds)
        try:
            return answer.media_type, answer.body.readall()
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"{self.query_url}: {error}") from error
        finally:
            answer.close()

    def describe(self, iris: Iterable[str], record_graphs: str) -> dict[str, list[ox.Triple]]:
        """What the published union (= the record graphs together) says about these IRIs."""
        found: dict[str, set[ox.Triple]] = {iri: set() for iri in iris}
        if not found:
            return {}
        values = " ".join(str(ox.NamedNode(iri)) for iri in found)
        rows = self.select(
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH {self.published} {{ ?s ?p ?o }} }}"
        )
        for row in rows:
            subject, predicate = row["s"], row["p"]
            if isinstance(subject, ox.NamedNode) and isinstance(predicate, ox.NamedNode):  # (always: typed)
                found[subject.value].add(ox.Triple(subject, predicate, row["o"]))
        return {iri: sorted(triples, key=str) for iri, triples in found.items()}

    def open_query(
        self,
        query: str,
        accept: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        timeout: float,
    ) -> RemoteAnswer:
        return self._open(self.reads, query, accept, default_graphs, named_graphs, timeout)

    def _open(
        self,
        client: httpx.Client,
        query: str,
        accept: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        timeout: float,
    ) -> RemoteAnswer:
        data: dict[str, str | list[str]] = {"query": query}
        if default_graphs:
            data["default-graph-uri"] = list(default_graphs)
        if named_graphs:
            data["named-graph-uri"] = list(named_graphs)
        request = client.build_request(
            "POST", self.query_url, data=data, headers={"Accept": accept}, timeout=httpx.Timeout(timeout)
        )
        try:
            response = client.send(request, stream=True)
        except httpx.TimeoutException as error:
            raise RemoteTimeout(f"{self.query_url}: no answer within {timeout:g} s") from error
        except httpx.HTTPError as error:
            raise RemoteStoreError(f"{self.query_url}: {error}") from error
        if response.status_code >= 300:
            try:
                text = response.read().decode("utf-8", errors="replace")
            finally:
                response.close()
            raise RemoteStoreError(_refusal(self.query_url, response.status_code, text), response.status_code)
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        truncated = "x-sparql-maxrows" in response.headers  # Virtuoso's ResultSetMaxRows cut it short
        return RemoteAnswer(media_type, _Body(response, self.query_url, timeout), truncated)

    def sparql_server(self) -> SparqlServer | None:
        return self

    def public_folder(self) -> Path | None:
        return None  # queries are forwarded to the server

    def close(self) -> None:
        self.http.close()
        self.reads.close()


class SparqlServerStore(MirroredStore):
    """The registry in ``path`` (local), the triples on a SPARQL 1.1 server."""

    def __init__(self, path: Path, base_url: str, settings: StoreSettings, read_only: bool = False) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._lock: IO[str] | None = None if read_only else _lock(path)
        triples = SparqlServerTriples(settings, base_url)
        try:
            super().__init__(
                Registry(path / "records.sqlite", read_only=read_only), triples, base_url, read_only
            )
        except BaseException:
            triples.close()
            self._unlock()
            raise

    def close(self) -> None:
        super().close()
        self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None


class _Body(io.RawIOBase):
    """A streamed response body for pyoxigraph's parsers; network failures surface as RemoteStoreError.

    ``timeout`` seconds after it opened, the connection is shut down: httpx's
    timeout holds per read, so a server trickling its answer could otherwise
    keep us reading long past the query's deadline. Closing the socket from
    another thread does not wake a read blocked on it; shutting it down does.
    """

    def __init__(self, response: httpx.Response, url: str, timeout: float) -> None:
        self.response, self.url = response, url
        self.chunks: Iterator[bytes] = response.iter_bytes()
        self.pending = b""
        self.cut_off = threading.Timer(timeout, self._shut_down)
        self.cut_off.daemon = True
        self.cut_off.start()

    def _shut_down(self) -> None:
        stream = self.response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self.pending:
            try:
                self.pending = next(self.chunks, b"")
            except httpx.TimeoutException as error:
                raise RemoteTimeout(f"{self.url}: the answer stopped coming") from error
            except httpx.HTTPError as error:
                raise RemoteStoreError(f"{self.url}: {error}") from error
            if not self.pending:
                return 0
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self.cut_off.cancel()
            self.response.close()
        super().close()


def _pieces(graphs: Iterable[tuple[ox.NamedNode, str]]) -> Iterator[tuple[str, list[str]]]:
    """(graph, N-Triples lines) in pieces of at most UPDATE_TRIPLES lines: a source's catalogue record
    lists every dataset (100,000 lines, 12 MB), more than Virtuoso takes in one request (about 10 MB)."""
    for graph, text in graphs:
        lines = text.splitlines(keepends=True)  # N-Triples lines are SPARQL triples as they are
        for start in range(0, len(lines), UPDATE_TRIPLES):
            yield str(graph), lines[start : start + UPDATE_TRIPLES]


def _data_request(operation: str, by_graph: dict[str, list[str]]) -> str:
    """INSERT DATA: one operation of many blocks. DELETE DATA: one operation per block — Virtuoso 7.2
    leaves (some of) the triples of a DELETE DATA with more than one GRAPH block in place."""
    if operation == "INSERT DATA":
        return f"INSERT DATA {{\n{_blocks(by_graph.items())}}}"
    return " ;\n".join(f"DELETE DATA {{\n{_blocks([block])}}}" for block in _split(by_graph.items()))


def _split(graphs: Iterable[tuple[str, list[str]]]) -> Iterator[tuple[str, list[str]]]:
    for graph, lines in graphs:
        for start in range(0, len(lines), BLOCK_TRIPLES):
            yield graph, lines[start : start + BLOCK_TRIPLES]


def _blocks(graphs: Iterable[tuple[str, list[str]]]) -> str:
    """``GRAPH <g> { … }`` blocks of at most BLOCK_TRIPLES lines each (the default graph: bare lines)."""
    blocks = []
    for graph, lines in _split(graphs):
        text = "".join(lines)
        blocks.append(text if graph == str(ox.DefaultGraph()) else f"GRAPH {graph} {{\n{text}}}\n")
    return "".join(blocks)


F = TypeVar("F", ox.RdfFormat, ox.QueryResultsFormat)


def _format(media_type: str, formats: dict[str, F], url: str) -> F:
    if media_type not in formats:
        raise RemoteStoreError(f"{url} answered in {media_type or 'an unnamed format'}, not a format we read")
    return formats[media_type]


def _refusal(url: str, status: int, text: str) -> str:
    text = " ".join(text.split())
    return f"{url} answered {status}: {text[:500]}" if text else f"{url} answered {status}"


def _lock(path: Path) -> IO[str]:
    """Hold the store folder for writing, as RocksDB does for the embedded store."""
    handle = open(path / "writer.lock", "w")  # noqa: SIM115 (held open until the store closes)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        handle.close()
        raise StoreLockedError(
            f"the store at {path} is in use by another catalogue process "
            "(stop `catalogue serve` before harvesting from the command line)"
        ) from error
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
