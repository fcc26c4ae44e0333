"""``--workers N`` (or BPP_WORKERS): N processes serve one port, each with its own sessions;
/metrics adds up every worker's figures; SIGTERM stops them all, closing sessions with 1012."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import ServerProcess, free_port
from tests.server.metrics_text import scrape
from tests.server.wsclient import open_session, recv_frame, run_async

pytestmark = pytest.mark.server

SESSIONS = 6
ATTEMPTS = 300  # /healthz requests until every worker has answered: the kernel picks the worker


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def sessions_per_worker(server: ServerProcess, workers: int) -> dict[int, int]:
    """The latest ``sessions`` each worker reported, once every worker has answered."""
    seen: dict[int, int] = {}
    for _ in range(ATTEMPTS):
        health = server.healthz()
        seen[health["pid"]] = health["sessions"]
        if len(seen) == workers:
            break
    return seen


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_two_workers_serve_sessions_and_stop_cleanly(start_server, how: str) -> None:
    port = free_port()
    command = [sys.executable, "-m", "app", "--port", str(port), "--log-level", "warning"]
    env = {"BPP_SHUTDOWN_GRACE_S": "2"}
    if how == "flag":
        command += ["--workers", "2"]
    else:
        env["BPP_WORKERS"] = "2"
    server: ServerProcess = start_server(env=env, command=command, port=port)
    workers = sessions_per_worker(server, 2)
    assert len(workers) == 2, workers
    assert server.pid not in workers

    async def run() -> list[int]:
        sockets = [(await open_session(server.ws_url))[0] for _ in range(SESSIONS)]
        per_worker = sessions_per_worker(server, 2)
        assert set(per_worker) == set(workers)
        assert sum(per_worker.values()) == SESSIONS, per_worker
        # Whichever worker answers the scrape, it reports every worker's sessions.
        for _ in range(4):
            assert scrape(server)["bpp_sessions"] == SESSIONS
        server.terminate()
        codes = []
        for ws in sockets:
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await recv_frame(ws, timeout=10)
            codes.append(closed.value.rcvd.code if closed.value.rcvd else None)
        return codes

    try:
        assert run_async(run()) == [1012] * SESSIONS
        assert server.wait(15) in (0, -signal.SIGTERM), server.output()
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers)
        assert "Traceback" not in server.output(), server.output()
    finally:
        for pid in workers:  # only if the test failed part-way: the workers we saw, by id
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
