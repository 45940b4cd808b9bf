"""A document too big to hold parsed: its triples on disk, read back a subject at a time.

A page is normally parsed into a list and split in memory
(:class:`catalogue.records.MemoryGraph`): about 60 kB of memory a dataset, so
a single document of 100,000 datasets would take 6 GB before validation saw
its first record. A document over ``SPILL_BYTES`` is instead streamed from the
parser into a temporary pyoxigraph store on disk, ``CHUNK`` quads at a time
(the bulk loader, which would otherwise gather the whole document in memory),
and the split reads it back a subject at a time: memory no longer follows the
document's size. The walker reads only the paging first
(``catalogue.sources.rdf``) and spills when the harvester must split the page:
a document identical to the one the last harvest split is never written to disk.

pyoxigraph's store keeps typed literals by value, not as written: ``"05"^^xsd:integer``
comes back as ``"5"``, and an ``xsd:nonNegativeInteger`` as an ``xsd:integer``. The
split must see what the publisher wrote (a record's content hash, and its
validation, depend on it), so a typed literal goes in under a datatype of our
own that carries the real one, which the store keeps as an opaque string.

The store lives in a folder of the harvest's scratch folder
(``data_dir/scratch/<source>``), which a harvest empties when it starts, so a
killed harvest's leftovers go at the next one; :meth:`SpilledGraph.close`
removes it as soon as the page has been split.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pyoxigraph as ox

from catalogue.namespaces import RDF, XSD
from catalogue.records import DATASET_LINK, TYPE, Node, Term

#: documents larger than this (bytes) are split from disk: below it, memory is cheaper and faster
SPILL_BYTES = 32 * 1024 * 1024
#: quads handed to the bulk loader at once: a few tens of MB of Python objects
CHUNK = 200_000
#: the datatype a typed literal is stored under, followed by its real one (percent-encoded)
WRAPPED = "urn:x-catalogue:as-written:"
#: datatypes the store keeps as written
VERBATIM = {XSD + "string", RDF + "langString", RDF + "dirLangString"}


class SpilledGraph:
    """One document's quads in an on-disk store, all graphs merged: a :class:`catalogue.records.Graph`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.store: ox.Store | None = ox.Store(str(folder))

    @classmethod
    def load(cls, quads: Iterable[ox.Quad], folder: Path) -> SpilledGraph:
        """Stream ``quads`` into a new store in ``folder``; a parse error on the way removes it again."""
        graph = cls(folder)
        try:
            remaining = iter(quads)
            while batch := [_wrapped(q) for q in itertools.islice(remaining, CHUNK)]:
                graph._store.bulk_extend(batch)
        except BaseException:
            graph.close()
            raise
        return graph

    @property
    def _store(self) -> ox.Store:
        if self.store is None:
            raise RuntimeError(f"the spilled page in {self.folder} was closed")
        return self.store

    def pairs(self, node: Node) -> list[tuple[ox.NamedNode, Term]]:
        found: dict[tuple[ox.NamedNode, Term], None] = {}
        for quad in self._store.quads_for_pattern(node, None, None):
            if not isinstance(quad.object, ox.Triple):  # RDF 1.2 triple terms are not metadata
                found[(quad.predicate, _unwrapped(quad.object))] = None
        return list(found)

    def describes(self, node: Node) -> bool:
        return next(iter(self._store.quads_for_pattern(node, None, None)), None) is not None

    def subjects(self) -> Iterator[Node]:
        solutions = self._store.query(
            "SELECT DISTINCT ?s WHERE { ?s ?p ?o }", use_default_graph_as_union=True
        )
        assert isinstance(solutions, ox.QuerySolutions)
        for solution in solutions:
            subject = solution["s"]
            if isinstance(subject, ox.NamedNode | ox.BlankNode):
                yield subject

    def typed(self, classes: set[ox.NamedNode]) -> set[Node]:
        return {
            quad.subject
            for cls in classes
            for quad in self._store.quads_for_pattern(None, TYPE, cls)
            if isinstance(quad.subject, ox.NamedNode | ox.BlankNode)
        }

    def listing(self, node: Node) -> set[Node]:
        return {
            quad.subject
            for quad in self._store.quads_for_pattern(None, DATASET_LINK, node)
            if isinstance(quad.subject, ox.NamedNode | ox.BlankNode)
        }

    def forget(self, subjects: Iterable[Node]) -> None:
        """Remove everything said of these subjects (a feed's paging views)."""
        for subject in subjects:
            for quad in list(self._store.quads_for_pattern(subject, None, None)):
                self._store.remove(quad)

    def close(self) -> None:
        """Drop the store and its folder (idempotent)."""
        self.store = None  # pyoxigraph closes the store when its last reference goes
        shutil.rmtree(self.folder, ignore_errors=True)


def _wrapped(quad: ox.Quad) -> ox.Quad:
    """The quad with a typed literal's datatype hidden from the store (which would rewrite the value)."""
    literal = quad.object
    if not isinstance(literal, ox.Literal) or literal.datatype.value in VERBATIM:
        return quad
    datatype = ox.NamedNode(WRAPPED + quote(literal.datatype.value, safe=""))
    return ox.Quad(
        quad.subject, quad.predicate, ox.Literal(literal.value, datatype=datatype), quad.graph_name
    )


def _unwrapped(term: Term) -> Term:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(WRAPPED):
        return ox.Literal(term.value, datatype=ox.NamedNode(unquote(term.datatype.value[len(WRAPPED) :])))
    return term
