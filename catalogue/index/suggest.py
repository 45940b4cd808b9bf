""" "Did you mean": a nearby spelling of the query's words, taken from the index's own text.

Asked for only when a query finds nothing. For each word of the query that
finds nothing alone, the backend lists the titles and descriptions of the
first :data:`SAMPLE` records (in id order) with a word within two edits of
it (:meth:`~catalogue.index.SearchIndex.near`, a fuzzy term query on the
folded ``text_any`` field on both backends); the closest word there (fewest
edits, then the most frequent, then the first alphabetically) replaces it.
The same records and the same choice on both backends, so both suggest the
same; a suggestion is offered only if it finds something.
"""

from __future__ import annotations

import re
from collections import Counter

from catalogue.index import SearchIndex, SearchQuery
from catalogue.index.analysis import FOLDED, WORD, analyzers, query_parts

#: records read per word
SAMPLE = 50
#: words of one query that may be replaced (each costs two requests)
MAX_REPLACED = 4
MAX_EDITS = 2
#: the fuzzy term query needs this much of a word to mean anything
MIN_LENGTH = 3


def fold(word: str) -> str:
    """The word as ``text_any`` indexes it (lower case, ASCII); "" when it is no one token."""
    tokens = analyzers()[FOLDED].analyze(word)
    return tokens[0] if len(tokens) == 1 else ""


def suggestion(index: SearchIndex, text: str) -> str | None:
    """The query with its unmatched words replaced by the nearest indexed words; None if none helps."""
    required, _ = query_parts(text)
    replaced: dict[str, str] = {}
    for part in [part for part in required if part.kind == "word"][:MAX_REPLACED]:
        token = fold(part.text)
        if len(token) < MIN_LENGTH or _hits(index, part.text):
            continue
        nearest = closest(token, index.near(token, SAMPLE))
        if nearest:
            replaced[part.text] = nearest
    if not replaced:
        return None
    suggested = text
    for word, better in replaced.items():
        suggested = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", better, suggested)
    return suggested if suggested != text and _hits(index, suggested) else None


def _hits(index: SearchIndex, text: str) -> int:
    return index.search(SearchQuery(text=text, size=0, facet_size=0)).total


def closest(token: str, texts: list[str]) -> str | None:
    """The word of ``texts`` (folded) nearest to ``token``: fewest edits, most frequent, first."""
    counts = Counter(
        folded for text in texts for match in WORD.finditer(text) if (folded := fold(match.group(0)))
    )
    candidates = [
        (distance, -count, word)
        for word, count in counts.items()
        if word != token and 0 < (distance := edits(token, word)) <= MAX_EDITS
    ]
    return min(candidates)[2] if candidates else None


def edits(a: str, b: str) -> int:
    """Optimal string alignment distance (a swap of neighbours is one edit), as the fuzzy queries count."""
    if abs(len(a) - len(b)) > MAX_EDITS:
        return MAX_EDITS + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
