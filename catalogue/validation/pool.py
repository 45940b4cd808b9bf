"""Worker processes for large validation runs, on :class:`concurrent.futures.ProcessPoolExecutor`.

pyshacl holds the GIL, and pyrudof's own threads do not help on batches this
small, so a large run is spread over processes. Each worker loads the shapes
once (unchecked: the parent has checked the same files) and builds its
engine in the pool's initializer; a batch goes in as N-Triples text and comes
back as :class:`~catalogue.model.ValidationResult` objects. Workers are
started with "spawn", never forked: the parent may be a web server with
threads and open stores. Spawned workers import the parent's main module,
so a script that validates large batches needs the usual ``if __name__ ==
"__main__":`` guard (the ``catalogue`` command, pytest and bench/ have it).

Workers never outlive the process that runs the pool: it stops them in
:meth:`WorkerPool.close` (also when Ctrl+C or SIGTERM ends a harvest; the
workers ignore Ctrl+C's SIGINT, which the terminal sends them too, and let the
parent stop them), and a worker is SIGKILLed by the kernel when its parent ends
without closing the pool (``catalogue/lifeline.py``). Workers are started by
the thread that first gives them batches, and the kernel watches that thread:
so a pool is used and closed by one thread (a harvest, a push: one Validator
each, in the thread that runs it).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path

from catalogue.lifeline import end_with_parent
from catalogue.model import ValidationResult
from catalogue.validation.engine import Engine
from catalogue.validation.selection import make_engine
from catalogue.validation.shapes import load_shapes

#: the engine of this worker process (set by _start_worker)
_engine: Engine | None = None


class WorkerPool:
    """``size`` worker processes validating with one engine and one set of shapes files, until :meth:`close`."""

    def __init__(self, engine: str, shapes_paths: Sequence[Path], size: int) -> None:
        self.size = size
        self._executor = ProcessPoolExecutor(
            max_workers=size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(), engine, tuple(str(p) for p in shapes_paths)),
        )

    def run(self, batches: Sequence[str]) -> Iterator[tuple[int, list[ValidationResult]]]:
        """Yield (batch index, results) as the workers finish them; a failure stops the pool and is raised."""
        futures: dict[Future[list[ValidationResult]], int] = {
            self._executor.submit(_validate, text): index for index, text in enumerate(batches)
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            self.close(cancel=True)
            raise

    def pids(self) -> list[int]:
        """The worker processes alive now (they start with the first batches)."""
        processes = self._executor._processes or {}
        return [pid for pid, process in processes.items() if process.is_alive()]

    def close(self, cancel: bool = False) -> None:
        self._executor.shutdown(wait=True, cancel_futures=cancel)


def _start_worker(parent: int, engine_name: str, shapes_paths: tuple[str, ...]) -> None:
    global _engine
    end_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the parent, which stops us
    # one thread per worker: pyrudof's thread pool only adds waiting on records this small
    os.environ["RAYON_NUM_THREADS"] = "1"
    _engine = make_engine(engine_name, load_shapes([Path(p) for p in shapes_paths], checked=False))


def _validate(ntriples: str) -> list[ValidationResult]:
    if _engine is None:
        raise RuntimeError("a validation worker was not started with its shapes")
    return _engine.validate(ntriples)
