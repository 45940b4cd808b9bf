"""Where the shipped shapes and templates are, from a checkout or an installed wheel.

In the repository they sit at the top (``shapes/``, ``templates/``); a wheel
carries them inside the package (see ``force-include`` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from catalogue.config import Settings

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    for candidate in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder next to or inside {PACKAGE_DIR}")


def shapes_dir() -> Path:
    return _shipped("shapes")


def templates_dir() -> Path:
    return _shipped("templates")


def profile_shapes(profile: str, settings: Settings | None = None) -> Path:
    """One SHACL file with every shape of a validation profile, e.g. ``dcat-ap-3``.

    Kept for callers that take a single path: a thin wrapper over
    :func:`catalogue.shapes.combined_shapes_file` (a profile of one file is
    that file; a profile that extends another gets one combined file). An
    unknown profile or a missing shapes file raises FileNotFoundError, as it
    always did. New code should use :mod:`catalogue.shapes`.
    """
    from catalogue.shapes import combined_shapes_file

    try:
        return combined_shapes_file(profile, settings)
    except KeyError as error:
        raise FileNotFoundError(str(error).strip("\"'")) from None
