"""A Linked Data Event Stream (LDES) of DCAT-AP: the latest version of every dataset.

The walk starts at source.url — the event stream, one of its views, or any
node — and follows ``tree:view`` and every ``tree:relation``'s ``tree:node``
(breadth first, each node once; relations may point back, which is fine;
a web page's link to a local file is not followed, and a link off the
source's origin is an error, see :class:`.pages.Reader`).
Each ``tree:member`` is one version of one entity. Members come in three
shapes, and this is how a member maps to the entity it is a version of:

* an activity (SEMIC's LDES feeds for DCAT-AP, e.g. data.gov.be): the member
  is an ``as:Create``/``as:Update``/… with ``as:object`` → the entity, and
  the entity's description is the named graph named after the member.
  ``as:Delete``/``as:Remove`` are tombstones: a dataset whose latest version
  is one is left out.
* a version object (the stream declares ``ldes:versionOfPath``, or the
  member has ``dct:isVersionOf``): the member IRI is a version IRI and the
  path's value is the entity. The member's description (its named graph, or
  the default-graph triples reachable from it) is rewritten so the version
  IRI becomes the entity IRI — the harvester sees a normal ``dcat:Dataset``
  under its stable IRI, and the ``isVersionOf`` triple is dropped.
* anything else: the member is the entity itself.

"Latest" is decided by the member's timestamp: the value of the stream's
``ldes:timestampPath`` when declared, else the first of ``as:published``,
``as:updated``, ``prov:generatedAtTime``, ``dct:modified``, ``dct:issued``;
a member without a comparable timestamp, or with an equal one, wins when it
comes later in the stream.

Which version is the latest can only be known once the whole stream is
read, so this kind buffers (the latest version of each entity, not every
page) and yields a single page at the end, holding every entity's latest
description in the default graph. Its ``not_modified`` is True only when
every node of the stream came back 304.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urldefrag

import pyoxigraph as ox

from catalogue.namespaces import DCT, PROV
from catalogue.sources.pages import Page, Reader, fresh_blank_nodes

TREE = "https://w3id.org/tree#"
LDES = "https://w3id.org/ldes#"
AS = "https://www.w3.org/ns/activitystreams#"

EVENT_STREAM = ox.NamedNode(LDES + "EventStream")
TIMESTAMP_PATH = ox.NamedNode(LDES + "timestampPath")
VERSION_OF_PATH = ox.NamedNode(LDES + "versionOfPath")
MEMBER = ox.NamedNode(TREE + "member")
VIEW = ox.NamedNode(TREE + "view")
RELATION = ox.NamedNode(TREE + "relation")
NODE = ox.NamedNode(TREE + "node")
OBJECT = ox.NamedNode(AS + "object")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TOMBSTONES = frozenset({ox.NamedNode(AS + "Delete"), ox.NamedNode(AS + "Remove")})
IS_VERSION_OF = ox.NamedNode(DCT + "isVersionOf")
TIMESTAMPS = tuple(
    ox.NamedNode(iri)
    for iri in (AS + "published", AS + "updated", PROV + "generatedAtTime", DCT + "modified", DCT + "issued")
)

#: any RDF term a quad can hold in subject or object position (RDF 1.2 triple terms included)
AnyTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass
class _Version:
    timestamp: datetime | None
    quads: list[ox.Quad]  # the entity's description, in the default graph; empty for a tombstone


@dataclass
class _Paths:
    """What the stream declares about its members (on the ldes:EventStream), once seen."""

    timestamp: ox.NamedNode | None = None
    version_of: ox.NamedNode | None = None

    def learn(self, quads: list[ox.Quad]) -> None:
        streams = {q.subject for q in quads if q.predicate == TYPE and q.object == EVENT_STREAM}
        for quad in quads:
            if quad.subject in streams and isinstance(quad.object, ox.NamedNode):
                if quad.predicate == TIMESTAMP_PATH:
                    self.timestamp = self.timestamp or quad.object
                elif quad.predicate == VERSION_OF_PATH:
                    self.version_of = self.version_of or quad.object


def walk(url: str, reader: Reader) -> Iterator[Page]:
    paths, latest = _Paths(), dict[AnyTerm, _Version]()
    queue, seen, all_not_modified = deque([url]), {urldefrag(url).url}, True
    while queue:
        document, quads = reader.read(queue.popleft())
        all_not_modified &= document.not_modified
        quads = fresh_blank_nodes(quads)
        paths.learn(quads)
        for entity, version in _versions(quads, paths):
            kept = latest.get(entity)
            if kept is None or _newer(version, kept):
                latest[entity] = version
        for link in _links(quads):
            if link not in seen and reader.follows(link, document.location):
                seen.add(link)
                queue.append(link)
    yield Page(url, [q for version in latest.values() for q in version.quads], all_not_modified)


def _links(quads: list[ox.Quad]) -> list[str]:
    """The nodes this page leads to: its views and the targets of its relations."""
    relations = {q.object for q in quads if q.predicate == RELATION}
    return [
        urldefrag(q.object.value).url
        for q in quads
        if isinstance(q.object, ox.NamedNode)
        and (q.predicate == VIEW or (q.predicate == NODE and q.subject in relations))
    ]


def _versions(quads: list[ox.Quad], paths: _Paths) -> Iterator[tuple[AnyTerm, _Version]]:
    """(entity, version) for every member on this page."""
    graphs: dict[AnyTerm, list[ox.Quad]] = {}
    edges: dict[AnyTerm, list[ox.Quad]] = {}
    members: list[AnyTerm] = []
    for quad in quads:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            edges.setdefault(quad.subject, []).append(quad)
            if quad.predicate == MEMBER:
                members.append(quad.object)
        else:
            graphs.setdefault(quad.graph_name, []).append(ox.Quad(quad.subject, quad.predicate, quad.object))
    others = set(members)  # a member's description never reaches into another member
    for member in members:
        about = edges.get(member, []) + [q for q in graphs.get(member, []) if q.subject == member]
        timestamp = _timestamp(about, paths)
        version_of = _value(about, [paths.version_of or IS_VERSION_OF])
        activity = _value(about, [OBJECT])
        tombstone = any(q.predicate == TYPE and q.object in TOMBSTONES for q in about)
        if version_of is not None and tombstone:  # as:Delete with ldes:versionOfPath as:object
            yield version_of, _Version(timestamp, [])
        elif isinstance(version_of, ox.NamedNode | ox.BlankNode):  # an entity (not a literal) to rename to
            description = graphs.get(member) or _reachable(member, edges, others)
            yield version_of, _Version(timestamp, _renamed(description, member, version_of))
        elif activity is not None:
            description = [] if tombstone else graphs.get(member) or _reachable(activity, edges, others)
            yield activity, _Version(timestamp, description)
        else:
            yield (
                member,
                _Version(timestamp, graphs.get(member, []) + _reachable(member, edges, others)),
            )


def _value(about: list[ox.Quad], predicates: list[ox.NamedNode]) -> AnyTerm | None:
    for predicate in predicates:
        for quad in about:
            if quad.predicate == predicate:
                return quad.object
    return None


def _timestamp(about: list[ox.Quad], paths: _Paths) -> datetime | None:
    value = _value(about, [paths.timestamp] if paths.timestamp else list(TIMESTAMPS))
    if not isinstance(value, ox.Literal):
        return None
    try:
        moment = datetime.fromisoformat(value.value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _newer(version: _Version, kept: _Version) -> bool:
    if version.timestamp is None or kept.timestamp is None:
        return True  # nothing to compare: stream order decides
    return version.timestamp >= kept.timestamp


def _reachable(start: AnyTerm, edges: dict[AnyTerm, list[ox.Quad]], stop: set[AnyTerm]) -> list[ox.Quad]:
    """The default-graph triples describing ``start`` and the nodes hanging off it (not other members)."""
    found: list[ox.Quad] = []
    todo, seen = [start], {start}
    while todo:
        for quad in edges.get(todo.pop(), []):
            if quad.predicate == MEMBER:
                continue
            found.append(quad)
            if quad.object in edges and quad.object not in seen and quad.object not in stop:
                seen.add(quad.object)
                todo.append(quad.object)
    return found


def _renamed(quads: list[ox.Quad], version: AnyTerm, entity: ox.NamedNode | ox.BlankNode) -> list[ox.Quad]:
    """The version's description as the entity's: version IRI → entity IRI, the isVersionOf link dropped."""
    return [
        ox.Quad(
            entity if q.subject == version else q.subject,
            q.predicate,
            entity if q.object == version else q.object,
        )
        for q in quads
        if not (q.subject == version and q.object == entity)
    ]
