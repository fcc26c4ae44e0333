"""Sessions come and go cleanly: many connect/play/disconnect cycles leave nothing behind, the
default caps let a classroom behind one address in, and a default frame stays small."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.protocol import decode_frame
from tests.server.conftest import ServerProcess
from tests.server.wsclient import count_frames, open_session, recv_frame, recv_json, run_async, send

pytestmark = pytest.mark.server

CYCLES = 200
BATCH = 10  # cycles run concurrently, so the test stays short
FRAME_BUDGET_BYTES = 12 * 1024  # a default-network frame (docs/performance.md)


def wait_for_sessions(server: ServerProcess, expected: int, timeout_s: float = 2.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        health = server.healthz()
        if health["sessions"] == expected or time.monotonic() > deadline:
            return health
        time.sleep(0.02)


async def cycle(url: str, i: int) -> None:
    ws, *_ = await open_session(url)
    await send(ws, type="play")
    assert (await recv_json(ws))["state"] == "running"
    if i % 2:
        await ws.close()  # a clean close handshake
    else:
        ws.transport.abort()  # a tab that vanishes: TCP reset, no close frame
        await ws.wait_closed()


def test_connect_play_disconnect_cycles_leave_no_sessions(server: ServerProcess) -> None:
    async def run() -> None:
        for start in range(0, CYCLES, BATCH):
            await asyncio.gather(*(cycle(server.ws_url, i) for i in range(start, start + BATCH)))

    run_async(run())
    health = wait_for_sessions(server, 0)
    assert health["sessions"] == 0, health
    assert health["running"] == 0, health


def test_default_caps_admit_200_sessions_from_one_address(server: ServerProcess) -> None:
    async def run() -> None:
        sockets = []
        try:
            for _batch in range(200 // 20):
                opened = await asyncio.gather(*(open_session(server.ws_url) for _ in range(20)))
                sockets += [ws for ws, *_ in opened]
            assert server.healthz()["sessions"] == 200
        finally:
            await asyncio.gather(*(ws.close() for ws in sockets))

    run_async(run())
    assert wait_for_sessions(server, 0)["sessions"] == 0


def test_default_frame_is_small_and_playing_streams_frames(server: ServerProcess) -> None:
    async def run() -> None:
        ws, hello, ready, _ = await open_session(server.ws_url)
        assert hello["protocol"] == 1 and ready["topology"]["sizes"] == [2, 4, 2, 1]
        await send(ws, type="speed", steps_per_second="max")
        await send(ws, type="play")
        raw = await recv_frame(ws)
        running = decode_frame(raw)  # a training frame: grads, updates, batch, losses
        frames, step = await count_frames(ws, 1.0)
        await ws.close()
        assert running["step"] > 0 and "grads" in running and len(running["losses"]) > 0
        assert frames >= 5 and step > running["step"]
        assert len(raw) <= FRAME_BUDGET_BYTES, len(raw)

    run_async(run())
