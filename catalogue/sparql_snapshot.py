"""The embedded endpoint's dataset: a read-only snapshot on disk of what the public may query.

pyoxigraph can restrict a query to a list of graphs (``default_graph=[…]``),
but it then looks every triple pattern up once per graph: with ~10,000 record
graphs a two-pattern join took 17 s instead of 7 ms. So the endpoint queries a
store holding exactly the public dataset — the union of the visible record
graphs materialised as its default graph, those graphs and the provenance
graph as named graphs — with no dataset options.

That store is written to disk (a folder per harvest generation) and then
only read: the query workers (``sparql_worker.py``), separate processes that
can be killed, open it with ``Store.read_only``, which is safe because
nothing writes to it any more. Earlier it was an in-memory copy inside the
web server, which no killable process could share.

A new snapshot is built when the store changes: every harvest writes one
``cat:HarvestRun`` into the provenance graph, so their number is a generation
counter checked (in about a millisecond) before each query. The build runs in
a thread of its own; until it is done (:data:`REFRESH_WAIT` at most), queries
are answered from the previous snapshot — at 100,000 datasets a build takes
minutes, longer than any query may run. Only the very first snapshot is waited
for (built by the first query, not at start-up, so a catalogue nobody queries
by SPARQL does not pay for it). A snapshot is deleted once a newer one is
ready and no query is reading it.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from catalogue.store import Store

log = logging.getLogger(__name__)

#: seconds a query waits for the snapshot of a newer harvest before it is answered from the last one
REFRESH_WAIT = 2.0
#: seconds closing waits for a snapshot being built to notice and stop
CLOSE_WAIT = 10.0
#: the file in a snapshot folder listing its public graphs, one IRI a line
GRAPHS_FILE = "graphs.txt"


class Snapshots:
    """Snapshots of the public dataset under ``workdir``, one per generation, rebuilt in the background."""

    def __init__(self, store: Store, workdir: Path | None = None) -> None:
        self.store, self.workdir = store, workdir
        #: our folder under workdir, made by the first build (an app nobody queries leaves nothing behind)
        self.root: Path | None = None
        self._lock = threading.Lock()
        self._current: Path | None = None
        self._generation: int | None = None
        self._readers: dict[Path, int] = {}
        self._numbers = itertools.count()
        #: the build under way: set when it is done
        self._building: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        self.build_seconds = 0.0

    def acquire(self, deadline: float | None = None) -> Path | None:
        """The folder of the current snapshot (or the previous one while that is built), kept until released.

        None when there is none yet and the first is not ready by the deadline.
        """
        generation = self.store.generation()
        if self._current is None or self._generation != generation:
            done = self._refresh(generation)
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if self._current is None:  # nothing to answer from yet
                done.wait(remaining)
            else:
                done.wait(REFRESH_WAIT if remaining is None else min(REFRESH_WAIT, remaining))
        with self._lock:
            current = self._current
            if current is not None:
                self._readers[current] = self._readers.get(current, 0) + 1
            return current

    def release(self, folder: Path) -> None:
        with self._lock:
            self._readers[folder] -= 1
            self._collect()

    def _collect(self) -> None:
        """Delete the snapshots nobody reads that are not the current one (under the lock)."""
        for folder, readers in list(self._readers.items()):
            if readers == 0 and folder != self._current:
                del self._readers[folder]
                shutil.rmtree(folder, ignore_errors=True)

    def _refresh(self, generation: int) -> threading.Event:
        """Start a build for this generation unless one is under way; its done-event."""
        with self._lock:
            if self._building is not None:
                return self._building
            done = threading.Event()
            if self._closed.is_set():
                done.set()
                return done
            self._building = done
            self._thread = threading.Thread(
                target=self._rebuild, args=(generation, done), name="sparql-view", daemon=True
            )
            self._thread.start()
        return done

    def close(self) -> None:
        """Stop a build under way (it reads the store, which is about to close), wait for it, delete all."""
        self._closed.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(CLOSE_WAIT)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def _rebuild(self, generation: int, done: threading.Event) -> None:
        started = time.perf_counter()
        if self.root is None:
            if self.workdir is not None:
                self.workdir.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix="sparql-", dir=self.workdir))
        folder = self.root / f"gen-{generation}-{next(self._numbers)}"
        try:
            self._build(folder)
            with self._lock:
                self._current, self._generation = folder, generation
                self._readers.setdefault(folder, 0)
                self._collect()
            self.build_seconds = time.perf_counter() - started
        except _Closed:
            shutil.rmtree(folder, ignore_errors=True)
        except Exception:  # the next query starts another attempt
            log.exception("building the SPARQL endpoint's snapshot of the catalogue failed")
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            with self._lock:
                self._building = None
            done.set()

    def _build(self, folder: Path) -> None:
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

        folder.mkdir()
        view = ox.Store(str(folder / "oxigraph"))
        view.bulk_extend(quads())
        view.flush()
        del view  # closes RocksDB: the workers open the folder read-only
        (folder / GRAPHS_FILE).write_text("".join(graph.value + "\n" for graph in graphs))


class _Closed(Exception):
    """The service closed while a snapshot was being built."""


def open_snapshot(folder: str) -> tuple[ox.Store, frozenset[str]]:
    """(the snapshot's store, read-only; its public graphs): what a worker queries."""
    graphs = frozenset(Path(folder, GRAPHS_FILE).read_text().split())
    return ox.Store.read_only(str(Path(folder, "oxigraph"))), graphs
