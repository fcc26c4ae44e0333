"""Caps and timeouts: a full server says "try again later"; a forgotten paused tab is closed."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import ServerProcess
from tests.server.wsclient import count_frames, open_session, open_ws, recv_json, run_async, send

pytestmark = pytest.mark.server


def test_the_session_after_the_cap_is_closed_with_1013_and_a_reason(start_server) -> None:
    server: ServerProcess = start_server(env={"BPP_MAX_SESSIONS": "3"})

    async def run() -> None:
        admitted = [ws for ws, *_ in await asyncio.gather(*(open_session(server.ws_url)
                                                             for _ in range(3)))]
        refused = await open_ws(server.ws_url)
        with pytest.raises(ConnectionClosed) as closed:
            await recv_json(refused)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1013
        assert "try again" in closed.value.rcvd.reason
        assert server.healthz()["sessions"] == 3
        # A seat freed is a seat offered again.
        await admitted.pop().close()
        for _ in range(100):
            if server.healthz()["sessions"] == 2:
                break
            await asyncio.sleep(0.02)
        ws, *_ = await open_session(server.ws_url)
        admitted.append(ws)
        await asyncio.gather(*(ws.close() for ws in admitted))

    run_async(run())


def test_a_paused_silent_session_is_closed_after_the_idle_timeout(start_server) -> None:
    server: ServerProcess = start_server(env={"BPP_IDLE_TIMEOUT_S": "1"})

    async def run() -> None:
        idle, *_ = await open_session(server.ws_url)
        busy, *_ = await open_session(server.ws_url)
        await send(busy, type="speed", steps_per_second=50)
        await send(busy, type="play")
        with pytest.raises(ConnectionClosed) as closed:
            await recv_json(idle, timeout=6.0)
        assert closed.value.rcvd is not None, "closed without a close frame"
        assert closed.value.rcvd.code == 1001
        assert "paused" in closed.value.rcvd.reason
        # A running session is never idle: it still streams frames.
        frames, _ = await count_frames(busy, 1.0)
        assert frames >= 5
        await busy.close()

    run_async(run())
