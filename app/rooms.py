"""Rooms: one teacher's run on many students' screens.

A room is the teacher's session plus listeners. Its frame is built once (by the teacher's
sender) and the same bytes go to every follower; its JSON messages are serialised once. Students
are read only; a student can take a private copy of the run. When the teacher's connection drops,
the room waits ``GRACE_S`` for the teacher to come back (``room_resume`` with the token) and
followers keep the last state meanwhile.

This module is one process's view. With a shared broker (Redis), the room's ``relay``
(app/room_relay.py) carries the same frame bytes and texts to other processes, where a
``RemoteRoom`` fans them out to the followers there with this same code.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from app import json_values
from app.ws_transport import prepared_frame

if TYPE_CHECKING:
    from app.room_relay import OwnerRelay
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

    def take_frame(self, seq: int, frame: bytes, wire: bytes) -> None:
        """The room's frame number ``seq``: ``frame``, and ``wire`` the same as a ready-made
        websocket frame (app/ws_transport.py), the same bytes for every follower."""


@dataclass
class Poll:
    id: int
    question: str
    options: list[str]
    # follower -> option index: a connection id here, "process:id" from another process
    votes: dict[int | str, int] = field(default_factory=dict)
    open: bool = True

    def results(self) -> dict[str, Any]:
        counts = [0] * len(self.options)
        for option in self.votes.values():
            counts[option] += 1
        return {"type": "poll_results", "poll": self.id, "counts": counts,
                "total": len(self.votes), "revealed": not self.open}


class Room:
    def __init__(self, code: str, session: TrainingSession | None,
                 clock: Callable[[], float]) -> None:
        self.code = code
        self.token = secrets.token_urlsafe(24)  # the teacher's secret; never in a join link
        self.session = session
        self.clock = clock
        self.followers: dict[int, Listener] = {}
        self.remote_followers: dict[str, int] = {}  # other processes' follower counts
        self.relay: OwnerRelay | None = None  # with a shared broker: to other processes
        self.frame: bytes | None = None
        self.seq = 0  # counts published frames; a follower sends when its seq is behind
        self.ready_text: str | None = None
        self.explanation_text: str | None = None  # the explainer's latest, for a late joiner
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
        if self.relay is not None:
            self.relay.frame(data)  # once for all other processes
        if self.followers:
            wire = prepared_frame(data)  # framed once for every follower
            for listener in list(self.followers.values()):
                listener.take_frame(self.seq, data, wire)

    def publish_message(self, message: dict[str, Any]) -> None:
        """A teacher's answer that students see too (without the teacher's id)."""
        if message.get("type") not in BROADCAST_TYPES:
            return
        text = json_values.text({k: v for k, v in message.items() if k != "id"})
        if message["type"] == "ready":
            self.ready_text, self.explanation_text = text, None
        elif message["type"] == "explanation":
            self.explanation_text = text
        self.broadcast_text(text)

    def broadcast(self, message: dict[str, Any]) -> None:
        self.broadcast_text(json_values.text(message))

    def broadcast_text(self, text: str) -> None:
        if self.relay is not None:
            self.relay.text(text)
        for listener in self.followers.values():
            listener.push_text(text)
            listener.wake_sender()

    # ---- followers ---------------------------------------------------------------------------
    def welcome(self, listener: Listener) -> None:
        """What a new follower needs to show the room at once: the run, the explainer's
        example, the view, the poll."""
        for text in (self.ready_text, self.explanation_text, self.view_text):
            if text is not None:
                listener.push_text(text)
        if self.poll is not None:
            listener.push_text(json_values.text(self.poll_message()))
        if self.away_since is not None or self.closed:
            listener.push_text(json_values.text(self.state_message()))

    def state_message(self) -> dict[str, Any]:
        state = "closed" if self.closed else "teacher_away" if self.away_since else "live"
        out: dict[str, Any] = {"type": "room", "code": self.code, "state": state,
                               "followers": self.follower_count()}
        if state == "teacher_away":
            out["grace_s"] = GRACE_S
        return out

    def follower_count(self) -> int:
        return len(self.followers) + sum(self.remote_followers.values())

    def tell_teacher(self, message: dict[str, Any]) -> None:
        """A message for the teacher only (follower counts, live poll results)."""
        if self.away_since is None and not self.closed and self.session is not None:
            self.session.outbox.append(message)
            if self.teacher_wake is not None:
                self.teacher_wake()

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
        self.view_text = json_values.text({"type": "view", "view": view})
        self.broadcast_text(self.view_text)


class RoomError(Exception):
    """Unknown code, a full room or server, a closed room: an ``error`` with code ``room``."""


def new_code(taken: dict[str, Room]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code

