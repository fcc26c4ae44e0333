"""The real server in a subprocess, for the server and browser tests and the browser benchmark:
``python -m app --port P`` (or a given command), ready when ``GET /healthz`` answers.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
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
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 20.0


def console_script() -> list[str]:
    """``backprop-playground`` as installed, or (before ``pip install -e .``, or when the
    installed one is another checkout's editable install) the same entry point,
    ``app.cli:main``, run by hand on this checkout."""
    path = shutil.which("backprop-playground")
    if path and _installed_from_elsewhere() is None:
        return [path]
    return [sys.executable, "-c", "import sys; sys.argv[0] = 'backprop-playground'; "
            "from app.cli import main; main()"]


def _installed_from_elsewhere() -> str | None:
    """The directory of an editable install of another checkout (a git worktree beside this
    one), whose console script would run that checkout's code; None otherwise."""
    try:
        text = importlib.metadata.distribution("backprop-playground").read_text(
            "direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        return None
    info = json.loads(text or "{}")
    if not info.get("dir_info", {}).get("editable"):
        return None
    source = Path(urllib.parse.urlsplit(info["url"]).path)
    return None if source.resolve() == ROOT else str(source)


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


def http_get(url: str, headers: Mapping[str, str] | None = None
             ) -> tuple[int, Mapping[str, str], bytes]:
    """Status, headers and body of ``GET url`` (error statuses included, not raised)."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


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
        self.env = {**inherited, "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
                    **(env or {})}
        self.command = list(command) if command else [
            sys.executable, "-m", "app", "--port", str(self.port), "--log-level", "warning"]
        # A file, not a pipe: a chatty server must never block on a full pipe.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self._output = ""
        self.start()

    def start(self) -> None:
        """Start the process (again, on the same port, after ``kill``) and wait for /healthz."""
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        try:
            wait_for_healthz(self.url, self.proc, START_TIMEOUT_S)
        except BaseException as exc:
            self.stop()
            raise RuntimeError(f"{exc}; {self.command}; output:\n{self.output()}") from exc

    def kill(self) -> None:
        """SIGKILL: connections drop without a close frame, as in a crash."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        self.kill()
        self.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def healthz(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
            return json.loads(r.read())

    def get(self, path: str, headers: Mapping[str, str] | None = None
            ) -> tuple[int, Mapping[str, str], bytes]:
        return http_get(self.url + path, headers)

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
        """Kill the process and keep what it printed."""
        self.kill()
        if not self.log.closed:
            self._output = self.output()
            self.log.close()

    close = stop
