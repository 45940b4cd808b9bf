"""The embedded index and Elasticsearch side by side, as ``/api/search`` serves them.

Harvests one generated catalogue of N datasets (bench/generated.py), then for
each search backend — embedded (tantivy), Elasticsearch on one node, and on
three nodes (each cluster started here from Maven Central by
tests/es/launcher.py, or ``--es-url`` for a cluster of your own) —

* fills the index from the store, timed (what ``catalogue reindex`` and
  ``catalogue migrate`` do);
* serves the catalogue for real: a child process runs the app under uvicorn
  on 127.0.0.1 (no schedule, so nothing is fetched);
* sends Q ``/api/search`` requests (1-2 title words + 2 facet filters, as
  bench/search_catalogue.py) from 1 client, then from 8 concurrent clients,
  and prints p50/p95 and requests per second;
* measures the index on disk: the index folder, or the index's store size in
  the cluster (every copy: the three-node index has one replica).

    python bench/search_backends.py              # 10,000 datasets, 200 requests per run
    python bench/search_backends.py -n 2000 -q 100 --nodes 1
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from generated import harvested_catalogue
from search_catalogue import mixed_queries

from catalogue.backends import open_backends
from catalogue.config import SearchSettings, Settings
from catalogue.index import SearchQuery
from catalogue.index.documents import search_document
from catalogue.store import VISIBLE

SERVE = """
import sys, uvicorn
from pathlib import Path
from catalogue.backends import open_backends
from catalogue.config import load_settings
from catalogue.web import create_app
backends = open_backends(load_settings(Path(sys.argv[1])))
uvicorn.run(create_app(backends), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def launcher():
    """tests/es/launcher.py, loaded by path (tests/ is not a package)."""
    path = Path(__file__).resolve().parents[1] / "tests" / "es" / "launcher.py"
    spec = importlib.util.spec_from_file_location("catalogue_test_es", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def config_file(folder: Path, data_dir: Path, search: SearchSettings) -> Path:
    lines = ['[catalogue]\ntitle = "bench"\nbase_url = "http://127.0.0.1:8000"', f'data_dir = "{data_dir}"']
    if search.backend == "elasticsearch":
        lines += ["[search]", 'backend = "elasticsearch"', f'url = "{search.url}"']
        lines += [f'index_prefix = "{search.index_prefix}"']
    path = folder / f"{search.backend}-{search.index_prefix}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def fill(settings: Settings) -> float:
    """Seconds to fill a new index from the store (``open_backends`` rebuilds a new index)."""
    started = time.perf_counter()
    backends = open_backends(settings)
    seconds = time.perf_counter() - started
    backends.close()
    return seconds


def serve(config: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-c", SERVE, str(config), str(port)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/search", params={"size": 1}, timeout=5).is_success:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the catalogue did not start serving (stopped, or not within 120 s)")


def params(query: SearchQuery) -> dict[str, Any]:
    return {"q": query.text, **query.filters}


def load(url: str, queries: list[SearchQuery], clients: int) -> tuple[list[float], float]:
    """Each client sends its share of the queries one after the other; (latencies in ms, wall seconds)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def client(share: list[SearchQuery]) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            for query in share:
                started = time.perf_counter()
                http.get("/api/search", params=params(query)).raise_for_status()
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client, args=(queries[n::clients],)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def disk(search: SearchSettings, data_dir: Path) -> int:
    if search.backend != "elasticsearch":
        return sum(path.stat().st_size for path in (data_dir / "index").rglob("*") if path.is_file())
    alias = f"{search.index_prefix}-records"
    stats = httpx.get(f"{search.url}/{alias}/_stats/store", timeout=60).json()
    return int(stats["_all"]["total"]["store"]["size_in_bytes"])


def measure(
    name: str, settings: Settings, folder: Path, queries: list[SearchQuery], port: int
) -> dict[str, float]:
    filled = fill(settings)
    server = serve(config_file(folder, settings.data_dir, settings.search), port)
    try:
        url = f"http://127.0.0.1:{port}"
        load(url, queries[:10], 1)  # warm up, as a running server would be
        row: dict[str, float] = {"fill index (s)": filled}
        for clients in (1, 8):
            latencies, wall = load(url, queries, clients)
            row[f"{clients} client(s) p50 ms"] = statistics.median(latencies)
            row[f"{clients} client(s) p95 ms"] = percentile(latencies, 95)
            row[f"{clients} client(s) req/s"] = len(latencies) / wall
        row["index on disk (MB)"] = disk(settings.search, settings.data_dir) / 1e6
    finally:
        server.terminate()
        server.wait(30)
    print(f"  {name}: done", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the catalogue")
    parser.add_argument("-q", type=int, default=200, help="requests per run")
    parser.add_argument("--nodes", type=int, nargs="*", default=[1, 3], help="Elasticsearch cluster sizes")
    parser.add_argument("--es-url", default="", help="a cluster of your own instead of starting any")
    args = parser.parse_args()
    es = launcher()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        backends, run, harvested = harvested_catalogue(folder, args.n)
        settings = backends.settings
        documents = [
            search_document(record.meta, record.triples, backends.vocabularies)
            for record in backends.store.iter_records(VISIBLE)
            if record.meta.kind == "dataset"
        ]
        queries = mixed_queries(documents, args.q)
        backends.close()
        print(f"{run.published:,} datasets harvested in {harvested:.0f} s", flush=True)
        shutil.rmtree(settings.data_dir / "index")  # filled again from the store, timed
        results["embedded"] = measure("embedded", settings, folder, queries, es.free_port())
        clusters = [("given", args.es_url)] if args.es_url else [(str(size), "") for size in args.nodes]
        for size, url in clusters:
            cluster = None if url else es.Cluster(int(size)).start()
            try:
                search = SearchSettings(
                    backend="elasticsearch", url=url or cluster.url, index_prefix=f"bench{size}"
                )
                name = f"ES {size} node(s)" if not url else "ES (given)"
                on_es = Settings(settings.title, settings.base_url, settings.data_dir, search=search)
                results[name] = measure(name, on_es, folder, queries, es.free_port())
            finally:
                if cluster is not None:
                    cluster.stop()
    print(f"\n{args.n:,} datasets, {args.q} /api/search requests per run (1-2 words + 2 facet filters)")
    names = list(results)
    print(f"{'measure':<24}" + "".join(f"{name:>16}" for name in names))
    for measure_name in results["embedded"]:
        cells = "".join(f"{results[name][measure_name]:>16,.2f}" for name in names)
        print(f"{measure_name:<24}{cells}")


if __name__ == "__main__":
    main()
