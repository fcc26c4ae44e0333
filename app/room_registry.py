"""The rooms this process knows: those it owns (their teacher is connected here) and, with a
shared broker, those owned elsewhere that students here follow (app/room_relay.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from app import metrics
from app.broker import Broker, LocalBroker, process_id
from app.room_relay import OwnerRelay, RemoteRoom, Replies, reply_channel
from app.rooms import GRACE_S, MAX_ROOMS, Room, RoomError, new_code

if TYPE_CHECKING:
    from app.session import TrainingSession


class RoomRegistry:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 broker: Broker | None = None, process: str | None = None) -> None:
        self.rooms: dict[str, Room] = {}  # owned here
        self.remote: dict[str, RemoteRoom] = {}  # owned elsewhere, followed from here
        self.clock = clock
        self.broker: Broker = broker or LocalBroker()
        self.process = process or process_id()  # names this process to the others
        self.replies = Replies()
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        await self.broker.start()
        if self.broker.shared:
            await self.broker.subscribe(reply_channel(self.process), self.replies.deliver)

    async def stop(self) -> None:
        """The process is going: its rooms close (followers elsewhere are told)."""
        for room in list(self.rooms.values()):
            self.close(room)
        for room in list(self.remote.values()):
            self.forget(room)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.broker.stop()

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` on the loop, kept referenced until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- rooms owned here --------------------------------------------------------------------
    def open(self, session: TrainingSession) -> Room:
        self.reap()
        if len(self.rooms) >= MAX_ROOMS:
            raise RoomError(f"this server has {MAX_ROOMS} rooms open; try again later")
        code = new_code(self.rooms)
        room = self.rooms[code] = Room(code, session, self.clock)
        if self.broker.shared:
            room.relay = OwnerRelay(room, self.broker, self.process)
        metrics.record_room_opened()
        return room

    def get(self, code: str) -> Room:
        """An open room owned here (a teacher's room_resume), else RoomError."""
        self.reap()
        room = self.rooms.get(_normal(code))
        if room is None:
            raise RoomError(f"no room {code!r} is open here; check the code")
        return room

    def close(self, room: Room) -> None:
        if not room.closed:
            room.closed = True
            room.broadcast(room.state_message())
            metrics.record_room_closed()
        self.rooms.pop(room.code, None)
        if room.relay is not None:
            self.in_background(room.relay.close())
            room.relay = None

    def reap(self) -> None:
        """Close rooms whose teacher did not come back within the grace period."""
        now = self.clock()
        for room in list(self.rooms.values()):
            if room.away_since is not None and now - room.away_since > GRACE_S:
                self.close(room)

    # ---- any room, wherever it is owned ------------------------------------------------------
    def find_here(self, code: str) -> Room | None:
        """A room to follow without asking the broker: owned here or already followed here."""
        self.reap()
        code = _normal(code)
        return self.rooms.get(code) or self.remote.get(code)

    async def find(self, code: str) -> Room:
        """A room to follow, wherever its teacher is; RoomError if none is open."""
        room = self.find_here(code)
        if room is not None or not self.broker.shared:
            return room or self.get(code)
        entry = await self.broker.get_room(_normal(code))
        room = self.find_here(code)  # another student here may have asked meanwhile
        if room is not None:
            return room
        if entry is None:
            raise RoomError(f"no room {code!r} is open; check the code")
        remote = RemoteRoom(_normal(code), entry, self.broker, self.process, self.replies,
                            self.forget)
        self.remote[remote.code] = remote
        await remote.attach()
        return remote

    def forget(self, room: RemoteRoom) -> None:
        """Stop following a remote room (closed, or its last follower here left)."""
        if self.remote.get(room.code) is room:
            del self.remote[room.code]
            self.in_background(room.detach())


def _normal(code: str) -> str:
    return code.strip().upper()
