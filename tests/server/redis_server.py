"""Debian's redis-server (/usr/bin/redis-server) on a loopback port, in a temporary directory,
with nothing saved to disk; stopped by its PID."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile

from tests.live_server import free_port
from tests.server.daemon import wait_until_ready

REDIS_SERVER = "/usr/bin/redis-server"

class RedisProcess:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.TemporaryDirectory(prefix="bpp-redis-")  # cleaned up in stop()
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir.name],
            stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self) -> None:
        wait_until_ready("redis-server", self.proc, self._answers_ping, self.output, self.stop)

    def _answers_ping(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
        return False

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        self.dir.cleanup()
