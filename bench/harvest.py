"""End-to-end harvest benchmark: one generated document of N datasets.

Prints records/s per stage (walk = fetch + parse, split, validate, stage,
commit, index) and the peak RSS of the harvesting process. The harvest runs
in a child process so its peak memory is not mixed with the generator's.

    python bench/harvest.py            # 10,000 datasets
    python bench/harvest.py -n 2000
"""

from __future__ import annotations

import argparse
import json
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
    print(json.dumps({"timings": result.timings, "total": total, "second": second, "second_unchanged": again.unchanged, "peak_kb": peak_kb, "total_kb": total_kb, "run": {
        "found": result.run.found, "published": result.run.published, "rejected": result.run.rejected,
        "outcome": result.run.outcome, "error": result.run.error}}))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the document")
    parser.add_argument("--child", nargs=2, metavar=("DOCUMENT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        harvest_child(Path(args.child[0]), Path(args.child[1]))
        return

    from catalogue.demo.generated import generate_catalog

    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "catalog.ttl"
        started = time.perf_counter()
        document.write_bytes(generate_catalog(args.n, invalid_every=50))
        generated = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(document), str(Path(tmp) / "data")],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        result = json.loads(child.stdout.strip().splitlines()[-1])

    run, timings = result["run"], result["timings"]
    print(
        f"End-to-end harvest of {args.n:,} generated datasets ({document.name}, generated in {generated:.1f} s)"
    )
    print(
        f"outcome {run['outcome']}: {run['found']} found, {run['published']} published, {run['rejected']} rejected"
    )
    if run["error"]:
        print(f"error: {run['error']}")
    print()
    print(f"{'stage':<10} {'seconds':>9} {'records/s':>11}")
    for stage in ("walk", "split", "validate", "stage", "commit", "index"):
        seconds = timings.get(stage, 0.0)
        rate = args.n / seconds if seconds else float("inf")
        print(f"{stage:<10} {seconds:>9.2f} {rate:>11,.0f}")
    print(f"{'total':<10} {result['total']:>9.2f} {args.n / result['total']:>11,.0f}")
    print(
        f"{'again':<10} {result['second']:>9.2f} {args.n / result['second']:>11,.0f}"
        f"   (same document harvested again: {result['second_unchanged']:,} unchanged)"
    )
    print(f"peak RSS   {result['peak_kb'] / 1024:>9.0f} MB (harvesting process)")
    print(f"           {result['total_kb'] / 1024:>9.0f} MB (with its validation workers, sampled)")


if __name__ == "__main__":
    main()
