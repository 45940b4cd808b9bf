"""Plain data types shared by the validator, the store and the web (no third-party imports).

The store keeps validation reports and quality scores; it must not need the
SHACL engines (rdflib, pyshacl, pyrudof) to read or write them. So the types
it stores live here, as plain dataclasses, and the validator produces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VIOLATION, WARNING, INFO = "Violation", "Warning", "Info"


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
