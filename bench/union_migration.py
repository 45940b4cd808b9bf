"""The public union's migration (``EmbeddedTriples.fill_union``), side by side for several builds.

A store written before the union existed gets it when first opened for
writing: every record graph's triples are copied into the default graph. For
each repeat and each build (``--build NAME=CHECKOUT``, run with this
interpreter and the checkout first on ``sys.path``, builds alternating so
the machine's load falls on all alike), a copy of the Oxigraph folder of a
harvested store (``--store DATA_DIR/store/oxigraph``) has its default graph
cleared and filled again in a child process: wall and CPU seconds (CPU is
what a loaded machine does not distort). Prints the medians as a table.

    python bench/union_migration.py --store /tmp/run/data/store/oxigraph \\
        --build before=/tmp/union-base --build after=.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

#: run in the child: clear the union of the copy, then time filling it again
CHILD = """
import json, sys, time
from pathlib import Path
import pyoxigraph as ox
from catalogue.store.embedded import EmbeddedTriples

path, prefix = Path(sys.argv[1]), sys.argv[2]
triples = EmbeddedTriples(path, prefix)
triples.db.update("CLEAR DEFAULT")
triples.flush()
wall, cpu = time.perf_counter(), time.process_time()
triples.fill_union()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
union = sum(1 for _ in triples.db.quads_for_pattern(None, None, None, ox.DefaultGraph()))
print(json.dumps({"wall": wall, "cpu": cpu, "union": union}))
"""


def record_graphs(store: Path) -> tuple[str, int]:
    """How the store's record graphs are named, and how many there are."""
    import pyoxigraph as ox

    db = ox.Store.read_only(str(store))
    names = [g.value for g in db.named_graphs() if "/graphs/records/" in g.value]
    if not names:
        raise SystemExit(f"{store} holds no record graphs: harvest into it first")
    return names[0][: names[0].index("/graphs/records/")] + "/graphs/records/", len(names)


def fill(checkout: Path, store: Path, prefix: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="union-") as tmp:
        copy = Path(tmp) / "oxigraph"
        shutil.copytree(store, copy)
        env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(copy), prefix],
            env=env, cwd=tmp, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, required=True, help="a harvested store's oxigraph folder")
    parser.add_argument("--build", action="append", required=True, help="NAME=path to a checkout")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    prefix, graphs = record_graphs(args.store)
    builds = [(name, Path(path)) for name, _, path in (b.partition("=") for b in args.build)]
    runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in builds}
    for _ in range(args.repeat):
        for name, checkout in builds:
            runs[name].append(fill(checkout, args.store, prefix))
            print(name, runs[name][-1], file=sys.stderr, flush=True)
    first = builds[0][0]
    print(
        f"\nunion migration of {graphs:,} record graphs; medians of {args.repeat}; {os.cpu_count()} cores\n"
    )
    print(f"| build | CPU (s) | wall (s) | {first} CPU ÷ this CPU | union triples |")
    print("|---|---|---|---|---|")
    base = statistics.median(r["cpu"] for r in runs[first])
    for name, _ in builds:
        cpu = statistics.median(r["cpu"] for r in runs[name])
        wall = statistics.median(r["wall"] for r in runs[name])
        unions = {int(r["union"]) for r in runs[name]}
        print(f"| {name} | {cpu:.1f} | {wall:.1f} | {base / cpu:.2f}× | {', '.join(map(str, unions))} |")


if __name__ == "__main__":
    main()
