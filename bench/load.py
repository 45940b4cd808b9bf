"""A running catalogue under mixed load, with hostile SPARQL and a harvest committing.

For each build given (``--build NAME=PATH``, PATH the ``catalogue`` command of
a checkout's venv), in one run and on the same generated data:

1. generate a node of N datasets and a small "churn" node, harvest both with
   ``catalogue harvest``, start ``catalogue serve`` (which schedules the churn
   node every 20 s; the churn document is rewritten every 15 s so each
   scheduled harvest commits changes);
2. *unloaded*: one client asks ``/api/search`` for ``--quiet`` seconds;
3. *loaded*: 8 clients for ``--seconds`` seconds mix ``/api/search``,
   ``/datasets`` result pages, ``/catalog`` feed pages, dataset pages and a
   cheap SPARQL query, while 4 more clients send expensive SPARQL queries
   (cross joins, an unbounded property path) without pause;
4. samples the server's RSS (its process and children) twice a second, then
   stops it with SIGTERM and times the stop.

Prints one table: requests, errors (a SPARQL query refused with 503 or a 4xx
— over its time, rows or memory limit, or the endpoint too busy — is
deliberate and counted apart as refused), p50/p95 per kind, server RSS,
stop time. Only 127.0.0.1 is ever contacted.

    python bench/load.py --build before=../base/.venv/bin/catalogue --build after=.venv/bin/catalogue
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from catalogue.demo.generated import generate_catalog  # noqa: E402

EXPENSIVE = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (<http://purl.org/dc/terms/publisher>|^<http://purl.org/dc/terms/publisher>)* ?b }",
    "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?x . FILTER(STR(?a) < STR(?b)) }",
]
CHEAP = "SELECT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } LIMIT 10"
WORDS = ["genome", "cancer", "cohort", "rare", "sequencing", "registry", "biobank", "exome"]


@dataclass
class Tally:
    """Latencies and outcomes per request kind."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int | None) -> None:
        with self.lock:
            if status is not None and status < 400:
                self.latencies[kind].append(seconds * 1000)
            elif status is not None and kind.startswith("sparql") and (status == 503 or status < 500):
                self.refused[kind] += 1  # deliberate: over its time, rows or memory limit, or too busy
            else:
                self.errors[kind] += 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_catalogue(folder: Path, n: int, port: int) -> Path:
    (folder / "main.ttl").write_bytes(generate_catalog(n, base="https://load.example.org/"))
    churn(folder, 0)
    config = folder / "catalogue.toml"
    config.write_text(
        f'[catalogue]\ntitle = "Load"\nbase_url = "http://127.0.0.1:{port}"\ndata_dir = "data"\n\n'
        '[[sources]]\nname = "main"\ntitle = "Main node"\nurl = "main.ttl"\n\n'
        '[[sources]]\nname = "churn"\ntitle = "Churning node"\nurl = "churn.ttl"\ninterval = "20s"\n'
        "max_withdraw_share = 1.0\n\n"
        "[sparql]\ntimeout_seconds = 5\n"
    )
    return config


def churn(folder: Path, round_: int) -> None:
    """The churn node's document, with other titles each round (so its harvest commits)."""
    data = generate_catalog(300, seed=round_ + 1, base="https://churn.example.org/")
    temporary = folder / "churn.ttl.tmp"
    temporary.write_bytes(data)
    temporary.replace(folder / "churn.ttl")


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and its descendants, from /proc."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {process.returncode})")
        try:
            if httpx.get(url + "/api/search?size=1", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer in time")


def request(
    client: httpx.Client, tally: Tally, kind: str, path: str, **params: object
) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = client.get(path, params=params or None)
    except httpx.HTTPError:
        tally.add(kind, time.perf_counter() - started, None)
        return None
    tally.add(kind, time.perf_counter() - started, response.status_code)
    return response


def reader(url: str, ids: list[str], stop: threading.Event, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=30) as client:
        while not stop.is_set():
            roll = rng.random()
            if roll < 0.4:
                request(client, tally, "api/search", "/api/search", q=rng.choice(WORDS))
            elif roll < 0.6:
                request(client, tally, "/datasets", "/datasets", q=rng.choice(WORDS))
            elif roll < 0.7:
                request(client, tally, "/catalog page", "/catalog", page=rng.randint(1, 5))
            elif roll < 0.9:
                request(client, tally, "dataset page", f"/datasets/{rng.choice(ids)}")
            else:
                request(client, tally, "sparql cheap", "/sparql", query=CHEAP)


def attacker(url: str, stop: threading.Event, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as client:
        while not stop.is_set():
            request(client, tally, "sparql expensive", "/sparql", query=rng.choice(EXPENSIVE))


def quiet_search(url: str, seconds: float) -> list[float]:
    tally, stop = Tally(), time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=30) as client:
        while time.monotonic() < stop:
            request(client, tally, "api/search", "/api/search", q=random.choice(WORDS))
    return tally.latencies["api/search"]


def run_build(name: str, command: str, n: int, seconds: float, quiet: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"load-{name}-") as tmp:
        folder, port = Path(tmp), free_port()
        config = write_catalogue(folder, n, port)
        env = {**os.environ, "CATALOGUE_CONFIG": str(config)}
        started = time.perf_counter()
        subprocess.run([command, "harvest"], env=env, check=True, capture_output=True)
        harvest_s = time.perf_counter() - started
        server = subprocess.Popen(
            [command, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(folder / "serve.log", "w"),  # noqa: SIM115 (closed with the folder)
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(url, server)
            ids = [r["id"] for r in httpx.get(url + "/api/search", params={"size": 100}).json()["results"]]
            httpx.get(
                url + "/sparql", params={"query": CHEAP}, timeout=120
            )  # the first query may build a view
            unloaded = quiet_search(url, quiet)
            result = load(url, server.pid, ids, folder, seconds)
            result["unloaded"] = unloaded
        finally:
            stopping = time.perf_counter()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            stop_s = time.perf_counter() - stopping
        result.update(harvest_s=harvest_s, stop_s=stop_s)
        return result


def load(url: str, pid: int, ids: list[str], folder: Path, seconds: float) -> dict[str, object]:
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=reader, args=(url, ids, stop, tally, i)) for i in range(8)]
    threads += [threading.Thread(target=attacker, args=(url, stop, tally, 100 + i)) for i in range(4)]
    for thread in threads:
        thread.start()
    rss: list[float] = []
    started, round_ = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        rss.append(tree_rss_mb(pid))
        if time.monotonic() - started > 15 * (round_ + 1):
            round_ += 1
            churn(folder, round_)
        time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=90)
    runs = httpx.get(url + "/api/sources/churn/harvests", params={"limit": 100, "changes": 0}, timeout=30)
    harvests = len(runs.json()) - 1 if runs.status_code == 200 else -1  # less the harvest before serving
    return {"tally": tally, "rss_max": max(rss), "rss_end": rss[-1], "seconds": seconds, "harvests": harvests}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def table(results: dict[str, dict[str, object]]) -> None:
    names = list(results)
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, value) -> None:
        rows.append((label, [value(results[name]) for name in names]))

    row("harvest before serving (s)", lambda r: f"{r['harvest_s']:.1f}")
    row(
        "api/search unloaded p50/p95 (ms)",
        lambda r: f"{pct(r['unloaded'], 50):.1f} / {pct(r['unloaded'], 95):.1f}",
    )
    kinds = sorted(
        {
            k
            for r in results.values()
            for part in ("latencies", "errors", "refused")
            for k in getattr(r["tally"], part)
        }
    )
    for kind in kinds:
        row(
            f"{kind}: ok/s, p50/p95 (ms)",
            lambda r, k=kind: (
                f"{len(r['tally'].latencies[k]) / r['seconds']:.1f}/s, "
                f"{pct(r['tally'].latencies[k], 50):.0f} / {pct(r['tally'].latencies[k], 95):.0f}"
            ),
        )
        row(
            f"{kind}: errors / refused", lambda r, k=kind: f"{r['tally'].errors[k]} / {r['tally'].refused[k]}"
        )
    row(
        "api/search loaded p95 ÷ unloaded p95",
        lambda r: f"{pct(r['tally'].latencies['api/search'], 95) / pct(r['unloaded'], 95):.1f}×",
    )
    row("scheduled churn harvests seen", lambda r: str(r["harvests"]))
    row("server RSS max / at end (MB)", lambda r: f"{r['rss_max']:.0f} / {r['rss_end']:.0f}")
    row("SIGTERM → stopped (s)", lambda r: f"{r['stop_s']:.1f}")
    width = max(len(label) for label, _ in rows)
    print(f"{'':{width}} | " + " | ".join(f"{name:>22}" for name in names))
    for label, values in rows:
        print(f"{label:{width}} | " + " | ".join(f"{value:>22}" for value in values))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build", action="append", required=True, help="NAME=path to a `catalogue` command")
    parser.add_argument("-n", type=int, default=5000, help="datasets in the main node")
    parser.add_argument("--seconds", type=float, default=60, help="length of the loaded phase")
    parser.add_argument("--quiet", type=float, default=15, help="length of the unloaded phase")
    args = parser.parse_args()
    results = {}
    for build in args.build:
        name, _, command = build.partition("=")
        print(f"… {name}: {command}", file=sys.stderr)
        results[name] = run_build(name, command, args.n, args.seconds, args.quiet)
    print(f"\n{args.n} datasets; 8 readers + 4 expensive-SPARQL clients for {args.seconds:.0f} s\n")
    table(results)


if __name__ == "__main__":
    main()
