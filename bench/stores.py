"""Triple store backends side by side: embedded pyoxigraph, the Oxigraph server, Virtuoso.

For each backend, in one run and on the same generated document of N datasets
(``catalogue.demo.generated.generate_catalog``, every 50th invalid): a fresh catalogue
configured with that ``[store]``, harvested end to end (fetch → validate →
store → index), the store's share of it (staging + commit, and within the
commit the time spent writing the triple side), then the SPARQL query set of
``bench/sparql.py`` through ``SparqlService`` (what ``/sparql`` runs: for the
embedded store its in-memory view, for a server the forwarded query), p50 and
p95 per query, and the disk used (registry + triples; for a server, its
database folder after a checkpoint), and how long ``catalogue check`` takes
to compare registry, index and triple side record by record. The servers are started privately in a
tmp dir (see ``tests/store/servers.py``) and stopped after.

    python bench/stores.py                 # 10,000 datasets, 10 runs per query
    python bench/stores.py -n 100000 -r 5
    python bench/stores.py -n 2000 --backends embedded oxigraph
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sparql import QUERIES, fill_publisher, percentile, time_runs

from catalogue.backends import open_backends
from catalogue.config import Limits as FetchLimits
from catalogue.config import Settings, Source, StoreSettings
from catalogue.consistency import check
from catalogue.demo.generated import generate_catalog
from catalogue.harvest import harvest_source
from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService

BACKENDS = ("embedded", "oxigraph", "virtuoso")
MIRROR_METHODS = ("add_graphs", "remove_graphs", "add", "remove", "clear", "flush")


def load_servers_module():
    path = Path(__file__).resolve().parents[1] / "tests" / "store" / "servers.py"
    spec = importlib.util.spec_from_file_location("catalogue_test_servers", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["catalogue_test_servers"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


servers = load_servers_module()


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def time_mirror(triples) -> dict[str, float]:
    """Accumulate the seconds spent in the triple side's writing methods."""
    spent = {"seconds": 0.0}
    for name in MIRROR_METHODS:
        method = getattr(triples, name)

        def timed(*args, _method=method, **kwargs):
            started = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                spent["seconds"] += time.perf_counter() - started

        setattr(triples, name, timed)
    return spent


def start(name: str, folder: Path):
    if name == "oxigraph":
        binary = servers.oxigraph_binary()
        return servers.OxigraphServer(folder, binary, timeout_seconds=300) if binary else None
    if name == "virtuoso":
        binary = servers.virtuoso_binary()
        return servers.VirtuosoServer(folder, binary, memory_mb=4096, timeout_seconds=300) if binary else None
    return None


def checkpoint(server) -> None:
    """Let Virtuoso write its pages into the database file, so the folder shows the real size."""
    isql = shutil.which("isql-vt")
    if server.name != "virtuoso" or isql is None:
        return
    port = next(
        line.split(":")[-1].strip()
        for line in (server.folder / "virtuoso.ini").read_text().splitlines()
        if line.startswith("ServerPort") and "127.0.0.1" in line
    )
    subprocess.run(
        [isql, port, "dba", server.settings.password, "exec=checkpoint;"], check=True, capture_output=True
    )


def bench(name: str, document: Path, folder: Path, runs: int) -> dict | None:
    server = None
    if name != "embedded":
        server = start(name, folder / "server")
        if server is None:
            print(f"({name}: not installed, skipped)", file=sys.stderr)
            return None
    try:
        store = server.settings if server else StoreSettings()
        source = Source(name="bench", title="Benchmark node", url=str(document))
        limits = FetchLimits(max_bytes=8 * 1024**3)  # one document of 100,000 datasets is 400 MB
        settings = Settings("bench", "http://127.0.0.1:8000", folder / "data", (source,), limits, store=store)
        started = time.perf_counter()
        backends = open_backends(settings)
        mirror = time_mirror(backends.store.triples)  # type: ignore[attr-defined]
        result = harvest_source(source, backends)
        total = time.perf_counter() - started
        if result.run.outcome != "ok":
            raise RuntimeError(f"{name}: the harvest failed: {result.run.error}")
        if backends.store.generation() != result.run.id:
            raise RuntimeError(f"{name}: the triple side is not in line after the harvest (see the log)")
        timings = result.timings
        started = time.perf_counter()
        report = check(backends.store, backends.index)
        checked = time.perf_counter() - started
        if not report.in_line:
            raise RuntimeError(f"{name}: catalogue check found drift after the harvest")
        service = SparqlService(backends.store, Limits(timeout=300, max_rows=100_000))
        started = time.perf_counter()
        service.execute(QUERIES["count datasets"])  # embedded: builds the in-memory view
        first = time.perf_counter() - started
        fill_publisher(service)
        latencies = {}
        for query_name, query in QUERIES.items():
            service.execute(query)  # warm
            latencies[query_name] = time_runs(lambda q=query: service.execute(q), runs)
        service.close()
        backends.close()
        disk = folder_bytes(folder / "data" / "store")
        if server is not None:
            checkpoint(server)
            disk += folder_bytes(server.folder)
        return {
            "run": result.run,
            "total": total,
            "store": timings.get("stage", 0.0) + timings.get("commit", 0.0),
            "mirror": mirror["seconds"],
            "validate": timings.get("validate", 0.0),
            "first": first,
            "check": checked,
            "latencies": latencies,
            "disk": disk,
        }
    finally:
        if server is not None:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the catalogue")
    parser.add_argument("-r", type=int, default=10, help="runs per query")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args()
    began = time.perf_counter()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "catalog.ttl"
        document.write_bytes(generate_catalog(args.n, invalid_every=50))
        for name in args.backends:
            (Path(tmp) / name / "server").mkdir(parents=True)
            print(f"{name} …", file=sys.stderr, flush=True)
            started = time.perf_counter()
            try:
                outcome = bench(name, document, Path(tmp) / name, args.r)
            except Exception as error:  # one backend failing should not lose the others' figures
                print(f"{name} failed: {error}", file=sys.stderr, flush=True)
                continue
            print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            if outcome is not None:
                results[name] = outcome
    names = list(results)
    if not names:
        return
    run = results[names[0]]["run"]
    print(
        f"{args.n:,} generated datasets ({run.published:,} published, {run.rejected:,} rejected); "
        f"{args.r} runs per query; whole benchmark {time.perf_counter() - began:.0f} s"
    )
    print()
    width = 30
    print(f"{'':<{width}}" + "".join(f"{name:>22}" for name in names))

    def row(label: str, cell) -> None:
        print(f"{label:<{width}}" + "".join(f"{cell(results[name]):>22}" for name in names))

    row("harvest, end to end (s)", lambda r: f"{r['total']:.1f}")
    row("  of which validation (s)", lambda r: f"{r['validate']:.1f}")
    row("  of which store (s)", lambda r: f"{r['store']:.1f}")
    row("    of which triple side (s)", lambda r: f"{r['mirror']:.1f}")
    row("catalogue check (s)", lambda r: f"{r['check']:.1f}")
    row("first query (s)", lambda r: f"{r['first']:.2f}")
    row("disk (MB)", lambda r: f"{r['disk'] / 1e6:.0f}")
    print()
    print(f"{'query: p50 / p95 ms':<{width}}" + "".join(f"{name:>22}" for name in names))
    for query_name in QUERIES:
        row(
            query_name,
            lambda r, q=query_name: (
                f"{statistics.median(r['latencies'][q]):.1f} / {percentile(r['latencies'][q], 95):.1f}"
            ),
        )


if __name__ == "__main__":
    main()
