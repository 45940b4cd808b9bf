"""The embedded backend's side of discovery: codes, counts, ages, dates and keyword spellings.

Field for field what :mod:`catalogue.index.es_discovery` gives Elasticsearch:

* ``code_tree`` (raw): each code of the record and every concept above it,
  matched by a ``code=`` filter (:data:`catalogue.index.FILTER_FIELDS`);
* ``keyword_forms`` (raw, fast): the keywords as written, aggregated beside
  the folded ``keyword`` facet to show each in its most common form;
* ``concepts`` (text): labels of the codes and the concepts above them,
  matched by words with a low boost, so a record's own words rank first;
* ``individuals``, ``records``, ``age_low``, ``age_high`` (integer) and
  ``temporal_start``, ``temporal_end`` (date), for range filters with overlap
  semantics (:data:`catalogue.index.RANGE_FIELDS`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import tantivy
from tantivy import FieldType, Occur, Query

from catalogue.index import NUMBER_RANGES, RANGE_FIELDS, FacetCount, Range, SearchDocument, most_common_forms

RAW_FIELDS = ("code_tree", "keyword_forms")
INTEGER_FIELDS = ("individuals", "records", "age_low", "age_high")
DATE_FIELDS = ("temporal_start", "temporal_end")
#: labels of a record's codes and the concepts above them count less than the record's own words
CONCEPTS_BOOST = 0.3
#: keyword spellings read per keyword bucket asked for (several spellings may fold to one)
FORMS_PER_BUCKET = 4
_NUMBER_ENDS = (-(2**62), 2**62)


def discovery_fields(folded: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, kind, options) of the discovery fields, in schema order."""
    raw = {"fast": True, "tokenizer_name": "raw", "index_option": "basic"}
    fields: list[tuple[str, str, dict[str, Any]]] = [(name, "text", dict(raw)) for name in RAW_FIELDS]
    fields.append(("concepts", "text", {"tokenizer_name": folded}))
    fields += [(name, "integer", {"indexed": True, "fast": True}) for name in INTEGER_FIELDS]
    fields += [(name, "date", {"indexed": True, "fast": True}) for name in DATE_FIELDS]
    return fields


def add_discovery_fields(out: tantivy.Document, doc: SearchDocument) -> None:
    for name, values in (("code_tree", doc.code_tree), ("keyword_forms", doc.keyword_forms)):
        for value in dict.fromkeys(values):
            if value:
                out.add_text(name, value)
    for label in doc.concepts:
        out.add_text("concepts", label)
    for name in INTEGER_FIELDS:
        number = getattr(doc, name)
        if number is not None:
            out.add_integer(name, number)
    for name in DATE_FIELDS:
        moment = getattr(doc, name)
        if moment is not None:
            out.add_date(name, clamp(moment))


def range_query(schema: tantivy.Schema, wanted: Range) -> Query:
    """Records whose span overlaps the asked one; open ends are the field's extremes, so a record
    without the fields never matches."""
    low_field, high_field = RANGE_FIELDS[wanted.name]
    ends: tuple[Any, Any]
    if wanted.name in NUMBER_RANGES:
        kind, ends = FieldType.Integer, _NUMBER_ENDS
        low: Any = wanted.low if isinstance(wanted.low, int) else None
        high: Any = wanted.high if isinstance(wanted.high, int) else None
    else:
        kind, ends = FieldType.Date, (tantivy.MIN_DATETIME, tantivy.MAX_DATETIME)
        low = clamp(wanted.low) if isinstance(wanted.low, datetime) else None
        high = clamp(wanted.high) if isinstance(wanted.high, datetime) else None
    starts_before = Query.range_query(schema, low_field, kind, ends[0], ends[1] if high is None else high)
    ends_after = Query.range_query(schema, high_field, kind, ends[0] if low is None else low, ends[1])
    return Query.boolean_query([(Occur.Must, starts_before), (Occur.Must, ends_after)])


def forms_aggregation(buckets: int) -> dict[str, Any]:
    """The aggregation reading keyword spellings, asked beside the facets' (one pass over the matches)."""
    return {"terms": {"field": "keyword_forms", "size": FORMS_PER_BUCKET * buckets}}


def keyword_forms(aggregated: dict[str, Any]) -> dict[str, str]:
    """Folded keyword -> its most common spelling, from the answer to :func:`forms_aggregation`."""
    found = aggregated.get("buckets", [])
    return most_common_forms((str(b["key"]), int(b["doc_count"])) for b in found)


def label_keywords(facets: dict[str, list[FacetCount]], forms: dict[str, str]) -> None:
    for bucket in facets.get("keyword", []):
        bucket.label = forms.get(bucket.value, bucket.value)


def clamp(value: datetime) -> datetime:
    """A datetime tantivy can store: with a zone, within its range."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return min(max(value, tantivy.MIN_DATETIME), tantivy.MAX_DATETIME)
