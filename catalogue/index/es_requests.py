"""The Elasticsearch backend's requests, as pure functions of our own types.

Everything here returns plain dicts (JSON bodies) and never talks to a
server, so it is unit-tested as it is; :mod:`catalogue.index.elasticsearch`
sends these bodies with the official client and reads the answers back with
:func:`parse_results`.

Names: the records live in ``{prefix}-records-{timestamp}`` indexes, created
from the composable template ``{prefix}-records`` (pattern
``{prefix}-records-*``); searches and ordinary writes go through the alias
``{prefix}-records``, which points at exactly one of them.

Fields (see :func:`mappings`): ``text_<lang>`` per analysed language with that
language's snowball stemmer, as the embedded backend (see :func:`analysis`); ``text_any`` (all text, every language),
``title_any`` (titles, boosted) and ``labels`` (linked concepts' and agents'
labels), unstemmed with :data:`FOLDED` — the embedded backend's
"simple | remove_long(40) | lowercase | ascii_fold" chain —; one ``keyword``
per facet (the ``source`` facet is the ``source`` field), ``status``,
``modified`` (date), ``quality`` (integer), ``sort_title`` (keyword),
``content_hash`` (kept in ``_source`` only, for :func:`entries_body`) and
``highlight_text`` (titles and descriptions with their languages, kept in
``_source`` only, for highlights). The texts of ``text_<lang>`` and ``text_any``
are followed by the parts of their compound words, split in Python
(:mod:`catalogue.index.compounds`, which says why not by a token filter).

Query text is split exactly as the embedded backend splits it
(:func:`catalogue.index.analysis.query_parts`) and never handed to a query
parser: every word must match in some text field (a dis-max over the fields,
each analysing the word its own way), ``"a phrase"`` must match as a phrase,
``word*`` is a prefix in the unstemmed fields, and stop words only add to the
score unless there is nothing else. A word's alternatives (other spellings,
its concept's labels in other languages) match as the word does.

Highlights are not Elasticsearch's: a search asking for them reads each hit's
``highlight_text`` and marks it with :mod:`catalogue.index.highlight`, as the
embedded backend does, so both mark the same words in the same snippets.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from catalogue.index import (
    ANALYSED_LANGUAGES,
    FACETS,
    FILTER_FIELDS,
    FacetCount,
    IndexEntry,
    QueryError,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    compounds,
    most_common_forms,
)
from catalogue.index.analysis import ALTERNATIVE_BOOST, MIN_PREFIX, STEMMERS, Part, analyzer_name, query_parts
from catalogue.index.es_discovery import (
    CONCEPTS,
    CONCEPTS_BOOST,
    discovery_mappings,
    discovery_source,
    keyword_forms_aggregation,
    range_filter,
)
from catalogue.index.highlight import Marker, highlight_source, marker_for

#: Bump when the meaning of a field changes without the template changing.
SCHEMA_VERSION = 2

TEXT_FIELDS: dict[str, str] = {lang: f"text_{lang}" for lang in ANALYSED_LANGUAGES}
FACET_FIELDS: dict[str, str] = {name: name for name in FACETS}  # the source facet is the `source` field

FOLDED = "catalogue_folded"
TITLE_BOOST = 3.0
DISMAX_TIE = 0.2
#: ``from + size`` Elasticsearch serves in one request (``index.max_result_window``);
#: deeper pages are read with ``search_after`` (see :func:`after_body`).
MAX_RESULT_WINDOW = 10_000
#: longest facet value indexed, in characters (Lucene refuses terms over 32,766 bytes)
KEYWORD_IGNORE_ABOVE = 8_191
TEMPLATE_PRIORITY = 500
#: the ``_source`` field of the texts to highlight (see catalogue.index.highlight)
HIGHLIGHT_SOURCE = "highlight_text"


# -- names -------------------------------------------------------------------------


def alias_name(prefix: str) -> str:
    """The alias searches and writes go through."""
    return f"{prefix}-records"


def template_name(prefix: str) -> str:
    return f"{prefix}-records"


def index_name(prefix: str, now: datetime | None = None) -> str:
    """A new concrete index: ``{prefix}-records-{UTC timestamp to the microsecond}``."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{prefix}-records-{moment:%Y%m%d-%H%M%S-%f}"


# -- template and mappings ----------------------------------------------------------


#: Lucene's name of the snowball stemmer that stems as tantivy's does, where it is not the capitalised name:
#: tantivy's "dutch" is Kraaij-Pohlmann ("genomen" → "noom"; Lucene's "Dutch" is the older Porter-style
#: one) and its "german" folds ä/ö/ü spelled ae/oe/ue as Lucene's "German2" does
SNOWBALL_NAMES = {"dutch": "Kp", "german": "German2"}


def snowball_language(stemmer: str) -> str:
    """The ``language`` of Elasticsearch's ``snowball`` filter for one of tantivy's stemmers."""
    return SNOWBALL_NAMES.get(stemmer, stemmer.capitalize())


def analysis() -> dict[str, Any]:
    """The embedded backend's analyzers (:func:`catalogue.index.analysis.analyzers`), built from Elasticsearch parts.

    One chain for every field: words, not long, lowercase, the language's
    snowball stemmer (``text_<lang>`` only), ASCII folding; the same stemmers
    as tantivy's, so a word matches the same records on both backends (the
    built-in language analyzers stem differently and drop stop words).
    """
    start = ["catalogue_not_long", "lowercase"]
    analyzers = {
        FOLDED: {"type": "custom", "tokenizer": "catalogue_words", "filter": [*start, "asciifolding"]}
    }
    filters: dict[str, Any] = {
        # tantivy's remove_long(40) drops tokens of 40 bytes and more
        "catalogue_not_long": {"type": "length", "max": 39}
    }
    for lang in ANALYSED_LANGUAGES:
        if lang in STEMMERS:
            stem = f"catalogue_stem_{STEMMERS[lang]}"
            filters[stem] = {"type": "snowball", "language": snowball_language(STEMMERS[lang])}
            # stem first: the snowball stemmers expect the accents; fold what is left
            analyzers[analyzer_name(lang)] = {
                "type": "custom",
                "tokenizer": "catalogue_words",
                "filter": [*start, stem, "asciifolding"],
            }
    return {
        "tokenizer": {
            # tantivy's simple tokenizer: runs of letters and digits
            "catalogue_words": {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}
        },
        "filter": filters,
        "analyzer": analyzers,
    }


def index_settings() -> dict[str, Any]:
    return {
        "index": {
            # one shard: exact facet counts and corpus-wide scores; a catalogue fits easily
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            # nothing written is searchable before commit() refreshes it
            "refresh_interval": "-1",
            "max_result_window": MAX_RESULT_WINDOW,
        },
        "analysis": analysis(),
    }


def mappings() -> dict[str, Any]:
    keyword = {"type": "keyword", "ignore_above": KEYWORD_IGNORE_ABOVE}
    properties: dict[str, Any] = {
        "id": {"type": "keyword"},
        "uri": {"type": "keyword", "index": False, "doc_values": False},
        "content_hash": {"type": "keyword", "index": False, "doc_values": False},
        "source": {"type": "keyword"},
        "status": {"type": "keyword"},
        "modified": {"type": "date"},
        "quality": {"type": "integer"},
        "sort_title": {"type": "keyword", "ignore_above": 200},
        # read back for highlights only: neither indexed nor parsed
        HIGHLIGHT_SOURCE: {"type": "object", "enabled": False},
    }
    for lang, field in TEXT_FIELDS.items():
        properties[field] = {"type": "text", "analyzer": analyzer_name(lang)}
    for field in ("text_any", "title_any", "labels"):
        properties[field] = {"type": "text", "analyzer": FOLDED}
    for field in FACET_FIELDS.values():
        properties.setdefault(field, dict(keyword))
    properties.update(discovery_mappings(keyword, FOLDED))
    return {"dynamic": "strict", "properties": properties}


@functools.cache
def fingerprint() -> str:
    """Changes whenever the index definition does; stored in each index's ``_meta``."""
    described = {
        "version": SCHEMA_VERSION,
        "settings": index_settings(),
        "mappings": mappings(),
        "compounds": compounds.describe(),  # the parts indexed beside the text are computed here
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]


def index_template(prefix: str) -> dict[str, Any]:
    """The body of ``PUT _index_template/{prefix}-records``."""
    meta = {"managed_by": "catalogue", "schema_version": SCHEMA_VERSION, "fingerprint": fingerprint()}
    return {
        "index_patterns": [f"{prefix}-records-*"],
        "priority": TEMPLATE_PRIORITY,
        "template": {"settings": index_settings(), "mappings": {**mappings(), "_meta": meta}},
        "_meta": {"managed_by": "catalogue", "description": "catalogue search records"},
    }


# -- documents and bulk actions -----------------------------------------------------


def document_source(doc: SearchDocument) -> dict[str, Any]:
    """The ``_source`` of one record, field for field what the embedded backend indexes."""
    source: dict[str, Any] = {
        "id": doc.id,
        "uri": doc.uri,
        "source": doc.source,
        "status": doc.status,
        "content_hash": doc.content_hash,
    }
    text_any: list[str] = []
    per_language: dict[str, list[str]] = {}
    for texts_by_lang in (doc.title, doc.description, doc.keywords):
        for lang, texts in texts_by_lang.items():
            field = TEXT_FIELDS.get(lang)
            for text in compounds.with_parts(texts, lang):
                if field:
                    per_language.setdefault(field, []).append(text)
                text_any.append(text)
    source.update(per_language)
    if text_any:
        source["text_any"] = text_any
    titles = [text for texts in doc.title.values() for text in texts]
    if titles:
        source["title_any"] = titles
    if doc.labels:
        source["labels"] = list(doc.labels)
    for name, values in doc.facets.items():
        field = FACET_FIELDS.get(name)
        if field is None or field == "source":  # unknown facets are ignored; source is the record's
            continue
        kept = [value for value in dict.fromkeys(values) if value]
        if kept:
            source[field] = kept
    if doc.modified is not None:
        modified = doc.modified if doc.modified.tzinfo else doc.modified.replace(tzinfo=UTC)
        source["modified"] = modified.astimezone(UTC).isoformat()
    source["quality"] = int(doc.quality)
    source.update(discovery_source(doc))
    if doc.sort_title:
        source["sort_title"] = doc.sort_title[:200]
    highlighted = highlight_source(doc)
    if highlighted:
        source[HIGHLIGHT_SOURCE] = highlighted
    return source


def index_action(index: str, doc: SearchDocument) -> dict[str, Any]:
    """A bulk action (for ``helpers.streaming_bulk``) that adds or replaces one record."""
    return {"_op_type": "index", "_index": index, "_id": doc.id, "_source": document_source(doc)}


def delete_action(index: str, record_id: str) -> dict[str, Any]:
    return {"_op_type": "delete", "_index": index, "_id": record_id}


def source_ids_body(source: str) -> dict[str, Any]:
    """The scroll request listing one source's record ids (for ``helpers.scan``), to delete them by id.

    By id in the bulk stream rather than ``_delete_by_query``: it needs no
    reindex module and no task, and shares the bulk stream's error handling.
    """
    return {"query": {"term": {"source": source}}, "_source": False, "sort": ["_doc"]}


def alias_switch_actions(alias: str, new_index: str, old_indices: Iterable[str]) -> list[dict[str, Any]]:
    """One ``_aliases`` request: point the alias at the new index and delete the old ones, atomically."""
    actions: list[dict[str, Any]] = [{"add": {"index": new_index, "alias": alias}}]
    actions += [{"remove_index": {"index": old}} for old in sorted(set(old_indices)) if old != new_index]
    return actions


# -- queries ----------------------------------------------------------------------


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
    queries = {}
    for name, values in filters.items():
        field = FILTER_FIELDS.get(name, FACET_FIELDS.get(name))
        if field is None:
            raise QueryError(f"unknown facet {name!r}; facets are {', '.join(FACETS)}")
        if isinstance(values, str):
            values = [values]
        accepted = [value for value in dict.fromkeys(values) if isinstance(value, str)]
        if accepted:
            queries[name] = {"terms": {field: accepted}}
    return queries


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


def parse_near(response: Mapping[str, Any]) -> list[str]:
    """The texts of :func:`near_body`'s hits."""
    texts: list[str] = []
    for hit in response["hits"]["hits"]:
        for items in (hit.get("_source", {}).get(HIGHLIGHT_SOURCE) or {}).values():
            texts += [item["text"] for item in items]
    return texts


def entries_body() -> dict[str, Any]:
    """The scroll request reading every document's entry (for ``helpers.scan``).

    In index order (``_doc``), the cheapest order to scroll; only the fields of
    an entry, so the text of the records is never sent.
    """
    return {"query": {"match_all": {}}, "_source": list(ENTRY_FIELDS), "sort": ["_doc"]}


# -- answers ----------------------------------------------------------------------


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
