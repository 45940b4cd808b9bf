"""End-to-end harvest benchmark: one generated document of N datasets.

Prints the seconds of each stage (walk = fetch + parse, split, validate, stage,
commit, index) and the peak RSS of the harvesting process. The harvest runs
in a child process so its peak memory is not mixed with the generator's.

    python bench/harvest.py            # 10,000 datasets, this checkout
    python bench/harvest.py -n 100000 --build before=/tmp/base --build after=.

Each ``--build NAME=CHECKOUT`` harvests the same document in turn, with this
interpreter and the checkout first on the path; the table has a column per
build and, for two, the ratio after/before.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


class MemorySampler(threading.Thread):
    """Peak of this process's RSS plus its children's (the validation workers)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            pids = ["self"]
            for children in Path("/proc/self/task").glob("*/children"):
                pids += children.read_text().split()
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in pids))
            time.sleep(0.05)


def _rss_kb(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def harvest_child(document: Path, data_dir: Path) -> None:
    import catalogue
    from catalogue.backends import open_backends
    from catalogue.config import Limits, Settings, Source
    from catalogue.harvest import harvest_source

    source = Source(name="bench", title="Benchmark node", url=str(document))
    # the default cap on a document (200 MB) is below 100,000 generated datasets (~270 MB): raised to fit
    limits = Limits(
        max_bytes=max(Limits().max_bytes, 2 * document.stat().st_size), harvest_timeout_seconds=86_400
    )
    settings = Settings(
        title="bench", base_url="http://127.0.0.1:8000", data_dir=data_dir, sources=(source,), limits=limits
    )
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    backends = open_backends(settings)
    result = harvest_source(source, backends)
    total = time.perf_counter() - started
    started = time.perf_counter()
    again = harvest_source(source, backends).run  # same document: nothing should be rewritten
    second = time.perf_counter() - started
    backends.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sampler.running = False
    total_kb = sampler.peak_kb
    print(json.dumps({"module": catalogue.__file__, "timings": result.timings, "total": total, "second": second, "second_unchanged": again.unchanged, "peak_kb": peak_kb, "total_kb": total_kb, "run": {
        "found": result.run.found, "published": result.run.published, "rejected": result.run.rejected,
        "outcome": result.run.outcome, "error": result.run.error}}))  # fmt: skip


def run_build(checkout: Path, document: Path, data_dir: Path) -> dict:
    """One harvest by the catalogue of ``checkout`` (this interpreter, the checkout first on the path)."""
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(document), str(data_dir)],
        check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(checkout.resolve())},
    )  # fmt: skip
    result = json.loads(child.stdout.strip().splitlines()[-1])
    if not Path(result["module"]).resolve().is_relative_to(checkout.resolve()):
        raise SystemExit(f"{checkout}: the child imported {result['module']} instead")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the document")
    parser.add_argument("--build", action="append", default=[], help="NAME=path to a checkout (repeat)")
    parser.add_argument("--child", nargs=2, metavar=("DOCUMENT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        harvest_child(Path(args.child[0]), Path(args.child[1]))
        return
    builds = [(name, Path(path)) for name, path in (b.split("=", 1) for b in args.build)]
    builds = builds or [("this", Path(__file__).resolve().parents[1])]

    from catalogue.demo.generated import generate_catalog

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "catalog.ttl"
        started = time.perf_counter()
        document.write_bytes(generate_catalog(args.n, invalid_every=50))
        generated = time.perf_counter() - started
        print(f"One document of {args.n:,} generated datasets ({document.stat().st_size / 2**20:,.0f} MB, "
              f"generated in {generated:.1f} s)")  # fmt: skip
        for name, checkout in builds:
            results[name] = result = run_build(checkout, document, Path(tmp) / f"data-{name}")
            run = result["run"]
            print(f"{name}: {run['outcome']}, {run['found']:,} found, {run['published']:,} published, "
                  f"{run['rejected']:,} rejected" + (f"; error: {run['error']}" if run["error"] else ""))  # fmt: skip
    print_table(args.n, results)


def print_table(n: int, results: dict[str, dict]) -> None:
    names = list(results)
    rows: list[tuple[str, list[float], str]] = [
        (stage, [r["timings"].get(stage, 0.0) for r in results.values()], "s")
        for stage in ("walk", "split", "validate", "stage", "commit", "index")
    ]
    rows += [
        ("total", [r["total"] for r in results.values()], "s"),
        ("again, unchanged", [r["second"] for r in results.values()], "s"),
        ("peak RSS, harvester", [r["peak_kb"] / 1024 for r in results.values()], "MB"),
        ("peak RSS, with workers", [r["total_kb"] / 1024 for r in results.values()], "MB"),
    ]
    print()
    print(f"{'':<30}" + "".join(f"{name:>12}" for name in names) + ("   ratio" if len(names) == 2 else ""))
    for label, values, unit in rows:
        line = f"{label + f' ({unit})':<30}" + "".join(f"{v:>12,.1f}" for v in values)
        if len(values) == 2 and values[0]:
            line += f"   {values[1] / values[0]:.2f}"
        print(line)
    print(f"\n{n:,} datasets; records/s = {n:,} / seconds")


if __name__ == "__main__":
    main()
