"""A FAIR Data Point: a tree of metadata resources, one Turtle document each.

The walk starts at the FDP's root and follows the links the FDP reference
implementation and the FDP specification use: ``fdp-o:metadataCatalog`` and
``r3d:dataCatalog`` (root → catalogues), ``dcat:dataset`` (catalogue →
datasets), ``dcat:distribution`` (dataset → distributions) and ``ldp:contains``
(any LDP container → its children). A container's membership triples
(``ldp:membershipResource`` + ``ldp:hasMemberRelation`` + ``ldp:contains``) are
stated explicitly, so a distribution an FDP lists only in the dataset's
container still hangs off its dataset.

Pages:

* one per dataset (or dataset series): the dataset's document with the
  documents of its distributions merged in, so the page is self-contained;
* one per catalogue: its own document, yielded after its datasets (so links
  to records we skipped can be dropped from it).

The FDP's own LDP containers ("Datasets", "Distributions") are navigation,
like Hydra paging, and are left out of the pages.

Only resources on the root's host are fetched (a link to a DOI or a landing
page elsewhere is kept as a link, not followed), and none twice.

Drafts are skipped, with everything below them. The reference
implementation keeps a record's state (DRAFT or PUBLISHED) outside the RDF,
hides links to drafts from anonymous clients and answers 403 when one asks
for a draft anyway, so a 403 for a linked record (not for the root) means
"not published". Other FDP implementations state it in the record as
``fdp-o:metadataState "DRAFT"``; a record with that triple (the literal, or an
IRI whose last segment is DRAFT, in any case) is skipped too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urldefrag

import pyoxigraph as ox

from catalogue.fetch import HTTPStatusError
from catalogue.namespaces import DCAT, RDF_TYPE
from catalogue.sources.pages import Page, Reader, fresh_blank_nodes

FDP_O = ("https://w3id.org/fdp/fdp-o#", "http://purl.org/fdp/fdp-o#")  # current, and the one it replaced
R3D = "http://www.re3data.org/schema/3-0#"
LDP = "http://www.w3.org/ns/ldp#"
TURTLE = "text/turtle"

TYPE = ox.NamedNode(RDF_TYPE)
STATE = frozenset(ox.NamedNode(ns + "metadataState") for ns in FDP_O)
DISTRIBUTION = ox.NamedNode(DCAT + "distribution")
CONTAINS = ox.NamedNode(LDP + "contains")
MEMBERSHIP_RESOURCE = ox.NamedNode(LDP + "membershipResource")
MEMBER_RELATION = ox.NamedNode(LDP + "hasMemberRelation")
LINKS = frozenset(
    {
        *(ox.NamedNode(ns + "metadataCatalog") for ns in FDP_O),
        ox.NamedNode(R3D + "dataCatalog"),
        ox.NamedNode(DCAT + "dataset"),
        DISTRIBUTION,
        CONTAINS,
    }
)
CATALOG = ox.NamedNode(DCAT + "Catalog")
DATASETS = frozenset({ox.NamedNode(DCAT + "Dataset"), ox.NamedNode(DCAT + "DatasetSeries")})
DISTRIBUTIONS = frozenset({ox.NamedNode(DCAT + "Distribution")})
CONTAINERS = frozenset(
    ox.NamedNode(LDP + kind)
    for kind in ("Container", "BasicContainer", "DirectContainer", "IndirectContainer")
)


@dataclass
class _Resource:
    """One fetched FDP document, as far as the walk cares."""

    url: str
    quads: list[ox.Quad]
    not_modified: bool
    types: set[ox.NamedNode] = field(default_factory=set)
    children: list[str] = field(default_factory=list)


def walk(url: str, reader: Reader) -> Iterator[Page]:
    return _Walk(url, reader).run()


class _Walk:
    """One walk of an FDP: what was fetched, which records turned out to be drafts."""

    def __init__(self, root: str, reader: Reader) -> None:
        self.root, self.reader = root, reader
        self.seen: set[str] = set()
        self.skipped: set[ox.NamedNode] = set()  # drafts: links to them are dropped from pages

    def run(self) -> Iterator[Page]:
        resource = self.fetch(self.root, root=True)
        if resource is not None:
            yield from self.visit(resource)

    def fetch(self, url: str, root: bool = False) -> _Resource | None:
        """Read one resource; None for a draft (or a 403, which the reference FDP gives for a draft)."""
        self.seen.add(url)
        try:
            document, quads = self.reader.read(url, TURTLE)
        except HTTPStatusError as error:
            if error.status != 403 or root:
                raise
            self.skipped.add(ox.NamedNode(url))
            return None
        self.seen.add(urldefrag(document.location).url)
        quads = fresh_blank_nodes(quads) + _membership(quads)
        node = _subject(quads, [url, document.location, url.rstrip("/"), url + "/"])
        if _is_draft(quads, node):
            self.skipped |= {node, ox.NamedNode(url)}
            return None
        resource = _Resource(url, _without_navigation(quads), document.not_modified)
        for quad in quads:
            if quad.subject == node and quad.predicate == TYPE and isinstance(quad.object, ox.NamedNode):
                resource.types.add(quad.object)
            elif quad.predicate in LINKS and isinstance(quad.object, ox.NamedNode):
                child = urldefrag(quad.object.value).url
                if child not in self.seen and self.reader.on_origin(child) and child not in resource.children:
                    resource.children.append(child)
        return resource

    def visit(self, resource: _Resource) -> Iterator[Page]:
        if resource.types & DATASETS:
            yield from self.dataset(resource)
            return
        for url in resource.children:
            if url not in self.seen and (child := self.fetch(url)) is not None:
                yield from self.visit(child)
        if CATALOG in resource.types:
            yield self.page(resource.url, [resource])

    def dataset(self, resource: _Resource) -> Iterator[Page]:
        """The dataset with its distributions merged in; other children (a series' datasets) after it."""
        parts, others = [resource], list[_Resource]()
        for url in resource.children:
            if url in self.seen or (child := self.fetch(url)) is None:
                continue
            (parts if child.types & DISTRIBUTIONS else others).append(child)
        yield self.page(resource.url, parts)
        for child in others:
            yield from self.visit(child)

    def page(self, url: str, parts: list[_Resource]) -> Page:
        quads = [q for part in parts for q in part.quads if q.object not in self.skipped]
        return Page(url, quads, all(part.not_modified for part in parts))


def _membership(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The triples an LDP direct container stands for: (membership resource, member relation, child)."""
    resource: dict[ox.NamedNode | ox.BlankNode | ox.Triple, ox.NamedNode | ox.BlankNode] = {}
    relation: dict[ox.NamedNode | ox.BlankNode | ox.Triple, ox.NamedNode] = {}
    contains: list[ox.Quad] = []
    for quad in quads:
        if quad.predicate == MEMBERSHIP_RESOURCE and isinstance(quad.object, ox.NamedNode | ox.BlankNode):
            resource[quad.subject] = quad.object
        elif quad.predicate == MEMBER_RELATION and isinstance(quad.object, ox.NamedNode):
            relation[quad.subject] = quad.object
        elif quad.predicate == CONTAINS:
            contains.append(quad)
    return [
        ox.Quad(resource[q.subject], relation[q.subject], q.object)
        for q in contains
        if q.subject in resource
        and q.subject in relation
        and isinstance(resource[q.subject], ox.NamedNode)
        and isinstance(q.object, ox.NamedNode)
    ]


def _subject(quads: list[ox.Quad], candidates: list[str]) -> ox.NamedNode:
    """The resource a document describes: its URL, unless the FDP spells its own IRI a little differently."""
    subjects = {q.subject for q in quads}
    for candidate in candidates:
        if ox.NamedNode(candidate) in subjects:
            return ox.NamedNode(candidate)
    return ox.NamedNode(candidates[0])


def _without_navigation(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Without the FDP's own LDP containers ("Datasets", "Distributions"): they are paging, not metadata.

    A container that is also a DCAT resource (a catalogue that lists its
    datasets itself) is metadata and stays.
    """
    types: dict = {}
    for quad in quads:
        if quad.predicate == TYPE:
            types.setdefault(quad.subject, set()).add(quad.object)
    navigation = {
        subject
        for subject, kinds in types.items()
        if kinds & CONTAINERS and not any(kind.value.startswith(DCAT) for kind in kinds)
    }
    return [q for q in quads if q.subject not in navigation]


def _is_draft(quads: list[ox.Quad], node: ox.NamedNode) -> bool:
    return any(
        q.subject == node
        and q.predicate in STATE
        and isinstance(q.object, ox.NamedNode | ox.Literal)
        and re.split(r"[#/]", q.object.value)[-1].upper() == "DRAFT"
        for q in quads
    )
