"""A catalogue at scale: harvest, start-up and readers, side by side for several builds.

For each size N (``-n``, repeatable) a paged feed of N generated datasets
(``generate_catalog``, 1,000 per page, ``hydra:next`` links) is served by a
local HTTP server that writes each page when asked, so a million datasets take
no disk. Then for each build (``--build NAME=CHECKOUT``; its ``.venv`` if it has
one, else this interpreter with the checkout first on ``sys.path``), in one run:

1. ``catalogue harvest`` in a child process: seconds, peak RSS of it and its
   validation workers (sampled from /proc), the data directory's size;
2. ``catalogue serve``: seconds until ``/sparql`` first answers a query, the
   server's RSS (all its processes) then;
3. ``/api/search`` and ``/datasets`` (one of 8 popular words each) with 1 and
   8 concurrent clients for ``--seconds`` each: requests/s, p50/p95/p99,
   errors; and ``/api/search`` for 400 different searches (those words on
   pages 1 to 50), which answers kept for repeated searches hardly help;
4. SIGTERM, and the server's peak RSS under load.

Rows are printed as each build finishes (a million datasets take long), and a
table at the end. Only 127.0.0.1 is ever contacted.

    python bench/scale.py --build before=/tmp/base-scale --build after=. -n 100000
    python bench/scale.py --build before=/tmp/base --build after=. --catalogue /tmp/c100k/catalogue.toml

A million datasets take longer to harvest than the rest of a working session:
``--keep DIR`` keeps each build's catalogue (``DIR/<checkout>-<N>``) for a later
``--catalogue`` run of the reader phases. Stopping the script (Ctrl+C, SIGTERM)
stops the harvest or server it started.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from load import WORDS, free_port, pct, tree_rss_mb  # bench/load.py

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from catalogue.demo.generated import generate_catalog  # noqa: E402

PAGE_SIZE = 1000
BASE = "https://scale.example.org/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
#: a million datasets take hours on a shared machine: far above the default hour
HARVEST_LIMIT = 48 * 3600
#: reader phases: name -> (path, varied): the 8 popular words on page 1, or on any of 50 pages
PHASES = {
    "/api/search": ("/api/search", False),
    "/api/search, 400 searches": ("/api/search", True),
    "/datasets": ("/datasets", False),
}
CHEAP = "SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } LIMIT 10"


#: the highest page the feed served (how far a harvest got)
SERVED = [0]
#: a harvest is stopped when the disk holding its data has less free space than this
MIN_FREE_BYTES = 8 * 1024**3


def feed_server(n: int) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``/page-K.ttl`` for a feed of n datasets, each page generated on request."""
    pages = max(1, -(-n // PAGE_SIZE))

    class Pages(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            match = re.fullmatch(r"/page-(\d+)\.ttl", self.path)
            number = int(match.group(1)) if match else 0
            if not 1 <= number <= pages:
                self.send_error(404)
                return
            SERVED[0] = max(SERVED[0], number)
            body = page(number, pages, n, self.server.server_address[1])  # type: ignore[index]
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/page-1.ttl"


def page(number: int, pages: int, n: int, port: int) -> bytes:
    first = (number - 1) * PAGE_SIZE
    text = generate_catalog(min(PAGE_SIZE, n - first), base=BASE, first=first)
    url = f"http://127.0.0.1:{port}/page-{number}.ttl"
    paging = f"\n<{BASE}catalog> <{HYDRA}view> <{url}> .\n<{url}> a <{HYDRA}PartialCollectionView> .\n"
    if number < pages:
        paging += f"<{url}> <{HYDRA}next> <http://127.0.0.1:{port}/page-{number + 1}.ttl> .\n"
    return text + paging.encode()


def command(checkout: Path) -> tuple[list[str], dict[str, str]]:
    """How to run this checkout's ``catalogue``: its own venv, or ours with it first on the path."""
    own = checkout / ".venv" / "bin" / "python"
    if own.exists():
        return [str(own), "-m", "catalogue"], {}
    return [sys.executable, "-m", "catalogue"], {"PYTHONPATH": str(checkout.resolve())}


def sampled(process: subprocess.Popen, peak: list[float]) -> threading.Thread:
    """A thread that keeps ``peak[0]`` at the process tree's highest RSS (MB) until it ends."""

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.25)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    return thread


def disk_mb(folder: Path) -> float:
    """Disk the folder takes, as ``du`` counts it: each file once however many hard links it has
    (a store snapshot links the store's table files), by the blocks it occupies."""
    seen: dict[tuple[int, int], int] = {}
    for path in folder.rglob("*"):
        try:
            info = path.lstat()
        except OSError:  # gone meanwhile: a running harvest replaces files
            continue
        if path.is_file():
            seen[(info.st_dev, info.st_ino)] = info.st_blocks * 512
    return sum(seen.values()) / 1024 / 1024


def harvest(run: list[str], env: dict[str, str], folder: Path) -> dict[str, float]:
    peak = [0.0]
    started = time.perf_counter()
    with open(folder / "harvest.log", "w") as log:
        process = subprocess.Popen(  # in the run's folder: ``python -m`` puts the working folder first
            [*run, "harvest"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder
        )
        thread = sampled(process, peak)
        SERVED[0] = 0
        try:
            disk = watch(process, started, folder, peak)
        finally:  # this script stopped (Ctrl+C, SIGTERM): the harvest must not run on unwatched
            if process.poll() is None:
                process.terminate()
                process.wait()
        thread.join()
    if process.returncode:
        raise SystemExit(f"harvest failed (exit {process.returncode}); see {folder / 'harvest.log'}")
    return {
        "harvest_s": time.perf_counter() - started,
        "harvest_rss": peak[0],
        "disk": disk_mb(folder / "data"),
        "disk_peak": disk,
    }


def watch(process: subprocess.Popen, started: float, folder: Path, peak: list[float]) -> float:
    """Until the harvest ends: a line a minute (growth shows while a long harvest runs); stop it if the
    disk is nearly full (the machine is shared: a million datasets take tens of GB). The data's
    largest size on disk, sampled every 10 s (store snapshots pin replaced files for a while)."""
    report = sampled_at = started
    disk = 0.0
    while process.poll() is None:
        time.sleep(1)
        if time.perf_counter() - sampled_at >= 10:
            sampled_at, disk = time.perf_counter(), max(disk, disk_mb(folder / "data"))
        if shutil.disk_usage(folder).free < MIN_FREE_BYTES:
            process.terminate()
            process.wait()
            raise SystemExit(f"harvest stopped at page {SERVED[0]:,}: less than 8 GB free on the disk")
        if time.perf_counter() - report >= 60:
            report = time.perf_counter()
            print(
                f"… harvest {report - started:.0f} s: page {SERVED[0]:,}, RSS {tree_rss_mb(process.pid):.0f} MB "
                f"(peak {peak[0]:.0f}), data {disk_mb(folder / 'data'):.0f} MB",
                file=sys.stderr, flush=True,
            )  # fmt: skip
    return max(disk, disk_mb(folder / "data"))


def first_sparql(url: str, server: subprocess.Popen, started: float, limit: float) -> float:
    """Seconds from ``started`` (the server's start) until ``/sparql`` answers a query with 200."""
    while time.perf_counter() - started < limit:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            if httpx.get(url + "/sparql", params={"query": CHEAP}, timeout=30).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return float("nan")


def clients(url: str, path: str, count: int, seconds: float, varied: bool = False) -> dict[str, float]:
    """``count`` clients asking ``path`` with a word query for ``seconds``; ``varied``: a random page
    of 1 to 50 of it too, so most searches are new (400 of them) and few answers are kept ones."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=30) as http:
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    params = {"q": rng.choice(WORDS)}
                    if varied:
                        params["page"] = str(rng.randint(1, 50))
                    ok = http.get(path, params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    if ok:
                        latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        errors[0] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "rps": len(latencies) / seconds, "p50": pct(latencies, 50), "p95": pct(latencies, 95),
        "p99": pct(latencies, 99), "errors": errors[0],
    }  # fmt: skip


def serve(run: list[str], env: dict[str, str], folder: Path, port: int, seconds: float) -> dict[str, object]:
    url = f"http://127.0.0.1:{port}"
    with open(folder / "serve.log", "w") as log:
        started = time.perf_counter()
        server = subprocess.Popen(
            [*run, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=folder,
        )  # fmt: skip
        result: dict[str, object] = {}
        try:
            result["sparql_s"] = first_sparql(url, server, started, 1800)
            result["serve_rss"] = tree_rss_mb(server.pid)
            peak = [0.0]
            thread = threading.Thread(target=_peak_while, args=(server.pid, peak, result), daemon=True)
            thread.start()
            for name, (path, varied) in PHASES.items():
                for count in (1, 8):
                    result[f"{name} ×{count}"] = clients(url, path, count, seconds, varied)
            result["done"] = True
            thread.join()
            result["load_rss"] = peak[0]
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    return result


def _peak_while(pid: int, peak: list[float], result: dict[str, object]) -> None:
    while "done" not in result:
        peak[0] = max(peak[0], tree_rss_mb(pid))
        time.sleep(0.5)


def run_build(checkout: Path, feed: str, n: int, seconds: float, keep: Path | None) -> dict[str, object]:
    run, extra = command(checkout)
    with contextlib.ExitStack() as stack:
        if keep is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="scale-")))
        else:  # kept for a later ``--catalogue`` run (a million datasets take most of a session)
            folder = keep / f"{checkout.resolve().name}-{n}"
            folder.mkdir(parents=True)
            print(
                f"… kept in {folder}: serve it again with --catalogue {folder / 'catalogue.toml'}",
                file=sys.stderr,
            )
        port = free_port()
        config = folder / "catalogue.toml"
        config.write_text(
            f'[catalogue]\ntitle = "Scale"\nbase_url = "http://127.0.0.1:{port}"\ndata_dir = "data"\n\n'
            f'[[sources]]\nname = "scale"\ntitle = "Scale node"\nurl = "{feed}"\n\n'
            f"[limits]\nharvest_timeout_seconds = {HARVEST_LIMIT}\n"
        )
        env = {**os.environ, **extra, "CATALOGUE_CONFIG": str(config)}
        result: dict[str, object] = dict(harvest(run, env, folder))
        result.update(serve(run, env, folder, port, seconds))
        return result


ROWS = [
    ("harvest (s)", lambda r: f"{r['harvest_s']:.0f}"),
    ("harvest peak RSS, with workers (MB)", lambda r: f"{r['harvest_rss']:.0f}"),
    (
        "data directory at the end / largest during the harvest (MB)",
        lambda r: f"{r['disk']:.0f} / {r['disk_peak']:.0f}",
    ),
    ("serve → first SPARQL answer (s)", lambda r: f"{r['sparql_s']:.1f}"),
    ("server RSS then / peak under load (MB)", lambda r: f"{r['serve_rss']:.0f} / {r['load_rss']:.0f}"),
]


def table(title: str, results: dict[str, dict[str, object]]) -> None:
    names = list(results)
    rows = list(ROWS)
    for name in PHASES:
        for count in (1, 8):
            key = f"{name} ×{count}"
            rows.append((f"{key}: req/s", lambda r, k=key: f"{r[k]['rps']:.1f}"))
            rows.append(
                (
                    f"{key}: p50/p95/p99 (ms)",
                    lambda r, k=key: f"{r[k]['p50']:.0f}/{r[k]['p95']:.0f}/{r[k]['p99']:.0f}",
                )
            )
            rows.append((f"{key}: errors", lambda r, k=key: str(r[k]["errors"])))
    width = max(len(label) for label, _ in rows)
    print(f"\n{title}; {os.cpu_count()} cores\n")
    print(f"| {'':{width}} | " + " | ".join(f"{name:>16}" for name in names) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * 18 for _ in names) + "|")
    for label, value in rows:
        cells = []
        for name in names:
            try:
                cells.append(value(results[name]))
            except (KeyError, TypeError):
                cells.append("—")
        print(f"| {label:{width}} | " + " | ".join(f"{cell:>16}" for cell in cells) + " |")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build", action="append", required=True, help="NAME=path to a checkout")
    parser.add_argument("-n", type=int, action="append", help="datasets (repeat; default 100,000)")
    parser.add_argument("--seconds", type=float, default=30, help="length of each load phase")
    parser.add_argument(
        "--keep", type=Path, help="keep each build's catalogue in a new folder here (default: deleted)"
    )
    parser.add_argument(
        "--catalogue", type=Path,
        help="instead of harvesting: serve this catalogue (its config file) for the reader phases only, "
        "with each build in the order given (each must read what the ones before it left)",
    )  # fmt: skip
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _stopped)  # so the children are stopped on the way out (finally)
    if args.catalogue:
        serve_only(args.catalogue.resolve(), args.build, args.seconds)
        return
    for n in args.n or [100_000]:
        server, feed = feed_server(n)
        results: dict[str, dict[str, object]] = {}
        for build in args.build:
            name, _, checkout = build.partition("=")
            print(f"… {n:,} datasets, {name}: {checkout}", file=sys.stderr, flush=True)
            results[name] = run_build(Path(checkout), feed, n, args.seconds, args.keep)
            print(
                json.dumps({"n": n, "build": name, **results[name]}, default=str), file=sys.stderr, flush=True
            )
        server.shutdown()
        table(f"{n:,} datasets, a paged feed of {PAGE_SIZE:,} per page", results)


def serve_only(config: Path, builds: list[str], seconds: float) -> None:
    """The reader phases alone, every build serving the same catalogue (same data, same order of runs)."""
    results: dict[str, dict[str, object]] = {}
    for build in builds:
        name, _, checkout = build.partition("=")
        print(f"… serving {config}, {name}: {checkout}", file=sys.stderr, flush=True)
        run, extra = command(Path(checkout))
        env = {**os.environ, **extra, "CATALOGUE_CONFIG": str(config)}
        with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
            results[name] = serve(run, env, Path(tmp), free_port(), seconds)
        print(json.dumps({"build": name, **results[name]}, default=str), file=sys.stderr, flush=True)
    table(f"readers of {config}", results)


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


if __name__ == "__main__":
    main()
