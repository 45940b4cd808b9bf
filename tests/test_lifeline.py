"""``catalogue/lifeline.py``: a child that called ``end_with_parent`` ends when its parent ends.

Real processes: a parent (``python -c``) starts a child that calls it and
sleeps; the parent is SIGKILLed, so nothing of its own can stop the child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")

#: the parent prints its child's pid, then waits to be killed; the child asks to end with ``expected``
PARENT = """
import subprocess, sys, time
expected = {expected}
child = subprocess.Popen([sys.executable, "-c", "import sys, time; from catalogue.lifeline import "
    "end_with_parent; end_with_parent(int(sys.argv[1])); print('ready', flush=True); time.sleep(300)",
    str(expected)], stdout=subprocess.PIPE, text=True)
print(child.pid, child.stdout.readline().strip(), flush=True)
time.sleep(300)
"""


def gone(pid: int, within: float = 10.0) -> bool:
    """The process ended (a zombie nobody reaped counts as ended) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in "ZX":
            return True
        time.sleep(0.05)
    return False


def start_parent(expected: str) -> tuple[subprocess.Popen[str], int, str]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(expected=expected)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pid, _, said = parent.stdout.readline().strip().partition(" ")
    return parent, int(pid), said


def test_a_child_ends_when_its_parent_is_killed() -> None:
    parent, child, said = start_parent("__import__('os').getpid()")
    try:
        assert said == "ready" and not gone(child, within=0.5)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert gone(child), "the child outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.wait(10)
        if not gone(child, within=0):
            os.kill(child, signal.SIGKILL)


def test_a_child_whose_parent_is_already_gone_ends_at_once() -> None:
    """The race: the parent ended before the child asked; the child sees another parent and ends."""
    parent, child, said = start_parent("1")  # not its parent: as if it had been re-parented to init
    try:
        assert said == "" and gone(child)  # it never got to say "ready"
    finally:
        parent.kill()
        parent.wait(10)
