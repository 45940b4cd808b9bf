"""Search requests: the user's words, filters, facets, order and paging as Elasticsearch bodies.

Query text is split exactly as the embedded backend splits it
(:func:`catalogue.index.analysis.query_parts`) and never handed to a query
parser: every word must match in some text field (a dis-max over the fields,
each analysing the word its own way), ``"a phrase"`` must match as a phrase,
``word*`` is a prefix in the unstemmed fields, and stop words only add to the
score unless there is nothing else. A word's alternatives (other spellings,
its concept's labels in other languages) match as the word does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue.index import FACETS, SearchQuery, filter_terms
from catalogue.index.analysis import ALTERNATIVE_BOOST, MIN_PREFIX, Part, query_parts
from catalogue.index.es_discovery import CONCEPTS, CONCEPTS_BOOST, keyword_forms_aggregation, range_filter
from catalogue.index.es_requests.schema import FACET_FIELDS, HIGHLIGHT_SOURCE, MAX_RESULT_WINDOW, TEXT_FIELDS
from catalogue.index.highlight import marker_for

TITLE_BOOST = 3.0
DISMAX_TIE = 0.2


def _text_fields() -> list[str]:
    """Every text field a word may match in, the title boosted (as the embedded backend)."""
    return [
        *TEXT_FIELDS.values(),
        "text_any",
        f"title_any^{TITLE_BOOST:g}",
        "labels",
        f"{CONCEPTS}^{CONCEPTS_BOOST:g}",
    ]


def _unstemmed_fields() -> list[tuple[str, float]]:
    return [("text_any", 1.0), ("title_any", TITLE_BOOST), ("labels", 1.0), (CONCEPTS, CONCEPTS_BOOST)]


def any_field(text: str, phrase: bool = False) -> dict[str, Any]:
    """A word (or phrase) in any text field, each field analysing it its own way; dis-max of fields."""
    query: dict[str, Any] = {
        "query": text,
        "type": "phrase" if phrase else "best_fields",
        "fields": _text_fields(),
        "tie_breaker": DISMAX_TIE,
    }
    if not phrase:
        query["operator"] = "and"
    return {"multi_match": query}


def prefix(word: str) -> dict[str, Any]:
    """``word*``: words starting with it in the unstemmed fields (no expansion limit)."""
    if len(word) < MIN_PREFIX:
        return any_field(word)
    queries = []
    for field, boost in _unstemmed_fields():
        clause: dict[str, Any] = {"query": word, "operator": "and"}
        if boost != 1.0:
            clause["boost"] = boost
        queries.append({"match_bool_prefix": {field: clause}})
    return {"dis_max": {"queries": queries, "tie_breaker": DISMAX_TIE}}


def text_query(text: str) -> dict[str, Any] | None:
    """The user's words as a query: all must match, each in any text field; None for no words."""
    required, optional = query_parts(text)
    if not required:
        return None
    if len(required) == 1 and not optional:
        return _part(required[0])
    body: dict[str, Any] = {"must": [_part(part) for part in required]}
    if optional:
        body["should"] = [_part(part) for part in optional]
    return {"bool": body}


def _part(part: Part) -> dict[str, Any]:
    if part.kind == "prefix":
        return prefix(part.text)
    written = any_field(part.text, phrase=part.kind == "phrase")
    if not part.alternatives:
        return written
    # any alternative will do (counting less); each as a phrase, as the embedded backend matches text of
    # several words
    others = [any_field(text, phrase=True) for text in part.alternatives]
    for other in others:
        other["multi_match"]["boost"] = ALTERNATIVE_BOOST
    queries = [written, *others]
    return {"dis_max": {"queries": queries, "tie_breaker": DISMAX_TIE}}


def facet_filters(filters: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """One ``terms`` filter per facet with values (values OR-ed); QueryError for an unknown facet."""
    return {name: {"terms": {field: accepted}} for name, (field, accepted) in filter_terms(filters).items()}


def quality_filter(points: int) -> dict[str, Any]:
    return {"range": {"quality": {"gte": points}}}


def _all_of(must: dict[str, Any] | None, filters: list[dict[str, Any]]) -> dict[str, Any]:
    if not filters:
        return must if must is not None else {"match_all": {}}
    body: dict[str, Any] = {"filter": filters}
    if must is not None:
        body["must"] = [must]
    return {"bool": body}


def facet_aggregations(filters: Mapping[str, dict[str, Any]], size: int) -> dict[str, Any]:
    """Per facet, a ``filter`` aggregation of the *other* facets' filters around a ``terms``.

    The aggregations run on the query (text and quality), not on the
    ``post_filter``, so each facet is counted with every filter but its own.
    """
    aggregations = {}
    for name in FACETS:
        others = [query for other, query in filters.items() if other != name]
        aggregations[name] = {
            "filter": _all_of(None, others),
            "aggs": {
                "values": {
                    "terms": {
                        "field": FACET_FIELDS[name],
                        "size": size,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
            },
        }
    aggregations["keyword"]["aggs"]["forms"] = keyword_forms_aggregation(size)
    return aggregations


def sort_clause(sort: str, has_text: bool) -> list[Any]:
    """The order of hits; every order ends with ``id`` so it is total (ties, ``search_after``)."""
    by_id = {"id": {"order": "asc"}}
    if sort == "modified":
        return [{"modified": {"order": "desc", "missing": "_last"}}, by_id]
    if sort == "title":
        return [{"sort_title": {"order": "asc", "missing": "_last"}}, by_id]
    if sort == "quality":
        return [{"quality": {"order": "desc"}}, by_id]
    if has_text:
        return [{"_score": {"order": "desc"}}, by_id]
    return [by_id]  # relevance without text: every score ties


def paging(query: SearchQuery) -> tuple[int, int]:
    """(offset, size) of the requested page."""
    size = max(0, query.size)
    return (max(1, query.page) - 1) * size, size


def within_window(query: SearchQuery) -> bool:
    """Whether one ``from``/``size`` request can serve the page."""
    offset, size = paging(query)
    return offset + size <= MAX_RESULT_WINDOW


def _query_parts(query: SearchQuery) -> tuple[dict[str, Any], dict[str, dict[str, Any]], bool]:
    text = text_query(query.text)
    filters = facet_filters(query.filters)
    base_filters = [quality_filter(query.quality_min)] if query.quality_min is not None else []
    base_filters += [range_filter(wanted) for wanted in query.ranges]
    if query.ids is not None:  # the where= restriction
        base_filters.append({"terms": {"id": query.ids}})
    return _all_of(text, base_filters), filters, text is not None


def search_body(query: SearchQuery, with_hits: bool = True) -> dict[str, Any]:
    """The search request for a page: hits, exact total and facet counts.

    ``query`` holds the text and ``quality_min`` (they narrow hits and every
    count); the facet filters are the ``post_filter`` (they narrow the hits)
    and, per facet, the filter of the other facets' aggregation. Without
    ``with_hits`` the request only counts (the first step of a deep page).
    A query asking for highlights reads each hit's ``highlight_text``.
    """
    base, filters, has_text = _query_parts(query)
    offset, size = paging(query)
    highlights = with_hits and marker_for(query) is not None
    body: dict[str, Any] = {
        "query": base,
        "sort": sort_clause(query.sort, has_text),
        "from": offset if with_hits else 0,
        "size": size if with_hits else 0,
        "track_total_hits": True,
        # the texts to highlight, when asked for: only the page's hits come back
        "_source": [HIGHLIGHT_SOURCE] if highlights else False,
    }
    if filters:
        body["post_filter"] = _all_of(None, list(filters.values()))
    if query.facet_size > 0:
        body["aggs"] = facet_aggregations(filters, query.facet_size)
    return body


def after_body(query: SearchQuery, after: list[Any] | None, size: int) -> dict[str, Any]:
    """The next ``size`` hits after the sort values ``after`` (None: from the top); no counts."""
    base, filters, has_text = _query_parts(query)
    body: dict[str, Any] = {
        "query": base,
        "sort": sort_clause(query.sort, has_text),
        "size": size,
        "track_total_hits": False,
        "_source": False,
    }
    if filters:
        body["post_filter"] = _all_of(None, list(filters.values()))
    if after is not None:
        body["search_after"] = after
    return body


def highlight_texts_body(ids: list[str]) -> dict[str, Any]:
    """The ``highlight_text`` of the given records: for the hits of a deep page, read without it."""
    return {"query": {"ids": {"values": list(ids)}}, "size": len(ids), "_source": [HIGHLIGHT_SOURCE]}


#: what :func:`entries_body` reads of each document: what it was built from
ENTRY_FIELDS = ["id", "source", "content_hash", "status", "quality"]


def near_body(token: str, limit: int) -> dict[str, Any]:
    """The first ``limit`` records by id with a word within two edits of ``token`` (folded), their
    texts only: what the embedded backend's fuzzy term query on ``text_any`` finds (no expansion cap)."""
    fuzzy = {"value": token, "fuzziness": 2, "transpositions": True, "max_expansions": 10_000}
    return {
        "query": {"fuzzy": {"text_any": fuzzy}},
        "sort": [{"id": "asc"}],
        "size": limit,
        "_source": [HIGHLIGHT_SOURCE],
        "track_total_hits": False,
    }


def entries_body() -> dict[str, Any]:
    """The scroll request reading every document's entry (for ``helpers.scan``).

    In index order (``_doc``), the cheapest order to scroll; only the fields of
    an entry, so the text of the records is never sent.
    """
    return {"query": {"match_all": {}}, "_source": list(ENTRY_FIELDS), "sort": ["_doc"]}
