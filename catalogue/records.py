"""Split a harvested document into records: one per dataset, one for the catalogue.

A dataset's record holds its own triples and everything that hangs off it
(distributions, agents, contact points, periods, checksums, identifiers …),
found by following blank nodes and described IRIs until another record's root.
Blank nodes become skolem IRIs derived from their content and their record,
so harvesting the same document twice yields exactly the same triples.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from catalogue.fetch import InputError
from catalogue.namespaces import DCAT, DCT, RDF_TYPE

TYPE = ox.NamedNode(RDF_TYPE)
DATASET_TYPES = {ox.NamedNode(DCAT + "Dataset"), ox.NamedNode(DCAT + "DatasetSeries")}
CATALOG_TYPES = {ox.NamedNode(DCAT + "Catalog")}
#: blank nodes nested deeper under one record are refused: no metadata needs it, and every step
#: (hashing here, SHACL paths later) costs time; an rdf:List of that many items is one too
MAX_DEPTH = 2000
DATASET_LINK = ox.NamedNode(DCAT + "dataset")
TITLES = {ox.NamedNode(DCT + "title"), ox.NamedNode("http://purl.org/dc/elements/1.1/title")}

Node = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal
Pairs = list[tuple[ox.NamedNode, Term]]
#: the subjects of one record, with what the page says of each
Members = dict[Node, Pairs]


@dataclass(frozen=True)
class Record:
    id: str  # stable and URL-safe: "<source>-<hash of the root IRI>"
    source: str
    kind: str  # "dataset" or "catalog"
    uri: str  # the root resource (dataset IRI, or the catalogue's)
    triples: tuple[ox.Triple, ...]
    content_hash: str

    @property
    def title(self) -> str:
        """A readable name for messages: the first title, else the IRI."""
        root = ox.NamedNode(self.uri)
        titles = sorted(
            t.object.value
            for t in self.triples
            if t.subject == root and t.predicate in TITLES and isinstance(t.object, ox.Literal)
        )
        return titles[0] if titles else self.uri


class Graph(Protocol):
    """What splitting needs of a page's triples: held in memory (:class:`MemoryGraph`), or a big
    document's spilled to disk (catalogue.sources.spilled). Pairs come without duplicates and without
    RDF 1.2 triple terms (they are not metadata)."""

    def pairs(self, node: Node) -> list[tuple[ox.NamedNode, Term]]: ...
    def describes(self, node: Node) -> bool: ...
    def subjects(self) -> Iterable[Node]: ...
    def typed(self, classes: set[ox.NamedNode]) -> set[Node]: ...
    def listing(self, node: Node) -> set[Node]:
        """The subjects that say ``dcat:dataset`` of ``node``."""
        ...


class MemoryGraph:
    """A page's triples by subject, in memory: all graphs of a TriG document merged."""

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        edges: defaultdict[Node, dict[tuple[ox.NamedNode, Term], None]] = defaultdict(dict)
        for quad in quads:
            if not isinstance(quad.subject, ox.Triple) and not isinstance(quad.object, ox.Triple):
                edges[quad.subject][(quad.predicate, quad.object)] = None
        self.edges = {node: list(pairs) for node, pairs in edges.items()}
        self.listed: defaultdict[Node, set[Node]] = defaultdict(set)
        for node, pairs in self.edges.items():
            for predicate, obj in pairs:
                if predicate == DATASET_LINK and not isinstance(obj, ox.Literal):
                    self.listed[obj].add(node)

    def pairs(self, node: Node) -> list[tuple[ox.NamedNode, Term]]:
        return self.edges.get(node, [])

    def describes(self, node: Node) -> bool:
        return node in self.edges

    def subjects(self) -> Iterable[Node]:
        return self.edges

    def typed(self, classes: set[ox.NamedNode]) -> set[Node]:
        return {
            node for node, pairs in self.edges.items() if any(p == TYPE and o in classes for p, o in pairs)
        }

    def listing(self, node: Node) -> set[Node]:
        return self.listed.get(node, set())


def split_records(quads: Iterable[ox.Quad], source: str, base_url: str) -> list[Record]:
    """Datasets first (in document order of their IRIs, sorted), then the catalogue record."""
    return list(iter_records(MemoryGraph(quads), source, base_url))


def iter_records(graph: Graph, source: str, base_url: str) -> Iterator[Record]:
    """The records of a page one at a time, as :func:`split_records` orders them: a document of
    100,000 datasets is never held as records all at once.

    A catalogue's ``dcat:dataset`` link to a dataset travels in that dataset's record, not in
    the catalogue's: a catalogue of a million datasets stays a small record, which one new dataset
    does not change, and a dataset's link goes when it does. The catalogue keeps its link to the
    first dataset of the page, which says that it lists datasets. (A catalogue that is a blank node
    keeps all its links: a dataset record could not name it.)
    """
    catalogs = graph.typed(CATALOG_TYPES)
    datasets = graph.typed(DATASET_TYPES) - catalogs
    roots = datasets | catalogs
    claimed: set[Node] = set()
    for root in sorted(datasets, key=str):
        members = _reachable([root], graph, roots)
        claimed.update(members)
        listed_in = sorted(
            (c for c in graph.listing(root) if c in catalogs and isinstance(c, ox.NamedNode)), key=str
        )
        yield _record(source, "dataset", root, members, graph, base_url, listed_in)
    unclaimed = [n for n in graph.subjects() if n not in claimed]
    if catalogs or unclaimed:
        # Catalogues, their publishers, and anything no dataset claims (licence
        # documents, paging metadata …): kept together so nothing is dropped.
        members = _reachable(sorted(catalogs, key=str) + unclaimed, graph, datasets)
        for catalog in catalogs:
            if isinstance(catalog, ox.NamedNode):
                members[catalog] = _without_dataset_links(members[catalog], datasets)
        anchor = min(catalogs, key=str) if catalogs else None
        yield _record(source, "catalog", anchor, members, graph, base_url)


def _without_dataset_links(pairs: Pairs, datasets: set[Node]) -> Pairs:
    """A catalogue's pairs without its links to the page's datasets (their records carry them) but
    the first."""
    links = sorted((o for p, o in pairs if p == DATASET_LINK and o in datasets), key=str)
    kept = [(p, o) for p, o in pairs if p != DATASET_LINK or o not in datasets]
    return kept + [(DATASET_LINK, links[0])] if links else kept


def _reachable(start: list[Node], graph: Graph, stop: set[Node]) -> Members:
    """Subjects reachable from ``start`` without entering another record's root, with their pairs."""
    found: Members = {}
    seen = set(start)
    todo = list(start)
    while todo:
        node = todo.pop()
        found[node] = pairs = graph.pairs(node)
        for predicate, obj in pairs:
            if predicate == TYPE or obj in seen or obj in stop:
                continue
            if isinstance(obj, ox.BlankNode) or (isinstance(obj, ox.NamedNode) and graph.describes(obj)):
                seen.add(obj)
                todo.append(obj)
    return found


def _record(
    source: str,
    kind: str,
    root: Node | None,
    members: Members,
    graph: Graph,
    base_url: str,
    listed_in: Iterable[ox.NamedNode] = (),
) -> Record:
    hashes = _BlankNodeHashes(
        lambda node: members[node] if node in members else graph.pairs(node),
        root.value if isinstance(root, ox.NamedNode) else f"a {kind}",
    )
    for _, obj in members.get(root, ()) if root is not None else ():
        if isinstance(obj, ox.BlankNode):  # from the top, so the depth limit counts from the root
            hashes.of(obj)
    if root is None:
        anchor = f"{base_url}/sources/{source}#catalog"
    elif isinstance(root, ox.BlankNode):
        anchor = _skolem(base_url, source, hashes.of(root))
    else:
        anchor = root.value

    def named(node: Node) -> ox.NamedNode:
        if isinstance(node, ox.BlankNode):
            return ox.NamedNode(_skolem(base_url, anchor, hashes.of(node)))
        return node

    def skolemised(term: Term) -> ox.NamedNode | ox.Literal:
        return term if isinstance(term, ox.Literal) else named(term)

    triples = [
        ox.Triple(named(subject), predicate, skolemised(obj))
        for subject, pairs in members.items()
        for predicate, obj in pairs
    ]
    if root is not None:
        triples += [ox.Triple(catalog, DATASET_LINK, named(root)) for catalog in listed_in]
    return assemble(record_id(source, anchor), source, kind, anchor, triples)


def record_id(source: str, uri: str) -> str:
    return f"{source}-{hashlib.sha1(uri.encode()).hexdigest()[:12]}"


def assemble(rid: str, source: str, kind: str, uri: str, triples: Iterable[ox.Triple]) -> Record:
    """A record in canonical form: triples deduplicated and sorted, content hashed."""
    # Keyed by N-Triples text: it dedupes, gives the canonical order for the
    # content hash, and is much cheaper than hashing pyoxigraph terms.
    lines = {str(t): t for t in triples}
    ordered = sorted(lines)
    content = hashlib.sha256("\n".join(ordered).encode()).hexdigest()
    return Record(rid, source, kind, uri, tuple(lines[line] for line in ordered), content)


def _skolem(base_url: str, scope: str, node_hash: str) -> str:
    digest = hashlib.sha1(f"{scope}|{node_hash}".encode()).hexdigest()[:24]
    return f"{base_url}/.well-known/genid/{digest}"


class _BlankNodeHashes:
    """A blank node's hash is the hash of its description, recursively.

    Parsers name blank nodes arbitrarily; hashing what they say instead makes
    the skolem IRIs independent of parse order and of the document's syntax.
    The walk keeps its own stack instead of recursing: a publisher can nest
    blank nodes deeper than Python's recursion limit in a few kilobytes.
    """

    def __init__(self, pairs: Callable[[Node], Pairs], record: str) -> None:
        self.pairs, self.record = pairs, record
        self.memo: dict[ox.BlankNode, str] = {}

    def of(self, node: ox.BlankNode) -> str:
        if node in self.memo:
            return self.memo[node]
        stack = [_Frame(node, self.pairs(node))]
        on_path = {node}
        while stack:
            frame = stack[-1]
            if frame.next < len(frame.pairs):
                predicate, obj = frame.pairs[frame.next]
                frame.next += 1
                if not isinstance(obj, ox.BlankNode):
                    frame.parts.append(f"{predicate} {obj}")
                elif obj in self.memo:
                    frame.parts.append(f"{predicate} {self.memo[obj]}")
                elif obj in on_path:  # a cycle of blank nodes: cut it
                    frame.parts.append(f"{predicate} cycle")
                elif len(stack) >= MAX_DEPTH:
                    message = f"blank nodes nested more than {MAX_DEPTH:,} levels deep; refused"
                    raise InputError(self.record, message)
                else:
                    on_path.add(obj)
                    stack.append(_Frame(obj, self.pairs(obj), predicate))
                continue
            digest = hashlib.sha1("\n".join(sorted(frame.parts)).encode()).hexdigest()
            self.memo[frame.node] = digest
            on_path.discard(frame.node)
            stack.pop()
            if stack:
                stack[-1].parts.append(f"{frame.link} {digest}")
        return self.memo[node]


@dataclass
class _Frame:
    """One blank node being hashed: its pairs, how far through them, what they hashed to."""

    node: ox.BlankNode
    pairs: list[tuple[ox.NamedNode, Term]]
    link: ox.NamedNode | None = None  # the predicate its parent reached it by
    next: int = 0
    parts: list[str] = field(default_factory=list)
