"""SIGTERM: connected clients hear 1012 ("service restart") and the process exits in its grace."""

from __future__ import annotations

import signal
import time

import pytest
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import ServerProcess
from tests.server.wsclient import count_frames, open_session, recv_frame, run_async, send

pytestmark = pytest.mark.server

GRACE_S = 2.0


def test_sigterm_closes_clients_with_1012_within_the_grace_period(start_server) -> None:
    server: ServerProcess = start_server(env={"BPP_SHUTDOWN_GRACE_S": str(GRACE_S)})

    async def run() -> float:
        running, *_ = await open_session(server.ws_url)
        paused, *_ = await open_session(server.ws_url)
        await send(running, type="speed", steps_per_second="max")
        await send(running, type="play")
        frames, _ = await count_frames(running, 0.3)
        assert frames > 0
        server.terminate()
        start = time.monotonic()
        for ws in (running, paused):
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await recv_frame(ws, timeout=GRACE_S + 1)
            assert closed.value.rcvd is not None, "closed without a close frame"
            assert closed.value.rcvd.code == 1012
        return time.monotonic() - start

    elapsed = run_async(run())
    assert elapsed <= GRACE_S
    # uvicorn re-raises the signal once its graceful shutdown is done: exit status -SIGTERM.
    assert server.wait(GRACE_S + 2) in (0, -signal.SIGTERM), server.output()
    assert "Traceback" not in server.output(), server.output()
