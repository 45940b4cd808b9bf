"""How text is analysed and what the words of a query ask for, shared by both backends.

The embedded index analyses with these tantivy analyzers; the Elasticsearch
backend rebuilds the unstemmed one from Elasticsearch parts (see
:mod:`catalogue.index.es_requests`). Both split query text with
:func:`query_parts`, and :mod:`catalogue.index.highlight` marks the same parts
with these analyzers, so a query means one thing everywhere.

Both backends index the parts of compound words beside the text
(:mod:`catalogue.index.compounds`), and widen each query word with its other
spellings and its concept's labels in other languages
(:mod:`catalogue.index.variants`, :attr:`Part.alternatives`).

Query text is never handed to a query parser: it is split into words here, so
quotes, colons and brackets in what people type cannot break a search. Every
word must match, ``"a phrase"`` must match as a phrase and ``word*`` matches
as a prefix (unstemmed fields). Words on one of tantivy's stop word lists
("the", "de", "und") only add to the score, unless the query has nothing else
or they belong to words that together label a term ("sein" of *cancer du
sein*, also a German stop word).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Literal

from tantivy import Filter, TextAnalyzer, TextAnalyzerBuilder, Tokenizer

from catalogue.index import ANALYSED_LANGUAGES, compounds
from catalogue.index.variants import MAX_ALTERNATIVES, alternatives, run_alternatives

log = logging.getLogger(__name__)

#: tantivy's snowball stemmers, by the base language code of ANALYSED_LANGUAGES
STEMMERS = {
    "en": "english",
    "nl": "dutch",
    "fr": "french",
    "de": "german",
    "fi": "finnish",
    "sv": "swedish",
    "es": "spanish",
    "pt": "portuguese",
    "it": "italian",
    "da": "danish",
    "no": "norwegian",
    "el": "greek",
    "ro": "romanian",
    "hu": "hungarian",
    "ru": "russian",
    "tr": "turkish",
    "ar": "arabic",
    "ta": "tamil",
}
#: languages with a built-in tantivy stop word list; their stop words are optional in queries
STOPWORD_LANGUAGES = (
    "english",
    "dutch",
    "french",
    "german",
    "finnish",
    "swedish",
    "spanish",
    "portuguese",
    "italian",
    "danish",
    "norwegian",
    "hungarian",
)

FOLDED = "catalogue_folded"
#: the analyzer chains (see analyzers()); part of the embedded index's schema fingerprint
ANALYSIS = "simple | remove_long(40) | lowercase | [stemmer] | ascii_fold; " + compounds.describe()
MAX_WORDS = 32
#: a match through an alternative (another language, another spelling) counts this much of the word's own
ALTERNATIVE_BOOST = 0.5
MIN_PREFIX = 2

WORD = re.compile(r"[^\W_]+(\*)?")
QUOTES = str.maketrans({c: '"' for c in "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033"})


def analyzer_name(lang: str) -> str:
    """The analyzer of ``text_<lang>``: the language's stemmer, else only folding."""
    return f"catalogue_{STEMMERS[lang]}" if lang in STEMMERS else FOLDED


@functools.cache
def analyzers() -> dict[str, TextAnalyzer]:
    """Every analyzer by name: the folded one and one per analysed language with a stemmer."""

    def chain(*filters: Filter) -> TextAnalyzer:
        builder = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.remove_long(40))
        for item in (Filter.lowercase(), *filters):
            builder = builder.filter(item)
        return builder.build()

    built = {FOLDED: chain(Filter.ascii_fold())}
    for lang in ANALYSED_LANGUAGES:
        if lang in STEMMERS:
            # stem first: the snowball stemmers expect the accents; fold what is left
            built[analyzer_name(lang)] = chain(Filter.stemmer(STEMMERS[lang]), Filter.ascii_fold())
        else:
            log.warning("no stemmer for analysed language %r; text_%s is only folded", lang, lang)
    return built


@functools.cache
def _stopwords() -> TextAnalyzer:
    """Returns no token for a word on any of tantivy's stop word lists."""
    builder = TextAnalyzerBuilder(Tokenizer.simple()).filter(Filter.lowercase())
    for language in STOPWORD_LANGUAGES:
        builder = builder.filter(Filter.stopword(language))
    return builder.build()


def is_stopword(word: str) -> bool:
    """On one of tantivy's stop word lists (so it is optional in a query)."""
    return not _stopwords().analyze(word)


def split_query(text: str) -> tuple[list[str], list[tuple[str, bool]]]:
    """Quoted phrases, and the other words with whether they end in ``*``."""
    text = text.translate(QUOTES)
    if text.count('"') % 2:
        head, _, tail = text.rpartition('"')
        text = head + " " + tail
    parts = text.split('"')
    phrases = [part for part in parts[1::2] if part.strip()]
    loose = " ".join(parts[0::2])
    words = [(match.group(0).rstrip("*"), bool(match.group(1))) for match in WORD.finditer(loose)]
    # a one-word phrase is just a word
    words += [(phrase.strip(), False) for phrase in phrases if WORD.fullmatch(phrase.strip())]
    phrases = [phrase for phrase in phrases if not WORD.fullmatch(phrase.strip())]
    return phrases[:MAX_WORDS], list(dict.fromkeys(words))[:MAX_WORDS]


@dataclass(frozen=True)
class Part:
    """One thing query text asks for: a word, a ``word*`` prefix or a quoted phrase.

    ``alternatives`` match as the part does (other spellings, the concept's
    labels in other languages; words and phrases only): any one of them will do.
    """

    text: str
    kind: Literal["word", "prefix", "phrase"]
    alternatives: tuple[str, ...] = ()


def query_parts(text: str) -> tuple[list[Part], list[Part]]:
    """(required, optional) parts of query text; both empty when it has no words.

    Phrases (with at least one letter or digit) and words must match; stop
    words only add to the score, unless the query has nothing else.
    """
    phrases, words = split_query(text or "")
    required = [
        Part(phrase, "phrase", alternatives(phrase))
        for phrase in phrases
        if any(char.isalnum() for char in phrase)
    ]
    optional: list[Part] = []
    runs = run_alternatives([word for word, _ in words])
    for (word, prefix), run in zip(words, runs, strict=True):
        if prefix:
            required.append(Part(word, "prefix"))
        elif is_stopword(word) and not run:  # in a term's label ("sein" of cancer du sein) it counts
            optional.append(Part(word, "word"))
        else:
            both = dict.fromkeys((*alternatives(word), *run))
            both.pop(word.lower(), None)
            required.append(Part(word, "word", tuple(both)[: 2 * MAX_ALTERNATIVES]))
    if not required:
        return optional, []
    return required, optional
