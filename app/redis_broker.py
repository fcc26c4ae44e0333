"""The broker (app/broker.py) over Redis: pub/sub channels between workers and machines, and
the room directory as keys with a time to live (``bpp:room:CODE``, JSON).

One connection subscribes (a reader task calls the callbacks); another publishes and keeps the
directory. ``publish`` queues and returns at once; a writer task sends what is queued in one
pipeline, in order. If Redis falls behind, queued frames are dropped beyond ``MAX_QUEUED``,
oldest first (a room's followers then skip frames rather than the server growing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from typing import Any

import redis.asyncio as redis

from app.broker import Callback

log = logging.getLogger(__name__)
MAX_QUEUED = 1024
POLL_S = 1.0  # the reader's wait for a message, so it notices being stopped
RETRY_S = 1.0  # after a lost connection
STOP_FLUSH_S = 2.0
FRAMES_SUFFIX = ":frames"  # app/room_relay.py's frame channels: the ones safe to drop


class RedisBroker:
    shared = True

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = redis.from_url(url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._subscribers: dict[str, list[Callback]] = {}
        self._queue: deque[tuple[str, bytes]] = deque()
        self._queued = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Connect (a wrong URL or a Redis that is down fails the start-up, loudly)."""
        await self._client.ping()
        # The reader needs a subscription to read on before any room is followed.
        await self._pubsub.subscribe("bpp:processes")
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._write())]

    async def stop(self) -> None:
        """Send what is still queued (e.g. rooms closing with the process), then disconnect."""
        if self._queue:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(STOP_FLUSH_S):
                    await self._send(list(self._queue))
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # unannotated in redis-py
        with contextlib.suppress(Exception):
            await self._client.aclose()

    # ---- channels ------------------------------------------------------------------------------
    def publish(self, channel: str, data: bytes) -> None:
        if len(self._queue) >= MAX_QUEUED:
            self._drop_one()
        self._queue.append((channel, data))
        self._queued.set()

    def _drop_one(self) -> None:
        """Redis is behind: drop the oldest frame (a newer one follows), else the oldest."""
        for i, (channel, _) in enumerate(self._queue):
            if channel.endswith(FRAMES_SUFFIX):
                del self._queue[i]
                return
        self._queue.popleft()

    async def subscribe(self, channel: str, callback: Callback) -> None:
        callbacks = self._subscribers.setdefault(channel, [])
        callbacks.append(callback)
        if len(callbacks) == 1:
            await self._pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str, callback: Callback) -> None:
        callbacks = self._subscribers.get(channel, [])
        if callback in callbacks:
            callbacks.remove(callback)
        if not callbacks and self._subscribers.pop(channel, None) is not None:
            await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=POLL_S)
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                log.warning("lost the Redis subscription; retrying", exc_info=True)
                await asyncio.sleep(RETRY_S)
                continue
            if message is None or message["type"] != "message":
                continue
            channel = message["channel"].decode()
            for callback in list(self._subscribers.get(channel, ())):
                try:
                    callback(message["data"])
                except Exception:  # one room's fault must not stop every room's messages
                    log.exception("a room's message handler failed on %s", channel)

    async def _write(self) -> None:
        while True:
            await self._queued.wait()
            self._queued.clear()
            batch = list(self._queue)
            self._queue.clear()
            try:
                await self._send(batch)
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                log.warning("could not publish %d room messages to Redis", len(batch),
                            exc_info=True)
                await asyncio.sleep(RETRY_S)

    async def _send(self, batch: list[tuple[str, bytes]]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for channel, data in batch:
                pipe.publish(channel, data)
            await pipe.execute()

    # ---- the room directory --------------------------------------------------------------------
    async def set_room(self, code: str, info: dict[str, Any], ttl_s: float) -> None:
        await self._client.set(_key(code), json.dumps(info), px=int(ttl_s * 1000))

    async def get_room(self, code: str) -> dict[str, Any] | None:
        raw = await self._client.get(_key(code))
        return None if raw is None else json.loads(raw)

    async def delete_room(self, code: str) -> None:
        await self._client.delete(_key(code))


def _key(code: str) -> str:
    return f"bpp:room:{code}"


def unreachable(url: str, timeout_s: float = 3.0) -> str | None:
    """Why Redis at ``url`` cannot be used now (checked once before serving), or None."""
    import redis as sync_redis

    client = sync_redis.Redis.from_url(url, socket_connect_timeout=timeout_s,
                                       socket_timeout=timeout_s)
    try:
        client.ping()
    except (sync_redis.RedisError, OSError) as exc:
        return str(exc) or type(exc).__name__
    finally:
        client.close()
    return None
