"""``catalogue migrate --to BACKEND``: fill another backend from the store, then check the copy.

Moving a catalogue onto the scale-out backends (or back) without downtime:

1. give the target's connection settings in ``catalogue.toml`` while the
   current backend stays selected (``[store] query_url`` … with
   ``backend = "embedded"``; ``[search] url`` with ``backend = "embedded"``);
2. ``catalogue migrate --to sparql`` (or ``elasticsearch``, or ``embedded`` to
   come back) copies everything from the registry — the source of truth —
   into the target and checks the copy record by record; the catalogue keeps
   serving (and harvesting) from its current backends meanwhile;
3. select the target (``backend = …``) and restart. A harvest that committed
   during the copy is not lost: the store opened on the target sees it lacks
   that run and brings itself in line from the registry (the search index is
   rebuilt the same way with ``catalogue reindex``, or ``catalogue check --repair``).

The registry itself never moves: it is always local, in ``data_dir/store``.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalogue.config import Settings
from catalogue.consistency import CheckReport, check
from catalogue.errors import CatalogueError
from catalogue.index.opening import open_index
from catalogue.store import Store, open_copy
from catalogue.vocabularies import Vocabularies

TARGETS = ("sparql", "elasticsearch", "embedded")


class MigrationError(CatalogueError, ValueError):
    """The migration asked for cannot be done with this configuration."""

    http_status = 400


@dataclass(frozen=True)
class Plan:
    store: str | None  # the triple-side backend to fill, if any
    search: str | None  # the search backend to fill, if any


@dataclass
class Migration:
    plan: Plan
    records: int = 0  # records copied to the triple side
    documents: int = 0  # documents indexed
    report: CheckReport | None = None

    def next_steps(self) -> list[str]:
        steps = []
        if self.plan.store:
            steps.append(f'[store] backend = "{self.plan.store}"')
        if self.plan.search:
            steps.append(f'[search] backend = "{self.plan.search}"')
        return steps


def plan(settings: Settings, to: str) -> Plan:
    """What ``--to`` means for this configuration, or why it cannot be done."""
    where = settings.config_path or "catalogue.toml"
    if to == "sparql":
        if settings.store.backend == "sparql":
            raise MigrationError('the store is already on a SPARQL server ([store] backend = "sparql")')
        absent = [k for k in ("query_url", "update_url", "graph_store_url") if not getattr(settings.store, k)]
        if absent:
            raise MigrationError(
                f"name the target server in {where}: [store] {', '.join(absent)} "
                '(keep backend = "embedded" until the copy is done)'
            )
        return Plan(store="sparql", search=None)
    if to == "elasticsearch":
        if settings.search.backend == "elasticsearch":
            raise MigrationError('search is already on Elasticsearch ([search] backend = "elasticsearch")')
        if not settings.search.url:
            raise MigrationError(
                f'name the cluster in {where}: [search] url (keep backend = "embedded" until the copy is done)'
            )
        return Plan(store=None, search="elasticsearch")
    if to == "embedded":
        chosen = Plan(
            store="embedded" if settings.store.backend != "embedded" else None,
            search="embedded" if settings.search.backend != "embedded" else None,
        )
        if chosen == Plan(None, None):
            raise MigrationError("the store and the search index are already embedded")
        return chosen
    raise MigrationError(f"--to must be one of {', '.join(TARGETS)}, not {to!r}")


def migrate(settings: Settings, store: Store, to: str, vocabularies: Vocabularies) -> Migration:
    """Fill the target backend(s) from ``store`` (opened read-only on the current ones) and check them."""
    from catalogue.consistency import reindex

    chosen = plan(settings, to)
    done = Migration(chosen)
    copy = open_copy(settings, chosen.store) if chosen.store else None
    try:
        index = (
            open_index(settings.search.model_copy(update={"backend": chosen.search}), settings.index_dir)
            if chosen.search
            else None
        )
        try:
            if copy is not None:
                done.records = copy.copy_from_registry(upto=copy.registry.generation())
            if index is not None:
                done.documents = reindex(store, index, vocabularies)
            # the copies, compared with the registry (the copy's registry is the store's)
            done.report = check(copy or store, index, triples=copy is not None)
        finally:
            if index is not None:
                index.close()
    finally:
        if copy is not None:
            copy.close()
    return done
