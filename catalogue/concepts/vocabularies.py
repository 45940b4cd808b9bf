"""The shipped vocabularies, and the concepts resolved at harvest for what they lack.

The search document builder asks :meth:`Vocabularies.all_labels` for the
words of each concept a record links to. For a concept we ship, that is its
labels as before; for one resolved at harvest (:mod:`catalogue.concepts`),
its labels in every language and those of its broader concepts up the
chain, so a record themed *Colorectal neoplasms* is found by ``cancer``
when the theme's broader concept says so. Display labels (:meth:`label`)
stay those of the shipped vocabularies.
"""

from __future__ import annotations

from catalogue.concepts.cache import ConceptCache
from catalogue.vocabularies import Vocabularies


class ConceptVocabularies(Vocabularies):
    """Shipped vocabularies (shared, never changed) with resolved concepts' labels for search and pages."""

    def __init__(self, shipped: Vocabularies, cache: ConceptCache, max_depth: int = 3) -> None:
        super().__init__()
        self._labels, self._schemes, self._notations = shipped._labels, shipped._schemes, shipped._notations
        self.shipped, self.cache, self.max_depth = shipped, cache, max_depth

    def label(self, iri: str, lang: str, fallback: str | None = None) -> str | None:
        """A shipped concept's label; else a resolved one's, chosen by language as for shipped ones (pages)."""
        if iri in self._labels:
            return super().label(iri, lang, fallback)
        concept = self.cache.get(iri)
        if concept is None or not concept.labels:
            return fallback
        resolved = Vocabularies()
        resolved._labels[iri] = list(concept.labels)
        return resolved.label(iri, lang, fallback)

    def all_labels(self, iri: str) -> list[str]:
        """A shipped concept's labels; else a resolved one's and its broader concepts' (cycles cut)."""
        if iri in self._labels:
            return super().all_labels(iri)
        seen: dict[str, None] = {}
        visited: set[str] = set()
        frontier = [iri]
        for _ in range(self.max_depth + 1):
            following: list[str] = []
            for current in frontier:
                if current in visited:
                    continue
                visited.add(current)
                if current in self._labels:  # a broader concept we ship
                    seen.update(dict.fromkeys(super().all_labels(current)))
                    continue
                concept = self.cache.get(current)
                if concept is not None:
                    seen.update(dict.fromkeys(text for _lang, text in concept.labels))
                    following += concept.broader
            frontier = following
        return list(seen)
