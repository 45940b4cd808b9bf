"""The embedded store: a folder with the SQLite record registry and pyoxigraph (RocksDB) beside it.

``records.sqlite`` is the registry (the commit point, see ``registry.py``);
``oxigraph/`` holds what SPARQL sees, kept in line by ``mirror.py``. RocksDB
allows one process to open the folder for writing; others (``catalogue
export`` beside ``catalogue serve``, the SPARQL endpoint's worker processes,
the reader workers) open the snapshot the writer took after its last change
(``snapshots.py``), read-only.

**The public union.** Oxigraph's default graph holds the union of the visible
record graphs, materialised: written with each record graph (in the same
bulk load), and a triple leaves it when the last record graph holding it is
removed. So the oxigraph folder *is* the public SPARQL dataset — default graph
the union, named graphs the record graphs and the provenance graph — and the
endpoint's workers query it as it is, with no dataset options: pyoxigraph,
given a list of default graphs, looks every pattern up once per graph (a
two-pattern join over 10,000 graphs took 17 s instead of 7 ms). It is part of
the triple side: a change cut short is rebuilt with it from the registry
(``mirror.py``); a store written before it existed gets it when first opened
for writing (:meth:`EmbeddedTriples.fill_union`, marked done in the registry).
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from catalogue.store.errors import StoreFormatError, StoreLockedError
from catalogue.store.mirror import MirroredStore
from catalogue.store.protocols.triples import SparqlServer
from catalogue.store.registry import Registry
from catalogue.store.snapshots import latest_snapshot, take_snapshot
from catalogue.store.types import Graphs, Solution, solutions

WRITE_CHUNK = 100_000  # quads per bulk load
UNION_CHUNK = 1000  # record graphs per bulk load when a store from before the union gets it
#: the registry's mark that the default graph holds the public union (stores from before it get it on open)
UNION_MARK = "public-union"
READ_ONLY_ATTEMPTS = 5  # opens of a read-only view while a writer replaces its files (see open_read_only)


class EmbeddedTriples:
    """The triple side in-process: a pyoxigraph store on disk."""

    def __init__(self, path: Path, record_graphs: str, read_only: bool = False) -> None:
        """``record_graphs``: how the names of record graphs start (the union is theirs only)."""
        self.path, self.read_only, self.record_graphs = path, read_only, record_graphs
        # Read-only users (`catalogue export` beside a running server) mostly need only the
        # registry: a read-only store opens its snapshot of Oxigraph on first use only.
        self._db: ox.Store | None = None if read_only else ox.Store(str(path))
        self._changed = not read_only  # a writer publishes a snapshot when it starts (see flush)
        self._opened: Path | None = None  # the folder a read-only store has open

    @property
    def db(self) -> ox.Store:
        if self._db is None:
            self._opened = latest_snapshot(self.path) or self.path
            self._db = open_read_only(self._opened)
        return self._db

    def add_graphs(self, graphs: Iterable[tuple[ox.NamedNode, str]]) -> None:
        # N-Triples become N-Quads as text (every line ends in " .\n", and no literal holds a raw
        # newline), loaded in slices: 30% faster than making a Quad object of every triple. The
        # N-Triples as they are go to the default graph (the union) in the same document, so that
        # their blank nodes get the same fresh labels there as in the record graph.
        chunk: list[str] = []
        lines = 0
        for graph, text in graphs:
            chunk.append(text.replace(" .\n", f" {graph} .\n"))
            chunk.append(text)
            lines += 2 * text.count("\n")
            if lines >= WRITE_CHUNK:
                self._load("".join(chunk))
                chunk, lines = [], 0
        if chunk:
            self._load("".join(chunk))

    def _load(self, nquads: str) -> None:
        self._changed = True
        self.db.bulk_load(input=nquads.encode(), format=ox.RdfFormat.N_QUADS, lenient=True)

    def remove_graphs(self, graphs: Sequence[tuple[ox.NamedNode, str]]) -> None:
        """Remove the graphs, and from the union each of their triples no remaining record graph holds.

        The triples are read from the graphs themselves (not parsed from the
        text), so blank nodes are the ones stored.
        """
        self._changed = True
        held: set[ox.Triple] = set()
        for graph, _ in graphs:
            if self.db.contains_named_graph(graph):
                held.update(quad.triple for quad in self.db.quads_for_pattern(None, None, None, graph))
                self.db.remove_graph(graph)
        default = ox.DefaultGraph()
        for triple in held:
            if not self._in_a_record_graph(triple):
                self.db.remove(ox.Quad(triple.subject, triple.predicate, triple.object, default))

    def _in_a_record_graph(self, triple: ox.Triple) -> bool:
        quads = self.db.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        return any(
            isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value.startswith(self.record_graphs)
            for quad in quads
        )

    def fill_union(self) -> None:
        """Copy every record graph's triples into the default graph (a store from before the union).

        Record graphs are dumped as N-Triples and bulk-loaded into the default
        graph, :data:`UNION_CHUNK` at a time: half the CPU of reading every quad
        into Python objects (5.3 s instead of 10.4 at 5,000 datasets). Records
        are split with their blank nodes skolemised; a chunk that still holds
        one is copied quad by quad, as its stored blank nodes must stay the
        same in the union (:meth:`remove_graphs` finds them there).
        """
        default = ox.DefaultGraph()
        graphs = (g for g in self.db.named_graphs() if g.value.startswith(self.record_graphs))
        while chunk := list(islice(graphs, UNION_CHUNK)):
            dumped = io.BytesIO()
            for graph in chunk:
                self.db.dump(dumped, format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
            text = dumped.getvalue()
            if b"_:" in text:
                self.add(
                    ox.Quad(quad.subject, quad.predicate, quad.object, default)
                    for graph in chunk
                    for quad in self.db.quads_for_pattern(None, None, None, graph)
                )
            else:
                self.db.bulk_load(input=text, format=ox.RdfFormat.N_TRIPLES, to_graph=default, lenient=True)
        self.flush()

    def add(self, quads: Iterable[ox.Quad]) -> None:
        # A harvest writes hundreds of thousands of quads: load them in slices,
        # so neither one huge transaction nor the bulk loader's buffers grow with the source.
        self._changed = True
        quads = iter(quads)
        while chunk := list(islice(quads, WRITE_CHUNK)):
            self.db.bulk_extend(chunk)

    def remove(self, quads: Iterable[ox.Quad]) -> None:
        self._changed = True
        for quad in quads:
            self.db.remove(quad)

    def clear(self) -> None:
        self._changed = True
        self.db.clear()

    def flush(self) -> None:
        """Every change on disk, and a snapshot of them for the readers in other processes."""
        self.db.flush()
        if self._changed and not self.read_only:
            take_snapshot(self.db, self.path)
            self._changed = False

    def refresh(self) -> None:
        """A read-only view shows the store as it was when opened: the next use opens the newest snapshot,
        if the writer took one since."""
        if self.read_only and self._db is not None and latest_snapshot(self.path) not in (None, self._opened):
            self._db = None

    def select(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> list[Solution]:
        return solutions(self._query(query, default_graph, named_graphs))

    def construct(
        self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()
    ) -> list[ox.Triple]:
        result = self._query(query, default_graph, named_graphs)
        if not isinstance(result, ox.QueryTriples):
            raise TypeError(f"a CONSTRUCT query was answered with {type(result).__name__}")
        return list(result)

    def ask(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> bool:
        result = self._query(query, default_graph, named_graphs)
        if not isinstance(result, ox.QueryBoolean):
            raise TypeError(f"an ASK query was answered with {type(result).__name__}")
        return bool(result)

    def _query(
        self, query: str, default_graph: Graphs, named_graphs: Graphs
    ) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean:
        """The dataset as pyoxigraph's options; an empty list leaves the store's own in place."""
        return self.db.query(
            query,
            default_graph=[*default_graph] or None,
            named_graphs=[*named_graphs] or None,
        )

    def describe(self, iris: Iterable[str], record_graphs: str) -> dict[str, list[ox.Triple]]:
        """Read from the union, which is the record graphs together (``record_graphs`` is ours already)."""
        default = ox.DefaultGraph()
        return {
            iri: sorted(
                {q.triple for q in self.db.quads_for_pattern(ox.NamedNode(iri), None, None, default)}, key=str
            )
            for iri in iris
        }

    def sparql_server(self) -> SparqlServer | None:
        return None  # the public endpoint's workers open the folder read-only (see public_folder)

    def public_folder(self) -> Path | None:
        return self.path

    def close(self) -> None:
        if self._db is not None and not self.read_only:  # a read-only store refuses to flush
            self.flush()
        self._db = None


def open_read_only(path: Path) -> ox.Store:
    """A read-only view of a RocksDB folder (a snapshot, or a live folder no process writes), tried
    again if a writer replaced its files meanwhile (a live folder whose writer started meanwhile).

    RocksDB's read-only open reads ``CURRENT``, then the ``MANIFEST`` it
    names, then the table files that lists; a writer opening or compacting at
    that moment may delete them in between ("IO error: No such file or
    directory"). The next attempt reads the new ones. Seen from ``catalogue
    check`` run just after ``catalogue serve`` started (about 1 open in 30
    under a writer that keeps reopening).
    """
    attempt = 1
    while True:
        try:
            return ox.Store.read_only(str(path))
        except BaseException as error:  # (pyo3's PanicException is not an Exception)
            if not files_vanished(error) or attempt == READ_ONLY_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
            attempt += 1


def files_vanished(error: BaseException) -> bool:
    """Whether ``error`` says a table file of the folder went away: a writer compacted it meanwhile.

    A read-only view reads some table files only when a query first needs
    them, so a query over an older view can meet this too (about 1 query in
    140 under a writer that keeps bulk-loading); opening the folder again
    gives a view over the files that replaced them.
    """
    if isinstance(error, (KeyboardInterrupt, SystemExit)):
        return False
    return "No such file" in str(error)


class EmbeddedStore(MirroredStore):
    """Records in a SQLite registry (``records.sqlite``), and in Oxigraph (``oxigraph/``) what SPARQL sees."""

    def __init__(self, path: Path, base_url: str, read_only: bool = False) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if (path / "CURRENT").exists():
            raise StoreFormatError(
                f"the store at {path} was written by an older version of catalogue; "
                "remove the folder and harvest again"
            )
        try:
            triples = EmbeddedTriples(path / "oxigraph", f"{base_url}/graphs/records/", read_only=read_only)
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLockedError(
                    f"the store at {path} is in use by another catalogue process "
                    "(stop `catalogue serve` before harvesting from the command line)"
                ) from error
            raise
        super().__init__(Registry(path / "records.sqlite", read_only=read_only), triples, base_url, read_only)
        if not read_only and self.registry.state(UNION_MARK) != "1":
            triples.fill_union()  # (a rebuild just now filled it already: adding again changes nothing)
            self.registry.set_state(UNION_MARK, "1")
        self._embedded = triples
        if not read_only:
            triples.flush()  # the readers' snapshot, as of now

    def generation(self) -> int:
        """As for every store; read-only (a reader of ``serve --workers``), Oxigraph is also seen anew
        when it changed, as RocksDB's read-only view never catches up with the writer by itself."""
        current = super().generation()
        if self.read_only:  # (the writer takes its snapshot just after the registry's generation moves)
            self._embedded.refresh()
        return current

    @property
    def db(self) -> ox.Store:
        """The pyoxigraph store (tests look inside)."""
        return self._embedded.db
