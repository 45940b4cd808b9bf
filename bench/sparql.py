"""SPARQL endpoint latency on a harvested catalogue.

Harvests one generated document of N datasets (the demo generator's benchmark
catalogue) into a temporary catalogue, then times 10 fixed DCAT queries, each
run several times, through the code path ``/sparql`` uses
(``SparqlService.execute``: dataset, limits, serialization to SPARQL JSON or
Turtle) and, with ``--http``, over HTTP against a uvicorn server. Also times
the first query (a worker starting) and, for comparison, one count run with
pyoxigraph's ``default_graph=[…all visible graphs…]``. Prints a table.

With ``--stress``, sends 20 expensive queries (cross joins, an exploding
property path, a big ORDER BY) at once over HTTP with a 2 s time limit, then
times ``ASK {}`` and measures the memory (RSS) and CPU of the server's
process tree (its worker processes included) in the 5 s after.

    python bench/sparql.py              # 10,000 datasets, 10 runs per query
    python bench/sparql.py -n 2000 -r 20 --http --stress
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from generated import harvested_catalogue

from catalogue.sparql.answer import Limits
from catalogue.sparql.service import SparqlService

P = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
QUERIES = {
    "counts per theme": P
    + "SELECT ?theme (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d a dcat:Dataset ; dcat:theme ?theme } GROUP BY ?theme",
    "datasets of a publisher": P
    + "SELECT ?d ?title WHERE { ?d dct:publisher ?pub ; dct:title ?title } LIMIT 100",
    "regex on titles": P
    + "SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title FILTER regex(?title, 'genom', 'i') } LIMIT 100",
    "dataset→distribution→format": P
    + "SELECT ?f (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d dcat:distribution ?x . ?x dct:format ?f } GROUP BY ?f",
    "DESCRIBE one dataset": "DESCRIBE ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> } LIMIT 1",
    "count datasets": P + "SELECT (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset }",
    "latest modified": P
    + "SELECT ?d ?m WHERE { ?d a dcat:Dataset ; dct:modified ?m } ORDER BY DESC(?m) LIMIT 20",
    "datasets per publisher": P
    + "SELECT ?pub (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset ; dct:publisher ?pub } GROUP BY ?pub ORDER BY DESC(?n) LIMIT 20",
    "keywords of a theme": P + "SELECT DISTINCT ?k WHERE { ?d dcat:theme ?t ; dcat:keyword ?k } LIMIT 200",
    "provenance status counts": "PREFIX cat: <https://w3id.org/catalogue/ns#>\n"
    "SELECT ?status (COUNT(?r) AS ?n) WHERE { GRAPH ?g { ?r cat:status ?status } } GROUP BY ?status",
}
NON_REGEX = [name for name in QUERIES if "regex" not in name]
STRESS = 20
STRESS_LIMITS = Limits(timeout=2.0, max_concurrent=4)
#: cross joins and an exploding property path: minutes of work, or gigabytes
ANY = "(<http://x.example/p>|!<http://x.example/p>)*"
EXPENSIVE = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {ANY} ?b . ?c {ANY} ?d }}",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
]


def percentile(values: list[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def fill_publisher(service: SparqlService) -> None:
    """Make "datasets of a publisher" ask for one real publisher (by substitution, no concatenation)."""
    answer = service.execute(P + "SELECT ?pub WHERE { ?d dct:publisher ?pub } LIMIT 1")
    publisher = answer.rows[0]["pub"]  # type: ignore[index]
    QUERIES["datasets of a publisher"] = QUERIES["datasets of a publisher"].replace(
        "?pub ;", f"<{publisher.value}> ;"
    )


def time_runs(function, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the catalogue")
    parser.add_argument("-r", type=int, default=10, help="runs per query")
    parser.add_argument("--http", action="store_true", help="also time over HTTP")
    parser.add_argument(
        "--stress", action="store_true", help=f"also send {STRESS} expensive queries at once, then measure"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        backends, run, harvested = harvested_catalogue(Path(tmp), args.n, invalid_every=50)
        service = SparqlService(backends.store, Limits(timeout=60, max_rows=100_000))
        started = time.perf_counter()
        service.execute("ASK {}")  # a worker starts and opens the store read-only
        first = time.perf_counter() - started
        generation_ms = time_runs(backends.store.generation, 20)
        fill_publisher(service)
        graphs = backends.store.visible_graphs()
        # the same single-pattern count on the store with the dataset given as a list of graphs
        # (a join is far slower that way: every pattern is looked up once per graph)
        started = time.perf_counter()
        backends.store.select(QUERIES["count datasets"], default_graph=graphs)
        graph_list_s = time.perf_counter() - started
        inprocess = {}
        for name, query in QUERIES.items():
            service.execute(query)  # warm
            inprocess[name] = time_runs(lambda q=query: service.execute(q), args.r)
        over_http = {}
        if args.http:
            over_http = http_timings(backends, args.r)
        service.close()
        stress = stress_test(backends) if args.stress else None
        backends.close()

    print(
        f"SPARQL over {run.published:,} published datasets ({run.rejected} rejected; harvested in {harvested:.0f} s)"
    )
    print(
        f"first query (a worker started, the store opened) {first:.1f} s; "
        f"generation check p50 {statistics.median(generation_ms):.2f} ms"
    )
    print(
        f"'count datasets' on the store with default_graph=[{len(graphs):,} graphs] instead: "
        f"{graph_list_s * 1000:.0f} ms"
    )
    print()
    header = f"{'query':<30} {'p50 ms':>8} {'p95 ms':>8}"
    print(header + (f" {'HTTP p50':>9} {'HTTP p95':>9}" if over_http else ""))
    for name, values in inprocess.items():
        line = f"{name:<30} {statistics.median(values):>8.1f} {percentile(values, 95):>8.1f}"
        if over_http:
            line += f" {statistics.median(over_http[name]):>9.1f} {percentile(over_http[name], 95):>9.1f}"
        print(line)
    worst = max(percentile(inprocess[name], 95) for name in NON_REGEX)
    print(f"\nworst p95 of the non-regex queries: {worst:.1f} ms (target < 200 ms)")
    if stress is not None:
        print(
            f"\n{STRESS} expensive queries at once (time limit {STRESS_LIMITS.timeout:g} s), then ASK {{}}:"
        )
        for name, value in stress.items():
            print(f"  {name:<44} {value:>10.2f}")


def tree(pid: int) -> list[int]:
    """The process and all its descendants (the worker processes and their forkserver), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        out.append(todo.pop())
        todo += children.get(out[-1], [])
    return out


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in lines if line.startswith("VmRSS:"))
    return total / 1024


def cpu_s(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def stress_test(backends) -> dict[str, float]:
    """STRESS expensive queries at once over HTTP; then how soon ASK {} answers, memory and CPU left busy."""
    from catalogue.web import create_app

    app = create_app(backends)
    app.state.sparql.close()
    app.state.sparql = SparqlService(backends.store, STRESS_LIMITS)
    out: dict[str, float] = {}
    with serving(app) as client:
        app.state.sparql.execute("ASK {}", deadline=time.monotonic() + 600)  # the public dataset built
        time.sleep(1)
        out["server RSS before, MB"] = rss_mb(tree(os.getpid()))
        with ThreadPoolExecutor(STRESS) as pool:
            queries = [EXPENSIVE[i % len(EXPENSIVE)] for i in range(STRESS)]
            statuses = list(
                pool.map(lambda q: client.get("/sparql", params={"query": q}).status_code, queries)
            )
        out["answered 503 (of 20)"] = statuses.count(503)
        started = time.perf_counter()
        ask = client.get("/sparql", params={"query": "ASK {}"})
        out["then ASK {}: seconds"] = time.perf_counter() - started
        out["then ASK {}: HTTP status"] = ask.status_code
        out["server RSS right after, MB"] = rss_mb(tree(os.getpid()))
        spent = cpu_s(tree(os.getpid()))
        time.sleep(5)
        out["CPU seconds used in the 5 s after"] = cpu_s(tree(os.getpid())) - spent
        out["server RSS 5 s after, MB"] = rss_mb(tree(os.getpid()))
    return out


@contextlib.contextmanager
def serving(app) -> Iterator[httpx.Client]:
    """The app on a free port of 127.0.0.1 (uvicorn in a thread), and a client for it."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.sparql.close()


def http_timings(backends, runs: int) -> dict[str, list[float]]:
    from catalogue.web import create_app

    app = create_app(backends)
    app.state.sparql.close()
    app.state.sparql = SparqlService(backends.store, Limits(timeout=60, max_rows=100_000))
    out = {}
    with serving(app) as client:
        for name, query in QUERIES.items():
            client.get("/sparql", params={"query": query})
            out[name] = time_runs(
                lambda q=query: client.get("/sparql", params={"query": q}).raise_for_status(), runs
            )
    return out


if __name__ == "__main__":
    main()
