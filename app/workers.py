"""``--workers N``: N server processes on one port, each with its own listening socket.

uvicorn's own supervisor shares one listening socket among its workers; they race for each
accept() and the kernel woke the same one most of the time (a 71/29 split of sessions between
two workers). Here every worker gets its own socket bound with SO_REUSEPORT, and Linux hashes
each new connection (by its addresses and ports) over the sockets: an even split.

The supervisor (the process the host started) binds the sockets, so a taken port is one clear
error before any worker starts, then starts the workers, each in its own process group (a
terminal's Ctrl-C reaches only the supervisor, which forwards it once), and:

- forwards SIGTERM and SIGINT to every worker, which shuts down as a single process does
  (clients get close code 1012 and the grace period), and exits when they have all exited;
- restarts nothing: a worker that exits on its own is logged, the others are stopped, and the
  supervisor exits with status 1, so the host's restart policy sees the failure.

A worker reads its settings (JSON) from its stdin, whose other end the supervisor holds open
for its whole life: if the supervisor is killed outright, the worker reads end-of-file and
stops itself gracefully instead of serving on as an orphan.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import logging.config
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from types import FrameType

from pydantic import TypeAdapter

from app.settings import Settings

log = logging.getLogger(__name__)
POLL_S = 0.1  # how often the supervisor looks for workers that have exited
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SETTINGS_JSON = TypeAdapter(Settings)


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets listening on ``host:port``, one per worker. On Linux each has its own
    accept queue (SO_REUSEPORT); elsewhere (no even hashing) one socket is shared by all."""
    own_socket_each = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
    sockets: list[socket.socket] = []
    for _ in range(count if own_socket_each else 1):
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,
                             socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if own_socket_each:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            for other in sockets:
                other.close()
            raise
        port = sock.getsockname()[1]  # port 0: the others join the port the first one got
        sock.listen(2048)  # connections queue from now on, while the workers start
        sockets.append(sock)
    return sockets * (count // len(sockets))


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers: list[subprocess.Popen[bytes]] = []
        self.received: list[int] = []  # signals not yet forwarded (the handler only notes them)
        self.stop_signal: int | None = None  # the first signal we were asked to stop with

    def run(self) -> int:
        """Serve until the workers exit; the exit status for the supervisor."""
        s = self.settings
        try:
            sockets = listening_sockets(s.host, s.port, s.workers)
        except OSError as exc:
            log.error("cannot listen on %s:%d: %s", s.host, s.port, exc.strerror or exc)
            return 1
        port = sockets[0].getsockname()[1]
        previous = {sig: signal.signal(sig, self._note) for sig in FORWARDED_SIGNALS}
        try:
            self.workers = [self._start_worker(sock) for sock in sockets]
            for sock in sockets:  # each worker holds its own; a dead worker's socket must close
                sock.close()
            log.info("Started supervisor process [%d]: %d workers on http://%s:%d "
                     "(Press CTRL+C to quit)", os.getpid(), len(self.workers), s.host, port)
            return self._wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start_worker(self, sock: socket.socket) -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.workers", "--listen-fd", str(sock.fileno())],
            stdin=subprocess.PIPE, pass_fds=[sock.fileno()], process_group=0)
        assert worker.stdin is not None
        worker.stdin.write(SETTINGS_JSON.dump_json(self.settings) + b"\n")
        worker.stdin.flush()  # and kept open: its end-of-file tells the worker we are gone
        return worker

    def _note(self, sig: int, frame: FrameType | None) -> None:
        self.received.append(sig)

    def _forward(self, sig: int) -> None:
        """Each signal once to each worker: a second Ctrl-C forces, as with one process."""
        self.stop_signal = self.stop_signal or sig
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(sig)

    def _wait(self) -> int:
        failed = False
        running = list(self.workers)
        while running:
            while self.received:
                self._forward(self.received.pop(0))
            for worker in [w for w in running if w.poll() is not None]:
                running.remove(worker)
                if self.stop_signal is None or worker.returncode not in (0, -self.stop_signal):
                    failed = True
                    log.error("worker %d exited with status %s; stopping the others",
                              worker.pid, worker.returncode)
                    self._forward(signal.SIGTERM)
            time.sleep(POLL_S)
        for worker in self.workers:
            if worker.stdin is not None:
                worker.stdin.close()
        log.info("Finished supervisor process [%d]", os.getpid())
        return 1 if failed else 0


def serve_workers(settings: Settings) -> None:
    """Run the supervisor in this process (the CLI, with ``settings.workers`` > 1)."""
    from app.log_format import log_config

    logging.config.dictConfig(log_config(settings.log_format, settings.log_level))
    sys.exit(Supervisor(settings).run())


def _stop_when_supervisor_gone() -> None:
    # os.read, not sys.stdin: a daemon thread must not hold the buffered reader's lock when
    # the interpreter exits (a fatal error). Returns b"" at end-of-file: the supervisor is gone.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def _read_line(fd: int) -> bytes:
    """One line from ``fd``, unbuffered: nothing after it is taken from the watcher thread."""
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            raise SystemExit("the supervisor sent no settings")
        line += byte
    return line


def run_worker(listen_fd: int) -> None:
    """A worker process: serve the app on the inherited listening socket."""
    import uvicorn

    from app.cli import uvicorn_options
    from app.main import create_app

    settings = SETTINGS_JSON.validate_json(_read_line(sys.stdin.fileno()))
    sock = socket.socket(fileno=listen_fd)
    threading.Thread(target=_stop_when_supervisor_gone, daemon=True).start()
    config = uvicorn.Config(create_app(settings), **uvicorn_options(settings))
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT, forwarded: stopped as asked
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="one worker process (started by --workers)")
    parser.add_argument("--listen-fd", type=int, required=True)
    run_worker(parser.parse_args().listen_fd)
