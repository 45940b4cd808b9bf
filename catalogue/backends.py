"""Open the configured backends once and hand them around together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from catalogue.config import Settings
from catalogue.index import SearchIndex, open_index
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
    """Open store and index; an index that is new or was built for another schema is filled from the store.

    After an upgrade that changes the index schema, search would otherwise be
    empty (embedded) or answer from the old definition (Elasticsearch) until
    someone ran ``catalogue reindex``.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    try:
        index = open_index(settings.search, settings.index_dir)
    except BaseException:
        store.close()  # e.g. Elasticsearch unreachable: do not keep the store locked
        raise
    backends = Backends(settings, store, index, Vocabularies.load())
    if index.outdated:
        try:
            _rebuild_index(backends)
        except BaseException:
            backends.close()
            raise
    return backends


def _rebuild_index(backends: Backends) -> None:
    from catalogue.harvest import reindex  # catalogue.harvest imports this module

    count = reindex(backends.store, backends.index, backends.vocabularies)
    if count:
        log.warning(
            "the search index (%s backend) was new, or built for another schema: filled from the store "
            "with %d documents",
            backends.settings.search.backend,
            count,
        )
