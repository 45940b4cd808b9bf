"""Validate records against a profile's SHACL shapes.

A profile's shapes files (``catalogue.shapes.shapes_files``: the base
profile's first) are merged into one shapes graph. Records are validated in
batches (one data graph per batch, one engine run), because an engine's fixed
cost per run dominates for small records; each result is then given to the
records that describe its focus node. Every record gets its own report, kept
in the store with the record.

The engine is pyrudof (Rust) unless it declines the shapes or pyshacl is asked
for; both give the same findings (see :mod:`catalogue.shacl_engines`). Large
batches are spread over worker processes, one per CPU.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from subprocess import PIPE
from typing import TYPE_CHECKING

import rdflib

from catalogue.records import Record
from catalogue.shacl_engines import (
    ENGINES,
    PYRUDOF,
    PYSHACL,
    Engine,
    EngineUnsupported,
    Shapes,
    ShapesError,
    ValidationResult,
    make_engine,
    ntriples,
    resolve_engine,
    to_rdflib,
)
from catalogue.shacl_engines import load_shapes as _load_shapes
from catalogue.shapes import shapes_files

if TYPE_CHECKING:
    from catalogue.config import Settings

__all__ = [
    "ENGINES",
    "INFO",
    "VIOLATION",
    "WARNING",
    "EngineUnsupported",
    "ShapesError",
    "ValidationReport",
    "ValidationResult",
    "Validator",
    "load_shapes",
    "profile_shapes",
    "to_rdflib",
    "validate_records",
]

#: records per engine run; pyrudof's cost grows faster than linearly with the graph
BATCH_SIZES = {PYRUDOF: 100, PYSHACL: 250}
#: below this many records, starting worker processes costs more than it saves
PARALLEL_THRESHOLD = 1000
#: at most this many worker processes, whatever the number of CPUs
MAX_WORKERS = 8
#: changes when validation itself changes in a way that can change verdicts
#: (see Validator.profile_version)
VALIDATION_VERSION = "2"
VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"


@dataclass
class ValidationReport:
    results: list[ValidationResult] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(r.severity == VIOLATION for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.severity == WARNING for r in self.results)

    @property
    def conforms(self) -> bool:
        """True when nothing is a Violation; warnings do not stop publication."""
        return self.violations == 0


def profile_shapes(profile: str, settings: Settings | None = None) -> list[Path]:
    """The shapes files of a profile, base profile's first (``settings`` for configured profiles)."""
    try:
        return shapes_files(profile, settings)
    except KeyError as error:
        raise ShapesError(error.args[0] if error.args else str(error)) from None


def load_shapes(paths: Path | Sequence[Path]) -> rdflib.Graph:
    """The shapes files merged into one graph, checked (cached while the files do not change)."""
    return _load_shapes(paths).graph


def validate_records(
    records: Sequence[Record],
    profile: str = "dcat-ap-3",
    shapes: Path | Sequence[Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    engine: str | None = None,
    settings: Settings | None = None,
) -> dict[str, ValidationReport]:
    """One report per record id (for one-off validations; a harvest keeps a :class:`Validator`)."""
    with Validator(profile, shapes, workers, engine=engine, settings=settings) as validator:
        return validator.validate(records, progress)


class Validator:
    """Validates batches of records against one profile's shapes, for as long as a harvest lasts.

    ``shapes`` (a path or a list of paths) replaces the profile's own files;
    ``settings`` makes profiles configured in catalogue.toml known.
    ``engine`` is ``"pyrudof"``, ``"pyshacl"`` or None (pyrudof unless it
    declines the shapes, see :func:`catalogue.shacl_engines.resolve_engine`).
    Large batches are spread over ``workers`` processes (``python -m
    catalogue.validate``; default: one per CPU, at most MAX_WORKERS), fed as
    N-Triples: pyshacl holds the GIL, and pyrudof's own threads do not help on
    batches this small. The workers start on the first large batch and
    live until :meth:`close`, so a harvest that validates page after page pays
    their start-up once.
    """

    def __init__(
        self,
        profile: str = "dcat-ap-3",
        shapes: Path | Sequence[Path] | None = None,
        workers: int | None = None,
        engine: str | None = None,
        settings: Settings | None = None,
    ):
        self.profile = profile
        if shapes is None:
            shapes = profile_shapes(profile) if settings is None else profile_shapes(profile, settings)
        paths = [shapes] if isinstance(shapes, str | os.PathLike) else list(shapes)
        self.shapes_paths: tuple[Path, ...] = tuple(Path(p) for p in paths)
        self.shapes: Shapes = _load_shapes(self.shapes_paths)  # broken shapes fail here, before any work
        self.engine: str = resolve_engine(engine, self.shapes)
        self.batch_size = BATCH_SIZES[self.engine]
        self.workers = workers if workers is not None else min(MAX_WORKERS, os.cpu_count() or 1)
        self._engine: Engine | None = None
        self._processes: list[subprocess.Popen] = []

    @property
    def shapes_path(self) -> Path:
        """The first shapes file (kept for callers from when a profile had one)."""
        return self.shapes_paths[0]

    @property
    def profile_version(self) -> str:
        """The profile's name with a digest of its shapes files and of the validation code.

        Stored beside a record's verdict, it tells whether the verdict is still
        current: it changes when a shapes file (or how we validate) changes.
        """
        return f"{self.profile}@{VALIDATION_VERSION}.{self.shapes.digest[:12]}"

    def __enter__(self) -> Validator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def validate(
        self, records: Sequence[Record], progress: Callable[[int, int], None] | None = None
    ) -> dict[str, ValidationReport]:
        size = self.batch_size
        batches = [records[i : i + size] for i in range(0, len(records), size)]
        if self.workers > 1 and len(records) >= PARALLEL_THRESHOLD:
            outcomes = self._in_workers(batches)
        else:
            outcomes = ((i, self._in_process(batch)) for i, batch in enumerate(batches))
        reports = {record.id: ValidationReport() for record in records}
        done = 0
        for index, results in outcomes:
            _assign(batches[index], results, reports)
            done += len(batches[index])
            if progress:
                progress(done, len(records))
        return reports

    def close(self) -> None:
        for process in self._processes:
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=30)
            if process.stdout:
                process.stdout.close()
        self._processes.clear()

    def _in_process(self, batch: Sequence[Record]) -> list[ValidationResult]:
        if self._engine is None:
            self._engine = make_engine(self.engine, self.shapes)
        return self._engine.validate(_ntriples(batch))

    def _in_workers(self, batches: list[Sequence[Record]]) -> Iterator[tuple[int, list[ValidationResult]]]:
        """Yield (batch index, results) as the worker processes finish them."""
        command = [sys.executable, "-m", "catalogue.validate", self.engine, *map(str, self.shapes_paths)]
        # one thread per worker: pyrudof's thread pool only adds waiting on records this small
        environment = {**os.environ, "RAYON_NUM_THREADS": "1"}
        while len(self._processes) < self.workers:
            self._processes.append(
                subprocess.Popen(
                    command, stdin=PIPE, stdout=PIPE, text=True, encoding="utf-8", env=environment
                )
            )
        todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(batches)):
            todo.put(index)
        finished: queue.SimpleQueue[tuple[int, list[ValidationResult]] | BaseException] = queue.SimpleQueue()

        def drive(worker: subprocess.Popen) -> None:
            assert worker.stdin and worker.stdout
            try:
                while True:
                    try:
                        index = todo.get_nowait()
                    except queue.Empty:
                        return
                    worker.stdin.write(json.dumps(_ntriples(batches[index])) + "\n")
                    worker.stdin.flush()
                    answer = worker.stdout.readline()
                    if not answer:
                        raise RuntimeError("a validation worker process stopped unexpectedly")
                    reply = json.loads(answer)
                    if isinstance(reply, dict):  # the worker could not validate: {"error": "..."}
                        raise RuntimeError(f"a validation worker failed: {reply.get('error')}")
                    finished.put((index, [ValidationResult(**r) for r in reply]))
            except BaseException as error:  # handed to the caller's thread
                finished.put(error)

        threads = [threading.Thread(target=drive, args=(w,), daemon=True) for w in self._processes]
        for thread in threads:
            thread.start()
        for _ in batches:
            item = finished.get()
            if isinstance(item, BaseException):
                self._stop_workers()
                raise item
            yield item
        for thread in threads:
            thread.join()

    def _stop_workers(self) -> None:
        """After a failure: the workers may be half-way through a batch, so they are not reused."""
        for process in self._processes:
            process.kill()
            process.wait(timeout=30)
            for stream in (process.stdin, process.stdout):
                if stream:
                    with contextlib.suppress(OSError):
                        stream.close()
        self._processes.clear()


def _assign(
    batch: Sequence[Record], results: list[ValidationResult], reports: dict[str, ValidationReport]
) -> None:
    """Give each result to every record of the batch that describes its focus node."""
    owners: dict[str, list[str]] = defaultdict(list)
    for record in batch:
        for subject in {t.subject.value for t in record.triples}:
            owners[subject].append(record.id)
    for result in results:
        for record_id in owners.get(result.focus, ()):
            reports[record_id].results.append(result)


def _ntriples(batch: Sequence[Record]) -> str:
    return ntriples(triple for record in batch for triple in record.triples)


def _serve_as_worker(engine_name: str, shapes_paths: list[Path]) -> None:
    """The worker's side: one JSON line in (N-Triples text), one JSON line out (results, or an error)."""
    engine = make_engine(engine_name, _load_shapes(shapes_paths, checked=False))
    for line in sys.stdin:
        try:
            reply: object = [asdict(result) for result in engine.validate(json.loads(line))]
        except Exception as error:  # reported to the parent, which stops the batch
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve_as_worker(sys.argv[1], [Path(p) for p in sys.argv[2:]])
