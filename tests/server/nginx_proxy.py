"""Debian's nginx (/usr/sbin/nginx) running deploy/nginx.conf on loopback, as the current user,
in a temporary prefix of its own: the shipped configuration with only its addresses and paths
swapped for local ones (each swap must match exactly once, so a reshaped file fails loudly)."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.live_server import ROOT, free_port
from tests.server.daemon import wait_until_ready

NGINX = "/usr/sbin/nginx"
SHIPPED = ROOT / "deploy" / "nginx.conf"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def _swap(text: str, pattern: str, replacement: str) -> str:
    result, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == 1, f"deploy/nginx.conf: expected one match for {pattern!r}, found {count}"
    return result


def render(port: int, backends: Sequence[int], prefix: Path) -> str:
    """deploy/nginx.conf listening on 127.0.0.1:``port`` in front of 127.0.0.1:``backends``,
    with its pid file and temporary files under ``prefix``."""
    text = SHIPPED.read_text()
    text = _swap(text, r"^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{port};")
    servers = "".join(f"server 127.0.0.1:{p}; " for p in backends)
    text = _swap(text, r"^(\s*)server app:8000;", rf"\g<1>{servers}")
    text = _swap(text, r"^pid .*;$", f"pid {prefix}/nginx.pid;")
    temp = "".join(f"\n    {name}_temp_path {prefix}/{name};" for name in TEMP_PATHS)
    return _swap(text, r"^http \{", "http {" + temp)


class NginxProcess:
    def __init__(self, backends: Sequence[int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self.dir = tempfile.TemporaryDirectory(prefix="bpp-nginx-")  # cleaned up in stop()
        prefix = Path(self.dir.name)
        conf = prefix / "nginx.conf"
        conf.write_text(render(self.port, backends, prefix))
        self.log = open(prefix / "output.log", "w+b")  # noqa: SIM115 (closed in stop())
        # Foreground master (daemon off), so its PID is ours to stop.
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_listening()

    def _wait_listening(self) -> None:
        wait_until_ready("nginx", self.proc, self._listening, self.output, self.stop)

    def _listening(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=1):
            return True
        return False

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        """SIGQUIT to the master, by its PID: graceful; SIGKILL if it lingers."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        self.dir.cleanup()
