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
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from catalogue.fetch import InputError
from catalogue.namespaces import DCAT, DCT, RDF_TYPE

TYPE = ox.NamedNode(RDF_TYPE)
DATASET_TYPES = {ox.NamedNode(DCAT + "Dataset"), ox.NamedNode(DCAT + "DatasetSeries")}
CATALOG_TYPES = {ox.NamedNode(DCAT + "Catalog")}
#: blank nodes nested deeper under one record are refused: no metadata needs it, and every step
#: (hashing here, SHACL paths later) costs time; an rdf:List of that many items is one too
MAX_DEPTH = 2000
TITLES = {ox.NamedNode(DCT + "title"), ox.NamedNode("http://purl.org/dc/elements/1.1/title")}

Node = ox.NamedNode | ox.BlankNode
Term = ox.NamedNode | ox.BlankNode | ox.Literal
Edges = dict[Node, list[tuple[ox.NamedNode, Term]]]


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


def split_records(quads: Iterable[ox.Quad], source: str, base_url: str) -> list[Record]:
    """Datasets first (in document order of their IRIs, sorted), then the catalogue record."""
    edges: Edges = defaultdict(list)
    for quad in quads:  # repeated triples (a TriG graph per member …) are merged in _record
        if not isinstance(quad.subject, ox.Triple) and not isinstance(quad.object, ox.Triple):
            edges[quad.subject].append((quad.predicate, quad.object))  # RDF 1.2 triple terms: not metadata
    datasets, catalogs = _roots(edges)
    roots = datasets | catalogs
    records, claimed = [], set()
    for root in sorted(datasets, key=str):
        members = _reachable([root], edges, roots)
        claimed |= members
        records.append(_record(source, "dataset", root, members, edges, base_url))
    unclaimed = [n for n in edges if n not in claimed]
    if catalogs or unclaimed:
        # Catalogues, their publishers, and anything no dataset claims (licence
        # documents, paging metadata …): kept together so nothing is dropped.
        members = _reachable(sorted(catalogs, key=str) + unclaimed, edges, datasets)
        anchor = min(catalogs, key=str) if catalogs else None
        records.append(_record(source, "catalog", anchor, members, edges, base_url))
    return records


def _roots(edges: Edges) -> tuple[set[Node], set[Node]]:
    datasets, catalogs = set(), set()
    for subject, pairs in edges.items():
        types = {o for p, o in pairs if p == TYPE}
        if types & CATALOG_TYPES:
            catalogs.add(subject)
        elif types & DATASET_TYPES:
            datasets.add(subject)
    return datasets, catalogs


def _reachable(start: list[Node], edges: Edges, stop: set[Node]) -> set[Node]:
    """Subjects reachable from ``start`` without entering another record's root."""
    seen = set(start)
    todo = list(start)
    while todo:
        node = todo.pop()
        for predicate, obj in edges.get(node, ()):
            if predicate == TYPE or obj in seen or obj in stop:
                continue
            if isinstance(obj, ox.BlankNode) or (isinstance(obj, ox.NamedNode) and obj in edges):
                seen.add(obj)
                todo.append(obj)
    return seen


def _record(
    source: str, kind: str, root: Node | None, members: set[Node], edges: Edges, base_url: str
) -> Record:
    hashes = _BlankNodeHashes(edges, root.value if isinstance(root, ox.NamedNode) else f"a {kind}")
    for _, obj in edges.get(root, ()) if root is not None else ():
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

    triples = (
        ox.Triple(named(subject), predicate, skolemised(obj))
        for subject in members
        for predicate, obj in edges[subject]
    )
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

    def __init__(self, edges: Edges, record: str) -> None:
        self.edges, self.record = edges, record
        self.memo: dict[ox.BlankNode, str] = {}

    def of(self, node: ox.BlankNode) -> str:
        if node in self.memo:
            return self.memo[node]
        stack = [_Frame(node, self.edges.get(node, []))]
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
                    stack.append(_Frame(obj, self.edges.get(obj, []), predicate))
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
