"""Validation benchmark: our Validator against one naive pyshacl call, for every built-in profile.

For each profile in ``catalogue.validation.profiles.BUILT_IN``, one generated Turtle
document of N datasets (``generate_catalog(N, invalid_every=50)``) is
validated twice, each in a fresh process:

* baseline: ONE ``pyshacl.validate`` call on the whole document (pyshacl
  parses the Turtle itself) with the profile's shapes merged into one graph;
* ours: the document parsed (pyoxigraph), split into records
  (``catalogue.records.split_records``) and validated by ``Validator`` (the
  default engine, worker processes included). Speed-up is on this end-to-end
  time; the validate-only time is shown beside it.

Then a document of at least 16 MB goes through the same end-to-end path
(parse + split + validate, splitting included) per profile. Targets: speed-up
≥ 3× and the 16 MB document in under 30 s.

    python bench/validate.py                      # 10,000 datasets, 16 MB, every profile
    python bench/validate.py -n 2000 --mb 4 --profiles dcat-ap-3
    python bench/validate.py --engine pyshacl     # our pipeline with pyshacl as the engine
    python bench/validate.py --against 0c79142^ -n 3000 --profiles dcat-ap-3   # beside an earlier tree
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEED_UP_TARGET = 3.0
SECONDS_TARGET = 30.0


def baseline_child(document: Path, profile: str) -> dict:
    """One pyshacl call over the whole document, as someone would write it (no help from us)."""
    import rdflib
    from pyshacl import validate

    from catalogue.validation.profiles import shapes_files

    shapes = rdflib.Graph()
    for path in shapes_files(profile):
        shapes.parse(path, format="turtle")
    started = time.perf_counter()
    _, report, _ = validate(
        document.read_text(encoding="utf-8"),
        data_graph_format="turtle",
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
    )
    seconds = time.perf_counter() - started
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    failing = {
        str(report.value(r, sh.focusNode))
        for r in report.objects(None, sh.result)
        if report.value(r, sh.resultSeverity) == sh.Violation
    }
    return {
        "seconds": seconds,
        "failing": sorted(failing),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def ours_child(document: Path, profile: str, engine: str | None) -> dict:
    from catalogue.fetch import Document
    from catalogue.parse import parse_document
    from catalogue.records import split_records
    from catalogue.validation.validator import Validator

    started = time.perf_counter()
    quads = parse_document(Document(str(document), document.read_bytes()))
    parsed = time.perf_counter()
    records = split_records(quads, "bench", "http://127.0.0.1:8000")
    split = time.perf_counter()
    with Validator(profile, engine=engine) as validator:
        reports = validator.validate(records)
        used, workers = validator.engine, validator.workers
        worker_peaks = [_peak_kb(pid) for pid in validator.worker_pids()]
    done = time.perf_counter()
    return {
        "parse": parsed - started,
        "split": split - parsed,
        "validate": done - split,
        "seconds": done - started,
        "records": len(records),
        "datasets": sum(r.kind == "dataset" for r in records),
        "rejected": sum(not reports[r.id].conforms for r in records),
        "failing": sorted(
            {x.focus for report in reports.values() for x in report.results if x.severity == "Violation"}
        ),
        "engine": used,
        "workers": workers,
        "worker_peak_mb": max(worker_peaks, default=0) / 1024,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _peak_kb(pid: int) -> int:
    """A process's peak resident memory (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def child(*arguments: str, tree: Path | None = None) -> dict:
    """A measurement in a fresh process; with ``tree``, by that tree's own bench script and package."""
    script, env = Path(__file__), None
    if tree is not None:  # its workers (python -m) put the working directory first on their path: the tree
        script, env = tree / "bench" / "validate.py", {**os.environ, "PYTHONPATH": str(tree)}
    finished = subprocess.run(
        [sys.executable, str(script), "--child", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    )
    if finished.returncode:
        raise SystemExit(f"{script} --child {' '.join(arguments)} failed:\n{finished.stderr[-3000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def against(rev: str, n: int, profiles: list[str], engine: str, repeats: int) -> None:
    """Our validation beside the tree at ``rev`` (its package, its bench child), runs alternating, niced.

    For the validation pool: ``--against 0c79142^`` is the design before ProcessPoolExecutor (worker
    processes fed JSON lines by threads). Medians of ``repeats`` runs each; the machine is shared.
    """
    from catalogue.demo.generated import generate_catalog

    os.nice(10)  # the children inherit it
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "tree"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        document = Path(tmp) / "catalog.ttl"
        document.write_bytes(generate_catalog(n, invalid_every=50))
        print(
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; {n:,} datasets; {repeats} runs each, niced"
        )
        lines = [
            f"| profile | validate s: ours (median, min–max) | validate s: {rev} | ratio ours/{rev} "
            f"| total s: ours | total s: {rev} | workers |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for profile in profiles:
            runs: dict[str, list[dict]] = {"ours": [], rev: []}
            for _ in range(repeats):
                runs["ours"].append(child("ours", str(document), profile, engine))
                runs[rev].append(child("ours", str(document), profile, engine, tree=old))
                if runs["ours"][-1]["failing"] != runs[rev][-1]["failing"]:
                    raise SystemExit(f"{profile}: the two trees disagree on the verdicts")
            ours, theirs = ([r["validate"] for r in runs[k]] for k in ("ours", rev))
            totals = [statistics.median(r["seconds"] for r in runs[k]) for k in ("ours", rev)]
            lines.append(
                f"| {profile} | {statistics.median(ours):.1f} ({min(ours):.1f}–{max(ours):.1f}) "
                f"| {statistics.median(theirs):.1f} ({min(theirs):.1f}–{max(theirs):.1f}) "
                f"| {statistics.median(ours) / statistics.median(theirs):.2f} "
                f"| {totals[0]:.1f} | {totals[1]:.1f} | {runs['ours'][0]['workers']} |"
            )
            print(f"  {profile} done, load {os.getloadavg()[0]:.2f}", flush=True)
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000, help="datasets in the document (default 10,000)")
    parser.add_argument("--mb", type=float, default=16, help="size of the big document in MB (default 16)")
    parser.add_argument("--profiles", nargs="*", help="profiles to measure (default: every built-in one)")
    parser.add_argument("--engine", choices=("pyrudof", "pyshacl"), help="our engine (default: the default)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the (slow) pyshacl baseline")
    parser.add_argument(
        "--against", metavar="REV", help="compare our validation with the tree at a git revision"
    )
    parser.add_argument("--repeats", type=int, default=5, help="with --against: runs of each (default 5)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, document, profile, *rest = args.child
        engine = rest[0] if rest and rest[0] != "-" else None
        result = (
            baseline_child(Path(document), profile)
            if kind == "baseline"
            else ours_child(Path(document), profile, engine)
        )
        print(json.dumps(result))
        return

    from catalogue.demo.generated import generate_catalog
    from catalogue.validation.profiles import BUILT_IN

    profiles = args.profiles or list(BUILT_IN)
    engine = args.engine or "-"
    if args.against:
        against(args.against, args.n, profiles, engine, args.repeats)
        return
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.2f} at the start; engine: {args.engine or 'default'}")
    rows, big_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "catalog.ttl"
        document.write_bytes(generate_catalog(args.n, invalid_every=50))
        size = document.stat().st_size
        print(f"document: {args.n:,} datasets, {size / 1e6:.1f} MB of Turtle\n")
        for profile in profiles:
            ours = child("ours", str(document), profile, engine)
            base = None if args.no_baseline else child("baseline", str(document), profile)
            rows.append((profile, ours, base))
            _print_row(profile, args.n, ours, base)

        per_dataset = size / args.n
        big_n = int(args.mb * 1e6 / per_dataset) + 1
        big = Path(tmp) / "big.ttl"
        big.write_bytes(generate_catalog(big_n, invalid_every=50))
        while big.stat().st_size < args.mb * 1e6:
            big_n = int(big_n * 1.02) + 1
            big.write_bytes(generate_catalog(big_n, invalid_every=50))
        big_size = big.stat().st_size
        print(f"\nbig document: {big_n:,} datasets, {big_size / 1e6:.1f} MB of Turtle")
        for profile in profiles:
            big_rows.append((profile, child("ours", str(big), profile, engine)))

    print()
    print(_table(rows, args.n))
    print()
    print(_big_table(big_rows, big_size, args.mb))
    verdicts = []
    for profile, ours, base in rows:
        if base:
            speed_up = base["seconds"] / ours["seconds"]
            verdicts.append(
                f"{profile}: speed-up {speed_up:.1f}× {'≥' if speed_up >= SPEED_UP_TARGET else '<'} 3×"
            )
    for profile, ours in big_rows:
        ok = ours["seconds"] < SECONDS_TARGET
        verdicts.append(f"{profile}: {args.mb:g} MB in {ours['seconds']:.1f} s {'<' if ok else '≥'} 30 s")
    print()
    print("targets: " + "; ".join(verdicts))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def _print_row(profile: str, n: int, ours: dict, base: dict | None) -> None:
    line = f"  {profile}: ours {ours['seconds']:.1f} s ({ours['engine']}, {ours['workers']} workers)"
    if base:
        line += f", baseline {base['seconds']:.1f} s"
    print(line, flush=True)


def _table(rows: list, n: int) -> str:
    head = (
        "| profile | records | baseline s | baseline rec/s | ours s (validate only) | ours rec/s "
        "| speed-up | focus nodes with a violation: ours / baseline (differing) | peak MB: ours (each worker) / baseline |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for profile, ours, base in rows:
        b_s = f"{base['seconds']:.1f}" if base else "–"
        b_rate = f"{n / base['seconds']:,.0f}" if base else "–"
        speed = f"{base['seconds'] / ours['seconds']:.1f}×" if base else "–"
        ours_failing, base_failing = set(ours["failing"]), set(base["failing"]) if base else set()
        rejected = f"{len(ours_failing):,}"
        if base:
            rejected += f" / {len(base_failing):,} ({len(ours_failing ^ base_failing):,})"
        memory = f"{ours['peak_mb']:.0f} ({ours['worker_peak_mb']:.0f})" + (
            f" / {base['peak_mb']:.0f}" if base else ""
        )
        lines.append(
            f"| {profile} | {n:,} | {b_s} | {b_rate} | {ours['seconds']:.1f} ({ours['validate']:.1f}) "
            f"| {n / ours['seconds']:,.0f} | {speed} | {rejected} | {memory} |"
        )
    return "\n".join(lines)


def _big_table(rows: list, size: int, mb: float) -> str:
    lines = [
        f"| {mb:g} MB run ({size / 1e6:.1f} MB) | datasets | parse s | split s | validate s | total s | rec/s | rejected |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for profile, ours in rows:
        lines.append(
            f"| {profile} | {ours['datasets']:,} | {ours['parse']:.1f} | {ours['split']:.1f} | {ours['validate']:.1f} "
            f"| {ours['seconds']:.1f} | {ours['datasets'] / ours['seconds']:,.0f} | {ours['rejected']:,} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
