"""Waiting for a real daemon a test started (redis-server, nginx) to answer on its loopback port."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

START_TIMEOUT_S = 10.0


def wait_until_ready(name: str, proc: subprocess.Popen[bytes], ready: Callable[[], bool],
                     output: Callable[[], str], stop: Callable[[], None]) -> None:
    """Poll ``ready()`` until it is true; if the process exits or START_TIMEOUT_S passes, call
    ``stop()`` and raise RuntimeError with the daemon's output."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = output()
            stop()
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{text}")
        if ready():
            return
        time.sleep(0.05)
    text = output()
    stop()
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT_S} s:\n{text}")
