"""What the triple side's provenance graph says: per record its source, status, hash, validation
outcome and quality measurements; per harvest its run. Exact quads, so that a commit can swap
those that differ (``mirror.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pyoxigraph as ox

from catalogue.model import QualityScore
from catalogue.namespaces import CAT, DCAT, DCT, FOAF, PROV, RDF_TYPE, XSD
from catalogue.store.dqv import dqv_triples
from catalogue.store.runlog import COUNTS
from catalogue.store.types import VISIBLE, WITHDRAWN, HarvestRun, RecordMeta, Term

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
CAT_HARVEST_RUN = _n(CAT + "HarvestRun")


class ProvenanceQuads:
    """The names of a catalogue's graphs and records, and the provenance quads about them."""

    base: str
    provenance: ox.NamedNode

    def record_graph(self, record_id: str) -> ox.NamedNode:
        return _n(f"{self.base}/graphs/records/{record_id}")

    def catalog_record(self, record_id: str) -> ox.NamedNode:
        return _n(f"{self.base}/records/{record_id}")

    def _meta_quads(self, meta: RecordMeta, score: QualityScore | None) -> Iterator[ox.Quad]:
        """A record's provenance and quality measurements."""
        yield from self._provenance(meta)
        if score is not None and meta.status != WITHDRAWN:
            for s, p, o in dqv_triples(self.catalog_record(meta.id), _n(meta.uri), score):
                yield ox.Quad(s, p, o, self.provenance)

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
            (TYPE, CAT_HARVEST_RUN),
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


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def _datetime(value: datetime) -> ox.Literal:
    return ox.Literal(value.astimezone(UTC).isoformat(), datatype=_n(XSD + "dateTime"))
