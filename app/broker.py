"""How the processes serving rooms talk: publish/subscribe channels and a small directory of
open rooms.

``LocalBroker`` (the default) keeps both inside this process: every room's teacher and followers
are here, so nothing crosses a process and rooms work exactly as without a broker. With
``BPP_REDIS_URL`` the ``RedisBroker`` (app/redis_broker.py) carries the same calls between
workers and machines, and ``shared`` tells the room registry to relay its rooms.

``publish`` is synchronous and never waits: a teacher's sender calls it after every frame, and
a slow broker must not slow the teacher (the Redis one queues and sends in order).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from typing import Any, Protocol

Callback = Callable[[bytes], None]


def process_id() -> str:
    """This process's name among all processes sharing a broker: host and PID."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Broker(Protocol):
    shared: bool  # other processes see what is published here

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def publish(self, channel: str, data: bytes) -> None:
        """Send ``data`` to every subscriber of ``channel``, in publishing order."""

    async def subscribe(self, channel: str, callback: Callback) -> None:
        """Call ``callback(data)`` (on this event loop) for each message on ``channel``."""

    async def unsubscribe(self, channel: str, callback: Callback) -> None: ...

    async def set_room(self, code: str, info: dict[str, Any], ttl_s: float) -> None:
        """The directory entry of an open room, gone after ``ttl_s`` unless set again."""

    async def get_room(self, code: str) -> dict[str, Any] | None: ...

    async def delete_room(self, code: str) -> None: ...


class LocalBroker:
    """Channels and directory in this process's memory. ``shared=True`` makes several room
    registries in one process relay to each other as separate processes would (tests)."""

    def __init__(self, shared: bool = False) -> None:
        self.shared = shared
        self._subscribers: dict[str, list[Callback]] = {}
        self._rooms: dict[str, dict[str, Any]] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    def publish(self, channel: str, data: bytes) -> None:
        for callback in list(self._subscribers.get(channel, ())):
            callback(data)

    async def subscribe(self, channel: str, callback: Callback) -> None:
        self._subscribers.setdefault(channel, []).append(callback)

    async def unsubscribe(self, channel: str, callback: Callback) -> None:
        callbacks = self._subscribers.get(channel, [])
        if callback in callbacks:
            callbacks.remove(callback)
        if not callbacks:
            self._subscribers.pop(channel, None)

    async def set_room(self, code: str, info: dict[str, Any], ttl_s: float) -> None:
        self._rooms[code] = info  # rooms here end with the process: no expiry needed

    async def get_room(self, code: str) -> dict[str, Any] | None:
        return self._rooms.get(code)

    async def delete_room(self, code: str) -> None:
        self._rooms.pop(code, None)


def make_broker(redis_url: str) -> Broker:
    """The Redis broker for a URL, the in-process one for none."""
    if not redis_url:
        return LocalBroker()
    from app.redis_broker import RedisBroker  # only a deployment with Redis loads the client

    return RedisBroker(redis_url)
