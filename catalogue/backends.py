"""Open the configured backends once and hand them around together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from catalogue.concepts import ConceptCache, ConceptVocabularies
from catalogue.config import Settings
from catalogue.consistency import catch_up, reindex
from catalogue.index import SearchIndex
from catalogue.index.opening import open_index
from catalogue.store import Store, open_store
from catalogue.vocabularies import Vocabularies

log = logging.getLogger(__name__)


@dataclass
class Backends:
    settings: Settings
    store: Store
    index: SearchIndex
    vocabularies: Vocabularies
    #: False for backends lent to a command by the running catalogue, which closes them itself
    owned: bool = True

    def close(self) -> None:
        if not self.owned:
            return
        self.index.close()
        self.store.close()


def open_backends(settings: Settings) -> Backends:
    """Open store and index, and bring the index in line with the store's registry.

    An index that is new or was built for another schema is filled from the
    store: after an upgrade that changes the index schema, search would
    otherwise be empty (embedded) or answer from the old definition
    (Elasticsearch) until someone ran ``catalogue reindex``. An index that
    missed a commit (the process was killed between the registry's commit and
    the index's) gets the records that drifted (:func:`catalogue.consistency.catch_up`).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    try:
        index = open_index(settings.search, settings.index_dir)
    except BaseException:
        store.close()  # e.g. Elasticsearch unreachable: do not keep the store locked
        raise
    backends = Backends(settings, store, index, concept_vocabularies(settings))
    try:
        if index.outdated:
            _rebuild_index(backends)
        else:
            _catch_up(backends)
    except BaseException:
        backends.close()
        raise
    return backends


def concept_vocabularies(settings: Settings) -> Vocabularies:
    """The shipped vocabularies, and the concepts resolved at harvest under the data directory."""
    cache = ConceptCache(settings.data_dir / "concepts", settings.concepts.max_cached)
    return ConceptVocabularies(Vocabularies.load(), cache, settings.concepts.max_depth)


def _catch_up(backends: Backends) -> None:
    fixed = catch_up(backends.store, backends.index, backends.vocabularies)
    if fixed:
        log.warning(
            "the search index lacked changes committed before the catalogue last stopped: "
            "%d documents re-indexed from the store",
            fixed,
        )


def _rebuild_index(backends: Backends) -> None:
    count = reindex(backends.store, backends.index, backends.vocabularies)
    if count:
        log.warning(
            "the search index (%s backend) was new, or built for another schema: filled from the store "
            "with %d documents",
            backends.settings.search.backend,
            count,
        )
