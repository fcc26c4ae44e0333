"""Rooms across processes (workers, machines), through a shared broker (app/broker.py).

The teacher's process owns the room and its run. Its ``OwnerRelay`` publishes each frame once
to ``bpp:room:CODE:frames`` and each text its followers see once to ``bpp:room:CODE:events``,
keeps the room's directory entry (what a new follower needs first) alive, and answers what
other processes send up on ``bpp:room:CODE:up``: their follower counts, their students' votes,
a request for the run's snapshot (a student's copy) and a new process's "hello" (the latest
frame again, for its first followers).

A process with followers of a room it does not own holds a ``RemoteRoom``: a Room fed by those
two channels, so its followers get the same bytes through the same fan-out code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from app import json_values
from app.broker import Broker
from app.rooms import Poll, Room
from engine.snapshot import snapshot as take_snapshot

log = logging.getLogger(__name__)
TTL_S = 30.0  # a directory entry outlives its owner's last refresh by this long
REFRESH_S = 10.0
DEBOUNCE_S = 0.2  # changes (ready, view, poll, state) written at most this often
COPY_TIMEOUT_S = 10.0


def channel(code: str, kind: str) -> str:
    return f"bpp:room:{code}:{kind}"


def reply_channel(process: str) -> str:
    return f"bpp:process:{process}"



class OwnerRelay:
    """In the teacher's process: the room's frames and texts out, the other processes' in."""

    def __init__(self, room: Room, broker: Broker, process: str) -> None:
        self.room = room
        self.broker = broker
        self.process = process
        self._frames, self._events = channel(room.code, "frames"), channel(room.code, "events")
        self._changed = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    def frame(self, data: bytes) -> None:
        self.broker.publish(self._frames, data)

    def text(self, text: str) -> None:
        self.broker.publish(self._events, text.encode())
        self._changed.set()  # perhaps what a new follower needs first (ready, view, poll)

    async def _run(self) -> None:
        up = channel(self.room.code, "up")
        await self.broker.subscribe(up, self._on_up)
        try:
            while not self.room.closed:
                await self.broker.set_room(self.room.code, self.entry(), TTL_S)
                self._changed.clear()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(REFRESH_S):
                        await self._changed.wait()
                await asyncio.sleep(DEBOUNCE_S)
        finally:
            with contextlib.suppress(Exception):
                await self.broker.unsubscribe(up, self._on_up)
                await self.broker.delete_room(self.room.code)

    async def close(self) -> None:
        """The room closed (or the process stops): its entry goes from the directory."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def entry(self) -> dict[str, Any]:
        room = self.room
        return {"owner": self.process, "room": room.state_message(),
                "ready_text": room.ready_text, "view_text": room.view_text,
                "explanation_text": room.explanation_text,
                "poll": room.poll_message() if room.poll is not None else None}

    # ---- what other processes send up --------------------------------------------------------
    def _on_up(self, data: bytes) -> None:
        message = json.loads(data)
        handler = _UP_HANDLERS.get(message.get("kind"))
        if handler is not None and not self.room.closed:
            handler(self, message)

    def _hello(self, message: dict[str, Any]) -> None:
        if self.room.frame is not None:
            self.frame(self.room.frame)

    def _followers(self, message: dict[str, Any]) -> None:
        room, count = self.room, int(message["count"])
        if count > 0:
            room.remote_followers[str(message["process"])] = count
        else:
            room.remote_followers.pop(str(message["process"]), None)
        room.tell_teacher(room.state_message())

    def _vote(self, message: dict[str, Any]) -> None:
        poll, voter, option = self.room.poll, str(message["voter"]), int(message["option"])
        if poll is None or poll.id != message["poll"] or not poll.open or voter in poll.votes:
            return
        if 0 <= option < len(poll.options):
            poll.votes[voter] = option
            self.room.tell_teacher(poll.results())

    def _copy(self, message: dict[str, Any]) -> None:
        session = self.room.session
        if session is None:  # the run has gone (its owner is closing): nothing to copy
            return
        answer = {"request": message["request"], "snapshot": take_snapshot(session.trainer)}
        self.broker.publish(str(message["reply"]), _data(answer))


_UP_HANDLERS: dict[str, Callable[[OwnerRelay, dict[str, Any]], None]] = {
    "hello": OwnerRelay._hello, "followers": OwnerRelay._followers, "vote": OwnerRelay._vote,
    "copy": OwnerRelay._copy}


class RemoteRoom(Room):
    """A room owned by another process, as its followers here see it."""

    def __init__(self, code: str, entry: dict[str, Any], broker: Broker, process: str,
                 replies: Replies, on_closed: Callable[[RemoteRoom], None]) -> None:
        super().__init__(code, None, asyncio.get_running_loop().time)
        self.token = ""  # only the owner's process knows it
        self.broker = broker
        self.process = process
        self.replies = replies
        self.on_closed = on_closed
        self.owner_followers = 0
        self._watch: asyncio.Task[None] | None = None
        self.ready_text, self.view_text = entry["ready_text"], entry["view_text"]
        self.explanation_text = entry.get("explanation_text")  # absent from an older owner
        if entry["poll"] is not None:
            self._poll(entry["poll"])
        self._room(entry["room"])

    async def attach(self) -> None:
        """Subscribe, then ask the owner for its latest frame (a paused room sends no new one)."""
        await self.broker.subscribe(channel(self.code, "frames"), self.publish_frame)
        await self.broker.subscribe(channel(self.code, "events"), self._on_event)
        self._up({"kind": "hello"})
        self._watch = asyncio.get_running_loop().create_task(self._watch_owner())

    async def _watch_owner(self) -> None:
        """An owner that stopped without closing (a crash) stops refreshing the directory:
        when its entry expires, the followers here are told the room closed."""
        while not self.closed:
            await asyncio.sleep(REFRESH_S)
            try:
                entry = await self.broker.get_room(self.code)
            except Exception:  # Redis briefly away: the room may well be alive
                log.warning("could not check room %s in the directory", self.code)
                continue
            if entry is None and not self.closed:
                self._on_event(_data({"type": "room", "code": self.code, "state": "closed",
                                       "followers": self.follower_count()}))

    async def detach(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
        await self.broker.unsubscribe(channel(self.code, "frames"), self.publish_frame)
        await self.broker.unsubscribe(channel(self.code, "events"), self._on_event)

    def follower_count(self) -> int:
        return max(self.owner_followers, len(self.followers))

    # ---- what the owner publishes ------------------------------------------------------------
    def _on_event(self, data: bytes) -> None:
        text = data.decode()
        message = json.loads(text)
        kind = message.get("type")
        if kind == "ready":
            self.ready_text, self.explanation_text = text, None
        elif kind == "explanation":
            self.explanation_text = text
        elif kind == "view":
            self.view_text = text
        elif kind == "poll":
            self._poll(message)
        elif kind == "poll_results" and self.poll is not None and message["revealed"]:
            self.poll.open = False
        elif kind == "room":
            self._room(message)
        self.broadcast_text(text)
        if self.closed:
            self.on_closed(self)

    def _poll(self, message: dict[str, Any]) -> None:
        self.poll = Poll(message["poll"], message["question"], list(message["options"]),
                         open=message["state"] == "open")

    def _room(self, message: dict[str, Any]) -> None:
        state = message["state"]
        self.closed = state == "closed"
        self.away_since = self.clock() if state == "teacher_away" else None
        self.owner_followers = int(message.get("followers", 0))

    # ---- what followers here send up ---------------------------------------------------------
    def _up(self, message: dict[str, Any]) -> None:
        self.broker.publish(channel(self.code, "up"), _data(message))

    def report_followers(self) -> None:
        self._up({"kind": "followers", "process": self.process, "count": len(self.followers)})

    def send_vote(self, follower: int, poll: int, option: int) -> None:
        self._up({"kind": "vote", "voter": f"{self.process}:{follower}", "poll": poll,
                  "option": option})

    async def request_snapshot(self) -> dict[str, Any]:
        """The run's complete state now (engine.snapshot), from the owner's process."""
        request, answer = self.replies.expect()
        try:
            self._up({"kind": "copy", "request": request,
                      "reply": reply_channel(self.process)})
            async with asyncio.timeout(COPY_TIMEOUT_S):
                snapshot: dict[str, Any] = (await answer)["snapshot"]
                return snapshot
        finally:
            self.replies.forget(request)


class Replies:
    """Answers to this process's requests, on its own channel, matched by request number."""

    def __init__(self) -> None:
        self._next = 0
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}

    def expect(self) -> tuple[int, asyncio.Future[dict[str, Any]]]:
        self._next += 1
        future = self._waiting[self._next] = asyncio.get_running_loop().create_future()
        return self._next, future

    def forget(self, request: int) -> None:
        self._waiting.pop(request, None)

    def deliver(self, data: bytes) -> None:
        message = json.loads(data)
        future = self._waiting.get(message.get("request"))
        if future is not None and not future.done():
            future.set_result(message)


def _data(message: dict[str, Any]) -> bytes:
    return json_values.text(message).encode()
