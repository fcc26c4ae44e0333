"""Fixtures that run the real server: ``python -m app --port P`` in a subprocess, one per test
(or per module), reached over loopback with real HTTP and websocket clients.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20.0


def console_script() -> list[str]:
    """``backprop-playground`` as installed, or (before ``pip install -e .``) the same entry
    point, ``app.cli:main``, run by hand."""
    path = shutil.which("backprop-playground")
    if path:
        return [path]
    return [sys.executable, "-c", "import sys; sys.argv[0] = 'backprop-playground'; "
            "from app.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_healthz(url: str, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before /healthz")
        with contextlib.suppress(OSError), urllib.request.urlopen(url + "/healthz", timeout=1) as r:
            if r.status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{url}/healthz did not answer within {timeout_s} s")


class ServerProcess:
    """One server subprocess. ``env`` adds BPP_* settings to a clean environment (no BPP_*
    inherited from the caller); ``command`` replaces ``python -m app --port P`` entirely, so it
    must carry ``port`` itself."""

    def __init__(self, env: Mapping[str, str] | None = None,
                 command: Sequence[str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BPP_")}
        full_env = {**inherited, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
                    **(env or {})}
        cmd = list(command) if command else [sys.executable, "-m", "app", "--port",
                                             str(self.port), "--log-level", "warning"]
        # A file, not a pipe: a chatty server must never block on a full pipe.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self._output = ""
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        try:
            wait_for_healthz(self.url, self.proc, START_TIMEOUT_S)
        except BaseException as exc:
            self.stop()
            raise RuntimeError(f"{exc}; {cmd}; output:\n{self.output()}") from exc

    @property
    def pid(self) -> int:
        return self.proc.pid

    def healthz(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
            return json.loads(r.read())

    def get(self, path: str, headers: Mapping[str, str] | None = None
            ) -> tuple[int, Mapping[str, str], bytes]:
        request = urllib.request.Request(self.url + path, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def rss_kb(self) -> int:
        """Resident memory of the server process, from /proc (Linux)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS in /proc status")

    def terminate(self) -> None:
        """SIGTERM: uvicorn's graceful shutdown."""
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout_s: float) -> int:
        return self.proc.wait(timeout_s)

    def output(self) -> str:
        """Everything the server printed so far."""
        if self.log.closed:
            return self._output
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if not self.log.closed:
            self._output = self.output()
            self.log.close()


@pytest.fixture
def start_server() -> Iterator[Any]:
    """A factory: ``start_server(env={...})`` -> a running ServerProcess, killed at teardown."""
    started: list[ServerProcess] = []

    def start(env: Mapping[str, str] | None = None, command: Sequence[str] | None = None,
              port: int | None = None) -> ServerProcess:
        server = ServerProcess(env, command, port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    """A server with default settings, shared by the tests of one module."""
    s = ServerProcess()
    yield s
    s.stop()
