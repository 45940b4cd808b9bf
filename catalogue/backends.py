"""Open the configured backends once and hand them around together."""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.config import Settings
from catalogue.index import SearchIndex, open_index
from catalogue.store import Store, open_store
from catalogue.vocabularies import Vocabularies


@dataclass
class Backends:
    settings: Settings
    store: Store
    index: SearchIndex
    vocabularies: Vocabularies

    def close(self) -> None:
        self.index.close()
        self.store.close()


def open_backends(settings: Settings) -> Backends:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    try:
        index = open_index(settings.search, settings.index_dir)
    except BaseException:
        store.close()  # e.g. Elasticsearch unreachable: do not keep the store locked
        raise
    return Backends(settings, store, index, Vocabularies.load())
