"""Child processes that end when the catalogue process that started them ends, however it ends.

A catalogue process starts helpers: validation workers (``validation/pool.py``),
the readers of ``serve --workers`` (``web/workers.py``), SPARQL workers
(``catalogue/sparql/worker.py``). When it stops normally it stops them; but a process
that is SIGKILLed (by an operator, the OOM killer, a container runtime after
its grace period) can do nothing, and its children were re-parented to init,
keeping their CPU, their memory and — for a reader — a share of the
listening socket, with nobody left to stop them.

So each helper, as it starts, calls :func:`end_with_parent`: on Linux it asks
the kernel to send it SIGKILL when its parent ends (``prctl(PR_SET_PDEATHSIG)``),
then checks that its parent is still the process that started it — had the
parent ended before the call, the helper was re-parented already and the
signal would never come. SIGKILL, not SIGTERM: a helper holds nothing that
needs saving (the writing process is the parent, and it is gone). Elsewhere
the call does nothing.

The kernel's "parent" is the *thread* that started the child: a helper must be
started by a thread that lives at least as long as the helper should (each
caller says why this holds for it).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

#: from <linux/prctl.h>
PR_SET_PDEATHSIG = 1
#: the C library, loaded at import: a child forked from a process with threads must not load libraries
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def end_with_parent(parent: int) -> None:
    """Have this process SIGKILLed when its parent ends; ``parent`` is the pid of the process that started it."""
    if _libc is None:
        return
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(errno)}")
    if os.getppid() != parent:  # the parent ended before the call above: nobody would signal us
        os.kill(os.getpid(), signal.SIGKILL)
