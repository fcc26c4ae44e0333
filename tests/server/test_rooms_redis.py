"""Rooms across processes through a real Redis (Debian's redis-server): a room opened on one
server is followed from another with the same frame bytes, votes from there count once, and a
copy taken there stays bit identical to the room; then the same behind the shipped nginx
configuration, the teacher and the student on different replicas."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import ClientConnection

from app.protocol import decode_frame
from tests.server.conftest import ServerProcess, free_port
from tests.server.nginx_proxy import NginxProcess
from tests.server.redis_server import RedisProcess
from tests.server.test_workers import sessions_per_worker
from tests.server.wsclient import (
    TIMEOUT_S,
    open_session,
    recv_frame,
    recv_json,
    run_async,
    send,
)

pytestmark = pytest.mark.server
MAX_STUDENTS = 12  # joins until one lands on the teacher's other worker


@pytest.fixture
def redis_url() -> Iterator[str]:
    redis = RedisProcess()
    yield redis.url
    redis.stop()


async def answer(ws: ClientConnection, kind: str) -> dict[str, Any]:
    """The next JSON message of type ``kind`` (frames and other messages skipped)."""
    while True:
        message = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        if isinstance(message, str) and (parsed := json.loads(message))["type"] == kind:
            return parsed


async def frame_at(ws: ClientConnection, step: int) -> bytes:
    """The first binary frame at ``step`` (earlier frames and JSON skipped)."""
    while True:
        message = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        if isinstance(message, bytes) and decode_frame(message)["step"] == step:
            return message


async def join(url: str, code: str) -> tuple[ClientConnection, dict[str, Any]]:
    """A student following room ``code`` from the server at ``url``: its room's ``ready``."""
    ws, *_ = await open_session(url)
    await send(ws, type="room_join", code=code, id="join")
    joined = await answer(ws, "room")
    assert joined["role"] == "student" and joined["state"] == "live" and joined["id"] == "join"
    return ws, await answer(ws, "ready")


async def open_room(url: str) -> tuple[ClientConnection, dict[str, Any], dict[str, Any]]:
    """A teacher's room on the server at ``url``: the teacher, the ``room`` answer and the
    run's ``ready``."""
    teacher, _, ready, _ = await open_session(url)
    await send(teacher, type="room_open")
    return teacher, await answer(teacher, "room"), ready


async def step_both(teacher: ClientConnection, student: ClientConnection, n: int,
                    at: int) -> None:
    """The teacher steps ``n`` to step ``at``; the student's frame at ``at`` has the same bytes."""
    await send(teacher, type="step", n=n)
    assert await frame_at(student, at) == await frame_at(teacher, at)


def test_a_room_on_one_server_followed_from_another(redis_url: str, start_server) -> None:
    env = {"BPP_REDIS_URL": redis_url}
    a, b = start_server(env=env), start_server(env=env)

    async def run() -> None:
        teacher, room, ready = await open_room(a.ws_url)
        student, student_ready = await join(b.ws_url, room["code"])
        assert student_ready["config"] == ready["config"]
        assert decode_frame(await frame_at(student, 0))["step"] == 0  # the paused room's frame
        assert (await answer(teacher, "room"))["followers"] == 1  # counted across processes
        await step_both(teacher, student, 7, 7)
        await step_both(teacher, student, 1, 8)
        assert a.healthz()["rooms"] == 1 and b.healthz()["rooms"] == 0  # owned by A only

        # A vote on B counts once on A.
        await send(teacher, type="poll_open", question="Up or down?", options=["up", "down"])
        poll = await answer(student, "poll")
        await send(student, type="vote", poll=poll["poll"], option=1)
        assert (await answer(student, "voted"))["option"] == 1
        results = await answer(teacher, "poll_results")
        while results["total"] == 0:  # the opening count, before the vote arrived
            results = await answer(teacher, "poll_results")
        assert results["counts"] == [0, 1]
        await send(student, type="vote", poll=poll["poll"], option=0)
        assert (await answer(student, "error"))["code"] == "room"

        # A copy taken on B from A's run: stepped 20 times, equal to the room stepped 20 times.
        copier, _ = await join(b.ws_url, room["code"])
        await send(copier, type="room_copy", id="copy")
        copied = await answer(copier, "room")
        assert copied["state"] == "copied" and copied["id"] == "copy"
        await answer(copier, "ready")
        await frame_at(copier, 8)
        await send(copier, type="step", n=20)
        mine = decode_frame(await frame_at(copier, 28))
        await send(teacher, type="step", n=20)
        ours = decode_frame(await frame_at(teacher, 28))
        assert np.array_equal(mine["params"], ours["params"])
        assert decode_frame(await frame_at(student, 28))["step"] == 28  # B still follows

        # The teacher closes the room: B's follower is told.
        await send(teacher, type="room_close")
        assert (await answer(student, "room"))["state"] == "closed"
        for ws in (teacher, student, copier):
            await ws.close()

    run_async(run())


def test_an_unknown_code_is_refused_on_every_server(redis_url: str, start_server) -> None:
    server = start_server(env={"BPP_REDIS_URL": redis_url})

    async def run() -> None:
        ws, *_ = await open_session(server.ws_url)
        await send(ws, type="room_join", code="ZZZZZZ", id="j")
        error = await recv_json(ws)
        assert error["type"] == "error" and error["code"] == "room" and error["id"] == "j"
        await ws.close()

    run_async(run())


def test_a_room_through_nginx_with_teacher_and_student_on_different_replicas(
        redis_url: str, start_server) -> None:
    env = {"BPP_REDIS_URL": redis_url}
    replicas: list[ServerProcess] = [start_server(env=env) for _ in range(2)]
    nginx = NginxProcess([r.port for r in replicas])

    async def run() -> None:
        teacher, room, _ = await open_room(nginx.ws_url)
        student, _ = await join(nginx.ws_url, room["code"])
        # nginx sent the second session to the replica without one: the room crossed over.
        assert [r.healthz()["sessions"] for r in replicas] == [1, 1]
        assert sorted(r.healthz()["rooms"] for r in replicas) == [0, 1]
        await step_both(teacher, student, 3, 3)
        await send(teacher, type="phase", to="backward")
        data = await recv_frame(teacher)
        assert decode_frame(data)["phase"] == "backward"
        while (got := await recv_frame(student)) != data:
            assert decode_frame(got)["step"] == 3  # an earlier frame of the same step
        await teacher.close()
        await student.close()

    try:
        run_async(run())
    finally:
        nginx.stop()


def test_with_two_workers_a_room_is_followed_from_either(redis_url: str, start_server) -> None:
    port = free_port()
    command = [sys.executable, "-m", "app", "--port", str(port), "--log-level", "warning",
               "--workers", "2"]
    server = start_server(env={"BPP_REDIS_URL": redis_url}, command=command, port=port)

    async def run() -> None:
        teacher, room, _ = await open_room(server.ws_url)
        students: list[ClientConnection] = []
        # The kernel picks each connection's worker: join until the teacher's worker is not
        # the only one with sessions, so a student follows from the other worker.
        for _ in range(MAX_STUDENTS):
            students.append((await join(server.ws_url, room["code"]))[0])
            per_worker = sessions_per_worker(server, 2)
            if 0 not in per_worker.values():
                break
        assert len(per_worker) == 2 and 0 not in per_worker.values(), per_worker
        await send(teacher, type="step", n=4)
        data = await frame_at(teacher, 4)
        for student in students:
            assert await frame_at(student, 4) == data
        for ws in (teacher, *students):
            await ws.close()

    run_async(run())


def test_followers_elsewhere_are_told_when_the_rooms_server_stops(redis_url: str,
                                                                  start_server) -> None:
    env = {"BPP_REDIS_URL": redis_url, "BPP_SHUTDOWN_GRACE_S": "1"}
    a, b = start_server(env=env), start_server(env=env)

    async def run() -> None:
        teacher, room, _ = await open_room(a.ws_url)
        student, _ = await join(b.ws_url, room["code"])
        await step_both(teacher, student, 2, 2)
        a.terminate()
        assert a.wait(15) in (0, -signal.SIGTERM), a.output()  # uvicorn re-raises SIGTERM
        states = [(await answer(student, "room"))["state"]]
        while states[-1] != "closed":  # teacher_away first: the teacher's connection went
            states.append((await answer(student, "room"))["state"])
        assert states in (["closed"], ["teacher_away", "closed"])
        await send(student, type="room_leave")  # the student's own run is still there
        assert (await answer(student, "room"))["state"] == "left"
        assert decode_frame(await frame_at(student, 0))["step"] == 0
        await student.close()

    run_async(run())


def test_a_teacher_resuming_on_another_server_is_told_where_the_room_is(
        redis_url: str, start_server) -> None:
    env = {"BPP_REDIS_URL": redis_url}
    a, b = start_server(env=env), start_server(env=env)

    async def run() -> None:
        teacher, room, _ = await open_room(a.ws_url)
        await teacher.close()
        again, *_ = await open_session(b.ws_url)
        await send(again, type="room_resume", code=room["code"],
                   teacher_token=room["teacher_token"], id="back")
        error = await answer(again, "error")
        assert error["code"] == "room" and error["id"] == "back" and error["field"] == "code"
        assert "held by another server process" in error["message"]
        await again.close()

    run_async(run())
