"""Our own Linked Data Event Stream: every dataset's latest version, or its withdrawal, by time.

A downstream catalogue reads ``/ldes`` (our ``ldes`` source kind does) to keep
in step with ours without re-reading the feed. What the stream holds is built
from the registry: each dataset record is one member, stamped with the time of
its last change (when its current content was stored, or the end of the run
that withdrew it, whichever is later — see ``Store.latest_changes``):

* a visible record is an ``as:Create`` (first added) or ``as:Update``, its
  description in the named graph named after the member;
* a withdrawn or rejected record is an ``as:Delete`` tombstone.

The registry keeps only each record's current content, so the stream keeps
only each dataset's latest member (``ldes:LatestVersionSubset`` of 1): a change
drops the older member and adds a newer one. Members are linked by ``as:object``
(``ldes:versionOfPath``) to the dataset and stamped with ``as:published``
(``ldes:timestampPath``).

Fragments are UTC days (``tree:GreaterThanOrEqualToRelation`` and
``tree:LessThanRelation`` from the root), each read in pages of at most
:data:`PAGE_SIZE` members chained by the key of their first member. A past day
only ever loses members (a newer member of the same dataset is in a later day),
so a copy of one of its pages a client kept still holds every member it holds
now, or an older version of it that a later page supersedes: those pages may be
cached for long.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pyoxigraph as ox

from catalogue.feed import per_generation
from catalogue.namespaces import RDF_TYPE, XSD
from catalogue.store import VISIBLE, WITHDRAWN, Store

TREE = "https://w3id.org/tree#"
LDES = "https://w3id.org/ldes#"
AS = "https://www.w3.org/ns/activitystreams#"
PAGE_SIZE = 250
#: TriG and N-Quads keep each member's description in its own named graph
MEDIA_TYPES = {"application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS}
PREFIXES = {"tree": TREE, "ldes": LDES, "as": AS, "xsd": XSD}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


TYPE, PUBLISHED, OBJECT = _n(RDF_TYPE), _n(AS + "published"), _n(AS + "object")
MEMBER, RELATION, NODE = _n(TREE + "member"), _n(TREE + "relation"), _n(TREE + "node")


@dataclass(frozen=True, order=True)
class Member:
    """One dataset's latest event; ordered by (time, record id), the stream's order."""

    timestamp: datetime
    record_id: str
    uri: str
    activity: str  # Create, Update or Delete

    @property
    def key(self) -> str:
        """Where a page starting at this member starts (``?after=`` of the page before it)."""
        return f"{_stamp(self.timestamp)}~{self.record_id}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def members(store: Store) -> list[Member]:
    """Every dataset's latest event, in stream order; read once per store generation."""
    return per_generation(store, "ldes", lambda: _members(store))


def _members(store: Store) -> list[Member]:
    changes = store.latest_changes()
    found = []
    for meta in store.metas(kind="dataset"):
        change, when = changes.get(meta.id, ("", meta.harvested))
        moment = max(meta.harvested, when)
        if meta.status in VISIBLE:
            activity = "Create" if change in ("added", "") else "Update"
        elif meta.status == WITHDRAWN or change:
            activity = "Delete"  # withdrawn, or now rejected: gone for the downstream catalogue
        else:
            continue  # rejected from the start: it was never in the stream
        found.append(Member(moment, meta.id, meta.uri, activity))
    return sorted(found)


def days(all_members: list[Member]) -> list[date]:
    return sorted({m.timestamp.astimezone(UTC).date() for m in all_members})


def page_of(all_members: list[Member], day: date, after: str | None) -> tuple[list[Member], Member | None]:
    """The members of ``day`` from the one keyed ``after`` (the day's first when None), at most
    :data:`PAGE_SIZE`, and the first member of the next page of that day (None on its last)."""
    start = _start(day)
    keyed = [m.key for m in all_members]  # sorted like the members
    first = bisect_left(keyed, after) if after else bisect_left(all_members, Member(start, "", "", ""))
    end = _start(day + timedelta(days=1))
    chosen: list[Member] = []
    for member in all_members[first:]:
        if member.timestamp >= end or len(chosen) == PAGE_SIZE:
            following = member if member.timestamp < end else None
            return chosen, following
        if member.timestamp >= start:
            chosen.append(member)
    return chosen, None


def _start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _datetime(moment: datetime) -> ox.Literal:
    return ox.Literal(moment.astimezone(UTC).isoformat(), datatype=_n(XSD + "dateTime"))


def node_url(base: str, day: date, after: str | None = None) -> str:
    return f"{base}/ldes/{day.isoformat()}" + (f"?after={quote(after, safe='')}" if after else "")


def stream_quads(base: str) -> list[ox.Quad]:
    """The event stream itself: how members name their dataset and their time, and what is kept."""
    stream, policy = _n(f"{base}/ldes#stream"), ox.BlankNode("retention")
    triples: list[
        tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]
    ] = [
        (stream, TYPE, _n(LDES + "EventStream")),
        (stream, _n(LDES + "timestampPath"), PUBLISHED),
        (stream, _n(LDES + "versionOfPath"), OBJECT),
        (stream, _n(TREE + "view"), _n(f"{base}/ldes")),
        (stream, _n(LDES + "retentionPolicy"), policy),
        (policy, TYPE, _n(LDES + "LatestVersionSubset")),
        (policy, _n(LDES + "amount"), ox.Literal("1", datatype=_n(XSD + "integer"))),
    ]
    return [ox.Quad(*t) for t in triples]


def _relation(node: ox.NamedNode, kind: str, value: datetime, target: str) -> list[tuple]:
    # named after what it says, so a page serializes to the same bytes (and ETag) every time
    relation = ox.BlankNode(hashlib.sha1(f"{kind}|{target}".encode()).hexdigest()[:16])
    return [
        (node, RELATION, relation),
        (relation, TYPE, _n(TREE + kind)),
        (relation, _n(TREE + "path"), PUBLISHED),
        (relation, _n(TREE + "value"), _datetime(value)),
        (relation, NODE, _n(target)),
    ]


def root_quads(base: str, all_members: list[Member]) -> list[ox.Quad]:
    """``/ldes``: the stream, and a pair of time relations to each day that has members."""
    node = _n(f"{base}/ldes")
    triples: list[tuple] = [(node, TYPE, _n(TREE + "Node"))]
    for day in days(all_members):
        target = node_url(base, day)
        triples += _relation(node, "GreaterThanOrEqualToRelation", _start(day), target)
        triples += _relation(node, "LessThanRelation", _start(day + timedelta(days=1)), target)
    return stream_quads(base) + [ox.Quad(*t) for t in triples]


def day_quads(
    base: str, store: Store, day: date, after: str | None, chosen: list[Member], following: Member | None
) -> list[ox.Quad]:
    """One page of a day: its members with their descriptions, and the way to the next page."""
    node = _n(node_url(base, day, after))
    stream = _n(f"{base}/ldes#stream")
    triples: list[tuple] = [(node, TYPE, _n(TREE + "Node"))]
    if following is not None:
        triples += _relation(
            node, "GreaterThanOrEqualToRelation", following.timestamp, node_url(base, day, following.key)
        )
    quads = stream_quads(base) + [ox.Quad(*t) for t in triples]
    named: dict[str, ox.NamedNode] = {}
    for member in chosen:
        iri = _n(f"{base}/ldes/members/{quote(member.record_id, safe='')}/{_stamp(member.timestamp)}")
        named[member.record_id] = iri
        quads += [
            ox.Quad(stream, MEMBER, iri),
            ox.Quad(iri, TYPE, _n(AS + member.activity)),
            ox.Quad(iri, OBJECT, _n(member.uri)),
            ox.Quad(iri, PUBLISHED, _datetime(member.timestamp)),
        ]
    described = [m.record_id for m in chosen if m.activity != "Delete"]
    for meta, record in store.triples_of(described):  # read in slices, not one query per member
        quads += [ox.Quad(t.subject, t.predicate, t.object, named[meta.id]) for t in record]
    return quads
