"""What the listing pages cost per anonymous request: /sources, /sources/{name}, /quality, /.

Harvests one generated document (N datasets, every 5th invalid, so N/5 are
rejected) into ``--data`` once, then serves it with uvicorn on 127.0.0.1 and
times each page: the first request (cold), the median of the next ``-r``, the
answer's size, and ``--burst`` concurrent requests of /sources. Prints a table.
With ``--validations K``, also posts K generated documents of ``--validate-n``
datasets at once to /api/validate and counts the answers by status.

To compare with another version of the code, keep the data and put that
version first on the path (the store's format is the same), e.g.::

    python bench/web.py --data /tmp/web-bench -n 25000          # harvest, then measure
    git archive OLD catalogue templates | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old python bench/web.py --data /tmp/web-bench  # measure the old code
"""

from __future__ import annotations

import argparse
import resource
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from generated import harvested_catalogue

from catalogue.backends import open_backends
from catalogue.config import Settings, Source

PAGES = ("/sources", "/sources/bench", "/quality", "/api/quality", "/")


def prepare(folder: Path, n: int) -> None:
    """Harvest n generated datasets into ``folder`` unless a harvest is there already."""
    if (folder / "data").exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    backends, run, seconds = harvested_catalogue(folder, n, invalid_every=5)
    print(f"harvested {run.found} datasets ({run.rejected} rejected) in {seconds:.0f} s")
    backends.close()


def serve(folder: Path, port: int) -> uvicorn.Server:
    import catalogue.web

    source = Source(name="bench", title="Benchmark node", url=str(folder / "catalog.ttl"))
    backends = open_backends(Settings("bench", "http://127.0.0.1:8000", folder / "data", (source,)))
    print(f"code from {Path(catalogue.web.__file__).parent}")
    server = uvicorn.Server(
        uvicorn.Config(catalogue.web.create_app(backends), "127.0.0.1", port, log_level="error")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server


def measure(client: httpx.Client, path: str, runs: int) -> tuple[float, float, int, int]:
    """(first request's seconds, median of the next runs, bytes, status)."""
    started = time.perf_counter()
    first = client.get(path)
    cold = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - started)
    return cold, statistics.median(times), len(first.content), first.status_code


def burst(client: httpx.Client, path: str, count: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        for answer in pool.map(lambda _: client.get(path), range(count)):
            answer.raise_for_status()
    return time.perf_counter() - started


def validations(client: httpx.Client, count: int, n: int) -> str:
    """K validations at once: how many were answered with each status, and when the last came."""
    from catalogue.demo.generated import generate_catalog

    body = generate_catalog(n, invalid_every=5)
    started = time.perf_counter()

    def post(_: int) -> tuple[int, float]:
        answer = client.post("/api/validate", content=body, headers={"Content-Type": "text/turtle"})
        return answer.status_code, time.perf_counter() - started

    with ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(post, range(count)))
    statuses = {
        status: sum(1 for s, _ in answers if s == status) for status in sorted({s for s, _ in answers})
    }
    last = max(seconds for _, seconds in answers)
    return (
        f"{count} validations of {len(body) / 1e6:.1f} MB at once: {statuses}; last answer after {last:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder for the harvested catalogue (kept)")
    parser.add_argument("-n", type=int, default=25_000, help="datasets to generate (first run only)")
    parser.add_argument("-r", "--runs", type=int, default=5, help="timed requests per page after the first")
    parser.add_argument("--burst", type=int, default=16, help="concurrent requests of /sources")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--validations", type=int, default=0, help="concurrent validations to post")
    parser.add_argument("--validate-n", type=int, default=1000, help="datasets per validated document")
    args = parser.parse_args()
    prepare(args.data, args.n)
    server = serve(args.data, args.port)
    with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=600) as client:
        print(f"| page | status | first (s) | median of {args.runs} (s) | size (KB) |")
        print("|---|---|---|---|---|")
        for path in PAGES:
            cold, warm, size, status = measure(client, path, args.runs)
            print(f"| {path} | {status} | {cold:.3f} | {warm:.3f} | {size / 1024:.0f} |")
        seconds = burst(client, "/sources", args.burst)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\n{args.burst} concurrent /sources: {seconds:.2f} s; peak RSS of the process {peak:.0f} MB")
        if args.validations:
            print(validations(client, args.validations, args.validate_n))
    server.should_exit = True


if __name__ == "__main__":
    main()
