"""Validate records against a profile's SHACL shapes.

A profile's shapes files (:func:`catalogue.validation.profiles.shapes_files`:
the base profile's first) are merged into one shapes graph. Records are
validated in batches (one data graph per batch, one engine run), because an
engine's fixed cost per run dominates for small records; each result is then
given to the records that describe its focus node. Every record gets its own
report, kept in the store with the record.

The engine is pyrudof (Rust) unless it declines the shapes or pyshacl is asked
for; both give the same findings (see :mod:`catalogue.validation.engine`).
Large batches are spread over worker processes (:mod:`catalogue.validation.pool`).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from catalogue.model import ValidationReport, ValidationResult
from catalogue.records import DATASET_LINK, Record
from catalogue.validation.engine import PYRUDOF, PYSHACL, Engine
from catalogue.validation.errors import ShapesError
from catalogue.validation.literals import ntriples
from catalogue.validation.pool import WorkerPool
from catalogue.validation.profiles import shapes_files
from catalogue.validation.selection import make_engine, resolve_engine
from catalogue.validation.shapes import Shapes, load_shapes

if TYPE_CHECKING:
    from catalogue.config import Settings

#: records per engine run; pyrudof's cost grows faster than linearly with the graph
BATCH_SIZES = {PYRUDOF: 100, PYSHACL: 250}
#: below this many records, starting worker processes costs more than it saves
PARALLEL_THRESHOLD = 1000
#: at most this many worker processes, whatever the number of CPUs
MAX_WORKERS = 8
#: changes when validation itself changes in a way that can change verdicts
#: (see Validator.profile_version)
VALIDATION_VERSION = "2"


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
    declines the shapes, see :func:`catalogue.validation.selection.resolve_engine`).
    Large batches are spread over ``workers`` processes (default: one per
    CPU, at most MAX_WORKERS). The workers start on the first large batch and
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
            try:
                shapes = shapes_files(profile, settings)
            except KeyError as error:
                raise ShapesError(error.args[0] if error.args else str(error)) from None
        paths = [shapes] if isinstance(shapes, str | os.PathLike) else list(shapes)
        self.shapes_paths: tuple[Path, ...] = tuple(Path(p) for p in paths)
        self.shapes: Shapes = load_shapes(self.shapes_paths)  # broken shapes fail here, before any work
        self.engine: str = resolve_engine(engine, self.shapes)
        self.batch_size = BATCH_SIZES[self.engine]
        self.workers = workers if workers is not None else min(MAX_WORKERS, os.cpu_count() or 1)
        self._engine: Engine | None = None
        self._pool: WorkerPool | None = None

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
        reports = {record.id: ValidationReport() for record in records}
        done = 0
        for index, results in self._outcomes(batches, parallel=len(records) >= PARALLEL_THRESHOLD):
            _assign(batches[index], results, reports)
            done += len(batches[index])
            if progress:
                progress(done, len(records))
        return reports

    def worker_pids(self) -> list[int]:
        """The worker processes alive now (none until a large batch, none after :meth:`close`)."""
        return self._pool.pids() if self._pool is not None else []

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _outcomes(
        self, batches: list[Sequence[Record]], parallel: bool
    ) -> Iterable[tuple[int, list[ValidationResult]]]:
        texts = (_ntriples(batch) for batch in batches)
        if self.workers > 1 and parallel:
            if self._pool is None:
                self._pool = WorkerPool(self.engine, self.shapes_paths, self.workers)
            try:
                yield from self._pool.run(list(texts))
            except BaseException:
                self._pool = None  # it stopped itself: the next large batch starts new workers
                raise
            return
        if self._engine is None:
            self._engine = make_engine(self.engine, self.shapes)
        for index, text in enumerate(texts):
            yield index, self._engine.validate(text)


def _assign(
    batch: Sequence[Record], results: list[ValidationResult], reports: dict[str, ValidationReport]
) -> None:
    """Give each result to every record of the batch that describes its focus node.

    A dataset's record also carries its catalogue's ``dcat:dataset`` link to it
    (catalogue.records.iter_records): that does not make it describe the
    catalogue, whose findings belong to the catalogue's record."""
    owners: dict[str, list[str]] = defaultdict(list)
    for record in batch:
        subjects = {
            t.subject.value
            for t in record.triples
            if not isinstance(t.subject, ox.Triple)
            and (record.kind != "dataset" or t.predicate != DATASET_LINK)
        }
        for subject in subjects:
            owners[subject].append(record.id)
    for result in results:
        for record_id in owners.get(result.focus, ()):
            reports[record_id].results.append(result)


def _ntriples(batch: Sequence[Record]) -> str:
    return ntriples(triple for record in batch for triple in record.triples)
