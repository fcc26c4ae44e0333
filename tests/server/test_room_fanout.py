"""A room's fan-out on a real server: followers get the teacher's frames as the same bytes (framed
once for all, written straight to each socket), a run's `ready` always before its frames, and a
follower that stops reading holds back nobody else."""

from __future__ import annotations

import asyncio
import json

import pytest

from app.protocol import decode_frame
from tests.server.conftest import ServerProcess
from tests.server.test_rooms_redis import answer, frame_at, join, open_room
from tests.server.wsclient import TIMEOUT_S, run_async, send

pytestmark = pytest.mark.server


def test_followers_get_the_teachers_frames_in_order(server: ServerProcess) -> None:
    async def run() -> None:
        teacher, room, _ = await open_room(server.ws_url)
        students = [(await join(server.ws_url, room["code"]))[0] for _ in range(2)]
        stalled, _ = await join(server.ws_url, room["code"])  # joins, then never reads again
        await send(teacher, type="step", n=5)
        at_5 = await frame_at(teacher, 5)
        for student in students:
            assert await frame_at(student, 5) == at_5  # the very bytes

        # A new run: each follower hears its `ready` before any frame of it.
        await send(teacher, type="configure", config={"dataset": "xor"})
        new_run = (await answer(teacher, "ready"))["run"]
        for student in students:
            while True:
                message = await asyncio.wait_for(student.recv(), TIMEOUT_S)
                if isinstance(message, bytes):
                    assert decode_frame(message)["run"] != new_run, "a frame before its ready"
                elif json.loads(message)["type"] == "ready":
                    assert json.loads(message)["run"] == new_run
                    break

        # Training at full speed while one follower reads nothing: the others keep up, in order.
        await send(teacher, type="speed", steps_per_second="max")
        await send(teacher, type="play")
        await asyncio.sleep(1.5)
        await send(teacher, type="pause", id="pause")
        while (status := await answer(teacher, "status")).get("id") != "pause":
            pass
        last = status["step"]
        for student in students:
            steps = []
            while not steps or steps[-1] != last:
                message = await asyncio.wait_for(student.recv(), TIMEOUT_S)
                if isinstance(message, bytes):
                    steps.append(decode_frame(message)["step"])
            assert steps == sorted(steps) and len(steps) > 5
        await send(teacher, type="step", n=1)
        after = await frame_at(teacher, last + 1)
        for student in students:
            assert await frame_at(student, last + 1) == after
        for ws in (teacher, *students, stalled):
            await ws.close()

    run_async(run())
