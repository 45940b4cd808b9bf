"""Harvesting a Hydra-paged feed over HTTP: first harvest, unchanged, 1% changed — time and peak RSS.

For each size N, writes a generated feed of N datasets in pages of 100
(``hydra:next`` links, like CKAN's) into a temporary folder, serves it with
Python's HTTP server on 127.0.0.1 (which answers If-Modified-Since with 304),
and harvests it three times into one catalogue, each harvest in a fresh child
process so that its peak RSS is its own: first; again with nothing changed;
again after 1% of the datasets changed (one on every page, so no page is
answered 304).
Peak RSS is the harvesting process's (VmHWM) and, sampled, with its
validation worker processes. Prints a table.

    python bench/harvest_feed.py                # N = 5,000 and 50,000
    python bench/harvest_feed.py -n 2000
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from harvest import MemorySampler  # bench/harvest.py: RSS of this process and its children

PAGE_SIZE = 100
HYDRA = "http://www.w3.org/ns/hydra/core#"
BASE = "https://bench.example.org/"


def write_feed(folder: Path, n: int, port: int, changed: bool = False) -> None:
    """Pages page-0001.ttl …; with ``changed``, every 100th dataset gets one more keyword.

    That is one changed dataset on every page, so every page is rewritten and
    fetched again: the harvest must find the 1% by content hash.
    """
    from catalogue.demo.generated import generate_catalog

    pages = max(1, -(-n // PAGE_SIZE))
    for number in range(1, pages + 1):
        first = (number - 1) * PAGE_SIZE
        size = min(PAGE_SIZE, n - first)
        text = generate_catalog(size, base=BASE, first=first).decode()
        url = f"http://127.0.0.1:{port}/page-{number:04d}.ttl"
        text += f"\n<{BASE}catalog> <{HYDRA}view> <{url}> .\n<{url}> a <{HYDRA}PartialCollectionView> .\n"
        if number < pages:
            text += f"<{url}> <{HYDRA}next> <http://127.0.0.1:{port}/page-{number + 1:04d}.ttl> .\n"
        if changed:
            for index in range(first, first + size, 100):
                text += (
                    f'<{BASE}dataset/{index + 1:06d}> <http://www.w3.org/ns/dcat#keyword> "changed"@en .\n'
                )
        (folder / f"page-{number:04d}.ttl").write_text(text)


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def harvest_child(url: str, data_dir: Path) -> None:
    from catalogue.backends import open_backends
    from catalogue.config import Settings, Source
    from catalogue.harvest import harvest_source

    source = Source(name="bench", title="Benchmark node", url=url)
    settings = Settings(title="bench", base_url="http://127.0.0.1:8000", data_dir=data_dir, sources=(source,))
    sampler = MemorySampler()
    sampler.start()
    started = time.perf_counter()
    backends = open_backends(settings)
    result = harvest_source(source, backends)
    seconds = time.perf_counter() - started
    backends.close()
    sampler.running = False
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    run = result.run
    print(json.dumps({
        "seconds": seconds, "own_kb": own, "total_kb": max(sampler.peak_kb, own), "timings": result.timings,
        "outcome": run.outcome, "error": run.error, "pages": run.pages, "found": run.found, "new": run.new,
        "changed": run.changed, "unchanged": run.unchanged,
    }))  # fmt: skip


def harvest(url: str, data_dir: Path) -> dict:
    child = subprocess.run(
        [sys.executable, __file__, "--child", url, str(data_dir)], capture_output=True, text=True, check=True
    )
    result = json.loads(child.stdout.strip().splitlines()[-1])
    if result["outcome"] != "ok":
        raise SystemExit(f"harvest failed: {result['error']}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, action="append", help="datasets (repeat; default 5000 and 50000)")
    parser.add_argument("--child", nargs=2, metavar=("URL", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        harvest_child(args.child[0], Path(args.child[1]))
        return
    rows = []
    for n in args.n or [5000, 50_000]:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "feed"
            folder.mkdir()
            server, port = serve(folder)
            write_feed(folder, n, port)
            url = f"http://127.0.0.1:{port}/page-0001.ttl"
            data = Path(tmp) / "data"
            first = harvest(url, data)
            print(f"{n:,}: first harvest {first['seconds']:.1f} s {first['timings']}", file=sys.stderr)
            again = harvest(url, data)
            time.sleep(1.1)  # Last-Modified has one-second resolution
            write_feed(folder, n, port, changed=True)
            changed = harvest(url, data)
            server.shutdown()
            rows.append((n, first, again, changed))
    print()
    print(f"Harvesting a Hydra feed over HTTP ({PAGE_SIZE} datasets per page), each run in a fresh process")
    print()
    print(
        f"{'N':>7} {'run':<12} {'pages':>5} {'new':>6} {'changed':>7} {'unchanged':>9} {'seconds':>8} "
        f"{'datasets/s':>10} {'speed-up':>8} {'RSS MB':>7} {'+workers':>8}"
    )
    for n, first, again, changed in rows:
        for name, r in (("first", first), ("unchanged", again), ("1% changed", changed)):
            rate = r["found"] / r["seconds"] if r["seconds"] else 0.0
            print(
                f"{n:>7,} {name:<12} {r['pages']:>5} {r['new']:>6,} {r['changed']:>7,} {r['unchanged']:>9,} "
                f"{r['seconds']:>8.1f} {rate:>10,.0f} {first['seconds'] / r['seconds']:>7.1f}× "
                f"{r['own_kb'] / 1024:>7.0f} {r['total_kb'] / 1024:>8.0f}"
            )


if __name__ == "__main__":
    main()
