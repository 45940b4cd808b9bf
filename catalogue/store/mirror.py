"""The store, whatever the backend: the record registry, mirrored into a triple side.

The SQLite registry (``records.sqlite``, always in ``data_dir/store``) is the
commit point: a harvest's records, reports and run go in with one transaction.
Only then is the *triple side* — where SPARQL looks — brought in line, by
:class:`MirroredStore`:

* a named graph per visible (published or flagged) record, holding its triples;
* the provenance graph: per record its source, status, content hash,
  validation outcome …; per harvest its run; the quality scores as DQV
  measurements (``dqv.py``).

A commit mirrors only what it changed: the old graphs of rewritten and
withdrawn records are removed, the new ones added, and the provenance and
quality quads that differ swapped (read from the registry before and after the
commit, so they are exact). A ``synced`` mark in the registry then records the
harvest the triple side reflects, and a ``mirror`` mark says whether a change
was under way. If the two disagree when the store is opened for writing — a
process stopped midway, a remote server that was unreachable, or wiped — the
triple side is cleared and rebuilt from the registry.

The triple side is a small protocol
(:class:`~catalogue.store.protocols.triples.TripleSide`) with one
implementation per backend: ``embedded.py`` (pyoxigraph in-process) and
``sparql_server.py`` (a SPARQL 1.1 server over HTTP).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox

from catalogue import crashpoints
from catalogue.model import QualityScore
from catalogue.store.claims import Owns, nobody_owns
from catalogue.store.dqv import dqv_definitions
from catalogue.store.errors import RemoteStoreError
from catalogue.store.protocols.triples import SparqlServer, TripleSide
from catalogue.store.provenance import CAT_HARVEST_RUN, TYPE, P, ProvenanceQuads
from catalogue.store.registry import Registry
from catalogue.store.types import (
    DUPLICATE,
    FLAGGED,
    PUBLISHED,
    REJECTED,
    VISIBLE,
    WITHDRAWN,
    Graphs,
    HarvestRun,
    MirroredRecord,
    PageMemory,
    PushToken,
    QualityStats,
    RecordMeta,
    RecordState,
    RecordWrite,
    RunChange,
    Solution,
    StoredRecord,
)

log = logging.getLogger(__name__)

ALL_STATUSES = (PUBLISHED, FLAGGED, REJECTED, WITHDRAWN, DUPLICATE)
#: records mirrored per step (their graphs, provenance and quality), so memory stays flat
SLICE = 1000


class MirroredStore(ProvenanceQuads):
    """The :class:`~catalogue.store.Store`: a registry, and a triple side kept in line with it."""

    def __init__(
        self, registry: Registry, triples: TripleSide, base_url: str, read_only: bool = False
    ) -> None:
        self.registry = registry
        self.triples = triples
        self.read_only = read_only
        self.base = base_url
        self.provenance = ox.NamedNode(f"{base_url}/graphs/provenance")
        self._commit_lock = threading.Lock()
        self._closed = False
        if not read_only:
            self._recover()

    def _recover(self) -> None:
        """What a process killed midway left behind, put right by the next one that opens the store to write.

        Only one process opens the store for writing (RocksDB's lock, or the
        SPARQL backend's lock file), so whatever was staged or under way then
        belonged to a process that is gone: staged records are dropped, each
        harvest or push noted as under way is recorded as interrupted, and a
        triple side that lags behind the registry is rebuilt.
        """
        self.registry.discard_all()
        if not (self._in_line() and self._holds_latest_run()):
            self.rebuild_triples()
        for run in self.registry.interrupted():
            log.warning("%s", run.error)
            self.add_run(run)

    # -- writing -------------------------------------------------------------
    def stage(self, writes: Iterable[RecordWrite]) -> None:
        self.registry.stage(writes)

    def stage_page(self, source: str, url: str, memory: PageMemory) -> None:
        self.registry.stage_page(source, url, memory)

    def page_memory(self, source: str, url: str) -> PageMemory | None:
        return self.registry.page_memory(source, url)

    def commit(
        self, run: HarvestRun, withdrawn: Iterable[str], complete: bool = False, owns: Owns | None = None
    ) -> list[str]:
        withdrawn = list(dict.fromkeys(withdrawn))
        with self._commit_lock:  # commits of different sources (a push during a harvest) go one by one
            written = self.registry.staged_ids(run.source)
            leaving = set(withdrawn)  # (a harvest withdraws none it staged; a push might)
            touched = [*(i for i in written if i not in leaving), *withdrawn]
            before = self._before(touched) if self._in_line() else None
            self.registry.set_state("mirror", "pending")
            settled = self.registry.commit(run, withdrawn, complete, owns or nobody_owns)
            crashpoints.reach("committed")
            if settled:  # records of other sources, or unchanged ones, whose claims it settled
                mine = set(touched)
                others = [i for i in settled if i not in mine]
            else:
                others = []
            if before is not None and others:  # the triple side holds them with the status they had
                was = self._before(others)
                before |= {i: (replace(meta, status=settled[i]), score) for i, (meta, score) in was.items()}
            self._sync(lambda: self._mirror([*touched, *others], before), [run])
        return [*written, *others]

    def discard(self, source: str) -> None:
        self.registry.discard(source)

    def apply(self, writes: Iterable[RecordWrite], withdrawn: Iterable[str], run: HarvestRun) -> None:
        self.stage(writes)
        self.commit(run, withdrawn)

    def add_run(self, run: HarvestRun) -> None:
        with self._commit_lock:
            in_line = self._in_line()
            self.registry.set_state("mirror", "pending")
            self.registry.add_run(run)
            self._sync(None if in_line else self.rebuild_triples, [run])

    def begin_run(self, source: str, kind: str, started: datetime) -> int:
        return self.registry.begin_run(source, kind, started)

    def index_pending(self) -> list[str]:
        return self.registry.index_pending()

    def mark_indexed(self, label: str) -> None:
        self.registry.mark_indexed(label)

    def add_token(self, source: str, digest: str, label: str) -> None:
        self.registry.add_token(source, digest, label)

    def set_quality(self, scores: dict[str, QualityScore]) -> None:
        with self._commit_lock:
            ids = list(scores)
            before = self._before(ids) if self._in_line() else None
            self.registry.set_state("mirror", "pending")
            self.registry.set_quality(scores)
            self._sync(lambda: self._mirror(ids, before, graphs=False))

    def rebuild_triples(self) -> None:
        """The triple side from the registry: every visible record's graph, and the provenance graph."""
        self.copy_from_registry()
        self.registry.set_states({"synced": str(self.registry.generation()), "mirror": "done"})

    def copy_from_registry(self, upto: int | None = None) -> int:
        """Clear the triple side and fill it from the registry, without touching the registry's marks.

        ``catalogue migrate`` fills another backend's triple side so, beside a
        catalogue that keeps running (and harvesting) on the current one. Only
        runs up to ``upto`` are copied: if a harvest commits meanwhile, the
        copy does not hold its run, and the store opened on it later notices
        (``_holds_latest_run``) and rebuilds. Returns the records copied.
        """
        self.triples.clear()
        ids = [meta.id for meta in self.registry.metas(statuses=ALL_STATUSES)]
        self._mirror(ids, {})
        runs = [run for run in self.registry.runs(limit=None) if upto is None or (run.id or 0) <= upto]
        self.triples.add(q for run in runs for q in self._run_quads(run))
        self.triples.add(dqv_definitions(self.provenance))
        self.triples.flush()
        return len(ids)

    def triple_counts(self) -> dict[str, int]:
        return self.registry.triple_counts(VISIBLE)

    def triple_side(self) -> dict[str, MirroredRecord]:
        """Read with two queries: the provenance of every record, and the size of every record graph."""
        said: dict[str, tuple[str, str]] = {}
        provenance = (
            f"SELECT ?id ?hash ?status WHERE {{ GRAPH {self.provenance} {{ "
            f"?r {P['recordId']} ?id ; {P['contentHash']} ?hash ; {P['status']} ?status }} }}"
        )
        for row in self.triples.select(provenance):
            found = (row["hash"].value, row["status"].value)
            record_id = row["id"].value
            said[record_id] = found if said.get(record_id, found) == found else ("", "")
        prefix = f"{self.base}/graphs/records/"
        sizes = (
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
            f"FILTER (STRSTARTS(STR(?g), {ox.Literal(prefix)})) }} GROUP BY ?g"
        )
        counted = {row["g"].value[len(prefix) :]: int(row["n"].value) for row in self.triples.select(sizes)}
        nothing: tuple[str | None, str | None] = (None, None)
        return {
            record_id: MirroredRecord(*said.get(record_id, nothing), triples=counted.get(record_id, 0))
            for record_id in said.keys() | counted.keys()
        }

    # -- keeping the triple side in line -------------------------------------------
    def _in_line(self) -> bool:
        """Whether the triple side reflects the registry (no change under way, the latest run mirrored)."""
        state = self.registry.state
        return state("mirror") != "pending" and state("synced") == str(self.registry.generation())

    def _holds_latest_run(self) -> bool:
        """Whether the triple side really holds what the marks say (a remote server may have been wiped)."""
        generation = self.registry.generation()
        if generation == 0:
            return True
        run = ox.NamedNode(f"{self.base}/harvests/{generation}")
        ask = f"ASK {{ GRAPH {self.provenance} {{ {run} {TYPE} {CAT_HARVEST_RUN} }} }}"
        return self.triples.ask(ask)

    def _sync(self, change: Callable[[], None] | None, runs: Sequence[HarvestRun] = ()) -> None:
        """Mirror a change the registry has committed (and the runs it recorded), then mark it done.

        A remote server that fails midway leaves the ``mirror`` mark pending:
        the next write (or the next start) rebuilds from the registry. The
        commit itself stands — the registry is the source of truth.
        """
        try:
            if change is not None:
                change()
            self.triples.add(q for run in runs for q in self._run_quads(run))
            self.triples.flush()
        except RemoteStoreError as error:
            log.error(
                "the triple store could not be brought in line with the registry (%s); "
                "it will be rebuilt from the registry at the next write or start",
                error,
            )
            return
        self.registry.set_states({"synced": str(self.registry.generation()), "mirror": "done"})
        self.registry.forget_superseded()

    def _before(self, ids: Sequence[str]) -> dict[str, tuple[RecordMeta, QualityScore | None]]:
        """What the triple side holds for these records now (read from the registry before it changes)."""
        found: dict[str, tuple[RecordMeta, QualityScore | None]] = {
            meta.id: (meta, None) for meta in self.registry.metas_of(ids)
        }
        for record_id, _, score in self.registry.qualities(list(found)):
            found[record_id] = (found[record_id][0], score)
        return found

    def _mirror(
        self,
        ids: Sequence[str],
        before: dict[str, tuple[RecordMeta, QualityScore | None]] | None,
        graphs: bool = True,
    ) -> None:
        """Bring these records' graphs, provenance and quality on the triple side in line with the registry.

        ``before`` is what the triple side held for them (None: unknown, so rebuild).
        """
        if before is None:
            self.rebuild_triples()
            return
        for start in range(0, len(ids), SLICE):
            chunk = ids[start : start + SLICE]
            if graphs and before:  # (a rebuild starts from nothing: no graphs to remove)
                old = [(self.record_graph(i), text) for i, text in self.registry.superseded(chunk)]
                self.triples.remove_graphs(old)
            scores = {record_id: score for record_id, _, score in self.registry.qualities(chunk)}
            gone: list[ox.Quad] = []
            came: list[ox.Quad] = []
            new_graphs: list[tuple[ox.NamedNode, str]] = []
            rows = (
                self.registry.texts_of(chunk) if graphs else ((m, "") for m in self.registry.metas_of(chunk))
            )
            for meta, text in rows:
                old_quads = set(self._meta_quads(*before[meta.id])) if meta.id in before else set()
                new_quads = set(self._meta_quads(meta, scores.get(meta.id)))
                gone += old_quads - new_quads
                came += new_quads - old_quads
                if graphs and meta.status in VISIBLE:
                    new_graphs.append((self.record_graph(meta.id), text))
            self.triples.remove(gone)
            self.triples.add_graphs(new_graphs)
            crashpoints.reach("mirroring")
            self.triples.add(came)

    # -- reading -------------------------------------------------------------
    def states(self, source: str) -> dict[str, RecordMeta]:
        return {m.id: m for m in self.registry.metas(source) if m.status != WITHDRAWN}

    def metas(
        self,
        source: str | None = None,
        statuses: Iterable[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        kind: str | None = None,
    ) -> list[RecordMeta]:
        return self.registry.metas(source, statuses, limit, offset, kind)

    def dataset_counts(self) -> dict[str, dict[str, int]]:
        return self.registry.dataset_counts()

    def metas_of(self, ids: Sequence[str]) -> Iterator[RecordMeta]:
        return self.registry.metas_of(ids)

    def source_modified(self, statuses: Iterable[str]) -> dict[str, datetime]:
        return self.registry.source_modified(statuses)

    def dataset_page(
        self, statuses: Iterable[str], since: datetime | None, limit: int, offset: int
    ) -> tuple[int, list[RecordMeta]]:
        return self.registry.dataset_page(statuses, since, limit, offset)

    def record_counts(self) -> dict[tuple[str, str, str], int]:
        return self.registry.record_counts()

    def run_counts(self) -> dict[tuple[str, bool], int]:
        return self.registry.run_counts()

    def latest_changes(self) -> dict[str, tuple[str, datetime]]:
        return self.registry.latest_changes()

    def first_listed(self) -> dict[str, datetime]:
        return self.registry.first_listed()

    def run_changes_page(self, run_id: int, per_kind: int) -> tuple[dict[str, int], list[RunChange]]:
        return self.registry.run_changes_page(run_id, per_kind)

    def record_states(self, source: str) -> dict[str, RecordState]:
        return self.registry.record_states(source)

    def iter_record_states(self, source: str) -> Iterator[tuple[str, RecordState]]:
        return self.registry.iter_record_states(source)

    def get(self, record_id: str) -> StoredRecord | None:
        meta = self.registry.meta(record_id)
        if meta is None:
            return None
        return StoredRecord(meta, self.record_triples(record_id), self.registry.report(record_id))

    def record_triples(self, record_id: str) -> list[ox.Triple]:
        """A record's triples exactly as harvested (datatypes included), in canonical order."""
        return _parse(self.registry.ntriples(record_id))

    def iter_records(self, statuses: Iterable[str] = VISIBLE) -> Iterator[StoredRecord]:
        for meta, text in self.registry.texts(statuses):
            yield StoredRecord(meta, _parse(text), self.registry.report(meta.id))

    def triples_of(self, ids: Sequence[str]) -> Iterator[tuple[RecordMeta, list[ox.Triple]]]:
        for meta, text in self.registry.texts_of(ids):
            yield meta, _parse(text)

    def quality(self, record_id: str) -> QualityScore | None:
        return self.registry.quality(record_id)

    def quality_stats(self, source: str | None = None) -> QualityStats:
        return self.registry.quality_stats(source)

    def quality_rows(
        self, source: str | None = None
    ) -> Iterator[tuple[str, str, str, str, int, dict[str, int]]]:
        return self.registry.quality_rows(source)

    def url_states(self, urls: Iterable[str]) -> dict[str, bool | None]:
        return self.registry.url_states(urls)

    def urls_due(self, limit: int, checked_before: datetime) -> list[str]:
        return self.registry.urls_due(limit, checked_before)

    def record_url_check(self, url: str, ok: bool, status: int | None, error: str | None) -> None:
        self.registry.record_url_check(url, ok, status, error)

    def records_using(self, urls: Iterable[str]) -> list[str]:
        return self.registry.records_using(urls)

    def runs(self, source: str | None = None, limit: int | None = 20) -> list[HarvestRun]:
        return self.registry.runs(source, limit)

    def run_changes(self, run_id: int) -> list[RunChange]:
        return self.registry.run_changes(run_id)

    def token_source(self, digest: str) -> str | None:
        return self.registry.token_source(digest)

    def tokens(self, source: str | None = None) -> list[PushToken]:
        return self.registry.tokens(source)

    def revoke_token(self, token_id: str) -> PushToken | None:
        return self.registry.revoke_token(token_id)

    def describe(self, iris: Iterable[str]) -> dict[str, list[ox.Triple]]:
        return self.triples.describe(iris, f"{self.base}/graphs/records/")

    def generation(self) -> int:
        """Grows with every harvest run (failed ones too): caches of what is visible key on it.

        It is the run the triple side has caught up with, not the registry's
        newest, so that SPARQL's view is never built from a half-written one.
        """
        return int(self.registry.state("synced") or 0)

    def provenance_graph(self) -> ox.NamedNode:
        return self.provenance

    def visible_graphs(self) -> list[ox.NamedNode]:
        return [self.record_graph(m.id) for m in self.registry.metas(statuses=VISIBLE)]

    def select(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> list[Solution]:
        return self.triples.select(query, default_graph=default_graph, named_graphs=named_graphs)

    def construct(
        self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()
    ) -> list[ox.Triple]:
        return self.triples.construct(query, default_graph=default_graph, named_graphs=named_graphs)

    def ask(self, query: str, *, default_graph: Graphs = (), named_graphs: Graphs = ()) -> bool:
        return self.triples.ask(query, default_graph=default_graph, named_graphs=named_graphs)

    def sparql_server(self) -> SparqlServer | None:
        return self.triples.sparql_server()

    def public_folder(self) -> Path | None:
        return self.triples.public_folder()

    def close(self) -> None:
        """Close the registry and the triple side (closing twice is harmless)."""
        if self._closed:
            return
        self._closed = True
        self.registry.close()
        self.triples.close()


def _parse(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)] if text else []
