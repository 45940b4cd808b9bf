"""The embedded store: a folder on disk with a SQLite record registry and a pyoxigraph (RocksDB) store."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from catalogue.namespaces import CAT, DCAT, DCT, FOAF, PROV, RDF_TYPE, XSD
from catalogue.quality import QualityScore
from catalogue.records import Term
from catalogue.store import (
    FLAGGED,
    PUBLISHED,
    REJECTED,
    VISIBLE,
    WITHDRAWN,
    HarvestRun,
    PageMemory,
    QualityStats,
    RecordMeta,
    RecordState,
    RecordWrite,
    RunChange,
    StoredRecord,
    StoreFormatError,
    StoreLockedError,
)
from catalogue.store.dqv import MEASUREMENT, dqv_definitions, dqv_triples
from catalogue.store.registry import COUNTS, Registry

TYPE = ox.NamedNode(RDF_TYPE)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


P = {
    name: _n(CAT + name)
    for name in (
        "recordId", "source", "kind", "status", "contentHash", "profile", "policy", "graph", "outcome",
        "error", "rejectedRecord", "sourceKind", *COUNTS,
    )
}  # fmt: skip
TITLE, MODIFIED, TOPIC = _n(DCT + "title"), _n(DCT + "modified"), _n(FOAF + "primaryTopic")
STARTED, ENDED = _n(PROV + "startedAtTime"), _n(PROV + "endedAtTime")
WRITE_CHUNK = 100_000  # quads per bulk load
ALL_STATUSES = (PUBLISHED, FLAGGED, REJECTED, WITHDRAWN)


class EmbeddedStore:
    """Records in a SQLite registry (``records.sqlite``), and in Oxigraph (``oxigraph/``) what SPARQL sees.

    The registry is written first, in one transaction per harvest; Oxigraph is
    then brought in line: the graph of each visible record and the provenance
    graph. A ``synced`` mark in the registry says which harvest Oxigraph
    reflects; if a process stopped in between, the next writer rebuilds
    Oxigraph from the registry.
    """

    def __init__(self, path: Path, base_url: str, read_only: bool = False) -> None:
        path.mkdir(parents=True, exist_ok=True)
        if (path / "CURRENT").exists():
            raise StoreFormatError(
                f"the store at {path} was written by an older version of catalogue; "
                "remove the folder and harvest again"
            )
        triples = path / "oxigraph"
        try:
            self.db = ox.Store.read_only(str(triples)) if read_only else ox.Store(str(triples))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLockedError(
                    f"the store at {path} is in use by another catalogue process "
                    "(stop `catalogue serve` before harvesting from the command line)"
                ) from error
            raise
        self.registry = Registry(path / "records.sqlite", read_only=read_only)
        self.read_only = read_only
        self.base = base_url
        self.provenance = _n(f"{base_url}/graphs/provenance")
        self._commit_lock = threading.Lock()
        if not read_only and self.registry.state("synced") != str(self.registry.generation()):
            self.rebuild_triples()

    # -- names ---------------------------------------------------------------
    def record_graph(self, record_id: str) -> ox.NamedNode:
        return _n(f"{self.base}/graphs/records/{record_id}")

    def catalog_record(self, record_id: str) -> ox.NamedNode:
        return _n(f"{self.base}/records/{record_id}")

    # -- writing -------------------------------------------------------------
    def stage(self, writes: Iterable[RecordWrite]) -> None:
        self.registry.stage(writes)

    def stage_page(self, source: str, url: str, memory: PageMemory) -> None:
        self.registry.stage_page(source, url, memory)

    def page_memory(self, source: str, url: str) -> PageMemory | None:
        return self.registry.page_memory(source, url)

    def commit(self, run: HarvestRun, withdrawn: Iterable[str], complete: bool = False) -> list[str]:
        withdrawn = list(withdrawn)
        with self._commit_lock:  # commits of different sources (a push during a harvest) go one by one
            written = self.registry.commit(run, withdrawn, complete)
            for record_id in [*written, *withdrawn]:
                self._forget(record_id)
            quads = (
                quad
                for meta, text in self.registry.texts_of(written + withdrawn)
                for quad in self._record_quads(meta, _parse(text) if meta.status in VISIBLE else ())
            )
            self._load(quads)
            self._add_quality(self.registry.qualities(written))
            self._finish(run)
        return written

    def discard(self, source: str) -> None:
        self.registry.discard(source)

    def apply(self, writes: Iterable[RecordWrite], withdrawn: Iterable[str], run: HarvestRun) -> None:
        self.stage(writes)
        self.commit(run, withdrawn)

    def add_run(self, run: HarvestRun) -> None:
        with self._commit_lock:
            self.registry.add_run(run)
            self._finish(run)

    def add_token(self, source: str, digest: str, label: str) -> None:
        self.registry.add_token(source, digest, label)

    def set_quality(self, scores: dict[str, QualityScore]) -> None:
        with self._commit_lock:
            self.registry.set_quality(scores)
            for record_id in scores:
                self._forget_quality(record_id)
            self._add_quality(self.registry.qualities(list(scores)))
            self.db.flush()

    def _add_quality(self, scores: Iterable[tuple[str, str, QualityScore]]) -> None:
        """The scores as DQV quality measurements in the provenance graph, so SPARQL sees them."""
        quads = (
            ox.Quad(s, p, o, self.provenance)
            for record_id, uri, score in scores
            for s, p, o in dqv_triples(self.catalog_record(record_id), _n(uri), score)
        )
        self._load(quads)

    def _forget_quality(self, record_id: str) -> None:
        record = self.catalog_record(record_id)
        for link in list(self.db.quads_for_pattern(record, MEASUREMENT, None, self.provenance)):
            for quad in list(self.db.quads_for_pattern(link.object, None, None, self.provenance)):
                self.db.remove(quad)
            self.db.remove(link)

    def _finish(self, run: HarvestRun) -> None:
        self.db.extend(dqv_definitions(self.provenance))
        self.db.extend(list(self._run_quads(run)))
        self.db.flush()
        self.registry.set_state("synced", str(self.registry.generation()))

    def rebuild_triples(self) -> None:
        """Oxigraph from the registry: every visible record's graph, and the provenance graph."""
        self.db.clear()
        quads = (
            quad
            for meta, text in self.registry.texts(ALL_STATUSES)
            for quad in self._record_quads(meta, _parse(text) if meta.status in VISIBLE else ())
        )
        self._load(quads)
        self._add_quality(self.registry.qualities())
        self.db.extend([q for run in self.registry.runs(limit=None) for q in self._run_quads(run)])
        self.db.flush()
        self.registry.set_state("synced", str(self.registry.generation()))

    def _load(self, quads: Iterator[ox.Quad]) -> None:
        # A harvest writes hundreds of thousands of quads: load them in slices,
        # so neither one huge transaction nor the bulk loader's buffers grow with the source.
        while chunk := list(islice(quads, WRITE_CHUNK)):
            self.db.bulk_extend(chunk)

    def _record_quads(self, meta: RecordMeta, triples: Iterable[ox.Triple]) -> Iterator[ox.Quad]:
        if meta.status in VISIBLE:
            graph = self.record_graph(meta.id)
            for t in triples:
                yield ox.Quad(t.subject, t.predicate, t.object, graph)
        yield from self._provenance(meta)

    def _forget(self, record_id: str) -> None:
        self._forget_quality(record_id)
        self._remove_graph(self.record_graph(record_id))
        subject = self.catalog_record(record_id)
        for quad in list(self.db.quads_for_pattern(subject, None, None, self.provenance)):
            self.db.remove(quad)

    def _remove_graph(self, graph: ox.NamedNode) -> None:
        if self.db.contains_named_graph(graph):
            self.db.remove_graph(graph)

    def _provenance(self, meta: RecordMeta) -> Iterator[ox.Quad]:
        subject = self.catalog_record(meta.id)
        values: list[tuple[ox.NamedNode, Term]] = [
            (TYPE, _n(DCAT + "CatalogRecord")),
            (P["recordId"], ox.Literal(meta.id)),
            (P["source"], ox.Literal(meta.source)),
            (P["kind"], ox.Literal(meta.kind)),
            (TOPIC, _n(meta.uri)),
            (TITLE, ox.Literal(meta.title)),
            (P["status"], ox.Literal(meta.status)),
            (P["contentHash"], ox.Literal(meta.content_hash)),
            (P["profile"], ox.Literal(meta.profile)),
            (P["policy"], ox.Literal(meta.policy)),
            (P["violations"], _int(meta.violations)),
            (P["warnings"], _int(meta.warnings)),
            (MODIFIED, _datetime(meta.harvested)),
        ]
        if meta.status in VISIBLE:
            values.append((P["graph"], self.record_graph(meta.id)))
        for predicate, obj in values:
            yield ox.Quad(subject, predicate, obj, self.provenance)

    def _run_quads(self, run: HarvestRun) -> Iterator[ox.Quad]:
        subject = _n(f"{self.base}/harvests/{run.id}")
        values: list[tuple[ox.NamedNode, Term]] = [
            (TYPE, _n(CAT + "HarvestRun")),
            (P["source"], ox.Literal(run.source)),
            (STARTED, _datetime(run.started)),
            (ENDED, _datetime(run.ended)),
            (P["outcome"], ox.Literal(run.outcome)),
            (P["sourceKind"], ox.Literal(run.kind)),
        ]
        values += [(P[name], _int(getattr(run, name))) for name in COUNTS]
        if run.error:
            values.append((P["error"], ox.Literal(run.error)))
        values += [(P["rejectedRecord"], ox.Literal(i)) for i in run.rejected_ids]
        for predicate, obj in values:
            yield ox.Quad(subject, predicate, obj, self.provenance)

    # -- reading -------------------------------------------------------------
    def states(self, source: str) -> dict[str, RecordMeta]:
        return {m.id: m for m in self.registry.metas(source) if m.status != WITHDRAWN}

    def metas(self, source: str | None = None, statuses: Iterable[str] | None = None) -> list[RecordMeta]:
        return self.registry.metas(source, statuses)

    def record_states(self, source: str) -> dict[str, RecordState]:
        return self.registry.record_states(source)

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

    def describe(self, iris: Iterable[str]) -> dict[str, list[ox.Triple]]:
        prefix = f"{self.base}/graphs/records/"
        found: dict[str, list[ox.Triple]] = {}
        for iri in iris:
            quads = self.db.quads_for_pattern(_n(iri), None, None, None)
            found[iri] = sorted(
                {
                    q.triple
                    for q in quads
                    if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(prefix)
                },
                key=str,
            )
        return found

    def generation(self) -> int:
        """Grows with every harvest run (failed ones too): caches of what is visible key on it.

        It is the run Oxigraph has caught up with, not the registry's newest, so
        that SPARQL's view is never built from a half-written Oxigraph.
        """
        return int(self.registry.state("synced") or 0)

    def provenance_graph(self) -> ox.NamedNode:
        return self.provenance

    def visible_graphs(self) -> list[ox.NamedNode]:
        return [self.record_graph(m.id) for m in self.registry.metas(statuses=VISIBLE)]

    def query(self, sparql: str, **options: object) -> object:
        return self.db.query(sparql, **options)

    def close(self) -> None:
        self.registry.close()
        if not self.read_only:  # a read-only store refuses to flush
            self.db.flush()
        del self.db


def _parse(text: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)] if text else []


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def _datetime(value: datetime) -> ox.Literal:
    return ox.Literal(value.astimezone(UTC).isoformat(), datatype=_n(XSD + "dateTime"))
