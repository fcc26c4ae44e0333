"""Workers sharing one listening socket take turns by load (app/balanced_accept.py): a new
connection goes to the worker holding the fewest, ties to the one that accepted least recently,
and a worker that does not take its turn does not hold connections back for long. Real sockets
and the shared table, two acceptors standing in for two workers in one event loop."""

from __future__ import annotations

import asyncio
import os
import socket

from app.balanced_accept import PATIENCE_S, BalancedAcceptor, WorkerLoads, shared_table
from tests.server.wsclient import run_async


class Worker:
    """An acceptor and the connections it was handed (held open, as a server holds them)."""

    def __init__(self, sock: socket.socket, loads: WorkerLoads) -> None:
        self.connections: list[socket.socket] = []
        own = socket.socket(fileno=os.dup(sock.fileno()))  # as a worker process inherits it
        self.acceptor = BalancedAcceptor(own, loads, self._serve, lambda: len(self.connections))

    async def _serve(self, conn: socket.socket) -> None:
        await asyncio.sleep(0)  # handed over a turn later, as uvicorn's connection is
        self.connections.append(conn)

    def close(self) -> None:
        self.acceptor.stop()
        self.acceptor.sock.close()
        for conn in self.connections:
            conn.close()


def listening() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


async def connect(port: int, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    return list(await asyncio.gather(*[asyncio.open_connection("127.0.0.1", port)
                                       for _ in range(count)]))


async def settled(workers: list[Worker], total: int) -> None:
    while sum(len(w.connections) for w in workers) < total:
        await asyncio.sleep(0.005)


def test_the_table_gives_the_turn_to_the_fewest_then_to_the_least_recent() -> None:
    fd = shared_table(3)
    try:
        loads = [WorkerLoads(fd, 3, index) for index in range(3)]
        for table in loads:  # each worker, once it accepts
            table.publish(0)
        assert [w.my_turn() for w in loads] == [True, True, True]  # nothing yet: all may
        loads[0].took_one(1)
        assert [w.my_turn() for w in loads] == [False, True, True]
        loads[1].took_one(1)
        loads[2].took_one(1)
        assert [w.my_turn() for w in loads] == [True, False, False]  # 0 waited longest
        loads[0].took_one(2)
        loads[1].publish(0)  # one of worker 1's connections closed
        assert [w.my_turn() for w in loads] == [False, True, False]
        for table in loads:
            table.close()
    finally:
        os.close(fd)


def test_a_worker_not_accepting_yet_or_any_more_is_not_left_a_turn() -> None:
    fd = shared_table(2)
    try:
        first, second = WorkerLoads(fd, 2, 0), WorkerLoads(fd, 2, 1)
        first.took_one(30)
        assert first.my_turn()  # the second has not started accepting: no waiting for it
        second.publish(0)
        assert not first.my_turn() and second.my_turn()
        second.withdraw()  # shutting down
        assert first.my_turn()
        first.close()
        second.close()
    finally:
        os.close(fd)


def test_two_workers_take_connections_in_turn_even_when_they_come_at_once() -> None:
    async def run() -> list[int]:
        sock, fd = listening(), shared_table(2)
        workers = [Worker(sock, WorkerLoads(fd, 2, index)) for index in range(2)]
        for worker in workers:
            worker.acceptor.start()
        clients = []
        for burst in (1, 7, 12, 20):  # one at a time, then all at once
            clients += await connect(sock.getsockname()[1], burst)
            await settled(workers, len(clients))
        split = [len(w.connections) for w in workers]
        for worker in workers:
            worker.close()
        for _, writer in clients:
            writer.close()
        sock.close()
        os.close(fd)
        return split

    split = run_async(run())
    assert sum(split) == 40
    assert max(split) - min(split) <= 2, split


def test_connections_do_not_wait_on_a_worker_that_misses_its_turn() -> None:
    """Worker 0 holds the fewest but has stopped accepting (a stuck worker): after a short
    wait, worker 1 takes the connections."""

    async def run() -> tuple[int, int, float]:
        sock, fd = listening(), shared_table(2)
        stuck = WorkerLoads(fd, 2, 0)
        stuck.publish(0)
        busy = Worker(sock, WorkerLoads(fd, 2, 1))
        busy.connections += [socket.socket() for _ in range(5)]  # it holds five already
        busy.acceptor.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        clients = await connect(sock.getsockname()[1], 3)
        await asyncio.wait_for(settled([busy], 8), 5)
        waited = loop.time() - started
        taken = len(busy.connections) - 5
        busy.close()
        for _, writer in clients:
            writer.close()
        sock.close()
        stuck.close()
        os.close(fd)
        return taken, len(clients), waited

    taken, sent, waited = run_async(run())
    assert taken == sent
    assert waited >= PATIENCE_S  # it left the turn to the worker with fewer first


def test_a_connection_the_server_could_not_take_is_closed_and_not_counted() -> None:
    async def run() -> tuple[bytes, int]:
        sock, fd = listening(), shared_table(1)

        async def refuse(conn: socket.socket) -> None:
            raise OSError("no room for it")

        acceptor = BalancedAcceptor(sock, WorkerLoads(fd, 1, 0), refuse, lambda: 0)
        acceptor.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
        received = await asyncio.wait_for(reader.read(), 5)  # end of file: closed by the server
        counted = acceptor.open_connections()
        acceptor.stop()
        writer.close()
        sock.close()
        os.close(fd)
        return received, counted

    assert run_async(run()) == (b"", 0)
