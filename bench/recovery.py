"""What a restart after a kill costs, and what settling claims adds to each commit.

Harvests a generated catalogue of N datasets, then times:

* the start after a kill between the registry's commit and the index's (the
  index lost every document; the commit's mark is left set): the catch-up
  check and re-index at ``open_backends``;
* the start after a kill during mirroring (the ``mirror`` mark pending): the
  triple side rebuilt from the registry;
* a start with nothing to catch up;
* ``settle_claims`` on the whole source (run inside a transaction that is
  rolled back), the share of a commit that the claims rule costs.

    python bench/recovery.py -n 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from generated import harvested_catalogue

from catalogue.backends import open_backends
from catalogue.store import HarvestRun
from catalogue.store.claims import nobody_owns, settle_claims


def timed_open(settings) -> float:
    started = time.perf_counter()
    backends = open_backends(settings)
    seconds = time.perf_counter() - started
    backends.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        backends, run, seconds = harvested_catalogue(Path(folder), args.n)
        settings, store = backends.settings, backends.store
        print(f"harvest of {args.n:,} datasets: {seconds:.1f} s")

        db = store.registry._db()  # type: ignore[attr-defined]
        db.execute("BEGIN IMMEDIATE")
        started = time.perf_counter()
        settle_claims(db, HarvestRun("bench", run.started, run.ended, "ok"), nobody_owns)
        print(f"settle_claims over the source: {time.perf_counter() - started:.3f} s")
        db.execute("ROLLBACK")

        backends.index.clear()
        backends.index.commit()
        store.registry.set_state("index:bench", "pending")  # type: ignore[attr-defined]
        backends.close()
        print(f"start, index emptied with its mark set (catch-up): {timed_open(settings):.1f} s")
        print(f"start, nothing to catch up: {timed_open(settings):.1f} s")

        backends = open_backends(settings)
        backends.store.registry.set_state("mirror", "pending")  # type: ignore[attr-defined]
        backends.close()
        print(f"start, mirror pending (triple side rebuilt): {timed_open(settings):.1f} s")


if __name__ == "__main__":
    main()
