"""Rooms: one teacher's run on many students' screens.

A room is the teacher's session plus listeners. Its frame is built once (by the teacher's
sender) and the same bytes go to every follower; its JSON messages are serialised once. Students
are read only; a student can take a private copy of the run. When the teacher's connection drops,
the room waits ``GRACE_S`` for the teacher to come back (``room_resume`` with the token) and
followers keep the last state meanwhile.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from app import metrics

if TYPE_CHECKING:
    from app.session import TrainingSession

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud from a projector
CODE_LENGTH = 6
MAX_ROOMS = 50  # per process
MAX_FOLLOWERS = 500  # per room
GRACE_S = 120.0  # how long a room waits for its teacher to come back
# The teacher's messages that students see too.
BROADCAST_TYPES = frozenset({"ready", "status", "explanation", "updates_compared", "gradcheck",
                             "learning_rate_suggestion", "health"})


class Listener(Protocol):
    """A follower's connection: the room pushes serialised JSON and wakes its sender."""

    def push_text(self, text: str) -> None: ...

    def wake_sender(self) -> None: ...


@dataclass
class Poll:
    id: int
    question: str
    options: list[str]
    votes: dict[int, int] = field(default_factory=dict)  # follower id -> option index
    open: bool = True

    def results(self) -> dict[str, Any]:
        counts = [0] * len(self.options)
        for option in self.votes.values():
            counts[option] += 1
        return {"type": "poll_results", "poll": self.id, "counts": counts,
                "total": len(self.votes), "revealed": not self.open}


class Room:
    def __init__(self, code: str, session: TrainingSession, clock: Callable[[], float]) -> None:
        self.code = code
        self.token = secrets.token_urlsafe(24)  # the teacher's secret; never in a join link
        self.session = session
        self.clock = clock
        self.followers: dict[int, Listener] = {}
        self.frame: bytes | None = None
        self.seq = 0  # counts published frames; a follower sends when its seq is behind
        self.ready_text: str | None = None
        self.view_text: str | None = None
        self.poll: Poll | None = None
        self._polls = 0
        self.closed = False
        self.away_since: float | None = None  # the teacher's connection dropped at
        self.teacher_wake: Callable[[], None] | None = None

    # ---- what the teacher's session produces ------------------------------------------------
    def publish_frame(self, data: bytes) -> None:
        """The teacher's newest frame: the same bytes for every follower (built once)."""
        self.frame = data
        self.seq += 1
        for listener in self.followers.values():
            listener.wake_sender()

    def publish_message(self, message: dict[str, Any]) -> None:
        """A teacher's answer that students see too (without the teacher's id)."""
        if message.get("type") not in BROADCAST_TYPES:
            return
        text = _dumps({k: v for k, v in message.items() if k != "id"})
        if message["type"] == "ready":
            self.ready_text = text
        self.broadcast_text(text)

    def broadcast(self, message: dict[str, Any]) -> None:
        self.broadcast_text(_dumps(message))

    def broadcast_text(self, text: str) -> None:
        for listener in self.followers.values():
            listener.push_text(text)
            listener.wake_sender()

    # ---- followers ---------------------------------------------------------------------------
    def welcome(self, listener: Listener) -> None:
        """What a new follower needs to show the room at once: the run, the view, the poll."""
        for text in (self.ready_text, self.view_text):
            if text is not None:
                listener.push_text(text)
        if self.poll is not None:
            listener.push_text(_dumps(self.poll_message()))
        if self.away_since is not None or self.closed:
            listener.push_text(_dumps(self.state_message()))

    def state_message(self) -> dict[str, Any]:
        state = "closed" if self.closed else "teacher_away" if self.away_since else "live"
        out: dict[str, Any] = {"type": "room", "code": self.code, "state": state,
                               "followers": len(self.followers)}
        if state == "teacher_away":
            out["grace_s"] = GRACE_S
        return out

    # ---- polls -------------------------------------------------------------------------------
    def open_poll(self, question: str, options: list[str]) -> Poll:
        self._polls += 1
        self.poll = Poll(self._polls, question, options)
        return self.poll

    def poll_message(self) -> dict[str, Any]:
        p = self.poll
        assert p is not None
        return {"type": "poll", "poll": p.id, "question": p.question, "options": p.options,
                "state": "open" if p.open else "closed"}

    def set_view(self, view: dict[str, Any]) -> None:
        self.view_text = _dumps({"type": "view", "view": view})
        self.broadcast_text(self.view_text)


class RoomRegistry:
    """Open rooms by code, in this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.rooms: dict[str, Room] = {}
        self.clock = clock

    def open(self, session: TrainingSession) -> Room:
        self.reap()
        if len(self.rooms) >= MAX_ROOMS:
            raise RoomError(f"this server has {MAX_ROOMS} rooms open; try again later")
        code = _new_code(self.rooms)
        room = self.rooms[code] = Room(code, session, self.clock)
        metrics.record_room_opened()
        return room

    def get(self, code: str) -> Room:
        self.reap()
        room = self.rooms.get(code.strip().upper())
        if room is None:
            raise RoomError(f"no room {code!r} is open here; check the code")
        return room

    def close(self, room: Room) -> None:
        if not room.closed:
            room.closed = True
            room.broadcast(room.state_message())
            metrics.record_room_closed()
        self.rooms.pop(room.code, None)

    def reap(self) -> None:
        """Close rooms whose teacher did not come back within the grace period."""
        now = self.clock()
        for room in list(self.rooms.values()):
            if room.away_since is not None and now - room.away_since > GRACE_S:
                self.close(room)


class RoomError(Exception):
    """Unknown code, a full room or server, a closed room: an ``error`` with code ``room``."""


def _new_code(taken: dict[str, Room]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), allow_nan=False)
