"""The registry's size on disk and its write and read times, beside the tree at another revision.

N generated datasets (``generate_catalog``) are parsed, split, validated and
scored once, in this process, and the resulting writes pickled; then for each
tree, in a fresh process with that tree's ``catalogue`` first on the path, a
registry is written through the store API (``stage`` in batches of 2,000, one
``commit``: what a first harvest does, without fetching and validating) and
read back. Per run:

* **records.sqlite** — the file's size after the writer closed (the write-ahead
  log checkpointed), and bytes per record; pages still free in it; the
  largest the folder (file and write-ahead log) was while writing;
* **write** — seconds to stage and commit the N records;
* **texts_of** — seconds to read 1,000 random records' N-Triples (what
  ``triples_of`` reads, before parsing), 500 ids a query;
* **one by one** — seconds for 1,000 random records' N-Triples, report and
  quality score, one call each (what a record page reads);
* **dashboard** — seconds for ``quality_stats()``, which reads every record's
  quality and report JSON in SQL.

Runs alternate between the trees, niced; medians of ``--repeats``.

``--convert RECORDS_SQLITE`` times instead the one-off conversion of an older
registry (a copy of it; the file given is only read): seconds, the file's size
before and after, and the folder's peak size meanwhile.

    python bench/registry_size.py --against main -n 10000 -r 3
    python bench/registry_size.py --convert /srv/catalogue/data/store/records.sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "bench"
BASE = "https://bench.example.org/"
STAGE_BATCH = 2000
READS = 1000
#: the measured columns: (key, heading, format)
COLUMNS = [
    ("bytes", "records.sqlite MB", lambda v: f"{v / 1e6:,.0f}"),
    ("per_record", "bytes/record", lambda v: f"{v:,.0f}"),
    ("free", "free pages MB", lambda v: f"{v / 1e6:,.0f}"),
    ("peak", "peak while writing MB", lambda v: f"{v / 1e6:,.0f}"),
    ("write", "write s", lambda v: f"{v:.1f}"),
    ("texts_of", "texts_of 1,000 s", lambda v: f"{v:.3f}"),
    ("one_by_one", "one by one 1,000 s", lambda v: f"{v:.3f}"),
    ("dashboard", "dashboard s", lambda v: f"{v:.2f}"),
]


def prepare(n: int, target: Path) -> None:
    """Parse, split, validate and score N generated datasets once; pickle the writes for the children."""
    from catalogue.demo.generated import generate_catalog
    from catalogue.fetch import Document
    from catalogue.harvest.validating import status_for
    from catalogue.parse import parse_document
    from catalogue.quality import score, urls_to_check
    from catalogue.records import split_records
    from catalogue.store.types import RecordWrite
    from catalogue.validation.validator import Validator
    from catalogue.views.dcat_ap_3 import dataset_view

    document = Document(BASE + "catalog.ttl", generate_catalog(n, base=BASE, invalid_every=50))
    records = split_records(parse_document(document), SOURCE, document.location)
    with Validator() as validator:
        reports = validator.validate(records)
        version = validator.profile_version
    writes = []
    for record in records:
        report, quality, urls = reports[record.id], None, []
        if record.kind == "dataset":
            view = dataset_view(record.triples, record.uri)
            urls = sorted(urls_to_check(view))
            quality = score(view, report.conforms, dict.fromkeys(urls))
        status = status_for(report, "warn")
        writes.append(RecordWrite(record, status, report, "dcat-ap-3", "warn", quality, urls, version))
    target.write_bytes(pickle.dumps(writes))


def measure(folder: Path, writes_file: Path) -> dict[str, float]:
    """One run in this process: write the pickled records into a new registry, then read them back."""
    import catalogue
    from catalogue.store.registry import Registry
    from catalogue.store.types import HarvestRun

    print(f"catalogue from {Path(catalogue.__file__).parent}", file=sys.stderr)

    writes = pickle.loads(writes_file.read_bytes())
    path = folder / "records.sqlite"
    with peak_size(folder) as peak:
        registry = Registry(path)
        clock = time.perf_counter()
        for start in range(0, len(writes), STAGE_BATCH):
            registry.stage(writes[start : start + STAGE_BATCH])
        now = datetime.now(UTC)
        registry.commit(HarvestRun(SOURCE, now, now, "ok"), [], True)
        written = time.perf_counter() - clock
        registry.close()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        free = (
            db.execute("PRAGMA freelist_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
        )
    size = path.stat().st_size
    ids = random.Random(7).sample([w.record.id for w in writes], min(READS, len(writes)))
    reader = Registry(path, read_only=True)
    clock = time.perf_counter()
    texts = sum(len(text) for _, text in reader.texts_of(ids))
    texts_of = time.perf_counter() - clock
    clock = time.perf_counter()
    for record_id in ids:
        reader.ntriples(record_id), reader.report(record_id), reader.quality(record_id)
    one_by_one = time.perf_counter() - clock
    clock = time.perf_counter()
    reader.quality_stats()
    dashboard = time.perf_counter() - clock
    reader.close()
    assert texts > 0
    return {
        "bytes": size, "per_record": size / len(writes), "free": free, "peak": peak[0], "write": written,
        "texts_of": texts_of, "one_by_one": one_by_one, "dashboard": dashboard, "chars": texts,
    }  # fmt: skip


def child(writes_file: Path, tree: Path | None) -> dict[str, float]:
    """A measurement in a fresh process; with ``tree``, with that tree's ``catalogue`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)} if tree is not None else None
    with tempfile.TemporaryDirectory(dir=writes_file.parent) as folder:
        finished = subprocess.run(
            [sys.executable, __file__, "--child", folder, str(writes_file)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tree or ROOT,
        )
    if finished.returncode:
        raise SystemExit(f"child ({tree or 'this tree'}) failed:\n{finished.stderr[-3000:]}")
    if f"catalogue from {tree or ROOT}/catalogue" not in finished.stderr:
        raise SystemExit(
            f"the child did not import the tree it measures ({tree or ROOT}):\n{finished.stderr}"
        )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def run(rev: str | None, n: int, repeats: int) -> None:
    os.nice(10)  # the children inherit it
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        writes_file = Path(tmp) / "writes.pickle"
        clock = time.perf_counter()
        prepare(n, writes_file)
        print(f"{n:,} datasets prepared in {time.perf_counter() - clock:.0f} s", flush=True)
        trees: dict[str, Path | None] = {"ours": None}
        if rev is not None:
            old = Path(tmp) / "tree"
            old.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
            )
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
            trees[rev] = old
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for repeat in range(repeats):
            for name, tree in trees.items():
                runs[name].append(child(writes_file, tree))
            print(f"  run {repeat + 1} of {repeats} done, load {os.getloadavg()[0]:.2f}", flush=True)
    if rev is not None and runs["ours"][0]["chars"] != runs[rev][0]["chars"]:
        raise SystemExit("the two trees read back different texts")
    print(f"{os.cpu_count()} CPUs; {n:,} datasets; medians of {repeats} runs (min–max)")
    print(_table(runs, rev))


def _table(runs: dict[str, list[dict[str, float]]], rev: str | None) -> str:
    lines = [
        "| | " + " | ".join(heading for _, heading, _ in COLUMNS) + " |",
        "|---" + "|---:" * len(COLUMNS) + "|",
    ]
    medians = {
        name: {key: statistics.median(r[key] for r in rows) for key, _, _ in COLUMNS}
        for name, rows in runs.items()
    }
    for name, rows in runs.items():
        cells = []
        for key, _, shown in COLUMNS:
            values = [r[key] for r in rows]
            cells.append(f"{shown(medians[name][key])} ({shown(min(values))}–{shown(max(values))})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if rev is not None:
        ratios = [
            f"{medians['ours'][key] / medians[rev][key]:.2f}" if medians[rev][key] else "–"
            for key, _, _ in COLUMNS
        ]
        lines.append(f"| ours/{rev} | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def convert(registry_file: Path) -> None:
    """Time the one-off conversion of an older registry: a copy of it opened for writing by this tree.

    The copy is taken with SQLite's backup API from a read-only connection, so
    the registry itself is never written. The peak is the folder's size (file,
    write-ahead log) sampled every 0.2 s during the conversion.
    """
    from catalogue.store.registry import Registry

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        copy = Path(tmp) / "records.sqlite"
        with (
            closing(sqlite3.connect(f"file:{registry_file}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)
        before = _file(copy)
        with peak_size(copy.parent) as peak:
            clock = time.perf_counter()
            Registry(copy).close()
            seconds = time.perf_counter() - clock
        after = _file(copy)
    print(f"{registry_file}: converted in {seconds:.0f} s; peak of the folder {peak[0] / 1e6:,.0f} MB")
    print("| | records.sqlite MB | free pages MB | auto_vacuum |\n|---|---:|---:|---:|")
    for name, (size, free, vacuum) in (("before", before), ("after", after)):
        print(f"| {name} | {size / 1e6:,.0f} | {free / 1e6:,.0f} | {vacuum} |")


@contextmanager
def peak_size(folder: Path) -> Iterator[list[int]]:
    """The folder's largest size (the registry, its write-ahead log) while the block runs, sampled every 0.1 s."""
    peak, done = [0], threading.Event()

    def sample() -> None:
        while True:
            peak[0] = max(peak[0], _folder_size(folder))
            if done.wait(0.1):
                return

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def _folder_size(folder: Path) -> int:
    total = 0
    for entry in folder.iterdir():
        with suppress(FileNotFoundError):  # the write-ahead log, removed as the last connection closed
            total += entry.stat().st_size
    return total


def _file(path: Path) -> tuple[int, int, int]:
    """(size, bytes in free pages, auto_vacuum mode) of a registry file."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        free, page, vacuum = (
            db.execute(f"PRAGMA {p}").fetchone()[0] for p in ("freelist_count", "page_size", "auto_vacuum")
        )
    return path.stat().st_size, free * page, vacuum


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets (default 10,000)")
    parser.add_argument("-r", "--repeats", type=int, default=3, help="runs of each tree (default 3)")
    parser.add_argument("--against", metavar="REV", help="also measure the tree at this git revision")
    parser.add_argument(
        "--convert", metavar="RECORDS_SQLITE", type=Path, help="time converting a copy of an older registry"
    )
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "WRITES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child[0]), Path(args.child[1]))))
        return
    if args.convert:
        convert(args.convert)
        return
    run(args.against, args.n, args.repeats)


if __name__ == "__main__":
    main()
