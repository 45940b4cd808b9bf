"""The search index: what the rest of the catalogue may ask of it.

Callers talk to a :class:`SearchIndex`; backends (``embedded`` for tantivy,
``elasticsearch``) live one per module beside this file and are chosen by
:func:`catalogue.index.opening.open_index` from the ``[search]`` settings.
Nothing outside this package imports a backend, and this module imports none
of its package: every backend imports the contract from here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from catalogue.errors import CatalogueError

#: Facets offered by search, in display order. Values are IRIs, except
#: ``keyword`` (literal text, folded: see catalogue.index.documents), ``source``
#: (the source's short name), ``code`` (normalised identifiers such as
#: ``icd10:C50.9``, see catalogue.vocabularies.codes) and a ``publisher``
#: described by a blank node (see catalogue.index.documents.publisher_key).
FACETS: tuple[str, ...] = (
    "source",
    "country",
    "publisher",
    "theme",
    "health_category",
    "health_theme",
    "type",
    "keyword",
    "coding_system",
    "code",
    "format",
    "license",
    "access_rights",
    "language",
)
#: Facets whose filter matches another field than the one counted: ``code=icd10:C50`` finds
#: every record coded C50 or a narrower concept (``code_tree`` holds each code and all above it).
FILTER_FIELDS: dict[str, str] = {"code": "code_tree"}
#: Most buckets one facet may return ("show all" stops there).
MAX_FACET_SIZE = 1_000

RangeName = Literal["individuals", "records", "age", "modified", "temporal"]
#: range filter -> (field holding a record's lowest value, field holding its highest): a record matches
#: when its span overlaps the asked one (low field <= asked high and high field >= asked low); a record
#: without the fields never matches. Counts and dates are one value, so both fields are the same.
RANGE_FIELDS: dict[str, tuple[str, str]] = {
    "individuals": ("individuals", "individuals"),
    "records": ("records", "records"),
    "age": ("age_low", "age_high"),
    "modified": ("modified", "modified"),
    "temporal": ("temporal_start", "temporal_end"),
}
#: the range filters on whole numbers; the others are on dates
NUMBER_RANGES = frozenset({"individuals", "records", "age"})

#: Languages that get their own analysed text field (stemming, stop words).
#: Text in any other language, or without a tag, goes to the generic field.
ANALYSED_LANGUAGES: tuple[str, ...] = (
    "en",
    "nl",
    "fr",
    "de",
    "fi",
    "sv",
    "es",
    "pt",
    "it",
    "da",
    "no",
    "el",
    "ro",
    "hu",
)

Sort = Literal["relevance", "modified", "title", "quality"]


@dataclass
class SearchDocument:
    """One record as the index sees it, built from the record's RDF.

    Text maps are keyed by a base language code ("en", "nl"; "" when the
    literal has no language tag); ``nl-t-en`` style tags are already folded
    to their base language by the builder.
    """

    id: str
    uri: str
    source: str
    title: dict[str, list[str]] = field(default_factory=dict)
    description: dict[str, list[str]] = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    #: labels (all languages) of the concepts and agents the record links to
    labels: list[str] = field(default_factory=list)
    #: facet name (one of FACETS) -> values
    facets: dict[str, list[str]] = field(default_factory=dict)
    modified: datetime | None = None
    #: the keywords as written (the ``keyword`` facet holds them folded): a facet shows the most common form
    keyword_forms: list[str] = field(default_factory=list)
    #: each code of the record and every concept above it (what a ``code=`` filter matches)
    code_tree: list[str] = field(default_factory=list)
    #: labels of the record's codes and of the concepts above them: found by words, ranked after its own text
    concepts: list[str] = field(default_factory=list)
    #: HealthDCAT-AP counts and typical ages (age_low/age_high: the typical age range, open ends filled)
    individuals: int | None = None
    records: int | None = None
    age_low: int | None = None
    age_high: int | None = None
    #: the span of the record's temporal coverage (earliest start, latest end; open ends filled)
    temporal_start: datetime | None = None
    temporal_end: datetime | None = None
    #: title used for sorting (lower-cased, in the record's first language)
    sort_title: str = ""
    #: "published" or "flagged" (published with validation warnings under policy warn)
    status: str = "published"
    #: quality points (0–405, see catalogue.quality)
    quality: int = 0
    #: the content hash of the record it was built from (see catalogue.records), so drift can be found
    content_hash: str = ""


@dataclass(frozen=True)
class IndexEntry:
    """What one indexed document was built from: enough for `catalogue check` to tell if it is current."""

    id: str
    source: str
    content_hash: str
    status: str
    quality: int


@dataclass(frozen=True)
class Range:
    """A range filter (one of RANGE_FIELDS): whole numbers for counts and ages, UTC datetimes for dates.

    Both ends are inclusive; ``None`` leaves that end open.
    """

    name: RangeName
    low: int | datetime | None = None
    high: int | datetime | None = None


@dataclass
class SearchQuery:
    text: str = ""
    #: facet name -> accepted values; values of one facet are OR-ed, facets AND-ed
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: Sort = "relevance"
    page: int = 1
    size: int = 20
    #: how many buckets to return per facet
    facet_size: int = 20
    #: only records with at least this many quality points
    quality_min: int | None = None
    #: numeric and date ranges, all of which a record must overlap (they narrow every facet's count)
    ranges: tuple[Range, ...] = ()
    #: mark the query's words in the titles and descriptions of the page's hits (SearchHit.highlights);
    #: off unless asked for, so callers that only want ids (the feed) pay nothing for it
    highlight: bool = False
    #: only these records (a ``where=`` restriction, see catalogue/search_sparql.py); like
    #: ``quality_min`` it narrows the hits and every facet count. None: no restriction
    ids: list[str] | None = None


@dataclass
class FacetCount:
    value: str
    count: int
    #: how to show the value when the index knows better than the value (a keyword's most common form)
    label: str | None = None


@dataclass(frozen=True)
class Highlight:
    """Text with the query's words marked: plain text and the ranges to mark, never HTML.

    ``ranges`` are sorted, non-overlapping ``(start, end)`` offsets into
    ``text`` in characters (Python string indices). ``text`` is one title or
    description of the record, or a snippet of it that starts or ends with "…"
    where text was left out; ``lang`` is its base language ("" when untagged).
    Whoever shows it escapes the text and wraps the ranges (see
    :mod:`catalogue.index.highlight` for what gets marked).
    """

    text: str
    ranges: tuple[tuple[int, int], ...]
    lang: str = ""


@dataclass
class SearchHit:
    id: str
    score: float
    #: "title" / "description" -> that field's texts with marks, the best first (the record may have
    #: one per language); only when the query asked for highlights and has words
    highlights: dict[str, list[Highlight]] = field(default_factory=dict)


@dataclass
class SearchResults:
    """Hits of one page, and facet counts for the whole result.

    A facet with a filter is counted without its own filter (values within a
    facet are OR-ed, so its other values stay on offer); every other facet is
    counted over the filtered result.
    """

    total: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetCount]]


def fold(text: str) -> str:
    """A keyword's facet identity: case, accents and spacing folded ("Génomik " and "genomik" are one)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def most_common_forms(forms: Iterable[tuple[str, int]]) -> dict[str, str]:
    """Folded value -> its most common written form, of (form, count) pairs (ties: the first in order)."""
    best: dict[str, tuple[int, str]] = {}
    for form, count in forms:
        key = fold(form)
        if key not in best or count > best[key][0]:
            best[key] = (count, form)
    return {key: form for key, (_, form) in best.items()}


class SearchIndex(Protocol):
    """The operations a search backend provides.

    Writes are buffered until :meth:`commit`; readers see the previous state
    until then, so a harvest that fails before committing leaves search as it was.
    """

    def upsert(self, documents: Iterable[SearchDocument]) -> None: ...

    def delete(self, ids: Iterable[str]) -> None: ...

    def delete_source(self, source: str) -> None: ...

    def clear(self) -> None: ...

    def commit(self) -> None: ...

    def search(self, query: SearchQuery) -> SearchResults: ...

    def count(self) -> int: ...

    def version(self) -> Hashable:
        """A value that changes whenever a commit became visible to this process's searches.

        Read it before a search: what the search then finds is at least that
        recent (answers are cached under it, see :mod:`catalogue.search_cache`).
        """
        ...

    def near(self, token: str, limit: int) -> list[str]:
        """Titles and descriptions of the first ``limit`` records (by id) with a word within two edits
        of the folded ``token`` (for "did you mean", :mod:`catalogue.index.suggest`)."""
        ...

    def entries(self) -> Iterator[IndexEntry]:
        """Every committed document's entry, in no particular order."""
        ...

    #: True when the index found was built for another schema (the embedded one is then
    #: replaced by an empty one): it must be filled again from the store
    outdated: bool

    def close(self) -> None: ...


class SearchBackendError(CatalogueError, RuntimeError):
    """The search backend could not be reached, or refused a request (Elasticsearch)."""

    http_status = 503


class QueryError(CatalogueError, ValueError):
    """The user's query text could not be understood."""

    http_status = 400


def filter_terms(filters: Mapping[str, object]) -> dict[str, tuple[str, list[str]]]:
    """Facet filters as each backend matches them: facet -> (field to match, its distinct accepted values).

    Both backends read filters through this, so they accept and refuse the same:
    an unknown facet is a QueryError naming the facets; a lone string is one
    value; values that are not strings are dropped; a facet left with no value
    does not filter.
    """
    terms = {}
    for name, values in filters.items():
        if name not in FACETS and name not in FILTER_FIELDS:
            raise QueryError(f"unknown facet {name!r}; facets are {', '.join(FACETS)}")
        listed = [values] if isinstance(values, str) else values if isinstance(values, Iterable) else []
        accepted = list(dict.fromkeys(value for value in listed if isinstance(value, str)))
        if accepted:
            terms[name] = (FILTER_FIELDS.get(name, name), accepted)
    return terms
