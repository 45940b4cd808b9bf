"""The index step: bring the search index in line with what one commit of a source wrote and withdrew."""

from __future__ import annotations

from collections.abc import Iterable

from catalogue import crashpoints
from catalogue.backends import Backends
from catalogue.consistency import catch_up
from catalogue.index.documents import search_document
from catalogue.store import VISIBLE, WITHDRAWN


def index_records(
    backends: Backends, source: str, written: list[str], withdrawn: Iterable[str], behind: bool = False
) -> None:
    """Bring the search index in line with what a commit of this source wrote and withdrew, then clear the
    commit's mark; ``behind``: the index lacked an earlier commit of the source, so check all of it."""
    index, store = backends.index, backends.store
    gone = list(withdrawn)
    documents = []
    for meta, triples in store.triples_of(written):
        if meta.status in VISIBLE and meta.kind == "dataset":
            documents.append(search_document(meta, triples, backends.vocabularies))
        elif meta.status != WITHDRAWN:
            gone.append(meta.id)
        if len(documents) >= 1000:
            index.upsert(documents)
            documents = []
    index.delete(gone)
    index.upsert(documents)
    crashpoints.reach("indexing")
    index.commit()
    if behind:
        catch_up(store, index, backends.vocabularies, source)
    store.mark_indexed(source)
