"""Harvest with concept resolution on vs off: the cost of following concept IRIs, cold and cached.

A synthetic node of N datasets, each themed with one of M concepts served
by a local HTTP server on 127.0.0.1 (Turtle, ``Cache-Control: max-age``),
each concept with a two-step ``skos:broader`` chain. Per repeat, in fresh
data directories:

* off: a first harvest, then a re-harvest of the node with every record
  changed (so every record is written and indexed again);
* on: the same two harvests with ``[concepts] resolve = true``: the first
  dereferences every concept (cold), the re-harvest finds them in the cache.

Prints the medians side by side and the ratio on/off; the target is a
re-harvest at most 20% slower with resolution on. Only 127.0.0.1 is
contacted (``allow_hosts``), and only the concept IRIs the node names.

    python bench/concepts.py              # 400 datasets, 60 concepts, 3 repeats
    python bench/concepts.py -n 1000 -m 200 -r 5
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import tempfile
import threading
import time
from pathlib import Path

from catalogue.backends import open_backends
from catalogue.config import ConceptSettings, Limits, Settings, Source
from catalogue.harvest import harvest_source

HEAD = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix ex: <https://node.example/> .
ex:catalog a dcat:Catalog ; dct:title "Node"@en ; dct:description "A node."@en ; dct:publisher ex:org .
ex:org a foaf:Agent ; foaf:name "Hospital"@en .
"""


class _Concepts(http.server.SimpleHTTPRequestHandler):
    extensions_map = {".ttl": "text/turtle"}

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=3600")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


def write_concepts(folder: Path, base: str, count: int) -> None:
    """``count`` concepts, each with a broader one and that with a top concept, labels in three languages."""
    folder.mkdir(parents=True, exist_ok=True)
    skos = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    for number in range(count):
        parent = f"{base}/group{number % 10}.ttl"
        (folder / f"c{number}.ttl").write_text(
            skos + f'<{base}/c{number}.ttl> skos:prefLabel "Concept {number}"@en, "Begrip {number}"@nl, '
            f'"Käsite {number}"@fi ; skos:broader <{parent}> .\n'
        )
    for group in range(10):
        (folder / f"group{group}.ttl").write_text(
            skos
            + f'<{base}/group{group}.ttl> skos:prefLabel "Group {group}"@en ; skos:broader <{base}/top.ttl> .\n'
        )
    (folder / "top.ttl").write_text(skos + f'<{base}/top.ttl> skos:prefLabel "Everything"@en .\n')


def write_node(path: Path, base: str, datasets: int, concepts: int, edition: int) -> None:
    lines = [HEAD]
    for number in range(datasets):
        lines.append(
            f'ex:d{number} a dcat:Dataset ; dct:title "Cohort {number}, edition {edition}"@en ; '
            f'dct:description "Samples of cohort {number}."@en ; dct:publisher ex:org ; '
            f"dcat:theme <{base}/c{number % concepts}.ttl> .\n"
        )
    path.write_text("".join(lines))


def timed_harvests(
    root: Path, node: Path, base: str, args: argparse.Namespace, resolve: bool
) -> tuple[float, float]:
    """Seconds of a first harvest and of a re-harvest with every record changed."""
    source = Source(name="node", title="Node", url=str(node), policy="warn")
    settings = Settings(
        title="bench",
        base_url="http://127.0.0.1:8000",
        data_dir=root,
        sources=(source,),
        limits=Limits(timeout_seconds=10.0),
        concepts=ConceptSettings(resolve=resolve, allow_hosts=("127.0.0.1",)),
    )
    times = []
    backends = open_backends(settings)
    try:
        for edition in (1, 2):
            write_node(node, base, args.datasets, args.concepts, edition)
            started = time.perf_counter()
            result = harvest_source(source, backends)
            times.append(time.perf_counter() - started)
            assert result.run.outcome == "ok", result.run
    finally:
        backends.close()
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--datasets", type=int, default=400)
    parser.add_argument("-m", "--concepts", type=int, default=60)
    parser.add_argument("-r", "--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-concepts-") as scratch:
        folder = Path(scratch) / "concepts"
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_Concepts, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        write_concepts(folder, base, args.concepts)
        results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
        try:
            for repeat in range(args.repeats):
                for resolve in (False, True):  # alternate, so drift on a noisy machine hits both
                    root = Path(scratch) / f"run{repeat}-{resolve}"
                    results[resolve].append(
                        timed_harvests(root, root.with_suffix(".ttl"), base, args, resolve)
                    )
        finally:
            server.shutdown()
            server.server_close()
    print(
        f"{args.datasets} datasets, {args.concepts} concepts (+11 broader), {args.repeats} repeats; median seconds"
    )
    print(f"{'harvest':<32}{'off':>10}{'on':>10}{'on/off':>10}")
    for position, name in enumerate(("first (concepts fetched)", "re-harvest (concepts cached)")):
        off = statistics.median(run[position] for run in results[False])
        on = statistics.median(run[position] for run in results[True])
        print(f"{name:<32}{off:>10.2f}{on:>10.2f}{on / off:>10.2f}")


if __name__ == "__main__":
    main()
