"""Which engine validates: pyrudof (5–10× faster) unless it declines the shapes or pyshacl is asked for.

Shapes that pyrudof declines (:class:`EngineUnsupported`: SHACL-SPARQL, paths
it cannot evaluate on literals, a pattern its regex engine refuses …) are
validated with pyshacl, with a warning in the log. ``engine="pyshacl"`` (or
``CATALOGUE_SHACL_ENGINE=pyshacl`` in the environment) selects pyshacl.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

from catalogue.validation.engine import ENGINES, PYRUDOF, PYSHACL, Engine
from catalogue.validation.errors import EngineUnsupported
from catalogue.validation.pyrudof_engine import RudofEngine, prepare
from catalogue.validation.pyshacl_engine import PyshaclEngine
from catalogue.validation.shapes import Shapes

log = logging.getLogger(__name__)


def resolve_engine(name: str | None, shapes: Shapes) -> str:
    """The engine that will validate with these shapes.

    ``None`` means the default: $CATALOGUE_SHACL_ENGINE, else pyrudof, falling
    back to pyshacl (with a warning) when pyrudof is missing or declines the
    shapes. Asking for pyrudof by name raises EngineUnsupported instead.
    """
    asked = name or os.environ.get("CATALOGUE_SHACL_ENGINE") or None
    if asked not in (*ENGINES, None):
        raise ValueError(f"unknown SHACL engine {asked!r} (known: {', '.join(ENGINES)})")
    if asked == PYSHACL:
        return PYSHACL
    try:
        if not pyrudof_available():
            raise EngineUnsupported("pyrudof is not installed")
        prepare(shapes)
    except EngineUnsupported as error:
        if asked == PYRUDOF:
            raise
        log.warning("validating with pyshacl: %s", error)
        return PYSHACL
    return PYRUDOF


def make_engine(name: str | None, shapes: Shapes) -> Engine:
    """An engine for these shapes: see :func:`resolve_engine` for which."""
    chosen = resolve_engine(name, shapes)
    if chosen == PYRUDOF:
        try:
            return RudofEngine(shapes)
        except EngineUnsupported as error:
            if name == PYRUDOF:
                raise
            log.warning("validating with pyshacl: %s", error)
    return PyshaclEngine(shapes)


@lru_cache(maxsize=1)
def pyrudof_available() -> bool:
    try:
        import pyrudof  # noqa: F401
    except ImportError:
        return False
    return True
