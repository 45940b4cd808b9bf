"""Plain data types shared by the validator, the store and the web (no third-party imports).

The store keeps validation reports and quality scores; it must not need the
SHACL engines (rdflib, pyshacl, pyrudof) to read or write them. So the types
it stores live here, as plain dataclasses, and the validator produces them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"

# -- quality scores (computed by catalogue/quality.py, after data.europa.eu's MQA) ------------------
FINDABILITY, ACCESSIBILITY, INTEROPERABILITY, REUSABILITY, CONTEXTUALITY = (
    "findability", "accessibility", "interoperability", "reusability", "contextuality",
)  # fmt: skip
DIMENSIONS = (FINDABILITY, ACCESSIBILITY, INTEROPERABILITY, REUSABILITY, CONTEXTUALITY)
MAXIMUM = 405
#: width of a histogram bar, in points (nine bars from 0 to 405)
BIN = 45
#: ratings by lowest score, as the MQA names them
RATINGS = ((351, "excellent"), (221, "good"), (121, "sufficient"), (0, "bad"))


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result as the catalogue keeps it."""

    severity: str  # Violation | Warning | Info
    focus: str
    path: str | None
    message: str
    value: str | None = None
    shape: str | None = None
    component: str | None = None


@dataclass
class ValidationReport:
    """Every result the shapes gave one record."""

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


@dataclass(frozen=True)
class Check:
    """One criterion: what it asks, its dimension, its points, and how many were earned."""

    id: str
    dimension: str
    label: str
    points: int
    earned: float


@dataclass
class QualityScore:
    checks: list[Check] = field(default_factory=list)

    @property
    def total(self) -> int:
        return round(sum(c.earned for c in self.checks))

    @property
    def maximum(self) -> int:
        return sum(c.points for c in self.checks)

    def dimension(self, name: str) -> int:
        return round(sum(c.earned for c in self.checks if c.dimension == name))

    def dimension_maximum(self, name: str) -> int:
        return sum(c.points for c in self.checks if c.dimension == name)

    @property
    def rating(self) -> str:
        return rating(self.total)

    def to_json(self) -> str:
        return json.dumps([[c.id, c.dimension, c.label, c.points, c.earned] for c in self.checks])

    @classmethod
    def from_json(cls, text: str) -> QualityScore:
        return cls([Check(*item) for item in json.loads(text)])

    def dimensions(self) -> dict[str, int]:
        return {name: self.dimension(name) for name in DIMENSIONS}

    def missed(self) -> list[Check]:
        """The checks that lost points, most points lost first: what to fix first."""
        return sorted((c for c in self.checks if c.earned < c.points), key=lambda c: c.earned - c.points)


def rating(total: int) -> str:
    return next(name for lowest, name in RATINGS if total >= lowest)
