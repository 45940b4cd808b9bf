"""A store kept on a SPARQL server: the public endpoint forwards queries to it.

The server keeps the public union materialised as a graph of its own
(``{base}/graphs/published``, see ``catalogue/store/sparql_server.py``); the
query text is forwarded with that graph as ``default-graph-uri``; a query
with ``GRAPH ?g`` is also sent the provenance and visible record graphs as
``named-graph-uri``, one with only ``GRAPH <iri>`` the public graphs it
names. With ``[store] named_graphs = "all"`` — for Virtuoso, which cannot take
thousands of them — it is always only those it names, and ``GRAPH ?g``
ranges over the server's own graphs (all of them when the query names none).
A query's own FROM / FROM NAMED are sent as the protocol's dataset, once
checked: the server reads the graphs checked, however it resolves IRIs. We ask
for SPARQL JSON results or N-Triples, read them as they stream in, and
serialize them as the client asked — so the same limits apply.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import IO, cast

import pyoxigraph as ox

from catalogue.sparql.answer import (
    Inspected,
    Query,
    QuerySyntaxError,
    SparqlError,
    Timeout,
    TooLarge,
    Upstream,
    protocol_dataset,
    refuse_hidden,
)
from catalogue.sparql.formats import RDF_FORMATS, RDF_MEDIA, RESULTS_FORMATS, RESULTS_MEDIA
from catalogue.store import RemoteStoreError, RemoteTimeout, SparqlServer, Store


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


#: a graph no server holds: the protocol's dataset sent as only default or only named graphs gets it for the other
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

    def evaluate(self, query: Query, found: Inspected) -> tuple[object, Callable[[], None]]:
        """Send the query (inspected by a worker) with the dataset it may read; its result as it streams in.

        The query's own FROM / FROM NAMED are sent as the protocol's dataset too, so the server reads
        exactly the graphs checked here, however it would have resolved the query's IRIs.
        """
        form, text = found.form, query.text
        if query.base_iri is not None:  # a BASE first: the query's own BASE, if any, still wins
            text = f"BASE <{query.base_iri}>\n{text}"
        if query.default_graph_uris or query.named_graph_uris:  # the protocol's dataset replaces the query's
            default_nodes, named_nodes = protocol_dataset(
                query.default_graph_uris, query.named_graph_uris, self.public
            )
            default = [node.value for node in default_nodes] or [EMPTY_GRAPH]
            named = [node.value for node in named_nodes] or [EMPTY_GRAPH]
        elif found.shape.has_dataset:  # the query's own FROM / FROM NAMED: public graphs only
            refuse_hidden(found.shape, self.public)
            default = list(found.shape.default_graphs) or [EMPTY_GRAPH]
            named = list(found.shape.named_graphs) or [EMPTY_GRAPH]
        else:
            default, named = [self.server.published.value], []
            if self.server.lists_named_graphs and found.shape.graph_variable:
                named = self.public.names()  # GRAPH ?g: every public graph (10,000: ~0.1 s more)
            else:  # GRAPH <g> needs only g; Virtuoso's GRAPH ?g ranges over the named ones, or all
                named = sorted(iri for iri in found.shape.iris if iri in self.public)
        accept = RDF_FORMATS["ntriples"][0] if form == "graph" else RESULTS_FORMATS["json"][0]
        try:
            answer = self.server.open_query(
                text, accept, default, named, max(0.001, query.deadline - time.monotonic())
            )
        except RemoteStoreError as error:
            raise remote_error(error) from None
        if answer.truncated:
            answer.close()
            raise TooLarge(
                "the result is larger than the SPARQL server returns in one answer; add LIMIT "
                "(and OFFSET to page through it)"
            )
        try:
            body = cast(IO[bytes], answer.body)  # (a binary stream, read as it comes)
            unknown = Upstream(f"the SPARQL server answered in {answer.media_type or 'an unnamed format'}")
            if form == "graph":
                name = RDF_MEDIA.get(answer.media_type)
                if name is None:
                    raise unknown
                result: object = (quad.triple for quad in ox.parse(body, format=RDF_FORMATS[name][1]))
            else:
                name = RESULTS_MEDIA.get(answer.media_type)
                if name not in ("json", "xml"):
                    raise unknown
                result = ox.parse_query_results(body, format=RESULTS_FORMATS[name][1])
        except BaseException:
            answer.close()
            raise
        return result, answer.close


def remote_error(error: RemoteStoreError) -> SparqlError:
    """What the client is told when the SPARQL server fails (a new exception: no traceback travels)."""
    if isinstance(error, RemoteTimeout):
        return Timeout("the query took longer than the time limit; narrow it down or add LIMIT")
    if error.status == 400:
        return QuerySyntaxError(f"the SPARQL store refused the query: {error}")
    return Upstream(f"the SPARQL store failed: {error}")
