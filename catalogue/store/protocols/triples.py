"""The triple side: what SPARQL sees, read with typed queries, and the SPARQL server that may hold it.

Our own queries (the feed's summaries, the skolem IRIs' lookup, consistency
checks) go through :meth:`TripleStore.select`, :meth:`~TripleStore.construct`
and :meth:`~TripleStore.ask`, whichever backend holds the triples. The
dataset a query runs over is given as graphs, never written into its text:
``default_graph`` (merged as its default graph) and ``named_graphs`` (what
``GRAPH`` sees) become pyoxigraph's dataset options on the embedded store and
the SPARQL 1.1 Protocol's ``default-graph-uri`` / ``named-graph-uri`` on a
server. Given neither, a query runs over the store's own dataset: every named
graph, and the store's default graph — so name graphs with ``GRAPH``. (Virtuoso
keeps ``GRAPH ?g`` to the named graphs given, but reads a ``GRAPH <iri>``
written in the query whatever they are: to restrict, bind the graph variable.)
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from catalogue.store.types import Graphs, MirroredRecord, Solution


class TripleStore(Protocol):
    """Named graphs of the visible records and the provenance graph, kept in line with the registry."""

    def select(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> list[Solution]:
        """A SELECT query's rows: each bound variable by name (unbound ones are left out)."""
        ...

    def construct(
        self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()
    ) -> list[ox.Triple]:
        """A CONSTRUCT (or DESCRIBE) query's triples."""
        ...

    def ask(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> bool: ...

    def describe(self, iris: Iterable[str]) -> dict[str, list[ox.Triple]]:
        """What published records say about these IRIs (labels of publishers …)."""
        ...

    def record_graph(self, record_id: str) -> ox.NamedNode:
        """The named graph that holds a record's triples."""
        ...

    def provenance_graph(self) -> ox.NamedNode: ...

    def visible_graphs(self) -> list[ox.NamedNode]:
        """Graphs of the records that are published (or flagged): what the public sees."""
        ...

    def sparql_server(self) -> SparqlServer | None:
        """The SPARQL server holding the triples, when they live in one; None when they are embedded."""
        ...

    def public_folder(self) -> Path | None:
        """The embedded triple side's folder: the public dataset as it is (default graph: the union of the
        visible record graphs), for the SPARQL workers to open read-only; None on a SPARQL server."""
        ...

    # -- consistency (catalogue check, catalogue migrate) --------------------------
    def triple_counts(self) -> dict[str, int]:
        """Per visible record, the triples its graph must hold (read from the registry)."""
        ...

    def triple_side(self) -> dict[str, MirroredRecord]:
        """Per record, what the triple side holds now: its provenance and the size of its graph."""
        ...

    def rebuild_triples(self) -> None:
        """Clear the triple side and fill it again from the registry."""
        ...


class TripleSide(Protocol):
    """What a backend implements (``embedded.py``, ``sparql_server.py``) and ``mirror.py`` keeps in line with the
    registry: the graph of each visible record, and the provenance graph."""

    def add_graphs(self, graphs: Iterable[tuple[ox.NamedNode, str]]) -> None:
        """Create these record graphs (the caller has removed any old version first).

        Each comes with its triples as the registry keeps them: N-Triples, one
        triple per line, each line ending in `` .\n``.
        """
        ...

    def remove_graphs(self, graphs: Sequence[tuple[ox.NamedNode, str]]) -> None:
        """Remove these record graphs, each with what it holds (its N-Triples as last mirrored)."""
        ...

    def add(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads (provenance, quality measurements, runs); present ones are no error."""
        ...

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        """Remove exactly these quads; missing ones are no error."""
        ...

    def clear(self) -> None:
        """Forget every graph of this catalogue (before a rebuild)."""
        ...

    def flush(self) -> None: ...

    def select(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> list[Solution]:
        """As :meth:`catalogue.store.TripleStore.select` (no dataset: every graph)."""
        ...

    def construct(
        self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()
    ) -> list[ox.Triple]: ...

    def ask(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> bool: ...

    def describe(self, iris: Iterable[str], record_graphs: str) -> dict[str, list[ox.Triple]]:
        """What the record graphs (IRIs starting with ``record_graphs``) say about these IRIs."""
        ...

    def sparql_server(self) -> SparqlServer | None: ...

    def public_folder(self) -> Path | None:
        """A folder other processes may open with pyoxigraph's ``Store.read_only`` as the public dataset."""
        ...

    def close(self) -> None: ...


@dataclass
class RemoteAnswer:
    """A query result on its way from a SPARQL server, read lazily (close it when done)."""

    media_type: str  # without parameters, e.g. application/sparql-results+json
    body: io.RawIOBase
    #: the server said it cut the result short (Virtuoso's ``X-SPARQL-MaxRows``)
    truncated: bool = False

    def close(self) -> None:
        self.body.close()


class SparqlServer(Protocol):
    """The SPARQL 1.1 server that holds a store's triples: the public endpoint forwards queries to it.

    It keeps, besides the record graphs and the provenance graph, the union of
    the visible record graphs materialised as one graph (:attr:`published`): the
    public default graph, passed as ``default-graph-uri``.
    """

    #: the materialised union of the visible record graphs
    published: ox.NamedNode
    #: True: a query that uses GRAPH is sent the provenance and every visible record graph as
    #: ``named-graph-uri`` (what the SPARQL 1.1 Protocol requires: Oxigraph); False: the
    #: server's own named graphs are used (Virtuoso, which cannot take thousands of them)
    lists_named_graphs: bool

    def open_query(
        self,
        query: str,
        accept: str,
        default_graphs: Sequence[str],
        named_graphs: Sequence[str],
        timeout: float,
    ) -> RemoteAnswer:
        """Send a query (SPARQL 1.1 Protocol, POST); raises :class:`~catalogue.store.errors.RemoteStoreError`."""
        ...
