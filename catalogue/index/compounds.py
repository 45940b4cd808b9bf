"""Compound words split into their parts, so ``kanker`` finds *borstkanker* and ``Krebs`` *Darmkrebs*.

Dutch, German, Swedish, Danish and Finnish write compounds as one word. A
search for the head or a modifier alone finds nothing unless the index also
holds the parts: both backends index, beside each text, the parts of its
compound words as computed here (:func:`compound_parts`), in the same
fields, through the same analyzers. The split is made once, in Python,
rather than by each engine's own filter: tantivy's ``split_compound`` keeps
only words that split wholly into dictionary words, Elasticsearch's
``dictionary_decompounder`` adds every dictionary word found *inside* a word
(``kanker`` → ``anker``, "anchor"), so the two would find different records.

A word is split only when it is wholly made of dictionary words of at least
:data:`MIN_PART` letters (with the language's linking letters between them,
as the ``s`` of *gezondheidsdata*), into the fewest parts, and only when
it is rarer than its parts (a frequent word that happens to be two words,
as *register*, is left whole). The dictionaries
are the :data:`TOP_WORDS` most frequent words of each language in
``wordfreq`` (code Apache-2.0; its word lists are CC-BY-SA 4.0 and are read
from the installed package, not copied here), with the one-word medical terms
of our terms table, which such lists lack (*keuhkosyöpä*, so
*keuhkosyöpäpotilaat* splits). Untagged text is tried with each language in turn.
"""

from __future__ import annotations

import functools
import math
import re
from importlib.metadata import version

from catalogue.vocabularies.terms import terms

#: the languages that write compounds as one word, and wordfreq's list for each
WORD_LISTS = {"nl": "large", "de": "large", "sv": "large", "da": "small", "fi": "large"}
#: letters that may join two parts of a compound (the ``s`` of *Gesundheitsdaten*)
LINKS: dict[str, tuple[str, ...]] = {
    "nl": ("s", "en", "e"),
    "de": ("s", "es", "en", "n", "e", "er"),
    "sv": ("s", "a", "u", "o"),
    "da": ("s", "e"),
    "fi": (),
}
TOP_WORDS = 60_000
MIN_PART = 4
MIN_WORD = 2 * MIN_PART
MAX_PARTS = 4
#: longer words are not split (tantivy drops tokens of 40 bytes and more anyway)
MAX_WORD = 39

LETTERS = re.compile(r"[^\W\d_]+")


def describe() -> str:
    """What the splitting depends on, for the indexes' schema fingerprints (a change means a rebuild)."""
    medical = sum(len(term_words(lang)) for lang in WORD_LISTS)
    return f"compounds(wordfreq {version('wordfreq')}, top {TOP_WORDS}, parts >= {MIN_PART}, terms {medical})"


@functools.cache
def dictionary(lang: str) -> dict[str, int]:
    """The words compounds of ``lang`` may be made of (lower case), by frequency rank; empty for others."""
    if lang not in WORD_LISTS:
        return {}
    import wordfreq  # only the index writers need it: loaded on first use

    words = wordfreq.top_n_list(lang, TOP_WORDS, wordlist=WORD_LISTS[lang])
    ranks = {word: rank for rank, word in enumerate(words, 1) if len(word) >= MIN_PART and word.isalpha()}
    # medical words rarer than the list's last (keuhkosyöpä, aivohalvaus) count as its rarest
    for word in term_words(lang):
        ranks.setdefault(word, TOP_WORDS)
    return ranks


def term_words(lang: str) -> list[str]:
    """The one-word labels in ``lang`` of the terms table (:mod:`catalogue.vocabularies.terms`), lower case."""
    labels = (label for term in terms() for label in term.labels.get(lang, ()))
    return sorted({w for w in map(str.lower, labels) if len(w) >= MIN_PART and w.isalpha()})


def _likely(word: str, parts: tuple[str, ...], ranks: dict[str, int]) -> bool:
    """A compound is rarer than its parts (by the geometric mean of their ranks): *register* is no regi|ster."""
    whole = ranks.get(word, len(ranks) + TOP_WORDS)
    return math.prod(ranks[part] for part in parts) ** (1 / len(parts)) < whole


@functools.lru_cache(maxsize=200_000)
def split(word: str, lang: str) -> tuple[str, ...]:
    """The parts of a lower-case compound word, and theirs if they are compounds; () when it is not one.

    The fewest parts win (``darmkrebs`` + ``register``, then ``darm`` + ``krebs``).
    """
    words = dictionary(lang)
    if not words or not MIN_WORD <= len(word) <= MAX_WORD:
        return ()
    links = (*LINKS.get(lang, ()), "")  # the word without its linking letter first (gezondheid|s)
    # best[i]: the fewest parts that make up word[:i] (None: it cannot be made up); the whole
    # word is never its own part (the lists hold common compounds too)
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[0] = ()
    for end in range(MIN_PART, len(word) + 1):
        for start in range(0, end - MIN_PART + 1):
            before = best[start]
            if before is None or len(before) >= MAX_PARTS or (start, end) == (0, len(word)):
                continue
            part = _part(word[start:end], words, links if end < len(word) else ("",))
            if part and (best[end] is None or len(before) + 1 < len(best[end] or ())):
                best[end] = (*before, part)
    found = best[len(word)]
    if found is None or len(found) < 2 or not _likely(word, found, words):
        return ()
    # a part that is a compound itself (*darmkrebs* of *Darmkrebsregister*) adds its own parts
    return (*found, *(inner for part in found for inner in split(part, lang)))


def _part(piece: str, words: dict[str, int], links: tuple[str, ...]) -> str:
    """The dictionary word ``piece`` is, possibly followed by a linking letter; "" if none."""
    for link in links:
        stem = piece[: len(piece) - len(link)] if link else piece
        if piece.endswith(link) and len(stem) >= MIN_PART and stem in words:
            return stem
    return ""


def compound_parts(text: str, lang: str) -> str:
    """The parts of the compound words in ``text``, space-separated; "" when there are none.

    ``lang`` is the text's base language; for untagged text ("") each
    compounding language is tried in turn and the first that splits a word wins.
    """
    languages = (lang,) if lang else tuple(WORD_LISTS)
    if lang and lang not in WORD_LISTS:
        return ""
    parts: list[str] = []
    for match in LETTERS.finditer(text):
        word = match.group(0).lower()
        if len(word) < MIN_WORD:
            continue
        for candidate in languages:
            found = split(word, candidate)
            if found:
                parts.extend(found)
                break
    return " ".join(parts)


def with_parts(texts: list[str], lang: str) -> list[str]:
    """``texts`` and, after them, the parts of their compound words (what the index holds)."""
    parts = [found for found in (compound_parts(text, lang) for text in texts) if found]
    return [*texts, *parts]
