"""Rooms with real websocket clients: the teacher's run on every student's screen, read only,
copies that stay bit identical, polls with one vote per student, and a teacher who may return."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import Session


class Room:
    """A teacher and some students connected to one room."""

    def __init__(self, client: TestClient, stack: ExitStack, students: int) -> None:
        self.teacher = Session(stack.enter_context(client.websocket_connect("/ws")))
        self.teacher.send(type="room_open", id="open")
        self.info = self.teacher.json("room")
        self.teacher.frame()  # the room's first frame
        self.students = []
        for _ in range(students):
            student = Session(stack.enter_context(client.websocket_connect("/ws")))
            student.send(type="room_join", code=self.info["code"].lower())
            joined = student.json("room")
            assert joined["role"] == "student" and joined["state"] == "live"
            assert student.json("ready")["config"] == self.teacher.ready["config"]
            student.frame()
            self.teacher.json("room")  # the follower count went up
            self.students.append(student)

    def step(self, n: int) -> bytes:
        self.teacher.send(type="step", n=n)
        data = self.teacher.frame_bytes()
        for student in self.students:
            assert student.frame_bytes() == data  # the same bytes: built once
        return data


@pytest.fixture
def room(client: TestClient) -> Iterator[Room]:
    with ExitStack() as stack:
        yield Room(client, stack, students=2)


def test_opening_a_room_gives_a_code_a_link_and_a_secret(room: Room) -> None:
    info = room.info
    assert info["role"] == "teacher" and info["id"] == "open"
    assert len(info["code"]) == 6 and info["join_url"].endswith(f"/#room={info['code']}")
    assert info["teacher_token"] not in info["join_url"]


def test_followers_see_the_teachers_frames(room: Room) -> None:
    from app.protocol import decode_frame

    frame = decode_frame(room.step(25))
    assert frame["step"] == 25
    room.teacher.send(type="phase", to="backward")
    data = room.teacher.frame_bytes()
    assert decode_frame(data)["phase"] == "backward"
    for student in room.students:
        assert student.frame_bytes() == data


@pytest.mark.parametrize("command", [
    {"type": "play"}, {"type": "configure", "config": {}}, {"type": "set", "learning_rate": 1},
    {"type": "step"}, {"type": "reset"}, {"type": "phase"},
    {"type": "poll_open", "question": "q?", "options": ["a", "b"]},
])
def test_a_students_command_that_would_change_the_run_is_read_only(
        room: Room, command: dict[str, Any]) -> None:
    error = room.students[0].error(**command)
    assert error["code"] == "read_only"
    assert decode(room.step(1))["step"] == 1  # the room goes on


def decode(data: bytes) -> dict[str, Any]:
    from app.protocol import decode_frame

    return decode_frame(data)


def test_a_copy_stepped_50_times_equals_the_room_stepped_50_times(room: Room) -> None:
    room.step(13)
    student = room.students.pop(0)
    student.send(type="room_copy")
    assert student.json("room")["state"] == "copied"
    assert student.json("ready")
    assert student.frame()["step"] == 13
    room.teacher.json("room")  # one follower fewer
    student.send(type="step", n=50)
    mine = student.frame()
    ours = decode(room.step(50))
    assert mine["step"] == ours["step"] == 63
    assert np.array_equal(mine["params"], ours["params"])


def test_one_vote_per_student_counts(room: Room) -> None:
    room.teacher.send(type="poll_open", question="Will the loss go up or down?",
                      options=["up", "down"])
    poll = room.teacher.json("poll")
    assert room.teacher.json("poll_results")["total"] == 0
    for student in room.students:
        assert student.json("poll")["question"] == poll["question"]
    a, b = room.students
    a.send(type="vote", poll=poll["poll"], option=1)
    assert a.json("voted")["option"] == 1
    assert room.teacher.json("poll_results")["counts"] == [0, 1]
    assert a.error(type="vote", poll=poll["poll"], option=0)["code"] == "room"  # a second vote
    b.send(type="vote", poll=poll["poll"], option=0)
    b.json("voted")
    assert room.teacher.json("poll_results")["counts"] == [1, 1]
    room.teacher.send(type="poll_close")
    final = room.teacher.json("poll_results")
    assert final["revealed"] and final["total"] == 2
    for student in room.students:
        assert student.json("poll_results")["counts"] == [1, 1]


def test_an_unknown_code_is_a_room_error(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        error = Session(ws).error(type="room_join", code="ZZZZZZ")
        assert error["code"] == "room" and error["field"] == "code"


def test_the_teacher_can_leave_and_come_back_with_the_token(client: TestClient) -> None:
    with ExitStack() as stack:
        room = Room(client, stack, students=1)
        student = room.students[0]
        room.step(5)
        room.teacher.ws.close()
        away = student.json("room")
        assert away["state"] == "teacher_away"
        with client.websocket_connect("/ws") as ws:
            teacher = Session(ws)
            wrong = teacher.error(type="room_resume", code=room.info["code"], teacher_token="x")
            assert wrong["field"] == "teacher_token"
            teacher.send(type="room_resume", code=room.info["code"],
                         teacher_token=room.info["teacher_token"])
            assert teacher.json("room")["role"] == "teacher"
            assert teacher.json("ready")
            assert teacher.frame()["step"] == 5  # the trained network is still there
            assert student.json("room")["state"] == "live"
            assert student.json("ready")["config"] == room.teacher.ready["config"]
            student.frame()
            teacher.send(type="step", n=1)
            data = teacher.frame_bytes()
            assert student.frame_bytes() == data


def test_the_room_qr_code_is_an_svg(room: Room, client: TestClient) -> None:
    response = client.get(f"/room/{room.info['code']}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.text.startswith("<svg")
    assert client.get("/room/nope/qr.svg").status_code == 404


def test_the_teachers_explainer_reaches_every_follower_and_a_late_joiner(
        room: Room, client: TestClient) -> None:
    room.teacher.send(type="explain", index=3, id="why")
    mine = room.teacher.json("explanation")
    assert mine["id"] == "why"
    for student in room.students:  # the same numbers, without the teacher's id
        assert student.json("explanation") == {k: v for k, v in mine.items() if k != "id"}
    view = {"explain": True, "explain_index": 3, "explain_sel": {"l": 1, "i": 0, "j": 0}}
    room.teacher.send(type="view", view=view)
    for student in room.students:
        assert student.json("view")["view"] == view
    with client.websocket_connect("/ws") as ws:  # late: the explanation, then the view
        late = Session(ws)
        late.send(type="room_join", code=room.info["code"])
        late.json("room")
        late.json("ready")
        assert late.json("explanation")["index"] == 3
        assert late.json("view")["view"] == view
