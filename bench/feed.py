"""Streaming the DCAT-AP feed: datasets/s and peak memory, for growing catalogues.

For each size N, harvests the demo generator's benchmark catalogue of N
datasets into a temporary catalogue (in this process), closes it, then runs
the measurement in a child process so that its peak RSS is the streaming's
own: the child opens the backends and streams the whole feed as Turtle, all
pages at page_size 1000, through the same generator the ``/catalog`` route
uses; a second child does the same over HTTP (uvicorn on 127.0.0.1, httpx
streaming the body). Prints a table.

    python bench/feed.py                 # N = 1,000 and 10,000
    python bench/feed.py -n 1000 -n 5000
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

from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.demo.generated import generate_catalog
from catalogue.feed import TURTLE, FeedQuery, feed_chunks, select_page
from catalogue.harvest import harvest_source

PAGE_SIZE = 1000
BASE_URL = "http://127.0.0.1:8000"


def settings_for(folder: Path) -> Settings:
    source = Source(name="bench", title="Benchmark node", url=str(folder / "catalog.ttl"))
    return Settings("Benchmark catalogue", BASE_URL, folder / "data", (source,))


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    """VmHWM: the peak RSS of this process image (ru_maxrss would carry over the parent's across exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream_in_process(folder: Path) -> dict:
    backends = open_backends(settings_for(folder))
    baseline = rss_mb()
    started = time.perf_counter()
    datasets = pages = size = 0
    page_number, last = 1, 1
    while page_number <= last:
        page = select_page(backends, FeedQuery(page=page_number, page_size=PAGE_SIZE))
        last = page.last
        for chunk in feed_chunks(backends, page, TURTLE):
            size += len(chunk)
        datasets += len(page.entries)
        pages += 1
        page_number += 1
    elapsed = time.perf_counter() - started
    result = {"datasets": datasets, "pages": pages, "bytes": size, "seconds": elapsed}
    result |= {"baseline_mb": baseline, "peak_mb": peak_mb()}
    backends.close()
    return result


def stream_over_http(folder: Path) -> dict:
    import httpx
    import uvicorn

    from catalogue.web import create_app

    backends = open_backends(settings_for(folder))
    config = uvicorn.Config(create_app(backends), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    baseline = rss_mb()
    total = backends.store.metas()  # only to know how many pages there are
    count = sum(m.kind == "dataset" for m in total)
    del total
    started = time.perf_counter()
    size = 0
    pages = max(1, -(-count // PAGE_SIZE))
    with httpx.Client(timeout=600) as client:
        for page_number in range(1, pages + 1):
            params = {"page": page_number, "page_size": PAGE_SIZE}
            with client.stream("GET", f"http://127.0.0.1:{port}/catalog.ttl", params=params) as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    size += len(chunk)
    elapsed = time.perf_counter() - started
    server.should_exit = True
    thread.join()
    result = {"datasets": count, "pages": pages, "bytes": size, "seconds": elapsed}
    result |= {"baseline_mb": baseline, "peak_mb": peak_mb()}
    backends.close()
    return result


def child(mode: str, folder: str) -> None:
    function = stream_in_process if mode == "inproc" else stream_over_http
    print(json.dumps(function(Path(folder))))


def measure(mode: str, folder: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, action="append", help="datasets (repeat; default 1000 and 10000)")
    parser.add_argument("--no-http", action="store_true", help="skip the measurement over HTTP")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = []
    for n in args.n or [1000, 10_000]:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "catalog.ttl").write_bytes(generate_catalog(n))
            backends = open_backends(settings_for(folder))
            started = time.perf_counter()
            run = harvest_source(backends.settings.sources[0], backends).run
            harvested = time.perf_counter() - started
            backends.close()
            print(f"harvested {run.published:,} datasets in {harvested:.1f} s", file=sys.stderr)
            for mode in ("inproc",) if args.no_http else ("inproc", "http"):
                rows.append((n, mode, measure(mode, folder)))
    print()
    print(f"Streaming the whole feed as Turtle, page_size {PAGE_SIZE}, each in a fresh child process")
    print()
    header = f"{'N':>7} {'how':<11} {'pages':>5} {'MB out':>8} {'seconds':>8} {'datasets/s':>11}"
    print(header + f" {'RSS open MB':>12} {'peak RSS MB':>12} {'growth MB':>10}")
    for n, mode, r in rows:
        rate = r["datasets"] / r["seconds"] if r["seconds"] else 0.0
        print(
            f"{n:>7,} {'in-process' if mode == 'inproc' else 'HTTP':<11} {r['pages']:>5} "
            f"{r['bytes'] / 2**20:>8.1f} {r['seconds']:>8.2f} {rate:>11,.0f} "
            f"{r['baseline_mb']:>12.0f} {r['peak_mb']:>12.0f} {r['peak_mb'] - r['baseline_mb']:>10.0f}"
        )


if __name__ == "__main__":
    main()
