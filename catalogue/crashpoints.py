"""Named points where a test may stop the process, to kill it exactly there.

The kill tests (``tests/hostile/test_crash.py``) run ``catalogue harvest`` and
``catalogue serve`` (harvesting on schedule, or taking a push) as subprocesses with ``CATALOGUE_STOP_AT=<point>`` in
their environment. The thread that reaches that point writes
``catalogue: stopped at <point>`` to stderr and waits there for good, so the
test can send SIGKILL at a known moment: between the registry's commit and
the triple side's, halfway through mirroring, before the index commits …

Without the variable — always, in production — :func:`reach` returns at once.
Only the process's own environment sets it: nothing a request carries does.
"""

from __future__ import annotations

import os
import sys
import threading

VARIABLE = "CATALOGUE_STOP_AT"
#: the points, in the order a harvest passes them (a push: validated, committed, mirroring, indexing)
POINTS = ("fetched", "validated", "committed", "mirroring", "indexing")


def reach(point: str) -> None:
    """Stop this thread here if the environment asks for it (see the module's docstring)."""
    if os.environ.get(VARIABLE) != point:
        return
    sys.stderr.write(f"catalogue: stopped at {point}\n")
    sys.stderr.flush()
    threading.Event().wait()  # never set: only a kill ends the wait
