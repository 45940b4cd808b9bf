"""The store's typed queries against the ``query(**options)`` they replaced, side by side on each backend.

For each backend (embedded pyoxigraph, the Oxigraph server, Virtuoso), on one
catalogue harvested from a generated document of N datasets, times in the same
run (medians of R runs, after one warm-up):

* **catalogue summary** — what the feed borrows from a source's catalogue
  record. Now: ``construct(summary_query(root), default_graph=[record graph])``.
  Before: ``GRAPH ?g`` in the text, ``?g`` and ``?root`` bound by pyoxigraph's
  ``substitutions`` (embedded) or by a VALUES block written into the query
  (on a server, as ``sparql_syntax.with_values`` (now catalogue/sparql/syntax.py) did);
* **provenance rows** — every record's id, hash and status (what ``catalogue
  check`` reads): ``select()`` giving typed rows, against the raw pyoxigraph
  result iterated (embedded) or the same request read the old way (a server:
  the answer parsed, each row's terms taken).

    python bench/store_queries.py                # 2,000 datasets, 30 runs
    python bench/store_queries.py -n 10000 -r 20 --backends embedded oxigraph
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from stores import BACKENDS, start

from catalogue.backends import open_backends
from catalogue.config import Settings, Source, StoreSettings
from catalogue.demo.generated import generate_catalog
from catalogue.describe import BORROWED_IRIS, summary_query
from catalogue.harvest import harvest_source
from catalogue.store import Store
from catalogue.store.embedded import EmbeddedStore
from catalogue.store.mirror import MirroredStore

DCT = "http://purl.org/dc/terms/"
_WANTED = ", ".join(
    f"<{p}>" for p in [DCT + "description", DCT + "publisher", DCT + "title", DCT + "issued", *BORROWED_IRIS]
)
#: the feed's summary query as it was (catalogue/describe.py before the typed queries)
BEFORE_SUMMARY = f"""
CONSTRUCT {{ ?root ?p ?o . ?agent ?q ?v }}
WHERE {{ GRAPH ?g {{
  {{ ?root ?p ?o FILTER(?p IN ({_WANTED})) }}
  UNION
  {{ ?root <http://purl.org/dc/terms/publisher> ?agent . ?agent ?q ?v
    FILTER(?q IN (<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>, <http://xmlns.com/foaf/0.1/name>)) }}
}} }}
"""
PROVENANCE_ROWS = (
    "SELECT ?id ?hash ?status WHERE {{ GRAPH {graph} {{ ?r <https://w3id.org/catalogue/ns#recordId> ?id ; "
    "<https://w3id.org/catalogue/ns#contentHash> ?hash ; <https://w3id.org/catalogue/ns#status> ?status }} }}"
)


def paired(
    before: Callable[[], list], after: Callable[[], list], runs: int
) -> tuple[float, float, list, list]:
    """Medians (ms) of the two, run alternately so the machine's noise falls on both alike; and their results."""
    old, new = before(), after()  # warm
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for action, spent in ((before, times[0]), (after, times[1])):
            started = time.perf_counter()
            action()
            spent.append(time.perf_counter() - started)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000, old, new


def summary_before(store: Store, graph: ox.NamedNode, root: ox.NamedNode) -> list[ox.Triple]:
    if isinstance(store, EmbeddedStore):
        bindings = {ox.Variable("g"): graph, ox.Variable("root"): root}
        return list(store.db.query(BEFORE_SUMMARY, substitutions=bindings))  # type: ignore[arg-type]
    assert isinstance(store, MirroredStore)
    values = f" VALUES (?g ?root) {{ ({graph} {root}) }} "
    at = BEFORE_SUMMARY.index("WHERE {") + len("WHERE {")
    return store.triples.construct(BEFORE_SUMMARY[:at] + values + BEFORE_SUMMARY[at:])


def rows_before(store: Store, query: str) -> list[tuple[str, ...]]:
    """Rows as the old ``query()`` gave them: pyoxigraph solutions, each term read by variable."""
    if isinstance(store, EmbeddedStore):
        result = store.db.query(query)
    else:
        server = store.sparql_server()
        assert server is not None
        answer = server.open_query(query, "application/sparql-results+json", [], [], 60)
        try:
            result = ox.parse_query_results(answer.body.readall(), format=ox.QueryResultsFormat.JSON)
        finally:
            answer.close()
    assert isinstance(result, ox.QuerySolutions)
    return [(row["id"].value, row["hash"].value, row["status"].value) for row in result]  # type: ignore[union-attr]


def bench(name: str, document: Path, folder: Path, runs: int) -> list[tuple[str, float, float, int]] | None:
    server = start(name, folder / "server") if name != "embedded" else None
    if name != "embedded" and server is None:
        print(f"({name}: not installed, skipped)", file=sys.stderr)
        return None
    try:
        source = Source(name="bench", title="Benchmark node", url=str(document))
        store_settings = server.settings if server else StoreSettings()
        settings = Settings(
            "bench", "http://127.0.0.1:8000", folder / "data", (source,), store=store_settings
        )
        backends = open_backends(settings)
        harvest_source(source, backends)
        store = backends.store
        (catalog,) = store.metas(kind="catalog")
        graph, root = store.record_graph(catalog.id), ox.NamedNode(catalog.uri)
        before, after, old, new = paired(
            lambda: summary_before(store, graph, root),
            lambda: store.construct(summary_query(root), default_graph=[graph]),
            runs,
        )
        if set(new) != set(old) or not new:
            raise RuntimeError(f"{name}: the two summaries differ")
        query = PROVENANCE_ROWS.format(graph=store.provenance_graph())
        rows_old, rows_new, old_rows, rows = paired(
            lambda: rows_before(store, query), lambda: store.select(query), runs
        )
        if len(rows) != len(old_rows):
            raise RuntimeError(f"{name}: the two row sets differ")
        backends.close()
        return [
            ("catalogue summary", before, after, len(new)),
            ("provenance rows", rows_old, rows_new, len(rows)),
        ]
    finally:
        if server is not None:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=2_000, help="datasets in the catalogue")
    parser.add_argument("-r", type=int, default=30, help="runs per query")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args()
    print(f"{args.n:,} datasets, median of {args.r} runs (ms); before = query(**options), after = typed")
    print(
        f"| {'backend':<9} | {'query':<18} | {'before':>8} | {'after':>8} | {'after/before':>12} | {'size':>6} |"
    )
    print(f"|{'-' * 11}|{'-' * 20}|{'-' * 10}|{'-' * 10}|{'-' * 14}|{'-' * 8}|")
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "catalog.ttl"
        document.write_bytes(generate_catalog(args.n))
        for name in args.backends:
            (Path(tmp) / name / "server").mkdir(parents=True)
            for query, before, after, size in bench(name, document, Path(tmp) / name, args.r) or []:
                print(
                    f"| {name:<9} | {query:<18} | {before:>8.2f} | {after:>8.2f} | {after / before:>12.2f} | {size:>6} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
