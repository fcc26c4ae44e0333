"""The real server in a subprocess, for the browser tests and bench/browser_render.py.

``python -m app --port P`` with ``OPENBLAS_NUM_THREADS=1``; ready when ``GET /healthz`` answers.
``restart()`` starts a new process on the same port (the reconnect test).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One ``python -m app`` process on 127.0.0.1. ``env`` adds BPP_* settings."""

    def __init__(self, port: int | None = None, env: Mapping[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        # A file, not a pipe: a chatty server never blocks on it. Closed in close().
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.start()

    def start(self) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BPP_")}
        env = {**inherited, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1", **self.env}
        cmd = [sys.executable, "-m", "app", "--port", str(self.port), "--log-level", "warning"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            with contextlib.suppress(OSError), \
                    urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"{self.url}/healthz silent for {START_TIMEOUT_S} s:\n{self.output()}")

    def kill(self) -> None:
        """SIGKILL: the connection drops without a close frame, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    def output(self) -> str:
        if self.log.closed:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def close(self) -> None:
        self.kill()
        self.log.close()
