"""Other forms of a query word that count as the word: spellings, and the same concept in other languages.

A query is widened, never the index: each word or phrase of a query also
matches as any of its :func:`alternatives`, on both backends alike.

* British and American spellings (``leukaemia`` / ``leukemia``,
  ``tumour`` / ``tumor``, ``organisation`` / ``organization``), from the
  ``breame`` package's word tables (Apache-2.0), both ways.
* Labels of one concept of the shipped EU vocabularies
  (:mod:`catalogue.vocabularies`) in the other languages: a query word that
  is a concept's label (``Gesundheit``) also matches its other labels
  (*Health*, *Gezondheid*, *Terveys*), so a German query finds a Dutch-only
  record that writes the word, not only records themed with the concept.
  Only vocabularies we ship count: no hand-typed translations.

Alternatives are compared folded (lower case, no accents) and capped at
:data:`MAX_ALTERNATIVES` per word, so every query's cost stays bounded.
"""

from __future__ import annotations

import functools
import unicodedata

from breame.spelling import (  # type: ignore[import-untyped]  # no type information shipped
    AMERICAN_ENGLISH_SPELLINGS,
    BRITISH_ENGLISH_SPELLINGS,
)

from catalogue.index import ANALYSED_LANGUAGES
from catalogue.vocabularies import Vocabularies

#: one per analysed language, and the other spelling
MAX_ALTERNATIVES = len(ANALYSED_LANGUAGES) + 1
OFFERED = frozenset(ANALYSED_LANGUAGES)
#: labels of more words than this are not offered as alternatives (nor looked up)
MAX_LABEL_WORDS = 4


def fold(text: str) -> str:
    """Lower case, accents dropped, runs of spaces as one: the key alternatives are found by."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@functools.cache
def _spellings() -> dict[str, str]:
    """Folded British spelling -> American and back."""
    table = {fold(british): american for british, american in BRITISH_ENGLISH_SPELLINGS.items()}
    table.update({fold(american): british for american, british in AMERICAN_ENGLISH_SPELLINGS.items()})
    return table


@functools.cache
def _concept_labels() -> dict[str, tuple[str, ...]]:
    """Folded label -> every label of the concepts that have it, from the shipped vocabularies."""
    vocabularies = Vocabularies.load()
    found: dict[str, dict[str, None]] = {}
    for iri in vocabularies:
        labels = {
            lang: label
            for lang, label in vocabularies.labels(iri).items()
            if len(label.split()) <= MAX_LABEL_WORDS
        }
        # offered: the labels in the languages the index analyses (the others only find these)
        offered = dict.fromkeys(label for lang, label in labels.items() if lang.split("-")[0] in OFFERED)
        for label in labels.values():
            found.setdefault(fold(label), {}).update(offered)
    return {key: tuple(labels) for key, labels in found.items()}


def alternatives(text: str) -> tuple[str, ...]:
    """Other forms of a query word or phrase that also count as it; () when there are none."""
    key = fold(text)
    if not key or len(key.split()) > MAX_LABEL_WORDS:
        return ()
    found: dict[str, str] = {}  # folded -> as written (the stemmers expect the accents)
    spelled = " ".join(_spellings().get(word, word) for word in key.split())
    if spelled != key:
        found[spelled] = spelled
    for label in _concept_labels().get(key, ()):
        found.setdefault(fold(label), label.lower())
    found.pop(key, None)
    return tuple(found.values())[:MAX_ALTERNATIVES]
