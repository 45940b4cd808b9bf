"""The Elasticsearch side of discovery: codes, counts, ages, dates and keyword spellings.

Pure functions building JSON, like :mod:`catalogue.index.es_requests` (which
calls them), field for field what the embedded backend indexes in
:meth:`catalogue.index.embedded.EmbeddedIndex._add_discovery_fields`:

* ``code_tree`` (keyword): each code of the record and every concept above it,
  matched by a ``code=`` filter (:data:`catalogue.index.FILTER_FIELDS`);
* ``keyword_forms`` (keyword): the keywords as written, aggregated beside the
  folded ``keyword`` facet to show each in its most common form;
* ``concepts`` (text): labels of the codes and of the concepts above them,
  matched by words with a low boost, so a record's own words rank first;
* ``individuals``, ``records``, ``age_low``, ``age_high`` (long) and
  ``temporal_start``, ``temporal_end`` (date), for range filters with overlap
  semantics (:data:`catalogue.index.RANGE_FIELDS`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from catalogue.index import NUMBER_RANGES, RANGE_FIELDS, Range, SearchDocument

KEYWORD_FIELDS = ("code_tree", "keyword_forms")
INTEGER_FIELDS = ("individuals", "records", "age_low", "age_high")
DATE_FIELDS = ("temporal_start", "temporal_end")
CONCEPTS = "concepts"
CONCEPTS_BOOST = 0.3
#: keyword spellings read per keyword bucket asked for (several spellings may fold to one)
FORMS_PER_BUCKET = 4


def discovery_mappings(keyword: dict[str, Any], folded: str) -> dict[str, Any]:
    properties: dict[str, Any] = {name: dict(keyword) for name in KEYWORD_FIELDS}
    properties[CONCEPTS] = {"type": "text", "analyzer": folded}
    properties.update({name: {"type": "long"} for name in INTEGER_FIELDS})
    properties.update({name: {"type": "date"} for name in DATE_FIELDS})
    return properties


def discovery_source(doc: SearchDocument) -> dict[str, Any]:
    """The discovery fields of one record's ``_source`` (fields without values left out)."""
    source: dict[str, Any] = {}
    for name, values in (("code_tree", doc.code_tree), ("keyword_forms", doc.keyword_forms)):
        kept = [value for value in dict.fromkeys(values) if value]
        if kept:
            source[name] = kept
    if doc.concepts:
        source[CONCEPTS] = list(doc.concepts)
    for name in INTEGER_FIELDS:
        number = getattr(doc, name)
        if number is not None:
            source[name] = int(number)
    for name in DATE_FIELDS:
        moment = getattr(doc, name)
        if moment is not None:
            source[name] = _utc(moment).isoformat()
    return source


def range_filter(wanted: Range) -> dict[str, Any]:
    """Records whose span overlaps the asked one; ``exists`` on both fields so a record without them never matches."""
    low_field, high_field = RANGE_FIELDS[wanted.name]
    low, high = _bound(wanted, wanted.low), _bound(wanted, wanted.high)
    clauses: list[dict[str, Any]] = [{"exists": {"field": low_field}}, {"exists": {"field": high_field}}]
    if high is not None:
        clauses.append({"range": {low_field: {"lte": high}}})
    if low is not None:
        clauses.append({"range": {high_field: {"gte": low}}})
    return {"bool": {"filter": clauses}}


def keyword_forms_aggregation(size: int) -> dict[str, Any]:
    return {"terms": {"field": "keyword_forms", "size": FORMS_PER_BUCKET * size}}


def _bound(wanted: Range, value: int | datetime | None) -> int | str | None:
    if value is None:
        return None
    if wanted.name in NUMBER_RANGES:
        return int(value) if isinstance(value, int) else None
    return _utc(value).isoformat() if isinstance(value, datetime) else None


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
