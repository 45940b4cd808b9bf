"""The store: the catalogue's source of truth.

Every record as harvested (one named graph each), its validation report, and
provenance that says for each record where it came from, when, with which
content hash and which validation outcome, and for each source its harvest
runs.

**Where to start.** Callers open one :class:`Store` with :func:`open_store`
and import names from this package; nothing outside it imports a backend.
:class:`Store` is the union of small protocols, one a concern, in
``protocols/``: records (``records.py``), the harvest log
(``harvest_log.py``), push tokens and link checks (``links.py``), quality
scores (``quality.py``) and the triple side with typed ``select`` /
``construct`` / ``ask`` (``triples.py``). It inherits them rather than
holding them as attributes (``store.records.get(…)``) so that callers keep
one object and one call per need, while a function that needs one concern
can say so in its signature by taking the small protocol. The data the
protocols take and give is in ``types.py``, what they raise in ``errors.py``.

Every backend is the same :class:`~catalogue.store.mirror.MirroredStore`: the
SQLite record registry (``registry.py`` with ``runlog.py``, ``links.py``,
``quality_table.py`` over ``sqlite.py``; always local, in ``data_dir/store``)
is the commit point, and after each commit a *triple side* — what SPARQL
sees — is brought in line:

* ``embedded.py``: pyoxigraph on disk beside the registry (``backend = "embedded"``);
* ``sparql_server.py``: a SPARQL 1.1 server reached over HTTP, e.g. the
  Oxigraph server or Virtuoso (``backend = "sparql"``); the public ``/sparql``
  endpoint then forwards queries to it (see :class:`SparqlServer`).

If the triple side and the registry ever disagree (a process stopped between
them, a server that was unreachable or wiped), it is rebuilt from the registry.
The package imports nothing of the catalogue but :mod:`catalogue.model`,
:mod:`catalogue.errors` and constants (tests/test_layout.py): no validator,
no rdflib.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, overload

from catalogue.store.errors import RemoteStoreError, RemoteTimeout, StoreFormatError, StoreLockedError
from catalogue.store.protocols.harvest_log import HarvestLog
from catalogue.store.protocols.links import LinkChecks, PushTokens
from catalogue.store.protocols.quality import QualityStore
from catalogue.store.protocols.records import RecordStore
from catalogue.store.protocols.triples import RemoteAnswer, SparqlServer, TripleStore
from catalogue.store.types import (
    ADDED,
    CHANGED,
    DUPLICATE,
    FLAGGED,
    INTERRUPTED,
    PUBLISHED,
    QUALITY_MARK,
    REJECTED,
    VISIBLE,
    WITHDRAWN,
    HarvestRun,
    MirroredRecord,
    PageMemory,
    PushToken,
    QualityStats,
    RecordMeta,
    RecordState,
    RecordWrite,
    RunChange,
    Solution,
    StoredRecord,
    Term,
)

if TYPE_CHECKING:
    from catalogue.config import Settings
    from catalogue.store.mirror import MirroredStore
    from catalogue.store.protocols.triples import TripleSide

__all__ = [
    "ADDED", "CHANGED", "DUPLICATE", "FLAGGED", "INTERRUPTED", "PUBLISHED", "QUALITY_MARK", "REJECTED",
    "VISIBLE", "WITHDRAWN", "HarvestLog", "HarvestRun", "LinkChecks", "MirroredRecord",
    "PageMemory", "PushToken", "PushTokens", "QualityStats", "QualityStore", "RecordMeta", "RecordState",
    "RecordStore", "RecordWrite", "RemoteAnswer", "RemoteStoreError", "RemoteTimeout", "RunChange",
    "Solution", "SparqlServer", "Store", "StoreFormatError", "StoreLockedError", "StoredRecord", "Term",
    "TripleStore", "open_copy", "open_store",
]  # fmt: skip


class Store(RecordStore, HarvestLog, PushTokens, LinkChecks, QualityStore, TripleStore, Protocol):
    """The whole store, as :func:`open_store` gives it: every concern's protocol, and closing."""

    def close(self) -> None: ...


@overload
def open_store(settings: Settings, *, read_only: bool = False) -> Store: ...


@overload
def open_store(settings: Path, base_url: str, read_only: bool = False) -> Store: ...


def open_store(settings: Settings | Path, base_url: str | None = None, read_only: bool = False) -> Store:
    """The configured store (``[store] backend``), its registry in ``settings.store_dir``.

    ``open_store(path, base_url)`` opens an embedded store in a folder (tests, tools).
    """
    if isinstance(settings, Path):
        from catalogue.store.embedded import EmbeddedStore

        return EmbeddedStore(settings, base_url or "", read_only=read_only)
    if settings.store.backend == "sparql":
        from catalogue.store.sparql_server import SparqlServerStore

        return SparqlServerStore(settings.store_dir, settings.base_url, settings.store, read_only=read_only)
    from catalogue.store.embedded import EmbeddedStore

    return EmbeddedStore(settings.store_dir, settings.base_url, read_only=read_only)


def open_copy(settings: Settings, backend: str) -> MirroredStore:
    """This catalogue's registry, read-only, over the triple side of another backend (``catalogue migrate``).

    The copy is filled with :meth:`~catalogue.store.mirror.MirroredStore.copy_from_registry`
    and never writes the registry, so the catalogue may keep running on its
    current backend meanwhile. ``backend`` is ``"embedded"`` (pyoxigraph in
    ``data_dir/store``) or ``"sparql"`` (the server named in ``[store]``).
    """
    from catalogue.store.mirror import MirroredStore
    from catalogue.store.registry import Registry

    triples: TripleSide
    if backend == "sparql":
        from catalogue.store.sparql_server import SparqlServerTriples

        triples = SparqlServerTriples(settings.store, settings.base_url)
    else:
        from catalogue.store.embedded import EmbeddedTriples

        try:
            triples = EmbeddedTriples(settings.store_dir / "oxigraph", f"{settings.base_url}/graphs/records/")
        except OSError as error:
            raise StoreLockedError(
                f"the embedded triple store in {settings.store_dir} is in use by another process: {error}"
            ) from error
    registry = Registry(settings.store_dir / "records.sqlite", read_only=True)
    return MirroredStore(registry, triples, settings.base_url, read_only=True)
