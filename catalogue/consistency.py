"""Is everything derived from the store still in line with it? ``catalogue check`` and its repair.

The registry is the source of truth; the triple side (what SPARQL sees) and
the search index are derived from it, and either can drift: a process killed
between the registry's commit and the index's, an index restored from an old
snapshot, a SPARQL server someone wrote to by hand. Drift is found per source,
record by record:

* search index: every visible dataset must be indexed once, built from the
  record's current content hash, status and quality points; nothing else
  may be indexed;
* triple side: every visible record has its graph with as many triples as
  the registry holds, every record its provenance with the current content
  hash and status; no other record graph exists.

A repair re-indexes exactly the drifted documents and, if the triple side
drifted at all, rebuilds it from the registry (what a writable store does
itself whenever it notices).

The catalogue also catches up by itself (:func:`catch_up`): every commit
leaves a mark in the registry, in its own transaction, that the index clears
once it has the change (``Store.index_pending``). A mark still set when the
store is next opened for writing, or when the next harvest of that source
starts, means a process stopped in between: the index is checked and only
what drifted is re-indexed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from catalogue.index import IndexEntry, SearchDocument, SearchIndex
from catalogue.index.documents import search_document
from catalogue.store import VISIBLE, WITHDRAWN, RecordMeta, Store
from catalogue.vocabularies import Vocabularies

#: record ids listed per kind of drift (the counts are always complete)
SHOWN = 20
UNKNOWN_SOURCE = "(unknown)"


@dataclass
class Drift:
    """Records of one source that are missing, extra or stale in one derived copy."""

    missing: list[str] = field(default_factory=list)  # in the store, not in the copy
    extra: list[str] = field(default_factory=list)  # in the copy, not (visible) in the store
    stale: list[str] = field(default_factory=list)  # in both, but the copy was built from other content

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.stale)

    def ids(self) -> list[str]:
        return [*self.missing, *self.extra, *self.stale]

    def summary(self) -> dict[str, object]:
        return {
            name: {"count": len(ids), "ids": sorted(ids)[:SHOWN]}
            for name, ids in (("missing", self.missing), ("extra", self.extra), ("stale", self.stale))
        }


@dataclass
class SourceCheck:
    source: str
    datasets: int = 0  # visible datasets in the store: what the index must hold
    indexed: int = 0  # documents of this source in the index
    records: int = 0  # visible records in the store (datasets and catalogue records): graphs expected
    graphs: int = 0  # record graphs of this source on the triple side
    index: Drift = field(default_factory=Drift)
    triples: Drift = field(default_factory=Drift)

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "store": {"datasets": self.datasets, "records": self.records},
            "index": {"documents": self.indexed, **self.index.summary()},
            "triples": {"graphs": self.graphs, **self.triples.summary()},
            "in_line": not (self.index or self.triples),
        }


@dataclass
class CheckReport:
    sources: list[SourceCheck]

    @property
    def index_drift(self) -> bool:
        return any(s.index for s in self.sources)

    @property
    def triple_drift(self) -> bool:
        return any(s.triples for s in self.sources)

    @property
    def in_line(self) -> bool:
        return not (self.index_drift or self.triple_drift)

    def to_json(self) -> dict[str, object]:
        return {"in_line": self.in_line, "sources": [s.to_json() for s in self.sources]}


def check(store: Store, index: SearchIndex | None = None, triples: bool = True) -> CheckReport:
    """Compare the index (if given) and the triple side (if ``triples``) with the store's registry."""
    metas = {meta.id: meta for meta in store.metas()}  # withdrawn ones too: they keep their provenance
    sources: dict[str, SourceCheck] = {}

    def of(source: str) -> SourceCheck:
        return sources.setdefault(source, SourceCheck(source))

    for meta in metas.values():
        if meta.status != WITHDRAWN:
            of(meta.source)
        if meta.status in VISIBLE:
            of(meta.source).records += 1
            of(meta.source).datasets += meta.kind == "dataset"
    if index is not None:
        _check_index(metas, index.entries(), of)
    if triples:
        _check_triples(metas, store, of)
    return CheckReport(sorted(sources.values(), key=lambda s: s.source))


def _check_index(
    metas: dict[str, RecordMeta], entries: Iterable[IndexEntry], of: Callable[[str], SourceCheck]
) -> None:
    expected = {i: m for i, m in metas.items() if m.status in VISIBLE and m.kind == "dataset"}
    seen: set[str] = set()
    for entry in entries:
        meta = expected.get(entry.id)
        owner = of(meta.source if meta else entry.source or UNKNOWN_SOURCE)
        owner.indexed += 1
        if meta is None or entry.id in seen:  # not a visible dataset, or indexed twice
            owner.index.extra.append(entry.id)
        elif (entry.content_hash, entry.status, entry.quality) != (
            meta.content_hash,
            meta.status,
            meta.quality or 0,
        ) or entry.source != meta.source:
            owner.index.stale.append(entry.id)
        seen.add(entry.id)
    for record_id, meta in expected.items():
        if record_id not in seen:
            of(meta.source).index.missing.append(record_id)


def _check_triples(metas: dict[str, RecordMeta], store: Store, of: Callable[[str], SourceCheck]) -> None:
    sizes = store.triple_counts()
    held = store.triple_side()
    for record_id, meta in metas.items():
        found = held.pop(record_id, None)
        drift = of(meta.source).triples
        if found is None or found.content_hash is None:
            drift.missing.append(record_id)
            continue
        of(meta.source).graphs += found.triples > 0
        if (found.content_hash, found.status, found.triples) != (
            meta.content_hash,
            meta.status,
            sizes.get(record_id, 0),
        ):
            drift.stale.append(record_id)
    for record_id, found in held.items():  # graphs or provenance of records the registry does not have
        owner = of(UNKNOWN_SOURCE)
        owner.graphs += found.triples > 0
        owner.triples.extra.append(record_id)


def repair(
    store: Store, index: SearchIndex | None, vocabularies: Vocabularies, report: CheckReport
) -> tuple[int, bool]:
    """Bring what drifted back in line; returns (documents re-indexed or deleted, triple side rebuilt)."""
    fixed = 0
    if index is not None and report.index_drift:
        drifted = [record_id for source in report.sources for record_id in source.index.ids()]
        fixed = reindex_records(store, index, vocabularies, drifted)
    rebuilt = report.triple_drift
    if rebuilt:
        store.rebuild_triples()
    return fixed, rebuilt


def catch_up(store: Store, index: SearchIndex, vocabularies: Vocabularies, source: str | None = None) -> int:
    """Re-index what a stopped process left out of the index; returns the documents repaired.

    Without ``source`` (when the store is opened for writing, nothing else
    under way) every mark is looked at and cleared. With ``source`` (a
    harvest or push of it, under its lock, whose mark was set when it began)
    only that source's documents are repaired: other sources' harvests may
    be indexing meanwhile, and their marks are theirs to clear.
    """
    pending = store.index_pending()
    if source is not None:
        pending = [label for label in pending if label == source]
    if not pending:
        return 0
    report = check(store, index, triples=False)
    drifted = [i for s in report.sources if source in (None, s.source) for i in s.index.ids()]
    fixed = reindex_records(store, index, vocabularies, drifted) if drifted else 0
    for label in pending:
        store.mark_indexed(label)
    return fixed


def reindex_records(store: Store, index: SearchIndex, vocabularies: Vocabularies, ids: list[str]) -> int:
    """Index these records as the store has them now: visible datasets upserted, anything else deleted."""
    index.delete(ids)  # first: an id indexed twice (or under another source) leaves no copy behind
    index.upsert(_documents(store, vocabularies, ids))
    index.commit()
    return len(ids)


def _documents(store: Store, vocabularies: Vocabularies, ids: list[str]) -> Iterator[SearchDocument]:
    for meta, triples in store.triples_of(ids):
        if meta.status in VISIBLE and meta.kind == "dataset":
            yield search_document(meta, triples, vocabularies)


def reindex(store: Store, index: SearchIndex, vocabularies: Vocabularies) -> int:
    """Rebuild the search index from the store, the source of truth; the number of documents indexed."""
    index.clear()
    count = 0

    def documents() -> Iterator[SearchDocument]:
        nonlocal count
        for stored in store.iter_records(VISIBLE):
            if stored.meta.kind != "dataset":
                continue
            count += 1
            yield search_document(stored.meta, stored.triples, vocabularies)

    index.upsert(documents())
    index.commit()
    for label in store.index_pending():  # the rebuild holds every commit
        store.mark_indexed(label)
    return count
