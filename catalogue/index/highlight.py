"""The words of a query marked in the titles and descriptions of search hits, for both backends.

Each backend keeps every record's titles and descriptions with their
languages (:func:`highlight_source`; the embedded index in a stored field,
Elasticsearch in ``_source``) and, for the hits of the requested page of a
query with words that asks for highlights, hands them to the query's
:class:`Marker` (:func:`marker_for`). The marks are made here, with the
embedded index's own analyzers, rather than by tantivy's SnippetGenerator or
Elasticsearch's highlighter, because those two disagree: the SnippetGenerator
marks each word of a phrase wherever it occurs and never marks a prefix match,
Elasticsearch (8.9 and later) marks a phrase as one span and only where it
occurs as the phrase, and they cut fragments differently. One implementation
gives one meaning, and it is tested without a cluster.

What is marked in a text of language L:

* a word where the text has it as written, case and accents aside (the
  folded analyzer), or, when L is an analysed language with a stemmer, where
  a word of the text has the same stem ("cancers" marks "cancer");
* ``"a phrase"``, as one range from its first word to its last, where its
  words follow each other (either analyzer);
* ``word*``, the whole of every word starting with it (folded only: the
  query matches prefixes in the unstemmed fields only);
* stop words only when the query has nothing else, as they do not make a hit.

Limitations: Elasticsearch stems with its own language analyzers (its
``english`` is Porter's stemmer, tantivy's is snowball), so a word it matched
only through its stemmer may go unmarked there, and rarely the other way
round; words as written, phrases and prefixes are marked alike. Stems count
only in text tagged with an analysed language. A record found through its
keywords or its concepts' labels alone has nothing marked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import tantivy

from catalogue.index import ANALYSED_LANGUAGES, Highlight, SearchDocument, SearchQuery
from catalogue.index.analysis import FOLDED, MIN_PREFIX, analyzer_name, analyzers, query_parts

#: the fields highlighted, as keys of SearchHit.highlights and of highlight_source()
FIELDS = ("title", "description")
#: longest highlight text, in characters (before the ellipses): a title is whole as a rule; a
#: description is cut to about as much as the results page showed of it before highlights
SNIPPET_CHARS = {"title": 300, "description": 280}
#: characters of context kept before the first mark of a cut snippet
LEAD = 60
#: at most this many characters are given up to cut a snippet between words (not in a long URL)
WORD_SLACK = 30
ELLIPSIS = "…"
SPACE = re.compile(r"\s")


def highlight_source(doc: SearchDocument) -> dict[str, list[dict[str, str]]]:
    """What a backend keeps of a record to highlight it: each title and description with its language.

    Lists of ``{"lang", "text"}`` rather than maps by language, so no stored
    key is ever empty (untagged text) or user-made.
    """
    texts = {"title": doc.title, "description": doc.description}
    return {
        field: [{"lang": lang, "text": text} for lang, values in texts[field].items() for text in values]
        for field in FIELDS
        if any(texts[field].values())
    }


def marker_for(query: SearchQuery) -> Marker | None:
    """The query's marker, or None when it asks for no highlights or has no words to mark."""
    if not query.highlight:
        return None
    marker = Marker(query.text)
    return marker if marker.parts else None


class Marker:
    """The words of one query, ready to be marked in any text."""

    def __init__(self, text: str) -> None:
        #: only what a hit must match: optional stop words would mark "the" and "de" everywhere
        self.parts, _ = query_parts(text)

    def highlights(self, source: Mapping[str, Any]) -> dict[str, list[Highlight]]:
        """Per field, every text of :func:`highlight_source` with a mark, the best first.

        Best: the most parts of the query marked, then the most marks, then the
        record's own order. ``source`` comes from storage, so anything odd in it
        is passed over.
        """
        out = {}
        for field in FIELDS:
            found = []
            values = source.get(field)
            for order, value in enumerate(values if isinstance(values, list) else []):
                text = value.get("text") if isinstance(value, Mapping) else None
                lang = value.get("lang") if isinstance(value, Mapping) else None
                if not isinstance(text, str) or not isinstance(lang, str):
                    continue
                ranges, parts = self.marks(text, lang)
                if ranges:
                    cut, kept = snippet(text, ranges, SNIPPET_CHARS[field])
                    found.append(((-parts, -len(ranges), order), Highlight(cut, kept, lang)))
            if found:
                found.sort(key=lambda pair: pair[0])
                out[field] = [highlight for _, highlight in found]
        return out

    def marks(self, text: str, lang: str) -> tuple[list[tuple[int, int]], int]:
        """The ranges of ``text`` to mark (sorted, merged) and how many parts of the query they show."""
        ranges: list[tuple[int, int]] = []
        shown: set[int] = set()
        for name in _analyzers_of(lang):
            analysed = _Analysed(name, text)
            for number, part in enumerate(self.parts):
                wanted = _query_tokens(name, part.text, part.kind)
                found = analysed.find(*wanted) if wanted is not None else []
                if found:
                    shown.add(number)
                    ranges += found
        return _merged(ranges), len(shown)


@functools.lru_cache(maxsize=4096)
def _query_tokens(analyzer: str, text: str, kind: str) -> tuple[tuple[tuple[int, str], ...], bool] | None:
    """A part's tokens as ``analyzer`` sees them (positions from 0) and whether the last is a prefix;
    None when the analyzer has nothing to look for."""
    prefix = False
    if kind == "prefix":
        folded = [token for _, token in _tokens(FOLDED, text)]
        # as the query: a prefix too short is a word, matched by every analyzer
        prefix = bool(folded) and len(folded[-1]) >= MIN_PREFIX
        if prefix and analyzer != FOLDED:
            return None
    tokens = _tokens(analyzer, text)
    if not tokens:
        return None
    first = tokens[0][0]
    return tuple((position - first, token) for position, token in tokens), prefix


def _analyzers_of(lang: str) -> list[str]:
    """The analyzers the index applied to text in ``lang``: folded, and its language field's own."""
    if lang in ANALYSED_LANGUAGES and analyzer_name(lang) != FOLDED:
        return [FOLDED, analyzer_name(lang)]
    return [FOLDED]


def _tokens(analyzer: str, text: str) -> list[tuple[int, str]]:
    return [(token.position, token.text) for token in analyzers()[analyzer].pre_tokenize(text).tokens]


class _Analysed:
    """One text as one analyzer sees it.

    Only the words are read up front (most texts of a hit have none of the
    query's); positions and offsets, which cost a second pass of tantivy and an
    object per token, only once a word matches.
    """

    def __init__(self, analyzer: str, text: str) -> None:
        self.analyzer, self.text = analyzer, text
        self.words = analyzers()[analyzer].analyze(text)
        self._tokens: list[tantivy.Token] | None = None
        self._indexes: dict[int, int] | None = None

    @property
    def tokens(self) -> list[tantivy.Token]:
        """The words' tokens, one to one (the same analysis)."""
        if self._tokens is None:
            self._tokens = analyzers()[self.analyzer].pre_tokenize(self.text).tokens
        return self._tokens

    def find(self, wanted: tuple[tuple[int, str], ...], prefix: bool) -> list[tuple[int, int]]:
        """Where the wanted tokens follow each other (by position): one range per occurrence."""
        last = len(wanted) - 1
        first = wanted[0][1]
        if prefix and not last:
            starts = [index for index, word in enumerate(self.words) if word.startswith(first)]
        else:
            starts = [index for index, word in enumerate(self.words) if word == first]
        found = []
        for start in starts:
            end: int | None = start
            position = self.tokens[start].position
            for number in range(1, last + 1):
                offset, text = wanted[number]
                end = self._index(position + offset)
                word = self.words[end] if end is not None else None
                if word is None or not (word.startswith(text) if prefix and number == last else word == text):
                    end = None
                    break
            if end is not None:
                found.append((self.tokens[start].char_offset_from, self.tokens[end].char_offset_to))
        return found

    def _index(self, position: int) -> int | None:
        """The index of the token at a position (none where a word too long to index was dropped)."""
        if self._indexes is None:
            self._indexes = {token.position: index for index, token in enumerate(self.tokens)}
        return self._indexes.get(position)


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, ranges: list[tuple[int, int]], size: int) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The text cut to ``size`` characters around the most marks, with the marks moved into it.

    A cut starts a little (:data:`LEAD`) before a mark, between words where
    one is near (:data:`WORD_SLACK`), and is shown with an ellipsis where text
    was left out; marks cut by it are left out, unless one mark is longer
    than the whole snippet.
    """
    if len(text) <= size:
        return text, tuple(ranges)
    # the first of the windows that hold the most marks
    starts = [_window(text, first, size) for first, _ in ranges] or [0]
    start = max(starts, key=lambda at: _inside(ranges, at, size))
    end = start + size
    # whole marks only, unless one mark is longer than the window: then the part of it that fits
    inside = [(s, e) for s, e in ranges if s >= start and e <= end] or [
        (max(s, start), min(e, end)) for s, e in ranges if s < end and e > start
    ]
    start = _word_start(text, start, min(inside[0][0], start + WORD_SLACK) if inside else start + WORD_SLACK)
    end = _word_end(text, end, max(inside[-1][1], end - WORD_SLACK) if inside else end - WORD_SLACK)
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shift = len(prefix) - start
    return prefix + text[start:end] + suffix, tuple((s + shift, e + shift) for s, e in inside)


def _window(text: str, first: int, size: int) -> int:
    return max(0, min(first - LEAD, len(text) - size))


def _inside(ranges: list[tuple[int, int]], start: int, size: int) -> int:
    return sum(1 for s, e in ranges if s >= start and e <= start + size)


def _word_start(text: str, start: int, limit: int) -> int:
    """``start`` moved on to the beginning of a word, never past ``limit``."""
    if start > 0 and not text[start - 1].isspace():
        space = SPACE.search(text, start, limit)
        start = space.end() if space else start
    while start < limit and text[start].isspace():
        start += 1
    return start


def _word_end(text: str, end: int, limit: int) -> int:
    """``end`` moved back to the end of a word, never before ``limit``."""
    if end < len(text) and not text[end].isspace():
        spaces = [match.start() for match in SPACE.finditer(text, limit, end)]
        end = spaces[-1] if spaces else end
    while end > limit and text[end - 1].isspace():
        end -= 1
    return end
