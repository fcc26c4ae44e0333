"""``--workers N``: each new connection goes to the worker that holds the fewest.

The workers share one listening socket. Left to the kernel, the worker that wakes first takes a
connection (uvicorn's supervisor: a 71/29 split of sessions between two workers); with a socket
each (SO_REUSEPORT), Linux hashes connections over them, a coin toss per connection: 500
sessions split 241/259 and 247/273, and the worker with the most sets everyone's frame rate
when the CPU is full. Here every worker publishes its open connections in a shared table
(``WorkerLoads``, one file mapped by all) and accepts only when it is the one holding the
fewest (ties: the one that accepted least recently, so that they take turns); the others look
again ``RECHECK_S`` later. A worker that does not accept within ``PATIENCE_S`` (stuck in a long
turn of its loop) leaves the connection to whichever looks next; one that has not started, or
has stopped, accepting is not waited for at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mmap
import os
import socket
import struct
import tempfile
import time
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

RECHECK_S = 0.002  # a worker that is not the one to accept looks again this much later
PATIENCE_S = 0.05  # ... and accepts all the same once a connection has waited this long
_SLOT = struct.Struct("=qq")  # per worker: open connections, ticket of its last accept
_TICKET = struct.Struct("=q")  # the table's first 8 bytes: the last ticket handed out
NOT_SERVING = 1 << 62  # the connections of a worker not (yet, or no longer) accepting: never least


class WorkerLoads:
    """A table of every worker's open connections, in a file that all workers map."""

    def __init__(self, fd: int, workers: int, index: int) -> None:
        self.workers = workers
        self.index = index
        self._map = mmap.mmap(fd, table_bytes(workers))

    def publish(self, connections: int) -> None:
        _SLOT.pack_into(self._map, _offset(self.index), connections, self._slot(self.index)[1])

    def withdraw(self) -> None:
        """This worker stops accepting: the others no longer leave it a turn."""
        self.publish(NOT_SERVING)

    def my_turn(self) -> bool:
        """Whether this worker holds the fewest connections (ties: accepted least recently)."""
        mine = self._slot(self.index)
        return all(mine <= self._slot(other) for other in range(self.workers))

    def took_one(self, connections: int) -> None:
        """This worker accepted a connection and now holds ``connections``."""
        (ticket,) = _TICKET.unpack_from(self._map, 0)  # a race only breaks a tie differently
        _TICKET.pack_into(self._map, 0, ticket + 1)
        _SLOT.pack_into(self._map, _offset(self.index), connections, ticket + 1)

    def _slot(self, index: int) -> tuple[int, int]:
        connections, ticket = _SLOT.unpack_from(self._map, _offset(index))
        return connections, ticket

    def close(self) -> None:
        self._map.close()


def table_bytes(workers: int) -> int:
    return _TICKET.size + workers * _SLOT.size


def _offset(index: int) -> int:
    return _TICKET.size + index * _SLOT.size


class BalancedAcceptor:
    """Accepts connections from ``sock`` (shared by the workers) when ``loads`` says it is this
    worker's turn, and hands each to ``serve`` (which makes it a connection of the server, and
    from then on counts it in ``open_connections``)."""

    def __init__(self, sock: socket.socket, loads: WorkerLoads,
                 serve: Callable[[socket.socket], Coroutine[Any, Any, Any]],
                 open_connections: Callable[[], int]) -> None:
        self.sock = sock
        self.loads = loads
        self.serve = serve
        self._served = open_connections
        self._handing_over = 0  # accepted, not yet counted by ``open_connections``
        self._loop = asyncio.get_running_loop()
        self._waiting_since: float | None = None  # when this worker first passed its turn
        self._recheck: asyncio.TimerHandle | None = None
        self._publisher: asyncio.TimerHandle | None = None
        self._stopped = False

    def start(self) -> None:
        self.sock.setblocking(False)
        self._listen()
        self._publish()

    def stop(self) -> None:
        self._stopped = True
        self.loads.withdraw()
        with contextlib.suppress(ValueError, OSError):
            self._loop.remove_reader(self.sock.fileno())
        for handle in (self._recheck, self._publisher):
            if handle is not None:
                handle.cancel()

    def open_connections(self) -> int:
        return self._served() + self._handing_over

    def _listen(self) -> None:
        self._recheck = None
        if not self._stopped:
            self._loop.add_reader(self.sock.fileno(), self._ready)

    def _publish(self) -> None:
        """Closed connections leave the count too (not only accepts change it)."""
        self.loads.publish(self.open_connections())
        self._publisher = self._loop.call_later(RECHECK_S * 25, self._publish)

    def _ready(self) -> None:
        """A connection waits (for whichever worker takes it first)."""
        self.loads.publish(self.open_connections())
        now = time.monotonic()
        if not self.loads.my_turn():
            if self._waiting_since is None:
                self._waiting_since = now
            if now - self._waiting_since < PATIENCE_S:
                self._loop.remove_reader(self.sock.fileno())  # look again soon, not every turn
                self._recheck = self._loop.call_later(RECHECK_S, self._listen)
                return
        self._waiting_since = None
        try:
            conn, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return  # another worker took it, or the client gave up
        except OSError:  # out of file descriptors, say: the kernel keeps the connection queued
            self._loop.remove_reader(self.sock.fileno())
            self._recheck = self._loop.call_later(RECHECK_S * 50, self._listen)
            return
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._handing_over += 1
        self.loads.took_one(self.open_connections())
        self._loop.create_task(self._hand_over(conn))

    async def _hand_over(self, conn: socket.socket) -> None:
        try:
            await self.serve(conn)
        except Exception as exc:  # the server never got it: nobody else will close it
            log.warning("an accepted connection could not be served: %s", exc)
            conn.close()
        finally:
            self._handing_over -= 1


def shared_table(workers: int) -> int:
    """A file descriptor of a table for ``workers`` (the supervisor's; workers inherit it), each
    ``NOT_SERVING`` until it starts accepting: a worker still starting up is not waited for. An
    unlinked temporary file: it goes when the last process holding it exits."""
    fd, path = tempfile.mkstemp(prefix="bpp-loads-")
    os.unlink(path)
    table = bytearray(table_bytes(workers))
    for index in range(workers):
        _SLOT.pack_into(table, _offset(index), NOT_SERVING, 0)
    os.write(fd, table)
    return fd
