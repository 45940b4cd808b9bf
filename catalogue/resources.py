"""Where the shipped shapes and templates are, from a checkout or an installed wheel.

In the repository they sit at the top (``shapes/``, ``templates/``); a wheel
carries them inside the package (see ``force-include`` in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

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
