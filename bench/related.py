"""What related datasets cost a dataset page: p50/p95 of /datasets/{id} with and without them, same run.

Generates N datasets (20 publishers, so about N/20 share each; every 10 form
a series; each is a version of the one before; each is coded with one of 50
ICD-10 codes, so about N/50 share each), harvests them into ``--data`` once,
serves them with uvicorn on 127.0.0.1, builds the SPARQL snapshot, and then
requests the pages of ``--pages`` random datasets in turns: once as shipped
(related datasets found through the SPARQL worker pool), once with the lookup
switched off in this process (the baseline: the page as it was before). Also
times the related query alone and /api/datasets/{id}. Prints a table.

    python bench/related.py --data /tmp/related-bench -n 10000
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from pathlib import Path

import httpx
import uvicorn

import catalogue.web.pages as pages
from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.demo.generated import generate_catalog
from catalogue.harvest import harvest_source
from catalogue.related import related_datasets

BASE = "https://bench.example.org/"
DCT, DCAT, HEALTH = (
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/dcat#",
    "http://healthdataportal.eu/ns/health#",
)


def links(n: int) -> str:
    """Series, versions and codes for the generated datasets (Turtle, full IRIs)."""
    out = []
    for index in range(n):
        dataset = f"<{BASE}dataset/{index + 1:06d}>"
        out.append(f"{dataset} <{DCAT}inSeries> <{BASE}series/{index // 10}> .")
        out.append(
            f"{dataset} <{HEALTH}hasCodeValues> <http://id.who.int/icd/release/10/C{index % 50:02d}> ."
        )
        if index % 10:
            out.append(f"{dataset} <{DCT}isVersionOf> <{BASE}dataset/{index:06d}> .")
    return "\n".join(out) + "\n"


def prepare(folder: Path, n: int) -> Settings:
    source = Source(name="bench", title="Benchmark node", url=str(folder / "catalog.ttl"))
    settings = Settings("bench", "http://127.0.0.1:8000", folder / "data", (source,))
    if not (folder / "data").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "catalog.ttl").write_bytes(generate_catalog(n) + b"\n" + links(n).encode())
        backends = open_backends(settings)
        started = time.perf_counter()
        run = harvest_source(source, backends).run
        print(
            f"harvested {run.found} datasets ({run.published} published) in {time.perf_counter() - started:.0f} s"
        )
        backends.close()
    return settings


def get(client: httpx.Client, path: str) -> float:
    """Seconds one request took (its answer checked)."""
    started = time.perf_counter()
    client.get(path).raise_for_status()
    return time.perf_counter() - started


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder for the harvested catalogue (kept)")
    parser.add_argument("-n", type=int, default=10_000, help="datasets to generate (first run only)")
    parser.add_argument("--pages", type=int, default=60, help="dataset pages requested per variant")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    settings = prepare(args.data, args.n)
    backends = open_backends(settings)
    import catalogue.web

    app = catalogue.web.create_app(backends)
    server = uvicorn.Server(uvicorn.Config(app, "127.0.0.1", args.port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    service, provenance = app.state.sparql, backends.store.provenance_graph().value
    started = time.perf_counter()
    service.execute("ASK {}", deadline=time.monotonic() + 3600)
    print(f"SPARQL snapshot of {args.n:,} datasets built in {time.perf_counter() - started:.0f} s")
    metas = backends.store.metas(statuses=["published"], kind="dataset")
    chosen = random.Random(7).sample(metas, min(args.pages, len(metas)))
    shipped, off = pages.related_datasets, lambda *args, **kwargs: []
    times: dict[str, list[float]] = {
        "before (no related)": [],
        "after (related)": [],
        "api after": [],
        "query": [],
    }
    listed = []
    with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=60) as client:
        for meta in chosen[:5]:  # warm up: workers, caches
            client.get(f"/datasets/{meta.id}")
        for meta in chosen:
            pages.related_datasets = off  # type: ignore[assignment]
            times["before (no related)"].append(get(client, f"/datasets/{meta.id}"))
            pages.related_datasets = shipped
            times["after (related)"].append(get(client, f"/datasets/{meta.id}"))
            times["api after"].append(get(client, f"/api/datasets/{meta.id}"))
            started = time.perf_counter()
            found = related_datasets(service, provenance, meta.uri)
            times["query"].append(time.perf_counter() - started)
            listed.append(len(found) if found is not None else -1)
    server.should_exit = True
    base50 = statistics.median(times["before (no related)"])
    print(
        f"\n{args.n:,} datasets, {len(chosen)} pages each, in turns; related listed per page: "
        f"median {statistics.median(listed)}, none in time: {listed.count(-1)}\n"
    )
    print("| what | p50 (ms) | p95 (ms) | p50 / before |")
    print("|---|---|---|---|")
    for name, values in times.items():
        p50, p95 = percentiles(values)
        print(f"| {name} | {p50 * 1000:.1f} | {p95 * 1000:.1f} | {p50 / base50:.2f} |")
    backends.close()


if __name__ == "__main__":
    main()
