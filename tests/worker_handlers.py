"""A worker handler for the SPARQL worker pool's tests, in a module of its own.

The pool's zygote imports a handler by its module's name with the test
process's ``sys.path``. A test module's own name (``tests.test_sparql`` under
``--import-mode=importlib``) resolves only when the repository itself is on
that path, which holds for an editable install and not for the wheel CI
installs; ``tests/`` is on it (pytest's ``pythonpath``), so this module is found.
"""

from __future__ import annotations

import time


def spin(request: object) -> object:
    """Sleep, burn memory, or echo."""
    kind, amount = request  # type: ignore[misc]
    if kind == "sleep":
        time.sleep(amount)
    elif kind == "allocate":
        return len(bytearray(amount * 2**20))
    return request
