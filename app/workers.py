"""``--workers N``: N server processes on one port.

The supervisor (the process the host started) binds the listening socket, so a taken port is one
clear error before any worker starts, then starts the workers, each in its own process group (a
terminal's Ctrl-C reaches only the supervisor, which forwards it once). The workers share the
socket and a table of their open connections, and each new connection goes to the worker holding
the fewest (app/balanced_accept.py): an even split, where the kernel's choice was not (a 71/29
split of sessions between two workers racing for accept(), and a coin toss per connection with a
socket each). The supervisor

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
import asyncio
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

import uvicorn
from pydantic import TypeAdapter

from app.balanced_accept import BalancedAcceptor, WorkerLoads, shared_table
from app.settings import Settings

log = logging.getLogger(__name__)
POLL_S = 0.1  # how often the supervisor looks for workers that have exited
FORWARDED_SIGNALS = (signal.SIGTERM, signal.SIGINT)
SETTINGS_JSON = TypeAdapter(Settings)


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket every worker accepts from, listening on ``host:port``."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)  # connections queue from now on, while the workers start
    return sock


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
            sock = listening_socket(s.host, s.port)
        except OSError as exc:
            log.error("cannot listen on %s:%d: %s", s.host, s.port, exc.strerror or exc)
            return 1
        port = sock.getsockname()[1]
        loads_fd = shared_table(s.workers)
        previous = {sig: signal.signal(sig, self._note) for sig in FORWARDED_SIGNALS}
        try:
            self.workers = [self._start_worker(sock, loads_fd, index)
                            for index in range(s.workers)]
            sock.close()  # the workers hold it (and the table) now
            os.close(loads_fd)
            log.info("Started supervisor process [%d]: %d workers on http://%s:%d "
                     "(Press CTRL+C to quit)", os.getpid(), len(self.workers), s.host, port)
            return self._wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start_worker(self, sock: socket.socket, loads_fd: int, index: int
                      ) -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.workers", "--listen-fd", str(sock.fileno()),
             "--loads-fd", str(loads_fd), "--index", str(index)],
            stdin=subprocess.PIPE, pass_fds=[sock.fileno(), loads_fd], process_group=0)
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


def run_worker(listen_fd: int, loads_fd: int, index: int) -> None:
    """A worker process: serve the app on the inherited listening socket, taking the
    connections that the table of loads gives it."""
    from app.cli import uvicorn_options
    from app.main import create_app

    settings = SETTINGS_JSON.validate_json(_read_line(sys.stdin.fileno()))
    sock = socket.socket(fileno=listen_fd)
    threading.Thread(target=_stop_when_supervisor_gone, daemon=True).start()
    config = uvicorn.Config(create_app(settings), **uvicorn_options(settings))
    loads = WorkerLoads(loads_fd, settings.workers, index)
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT, forwarded: stopped as asked
        BalancedServer(config, sock, loads).run()


class BalancedServer(uvicorn.Server):
    """uvicorn's server, whose connections come from a ``BalancedAcceptor`` instead of a
    listener of its own."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket, loads: WorkerLoads) -> None:
        super().__init__(config)
        self.sock = sock
        self.loads = loads
        self.acceptor: BalancedAcceptor | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app's start-up, and no listener
        loop = asyncio.get_running_loop()
        config, state = self.config, self.server_state

        def protocol() -> asyncio.Protocol:  # what uvicorn's own listener makes per connection
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=state, app_state=self.lifespan.state, _loop=loop)

        async def serve(conn: socket.socket) -> None:
            await loop.connect_accepted_socket(protocol, conn)

        self.acceptor = BalancedAcceptor(self.sock, self.loads, serve,
                                         lambda: len(state.connections))
        self.acceptor.start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.acceptor is not None:
            self.acceptor.stop()
        self.sock.close()
        await super().shutdown(sockets)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="one worker process (started by --workers)")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--loads-fd", type=int, required=True)
    parser.add_argument("--index", type=int, required=True)
    arguments = parser.parse_args()
    run_worker(arguments.listen_fd, arguments.loads_fd, arguments.index)
