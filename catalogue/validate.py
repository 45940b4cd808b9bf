"""Validate records against a profile's SHACL shapes with pyshacl.

Records are validated in batches (one rdflib graph per batch, one pyshacl
run) because pyshacl's fixed cost per run dominates for small records; each
result is then given to the records that describe its focus node. Every
record gets its own report, kept in the store with the record.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from subprocess import PIPE

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH, XSD

from catalogue.records import Record, Term
from catalogue.resources import profile_shapes

BATCH_SIZE = 250
#: below this many records, starting worker processes costs more than it saves
PARALLEL_THRESHOLD = 1000
# rdflib logs a traceback for every literal whose text does not fit its datatype
# ("about 2 GB"^^xsd:nonNegativeInteger); SHACL reports those properly, so keep quiet.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)
VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"


@dataclass(frozen=True)
class ValidationResult:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    component: str | None = None


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


def _speed_up_pyshacl() -> None:
    """Let pyshacl look its constraint parameters up in a set instead of a list.

    For every shape it evaluates, pyshacl tests each predicate of the shape
    against a list of ~30 constraint IRIs; in profiles that was a quarter of
    all validation time. A frozenset gives the same answers. Applied only when
    pyshacl has the layout we know (it only reads the value when ``advanced``
    is off, as here); otherwise pyshacl is left as it is.
    """
    try:
        import pyshacl.shape as shape_module
        from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
    except ImportError:
        return
    if isinstance(ALL_CONSTRAINT_PARAMETERS, list) and hasattr(shape_module, "Shape"):
        shape_module.CONSTRAINT_PARAMS = (frozenset(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)


_speed_up_pyshacl()


class ShapesError(ValueError):
    """The shapes themselves cannot be loaded."""


@cache
def load_shapes(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as error:  # rdflib raises many kinds of parser errors
        raise ShapesError(f"{path}: cannot load shapes: {error}") from error
    return graph


def validate_records(
    records: Sequence[Record],
    profile: str = "dcat-ap-3",
    shapes: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> dict[str, ValidationReport]:
    """One report per record id (for one-off validations; a harvest keeps a :class:`Validator`)."""
    with Validator(profile, shapes, workers) as validator:
        return validator.validate(records, progress)


class Validator:
    """Validates batches of records against one shapes file, for as long as a harvest lasts.

    pyshacl is pure Python and holds the GIL, so large batches are spread over
    worker processes (``python -m catalogue.validate``), fed as N-Triples. The
    workers start on the first large batch and live until :meth:`close`, so a
    harvest that validates page after page pays their start-up once.
    """

    def __init__(self, profile: str = "dcat-ap-3", shapes: Path | None = None, workers: int | None = None):
        self.shapes_path = shapes or profile_shapes(profile)
        load_shapes(self.shapes_path)  # a broken shapes file fails here, before any work
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self._processes: list[subprocess.Popen] = []

    def __enter__(self) -> Validator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def validate(
        self, records: Sequence[Record], progress: Callable[[int, int], None] | None = None
    ) -> dict[str, ValidationReport]:
        batches = [records[i : i + BATCH_SIZE] for i in range(0, len(records), BATCH_SIZE)]
        if self.workers > 1 and len(records) >= PARALLEL_THRESHOLD:
            outcomes = self._in_workers(batches)
        else:
            outcomes = (
                (i, _validate_graph(_graph(batch), self.shapes_path)) for i, batch in enumerate(batches)
            )
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

    def _in_workers(self, batches: list[Sequence[Record]]) -> Iterator[tuple[int, list[ValidationResult]]]:
        """Yield (batch index, results) as the worker processes finish them."""
        command = [sys.executable, "-m", "catalogue.validate", str(self.shapes_path)]
        while len(self._processes) < self.workers:
            self._processes.append(
                subprocess.Popen(command, stdin=PIPE, stdout=PIPE, text=True, encoding="utf-8")
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
                    finished.put((index, [ValidationResult(**r) for r in json.loads(answer)]))
            except BaseException as error:  # handed to the caller's thread
                finished.put(error)

        threads = [threading.Thread(target=drive, args=(w,), daemon=True) for w in self._processes]
        for thread in threads:
            thread.start()
        for _ in batches:
            item = finished.get()
            if isinstance(item, BaseException):
                raise item
            yield item
        for thread in threads:
            thread.join()


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


def _graph(batch: Sequence[Record]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for record in batch:
        for triple in record.triples:
            graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


def _ntriples(batch: Sequence[Record]) -> str:
    return "".join(f"{triple} .\n" for record in batch for triple in record.triples)


def _serve_as_worker(shapes_path: Path) -> None:
    """The worker's side: one JSON line in (N-Triples text), one JSON line out (results)."""
    for line in sys.stdin:
        graph = rdflib.Graph()
        for quad in ox.parse(json.loads(line), format=ox.RdfFormat.N_TRIPLES):
            graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        results = _validate_graph(graph, shapes_path)
        sys.stdout.write(json.dumps([asdict(r) for r in results]) + "\n")
        sys.stdout.flush()


def _validate_graph(data: rdflib.Graph, shapes_path: Path) -> list[ValidationResult]:
    _, results_graph, _ = pyshacl_validate(
        data, shacl_graph=load_shapes(shapes_path), inference="none", advanced=False, allow_warnings=True
    )
    # only the report's own results: nested sh:detail results (from sh:node) are not ours to count
    results = [_result(results_graph, node) for node in results_graph.objects(None, SH.result)]
    return sorted(set(results), key=lambda r: (r.focus, r.severity, r.path or "", r.message))


def _result(graph: rdflib.Graph, node: rdflib.term.Node) -> ValidationResult:
    def one(predicate: rdflib.URIRef) -> str | None:
        value = graph.value(node, predicate)
        return None if value is None else str(value)

    path = graph.value(node, SH.resultPath)
    severity = str(graph.value(node, SH.resultSeverity)).rsplit("#", 1)[-1]
    messages = sorted(str(m) for m in graph.objects(node, SH.resultMessage))
    return ValidationResult(
        severity=severity,
        focus=one(SH.focusNode) or "",
        path=_path_text(graph, path),
        message=messages[0] if messages else "",
        value=one(SH.value),
        shape=one(SH.sourceShape) if isinstance(graph.value(node, SH.sourceShape), rdflib.URIRef) else None,
        component=one(SH.sourceConstraintComponent),
    )


def _path_text(graph: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, rdflib.URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{inverse}"
    return path.n3()


def to_rdflib(term: Term) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == str(XSD.string):
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"unsupported term {term!r}")


if __name__ == "__main__":
    _serve_as_worker(Path(sys.argv[1]))
