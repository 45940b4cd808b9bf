"""The embedded store: pyoxigraph (RocksDB) in a folder on disk."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from catalogue.namespaces import CAT, DCAT, DCT, FOAF, PROV, RDF_TYPE, XSD
from catalogue.records import Term
from catalogue.store import (
    VISIBLE,
    WITHDRAWN,
    HarvestRun,
    RecordMeta,
    RecordWrite,
    StoredRecord,
    StoreLockedError,
)
from catalogue.validate import ValidationReport, report_from_triples, report_triples

TYPE = ox.NamedNode(RDF_TYPE)


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


P = {
    name: _n(CAT + name)
    for name in (
        "recordId", "source", "kind", "status", "contentHash", "profile", "policy",
        "violations", "warnings", "graph", "report", "outcome", "found", "published",
        "flagged", "rejected", "unchanged", "withdrawn", "error", "rejectedRecord", "ntriples",
    )
}  # fmt: skip
TITLE, MODIFIED, TOPIC = _n(DCT + "title"), _n(DCT + "modified"), _n(FOAF + "primaryTopic")
STARTED, ENDED = _n(PROV + "startedAtTime"), _n(PROV + "endedAtTime")
WRITE_CHUNK = 100_000  # quads per bulk load
COUNTS = ("found", "published", "flagged", "rejected", "unchanged", "withdrawn")


class EmbeddedStore:
    def __init__(self, path: Path, base_url: str, read_only: bool = False) -> None:
        path.mkdir(parents=True, exist_ok=True)
        try:
            self.db = ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLockedError(
                    f"the store at {path} is in use by another catalogue process "
                    "(stop `catalogue serve` before harvesting from the command line)"
                ) from error
            raise
        self.read_only = read_only
        self.base = base_url
        self.provenance = _n(f"{base_url}/graphs/provenance")
        # Oxigraph stores literals by value: "5"^^xsd:nonNegativeInteger comes back as
        # xsd:integer, xsd:dateTimeStamp as xsd:dateTime. The exact N-Triples of each record
        # are kept here too, so what we serve (pages, feed, dumps) is what was harvested.
        self.originals = _n(f"{base_url}/graphs/originals")

    # -- names ---------------------------------------------------------------
    def record_graph(self, record_id: str) -> ox.NamedNode:
        return _n(f"{self.base}/graphs/records/{record_id}")

    def report_graph(self, record_id: str) -> ox.NamedNode:
        return _n(f"{self.base}/graphs/reports/{record_id}")

    def catalog_record(self, record_id: str) -> ox.NamedNode:
        return _n(f"{self.base}/records/{record_id}")

    # -- writing -------------------------------------------------------------
    def apply(self, writes: Iterable[RecordWrite], withdrawn: Iterable[str], run: HarvestRun) -> None:
        writes = list(writes)
        for write in writes:
            self._drop(write.record.id)
        for record_id in withdrawn:
            self._remove_graph(self.record_graph(record_id))
            self._remove_original(record_id)
            subject = self.catalog_record(record_id)
            for quad in list(self.db.quads_for_pattern(subject, P["status"], None, self.provenance)):
                self.db.remove(quad)
            self.db.add(ox.Quad(subject, P["status"], ox.Literal(WITHDRAWN), self.provenance))
        # A harvest writes hundreds of thousands of quads: load them in slices,
        # so neither one huge transaction nor the bulk loader's buffers grow with the source.
        quads = (quad for write in writes for quad in self._record_quads(write, run.ended))
        while chunk := list(islice(quads, WRITE_CHUNK)):
            self.db.bulk_extend(chunk)
        self.db.extend(list(self._run_quads(run)))
        self.db.flush()

    def _record_quads(self, write: RecordWrite, when: datetime) -> Iterator[ox.Quad]:
        graph = self.record_graph(write.record.id)
        for t in write.record.triples:
            yield ox.Quad(t.subject, t.predicate, t.object, graph)
        text = "".join(f"{t} .\n" for t in write.record.triples)
        yield ox.Quad(self.catalog_record(write.record.id), P["ntriples"], ox.Literal(text), self.originals)
        report_graph = self.report_graph(write.record.id)
        for t in report_triples(write.report, report_graph.value):
            yield ox.Quad(t.subject, t.predicate, t.object, report_graph)
        yield from self._provenance(write, when)

    def add_run(self, run: HarvestRun) -> None:
        self.db.extend(list(self._run_quads(run)))
        self.db.flush()

    def _drop(self, record_id: str) -> None:
        self._remove_graph(self.record_graph(record_id))
        self._remove_original(record_id)
        self._remove_graph(self.report_graph(record_id))
        subject = self.catalog_record(record_id)
        for quad in list(self.db.quads_for_pattern(subject, None, None, self.provenance)):
            self.db.remove(quad)

    def _remove_original(self, record_id: str) -> None:
        pattern = (self.catalog_record(record_id), P["ntriples"], None, self.originals)
        for quad in list(self.db.quads_for_pattern(*pattern)):
            self.db.remove(quad)

    def _remove_graph(self, graph: ox.NamedNode) -> None:
        if self.db.contains_named_graph(graph):
            self.db.remove_graph(graph)

    def _provenance(self, write: RecordWrite, when: datetime) -> Iterator[ox.Quad]:
        record, report = write.record, write.report
        subject = self.catalog_record(record.id)
        values: list[tuple[ox.NamedNode, Term]] = [
            (TYPE, _n(DCAT + "CatalogRecord")),
            (P["recordId"], ox.Literal(record.id)),
            (P["source"], ox.Literal(record.source)),
            (P["kind"], ox.Literal(record.kind)),
            (TOPIC, _n(record.uri)),
            (TITLE, ox.Literal(record.title)),
            (P["status"], ox.Literal(write.status)),
            (P["contentHash"], ox.Literal(record.content_hash)),
            (P["profile"], ox.Literal(write.profile)),
            (P["policy"], ox.Literal(write.policy)),
            (P["violations"], _int(report.violations)),
            (P["warnings"], _int(report.warnings)),
            (P["graph"], self.record_graph(record.id)),
            (P["report"], self.report_graph(record.id)),
            (MODIFIED, _datetime(when)),
        ]
        for predicate, obj in values:
            yield ox.Quad(subject, predicate, obj, self.provenance)

    def _run_quads(self, run: HarvestRun) -> Iterator[ox.Quad]:
        stamp = run.started.strftime("%Y%m%dT%H%M%S%fZ")
        subject = _n(f"{self.base}/harvests/{run.source}/{stamp}")
        values: list[tuple[ox.NamedNode, Term]] = [
            (TYPE, _n(CAT + "HarvestRun")),
            (P["source"], ox.Literal(run.source)),
            (STARTED, _datetime(run.started)),
            (ENDED, _datetime(run.ended)),
            (P["outcome"], ox.Literal(run.outcome)),
        ]
        values += [(P[name], _int(getattr(run, name))) for name in COUNTS]
        if run.error:
            values.append((P["error"], ox.Literal(run.error)))
        values += [(P["rejectedRecord"], ox.Literal(i)) for i in run.rejected_ids]
        for predicate, obj in values:
            yield ox.Quad(subject, predicate, obj, self.provenance)

    # -- reading -------------------------------------------------------------
    def states(self, source: str) -> dict[str, RecordMeta]:
        return {m.id: m for m in self.metas(source) if m.status != WITHDRAWN}

    def metas(self, source: str | None = None, statuses: Iterable[str] | None = None) -> list[RecordMeta]:
        if source is None:
            subjects = None
        else:
            pattern = self.db.quads_for_pattern(None, P["source"], ox.Literal(source), self.provenance)
            subjects = {q.subject for q in pattern}
        wanted = set(statuses) if statuses is not None else None
        metas = [
            meta
            for meta in self._read_metas(subjects)
            if (wanted is None or meta.status in wanted) and (source is None or meta.source == source)
        ]
        return sorted(metas, key=lambda m: m.id)

    def _read_metas(self, subjects: set[Term] | None) -> Iterator[RecordMeta]:
        grouped: dict[Term, dict[ox.NamedNode, Term]] = defaultdict(dict)
        if subjects is None:
            for quad in self.db.quads_for_pattern(None, None, None, self.provenance):
                grouped[quad.subject][quad.predicate] = quad.object
        else:
            for subject in subjects:
                for quad in self.db.quads_for_pattern(subject, None, None, self.provenance):
                    grouped[subject][quad.predicate] = quad.object
        for values in grouped.values():
            if P["recordId"] in values:
                yield _meta(values)

    def get(self, record_id: str) -> StoredRecord | None:
        metas = list(self._read_metas({self.catalog_record(record_id)}))
        if not metas:
            return None
        return StoredRecord(metas[0], self.record_triples(record_id), self._report(record_id))

    def record_triples(self, record_id: str) -> list[ox.Triple]:
        """A record's triples exactly as harvested (datatypes included), in canonical order."""
        pattern = (self.catalog_record(record_id), P["ntriples"], None, self.originals)
        for quad in self.db.quads_for_pattern(*pattern):
            return [q.triple for q in ox.parse(quad.object.value, format=ox.RdfFormat.N_TRIPLES)]
        return self._triples(self.record_graph(record_id))  # stored before originals were kept

    def _triples(self, graph: ox.NamedNode) -> list[ox.Triple]:
        return [q.triple for q in self.db.quads_for_pattern(None, None, None, graph)]

    def _report(self, record_id: str) -> ValidationReport:
        return report_from_triples(self._triples(self.report_graph(record_id)))

    def iter_records(self, statuses: Iterable[str] = VISIBLE) -> Iterator[StoredRecord]:
        for meta in self.metas(statuses=statuses):
            yield StoredRecord(meta, self.record_triples(meta.id), self._report(meta.id))

    def runs(self, source: str | None = None, limit: int = 20) -> list[HarvestRun]:
        runs_by_subject: dict[Term, dict[ox.NamedNode, list[Term]]] = defaultdict(lambda: defaultdict(list))
        kind = _n(CAT + "HarvestRun")
        for quad in self.db.quads_for_pattern(None, TYPE, kind, self.provenance):
            for detail in self.db.quads_for_pattern(quad.subject, None, None, self.provenance):
                runs_by_subject[quad.subject][detail.predicate].append(detail.object)
        runs = [_run(values) for values in runs_by_subject.values()]
        runs = [r for r in runs if source is None or r.source == source]
        return sorted(runs, key=lambda r: r.started, reverse=True)[:limit]

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
        """Grows with every harvest run (failed ones too): caches of what is visible key on it."""
        runs = self.db.quads_for_pattern(None, TYPE, _n(CAT + "HarvestRun"), self.provenance)
        return sum(1 for _ in runs)

    def provenance_graph(self) -> ox.NamedNode:
        return self.provenance

    def visible_graphs(self) -> list[ox.NamedNode]:
        return [self.record_graph(m.id) for m in self.metas(statuses=VISIBLE)]

    def query(self, sparql: str, **options: object) -> object:
        return self.db.query(sparql, **options)

    def close(self) -> None:
        if not self.read_only:  # a read-only store refuses to flush
            self.db.flush()
        del self.db


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def _datetime(value: datetime) -> ox.Literal:
    return ox.Literal(value.astimezone(UTC).isoformat(), datatype=_n(XSD + "dateTime"))


def _parse_datetime(term: Term | None) -> datetime:
    return datetime.fromisoformat(term.value) if term is not None else datetime.fromtimestamp(0, UTC)


def _meta(values: dict[ox.NamedNode, Term]) -> RecordMeta:
    def text(name: str) -> str:
        term = values.get(P[name])
        return term.value if term is not None else ""

    return RecordMeta(
        id=text("recordId"),
        source=text("source"),
        kind=text("kind"),
        uri=values[TOPIC].value if TOPIC in values else "",
        status=text("status"),
        title=values[TITLE].value if TITLE in values else "",
        content_hash=text("contentHash"),
        profile=text("profile"),
        policy=text("policy"),
        harvested=_parse_datetime(values.get(MODIFIED)),
        violations=int(text("violations") or 0),
        warnings=int(text("warnings") or 0),
    )


def _run(values: dict[ox.NamedNode, list[Term]]) -> HarvestRun:
    def first(predicate: ox.NamedNode) -> Term | None:
        return values[predicate][0] if values.get(predicate) else None

    error = first(P["error"])
    return HarvestRun(
        source=first(P["source"]).value,  # type: ignore[union-attr]
        started=_parse_datetime(first(STARTED)),
        ended=_parse_datetime(first(ENDED)),
        outcome=first(P["outcome"]).value,  # type: ignore[union-attr]
        error=error.value if error is not None else None,
        rejected_ids=sorted(t.value for t in values.get(P["rejectedRecord"], [])),
        **{name: int(first(P[name]).value) for name in COUNTS if first(P[name]) is not None},
    )
