"""Multilingual labels of the EU controlled-vocabulary concepts that datasets link to.

Search and facets need words, not IRIs: a German query "Gesundheit" should find
datasets themed ``…/data-theme/HEAL``, and a facet should read "Health",
"Gezondheid" or "Santé". The labels ship with the package (see ``SOURCES.md``
in this folder): gzip N-Triples converted from the EU authority tables, and a
Turtle file written for this project for the tables we had no copy of. Only
``skos:prefLabel``, ``skos:inScheme`` and ``skos:notation`` are kept.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox

from catalogue.namespaces import SKOS

__all__ = ["Vocabularies"]

PREF_LABEL = SKOS + "prefLabel"
IN_SCHEME = SKOS + "inScheme"
NOTATION = SKOS + "notation"

# Languages that stand in for each other when the requested one has no label.
_SIBLING_LANGUAGES = {"nb": ("no",), "nn": ("no",), "no": ("nb", "nn")}


def _base(tag: str) -> str:
    """The language of a tag: ``nl`` for ``nl``, ``nl-BE`` and ``nl-t-en`` (machine translated from English)."""
    return tag.split("-", 1)[0]


class Vocabularies:
    """Labels, schemes and notations of vocabulary concepts, by concept IRI."""

    def __init__(self) -> None:
        # iri -> [(language tag in lower case, "" when untagged; label)] in load order
        self._labels: dict[str, list[tuple[str, str]]] = {}
        self._schemes: dict[str, list[str]] = {}
        self._notations: dict[str, list[str]] = {}

    @classmethod
    def load(cls) -> Vocabularies:
        """The shipped vocabularies, read once per process (the same object on every call)."""
        return _load_shipped()

    @classmethod
    def from_files(cls, *paths: str | os.PathLike[str]) -> Vocabularies:
        """Vocabularies read from the given files (``.nt``, ``.nt.gz``, ``.ttl``, ``.ttl.gz``), in order."""
        vocabularies = cls()
        for path in map(Path, paths):
            vocabularies._add(path.name, path.read_bytes())
        return vocabularies

    def _add(self, name: str, data: bytes) -> None:
        if name.endswith(".gz"):
            data = gzip.decompress(data)
            name = name[: -len(".gz")]
        if name.endswith(".nt"):
            rdf_format = ox.RdfFormat.N_TRIPLES
        elif name.endswith(".ttl"):
            rdf_format = ox.RdfFormat.TURTLE
        else:
            raise ValueError(f"{name}: not a vocabulary file (.nt, .nt.gz, .ttl or .ttl.gz)")
        for quad in ox.parse(data, format=rdf_format):
            subject, predicate, value = quad.subject, quad.predicate.value, quad.object
            if not isinstance(subject, ox.NamedNode):
                continue
            if predicate == PREF_LABEL and isinstance(value, ox.Literal):
                entry = ((value.language or "").lower(), value.value)
                labels = self._labels.setdefault(subject.value, [])
                if entry not in labels:
                    labels.append(entry)
            elif predicate == IN_SCHEME and isinstance(value, ox.NamedNode):
                schemes = self._schemes.setdefault(subject.value, [])
                if value.value not in schemes:
                    schemes.append(value.value)
            elif predicate == NOTATION and isinstance(value, ox.Literal):
                notations = self._notations.setdefault(subject.value, [])
                if value.value not in notations:
                    notations.append(value.value)

    def labels(self, iri: str) -> dict[str, str]:
        """Language tag (lower case; ``""`` for an untagged label) -> label; the first label of each tag."""
        result: dict[str, str] = {}
        for lang, text in self._labels.get(iri, ()):
            result.setdefault(lang, text)
        return result

    def label(self, iri: str, lang: str, fallback: str | None = None) -> str | None:
        """The label in ``lang``, else in English, else an untagged one, else any; ``fallback`` if none.

        A tag matches its base language and back: ``nl`` finds ``nl-t-en`` (machine translated) and
        ``nl-BE`` finds ``nl``; an exact match is preferred. Bokmål and Nynorsk fall back to ``no``.
        """
        entries = self._labels.get(iri)
        if not entries:
            return fallback
        wanted = (lang or "").lower()
        for candidate in (wanted, *_SIBLING_LANGUAGES.get(_base(wanted), ()), "en"):
            found = _match(entries, candidate)
            if found is not None:
                return found
        for tag, text in entries:
            if tag == "":
                return text
        return entries[0][1]

    def all_labels(self, iri: str) -> list[str]:
        """Every distinct label in every language, for full-text search."""
        seen: dict[str, None] = {}
        for _lang, text in self._labels.get(iri, ()):
            seen.setdefault(text, None)
        return list(seen)

    def schemes(self, iri: str) -> list[str]:
        """The ``skos:inScheme`` concept schemes of the concept."""
        return list(self._schemes.get(iri, ()))

    def notations(self, iri: str) -> list[str]:
        """The ``skos:notation`` codes of the concept (lexical forms)."""
        return list(self._notations.get(iri, ()))

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and iri in self._labels

    def __iter__(self) -> Iterator[str]:
        """The IRIs that have a label."""
        return iter(self._labels)

    def __len__(self) -> int:
        """How many concepts (and schemes) have a label."""
        return len(self._labels)


def _match(entries: list[tuple[str, str]], wanted: str) -> str | None:
    if not wanted:
        return None
    for tag, text in entries:
        if tag == wanted:
            return text
    base = _base(wanted)
    for tag, text in entries:
        if tag and _base(tag) == base:
            return text
    return None


# EU-derived tables first, then our hand-written file: where both have a label in a language,
# labels() keeps the first, so the EU label wins.
_SUFFIXES = (".nt.gz", ".ttl")


@cache
def _load_shipped() -> Vocabularies:
    package = files(__name__)
    names = sorted(
        (entry.name for entry in package.iterdir() if entry.name.endswith(_SUFFIXES)),
        key=lambda name: (not name.endswith(".nt.gz"), name),
    )
    vocabularies = Vocabularies()
    for name in names:
        vocabularies._add(name, package.joinpath(name).read_bytes())
    return vocabularies
