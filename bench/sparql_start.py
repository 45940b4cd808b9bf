"""How soon ``/sparql`` answers after the server starts, and what the server then holds in memory.

Compares two checkouts of the code in one run (``--base``: an older one, e.g.
``git worktree add --detach /tmp/base HEAD~5``; ``--new``: this one) on the
same data. For each size N: one generated document of N datasets
(``generate_catalog``) harvested once *by the base code* into a folder; then,
``-r`` times per checkout, a server process (the app of ``catalogue serve``
under uvicorn, without the scheduler and link checker, which would reach
outside 127.0.0.1) is started on a copy of that store, and
``SELECT (COUNT(?d) …)`` is sent to ``/sparql`` every 0.2 s until it answers
200 — it must count N datasets. Reported per checkout: seconds from the
process start to the first answer (median of the runs; the new code's first
run on the base's store, which adds the public union to it once, apart),
503s seen meanwhile, and the RSS of the server process and of its whole
process tree (query workers included) once answered and after 5 more queries.

    python bench/sparql_start.py --base /tmp/base-store -n 10000 100000 -r 3

Give ``--new`` a copy of this checkout if you keep editing it meanwhile:
each server process imports the code when it starts.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from catalogue.demo.generated import generate_catalog

COUNT = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> }"
BASE_URL = "http://catalogue.bench"
SERVE = """
import sys, uvicorn
from pathlib import Path
from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.web import create_app
folder, port = Path(sys.argv[1]), int(sys.argv[2])
source = Source(name="bench", title="Benchmark node", url=str(folder / "catalog.ttl"))
backends = open_backends(Settings("bench", "{base}", folder / "data", (source,)))
uvicorn.run(create_app(backends), host="127.0.0.1", port=port, log_level="warning")
""".replace("{base}", BASE_URL)
HARVEST = """
import sys
from pathlib import Path
from catalogue.backends import open_backends
from catalogue.config import Settings, Source
from catalogue.harvest import harvest_source
folder = Path(sys.argv[1])
source = Source(name="bench", title="Benchmark node", url=str(folder / "catalog.ttl"))
backends = open_backends(Settings("bench", "{base}", folder / "data", (source,)))
print(harvest_source(source, backends).run.found)
backends.close()
""".replace("{base}", BASE_URL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(checkout: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(checkout)}


def prepare(folder: Path, n: int, base: Path) -> float:
    """Harvest n generated datasets into ``folder/data`` with the base code (once); the seconds it took."""
    if (folder / "data").exists():
        return float("nan")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.ttl").write_bytes(generate_catalog(n))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", HARVEST, str(folder)], env=env_for(base), check=True)
    return time.perf_counter() - started


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(RSS of the process, RSS of it and every descendant) in MB, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))

    def rss(p: int) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += rss(current)
        todo += children.get(current, [])
    return rss(pid), total


def one_start(folder: Path, checkout: Path, n: int) -> dict[str, float]:
    """Start a server on ``folder``, query until it answers; its timings and memory."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(folder), str(port)],
        env=env_for(checkout),
        stdout=subprocess.DEVNULL,
        stderr=(folder / "serve.log").open("ab"),
        start_new_session=True,
    )
    refused = 0
    try:
        with httpx.Client(timeout=60) as client:
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"the server ({checkout}) stopped: exit {server.returncode}")
                if time.perf_counter() - started > 900:
                    raise SystemExit("no answer within 900 s")
                try:
                    answer = client.get(url, params={"query": COUNT}, headers={"Accept": "application/json"})
                except httpx.TransportError:
                    time.sleep(0.2)
                    continue
                if answer.status_code == 200:
                    break
                refused += 1
                time.sleep(0.2)
            first = time.perf_counter() - started
            counted = int(answer.json()["results"]["bindings"][0]["n"]["value"])
            if counted != n:
                raise SystemExit(f"the endpoint counted {counted} datasets, not {n}")
            own, tree = tree_rss_mb(server.pid)
            for _ in range(5):
                client.get(url, params={"query": COUNT}).raise_for_status()
            own_after, tree_after = tree_rss_mb(server.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, 15)
        server.wait(30)
    return {
        "first": first,
        "refused": refused,
        "own": own,
        "tree": tree,
        "own_after": own_after,
        "tree_after": tree_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", type=Path, required=True, help="checkout of the code to compare with")
    parser.add_argument("--new", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("-n", type=int, nargs="+", default=[10_000])
    parser.add_argument("-r", "--runs", type=int, default=3, help="server starts per checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/sparql-start-bench"))
    args = parser.parse_args()
    rows = []
    for n in args.n:
        source = args.work / f"n{n}"
        harvest = prepare(source, n, args.base)
        print(f"{n:,} datasets: harvested by the base code in {harvest:.0f} s", flush=True)
        results: dict[str, list[dict[str, float]]] = {"base": [], "new": []}
        for name, checkout in (("base", args.base), ("new", args.new)):
            run_dir = args.work / f"run-{name}-{n}"
            shutil.rmtree(run_dir, ignore_errors=True)
            shutil.copytree(source, run_dir)  # the new code's first start adds the union: a copy each
            for _ in range(args.runs + (1 if name == "new" else 0)):
                results[name].append(one_start(run_dir, checkout, n))
                print(f"  {name}: {results[name][-1]}", flush=True)
            shutil.rmtree(run_dir, ignore_errors=True)
        upgrade = results["new"].pop(0)
        rows.append((n, results, upgrade))
    print()
    print(
        "| datasets | code | first answer, s (median) | 503s before it | server RSS, MB | tree RSS, MB | "
        "server RSS after 5 more, MB | tree RSS after 5 more, MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n, results, upgrade in rows:
        for name, runs in (
            ("base", results["base"]),
            ("new", results["new"]),
            ("new, 1st start (union added)", [upgrade]),
        ):
            med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            print(
                f"| {n:,} | {name} | {med['first']:.2f} | {med['refused']:.0f} | {med['own']:.0f} | "
                f"{med['tree']:.0f} | {med['own_after']:.0f} | {med['tree_after']:.0f} |"
            )
        base, new = (statistics.median(run["first"] for run in results[k]) for k in ("base", "new"))
        print(f"| {n:,} | ratio base/new, first answer | {base / new:.1f}× | | | | | |")


if __name__ == "__main__":
    main()
