"""SPARQL endpoint latency on a harvested catalogue.

Harvests one generated document of N datasets (the demo generator's benchmark
catalogue) into a temporary catalogue, then times 10 fixed DCAT queries, each
run several times, through the code path ``/sparql`` uses
(``SparqlService.execute``: dataset, limits, serialization to SPARQL JSON or
Turtle) and, with ``--http``, over HTTP against a uvicorn server. Also times
building the in-memory public dataset and, for comparison, one count run with
pyoxigraph's ``default_graph=[…all visible graphs…]``. Prints a table.

    python bench/sparql.py              # 10,000 datasets, 10 runs per query
    python bench/sparql.py -n 2000 -r 20 --http
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from generated import harvested_catalogue

from catalogue.sparql import Limits, SparqlService

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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        backends, run, harvested = harvested_catalogue(Path(tmp), args.n, invalid_every=50)
        service = SparqlService(backends.store, Limits(timeout=60, max_rows=100_000))
        started = time.perf_counter()
        service.dataset.current()
        built = time.perf_counter() - started
        generation_ms = time_runs(service.dataset.generation, 20)
        fill_publisher(service)
        graphs = backends.store.visible_graphs()
        # the same single-pattern count on the store with the dataset given as a list of graphs
        # (a join is far slower that way: every pattern is looked up once per graph)
        started = time.perf_counter()
        list(backends.store.query(QUERIES["count datasets"], default_graph=graphs))  # type: ignore[call-overload]
        graph_list_s = time.perf_counter() - started
        inprocess = {}
        for name, query in QUERIES.items():
            service.execute(query)  # warm
            inprocess[name] = time_runs(lambda q=query: service.execute(q), args.r)
        over_http = {}
        if args.http:
            over_http = http_timings(backends, args.r)
        service.close()
        backends.close()

    print(
        f"SPARQL over {run.published:,} published datasets ({run.rejected} rejected; harvested in {harvested:.0f} s)"
    )
    print(
        f"public dataset built in memory in {built:.1f} s; generation check p50 {statistics.median(generation_ms):.2f} ms"
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


def http_timings(backends, runs: int) -> dict[str, list[float]]:
    import httpx
    import uvicorn

    from catalogue.web import create_app

    app = create_app(backends)
    app.state.sparql = SparqlService(backends.store, Limits(timeout=60, max_rows=100_000))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    out = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for name, query in QUERIES.items():
            client.get("/sparql", params={"query": query})
            out[name] = time_runs(
                lambda q=query: client.get("/sparql", params={"query": q}).raise_for_status(), runs
            )
    server.should_exit = True
    thread.join(10)
    app.state.sparql.close()
    return out


if __name__ == "__main__":
    main()
