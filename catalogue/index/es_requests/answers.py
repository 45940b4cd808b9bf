"""Elasticsearch's answers read back as the SearchIndex contract gives them.

Highlights are not Elasticsearch's: a search asking for them reads each hit's
``highlight_text`` and marks it with :mod:`catalogue.index.highlight`, as the
embedded backend does, so both mark the same words in the same snippets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue.index import (
    FACETS,
    FacetCount,
    IndexEntry,
    SearchHit,
    SearchQuery,
    SearchResults,
    most_common_forms,
)
from catalogue.index.es_requests.schema import HIGHLIGHT_SOURCE
from catalogue.index.highlight import Marker, marker_for


def parse_near(response: Mapping[str, Any]) -> list[str]:
    """The texts of :func:`near_body`'s hits."""
    texts: list[str] = []
    for hit in response["hits"]["hits"]:
        for items in (hit.get("_source", {}).get(HIGHLIGHT_SOURCE) or {}).values():
            texts += [item["text"] for item in items]
    return texts


def parse_hits(response: Mapping[str, Any], marker: Marker | None = None) -> list[SearchHit]:
    """The hits, with their highlights when a marker is given (of the query that asked for them)."""
    hits = [SearchHit(hit["_id"], float(hit.get("_score") or 0.0)) for hit in response["hits"]["hits"]]
    if marker is not None:
        texts = parse_highlight_texts(response)
        for hit in hits:
            hit.highlights = marker.highlights(texts.get(hit.id, {}))
    return hits


def parse_highlight_texts(response: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Each hit's ``highlight_text`` by id; a hit without one (indexed before it existed) has none."""
    texts = {}
    for hit in response["hits"]["hits"]:
        found = (hit.get("_source") or {}).get(HIGHLIGHT_SOURCE)
        if isinstance(found, Mapping):
            texts[hit["_id"]] = found
    return texts


def parse_total(response: Mapping[str, Any]) -> int:
    total = response["hits"].get("total", 0)
    return int(total["value"] if isinstance(total, Mapping) else total)


def parse_facets(response: Mapping[str, Any], size: int) -> dict[str, list[FacetCount]]:
    """Buckets of every facet, by count (highest first), then value."""
    aggregations = response.get("aggregations") or {}
    facets = {}
    for name in FACETS:
        buckets = aggregations.get(name, {}).get("values", {}).get("buckets", [])
        pairs = sorted(
            ((str(bucket["key"]), int(bucket["doc_count"])) for bucket in buckets),
            key=lambda pair: (-pair[1], pair[0]),
        )
        facets[name] = [FacetCount(value, count) for value, count in pairs[: max(0, size)] if count]
    forms_buckets = aggregations.get("keyword", {}).get("forms", {}).get("buckets", [])
    forms = most_common_forms((str(b["key"]), int(b["doc_count"])) for b in forms_buckets)
    for bucket in facets.get("keyword", []):
        bucket.label = forms.get(bucket.value, bucket.value)
    return facets


def parse_entry(hit: Mapping[str, Any]) -> IndexEntry:
    """One hit of :func:`entries_body`; a field the document lacks reads as empty, so it shows as drift."""
    source = hit.get("_source") or {}
    return IndexEntry(
        id=source.get("id") or hit["_id"],
        source=source.get("source") or "",
        content_hash=source.get("content_hash") or "",
        status=source.get("status") or "",
        quality=int(source.get("quality") or 0),
    )


def parse_results(response: Mapping[str, Any], query: SearchQuery) -> SearchResults:
    """A search answer (of :func:`search_body`) as the SearchIndex interface gives it."""
    return SearchResults(
        total=parse_total(response),
        hits=parse_hits(response, marker_for(query)),
        facets=parse_facets(response, query.facet_size),
    )
