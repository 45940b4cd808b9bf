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
* Labels of one medical term in the other languages
  (:mod:`catalogue.vocabularies.terms`, a table of our own): ``cancer`` also
  matches *kanker*, *Krebs*, *syöpä*; ``borstkanker`` also matches
  "breast cancer" and *Brustkrebs*.

A query of several words that together are a term's label (``breast
cancer``) also offers the term's other labels to each of its words
(:func:`phrase_alternatives`), so a record that writes the term as one
compound (*borstkanker*, *rintasyöpä*) matches every word.

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
from catalogue.vocabularies.terms import label_groups

#: one per analysed language and the other spelling, and as many again for synonyms
MAX_ALTERNATIVES = 2 * (len(ANALYSED_LANGUAGES) + 1)
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
    for group in label_groups():
        short = dict.fromkeys(label for label in group if len(label.split()) <= MAX_LABEL_WORDS)
        for label in short:
            found.setdefault(fold(label), {}).update(short)
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
    found.update(_labels(key))
    found.pop(key, None)
    return tuple(found.values())[:MAX_ALTERNATIVES]


def _labels(key: str) -> dict[str, str]:
    """The other labels of the concepts and terms labelled ``key`` (folded), folded -> as written."""
    found: dict[str, str] = {}
    for label in _concept_labels().get(key, ()):
        found.setdefault(fold(label), label.lower())
    return found


def run_alternatives(words: list[str]) -> list[tuple[str, ...]]:
    """For each word, the other forms of the longest run of words around it that is a label as a whole.

    ``breast cancer registry``: "breast cancer" is a term's label, so both of
    its words also count as *borstkanker*, *Brustkrebs*, "cancer du sein" …;
    "registry" gets nothing here (its own :func:`alternatives` still apply).
    Runs of 2 to :data:`MAX_LABEL_WORDS` words, the longest first.
    """
    found: list[tuple[str, ...]] = [() for _ in words]
    for length in range(min(MAX_LABEL_WORDS, len(words)), 1, -1):
        for start in range(len(words) - length + 1):
            span = range(start, start + length)
            if any(found[i] for i in span):
                continue
            key = fold(" ".join(words[start : start + length]))
            labels = tuple(label for folded, label in _labels(key).items() if folded != key)
            for i in span:
                found[i] = labels[:MAX_ALTERNATIVES]
    return found
