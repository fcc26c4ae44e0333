"""A session's own frames on a real server, where they are written straight to the socket right
after training: never faster than the frame rate, in step order, and never ahead of a message
queued before them (a new run's ``ready`` comes before any of its frames)."""

from __future__ import annotations

import asyncio
import json

import pytest

from app.protocol import decode_frame
from tests.server.conftest import ServerProcess
from tests.server.wsclient import TIMEOUT_S, count_frames, open_session, run_async, send

pytestmark = pytest.mark.server
FRAME_RATE = 10


@pytest.fixture(scope="module")
def slow_frames() -> ServerProcess:
    server = ServerProcess({"BPP_FRAME_RATE": str(FRAME_RATE)})
    yield server
    server.stop()


def test_frames_keep_to_the_frame_rate_and_the_order_of_messages(slow_frames: ServerProcess
                                                                  ) -> None:
    async def run() -> None:
        ws, *_ = await open_session(slow_frames.ws_url)
        await send(ws, type="speed", steps_per_second="max")
        await send(ws, type="play")
        seconds = 2.0
        frames, last_step = await count_frames(ws, seconds)
        assert 5 <= frames <= FRAME_RATE * seconds + 2  # paced, however fast it trains
        assert last_step > frames  # many steps a frame: training is not held to the frames

        steps = []
        for _ in range(3):
            message = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            if isinstance(message, bytes):
                steps.append(decode_frame(message)["step"])
        assert steps == sorted(steps)

        # A new run while training at full speed: its ready before any of its frames.
        await send(ws, type="configure", config={"dataset": "xor"})
        while True:
            message = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            if isinstance(message, bytes):
                assert decode_frame(message)["run"] == 0, "a frame of the new run before its ready"
            elif json.loads(message)["type"] == "ready":
                assert json.loads(message)["run"] == 1
                break
        await send(ws, type="play")
        frame = None
        while frame is None or frame["step"] == 0:
            message = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            if isinstance(message, bytes):
                frame = decode_frame(message)
                assert frame["run"] == 1
        await ws.close()

    run_async(run())
