"""The embedded index's answers: a page of hits (relevance ties ordered by id) and facet counts."""

from __future__ import annotations

import itertools
import json
from typing import Protocol, cast

import tantivy
from tantivy import Query

from catalogue.index import FACETS, FacetCount, SearchHit
from catalogue.index.embedded_discovery import forms_aggregation, keyword_forms, label_keywords
from catalogue.index.embedded_schema import FACET_FIELDS
from catalogue.index.highlight import Marker

#: the name under which keyword spellings are aggregated beside the facets (not a facet's name)
FORMS = "keyword forms"
#: how many hits past the requested page relevance paging may read to order tied scores by id
MAX_TIE_WINDOW = 2_000
#: facet buckets asked of tantivy beyond facet_size, so equal counts can be ordered by value
FACET_SLACK = 20


def relevance_page(
    searcher: tantivy.Searcher, query: Query, offset: int, size: int
) -> tuple[int, list[tuple[float, tantivy.Document]]]:
    """One page by score, equal scores ordered by id: (score, stored document) of each hit.

    Reads the top hits down to MAX_TIE_WINDOW past the page in one search, so a
    group of equal scores that straddles the page can be ordered whole. One
    wide search, not a narrow one widened while the page's last score ties:
    each search walks every match, and picking the top few thousand of them
    costs next to nothing more than the top twenty.
    """
    result = searcher.search(query, limit=offset + size + MAX_TIE_WINDOW, count=True)
    hits = result.hits
    if size == 0 or min(offset + size, len(hits)) <= offset:
        return count(result), []
    window: list[tuple[float, tantivy.Document]] = []
    window_start: int | None = None
    position = 0
    for score, group in itertools.groupby(hits, key=lambda hit: hit[0]):
        members = list(group)
        start, position = position, position + len(members)
        if position <= offset:
            continue
        if start >= offset + size:
            break
        if window_start is None:
            window_start = start
        stored = sorted((searcher.doc(address) for _, address in members), key=stored_id)
        window += [(score, document) for document in stored]
    skip = offset - (window_start or 0)
    return count(result), window[skip : skip + size]


class _Counted(Protocol):
    count: int


def count(result: tantivy.SearchResult) -> int:
    """How many documents matched (searched with count=True; tantivy's stubs leave the attribute out)."""
    return cast(_Counted, result).count


def stored_id(stored: tantivy.Document) -> str:
    """The record id of a stored document."""
    return stored.get_first("id") or ""


def hit(score: float, stored: tantivy.Document, marker: Marker | None) -> SearchHit:
    """A hit, with the query's words marked in its texts when a marker is given."""
    hit = SearchHit(stored_id(stored), score)
    if marker is not None:
        hit.highlights = marker.highlights(json.loads(stored.get_first("highlight_text") or b"{}"))
    return hit


def facet_counts(
    searcher: tantivy.Searcher,
    query: Query,
    size: int,
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
    only: set[str] | None = None,
) -> dict[str, list[FacetCount]]:
    """Each facet's ``size`` most common values among the matches (ties by value), of the facets asked.

    The keyword facet's values are labelled with their most common spelling,
    read in the same pass over the matches.
    """
    names = [n for n in FACETS if n not in exclude and (only is None or n in only)]
    if size <= 0 or not names:
        return {}
    request = {name: {"terms": {"field": FACET_FIELDS[name], "size": size + FACET_SLACK}} for name in names}
    if "keyword" in names:
        request[FORMS] = forms_aggregation(size + FACET_SLACK)
    result = searcher.aggregate(query, request)
    facets = {}
    for name in names:
        buckets = [(bucket["key"], bucket["doc_count"]) for bucket in result.get(name, {}).get("buckets", [])]
        buckets.sort(key=lambda pair: (-pair[1], pair[0]))
        facets[name] = [FacetCount(str(value), count) for value, count in buckets[:size]]
    if FORMS in request:
        label_keywords(facets, keyword_forms(result.get(FORMS, {})))
    return facets
