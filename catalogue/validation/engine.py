"""What a SHACL engine is to the validator: built once per shapes, it validates N-Triples text.

Both engines (:mod:`~catalogue.validation.pyrudof_engine`, the default, and
:mod:`~catalogue.validation.pyshacl_engine`, the reference) report only the
report's own results (not the ``sh:detail`` explanations of a failed
``sh:node``), name a result's shape only when it is an IRI, and take its
message from the shape's ``sh:message`` (the first in sorted order), so they
give the same findings; only a shape without ``sh:message`` leaves each engine
its own wording. tests/test_validate.py checks that they agree on every
parsable file of the shared corpus with every built-in profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from catalogue.model import ValidationResult

PYRUDOF, PYSHACL = "pyrudof", "pyshacl"
ENGINES = (PYRUDOF, PYSHACL)


class Engine(Protocol):
    name: str

    def validate(self, ntriples: str) -> list[ValidationResult]:
        """The findings of the shapes on the data (N-Triples from :func:`~catalogue.validation.literals.ntriples`), sorted, no repeats."""
        ...


def sorted_findings(findings: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Findings in one order whichever engine found them, each once."""
    return sorted(set(findings), key=lambda r: (r.focus, r.severity, r.path or "", r.message, repr(r)))
