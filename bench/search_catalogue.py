"""Search latency as the website and JSON API see it, on a harvested catalogue.

Harvests one generated document of N datasets (the demo generator's
benchmark catalogue) into a temporary catalogue, then times 200 mixed
queries — one or two words from real titles plus two facet filters taken
from a real record — twice: at the index (``SearchIndex.search``) and through
the search service the web pages and ``/api/search`` use (index + result
records from the store + facet labels). All in-process; prints a table.

    python bench/search_catalogue.py          # 10,000 datasets, 200 queries
    python bench/search_catalogue.py -n 2000 -q 500
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from generated import harvested_catalogue

from catalogue.index import SearchDocument, SearchQuery
from catalogue.index.documents import search_document
from catalogue.search import Labeller, search
from catalogue.store import VISIBLE


def mixed_queries(documents: list[SearchDocument], count: int, seed: int = 11) -> list[SearchQuery]:
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        document = rng.choice(documents)
        words = re.findall(r"\w{4,}", " ".join(v for values in document.title.values() for v in values))
        text = " ".join(rng.sample(words, k=min(len(words), rng.randint(1, 2))))
        names = [name for name, values in document.facets.items() if values and name != "source"]
        filters = {name: [rng.choice(document.facets[name])] for name in rng.sample(names, k=2)}
        queries.append(SearchQuery(text=text, filters=filters))
    return queries


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def timed(function, queries: list[SearchQuery]) -> tuple[list[float], int]:
    latencies, hits = [], 0
    for query in queries:
        started = time.perf_counter()
        total = function(query)
        latencies.append((time.perf_counter() - started) * 1000)
        hits += total > 0
    return latencies, hits


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the catalogue")
    parser.add_argument("-q", type=int, default=200, help="queries to run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        backends, run, harvested = harvested_catalogue(Path(tmp), args.n)
        documents = [
            search_document(r.meta, r.triples, backends.vocabularies)
            for r in backends.store.iter_records(VISIBLE)
            if r.meta.kind == "dataset"
        ]
        queries = mixed_queries(documents, args.q)
        labeller = Labeller(backends)
        for query in queries[:5]:  # warm the caches once, as a running server would be
            search(backends, labeller, query, "en")
        index_ms, index_hits = timed(lambda q: backends.index.search(q).total, queries)
        service_ms, _ = timed(lambda q: search(backends, labeller, q, "en").total, queries)
        backends.close()

    print(
        f"Search over {run.published:,} published datasets (harvested in {harvested:.0f} s); {args.q} queries,"
    )
    print(f"each 1-2 title words + 2 facet filters; {index_hits} of them have hits")
    print()
    print(f"{'layer':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in (
        ("index (SearchIndex.search)", index_ms),
        ("service (index + store + labels)", service_ms),
    ):
        print(
            f"{name:<36} {statistics.median(values):>8.2f} {percentile(values, 95):>8.2f} {max(values):>8.2f}"
        )


if __name__ == "__main__":
    main()
