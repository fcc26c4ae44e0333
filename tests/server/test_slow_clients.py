"""Connections that send their request head (a page request or a websocket upgrade) one byte at
a time, or nothing at all, are closed once ``header_timeout_s`` has passed, while a normal session
keeps working. (Before: 300 such connections were all still open after 70 s.)"""

from __future__ import annotations

import select
import socket
import time

import pytest

from tests.server.conftest import ServerProcess
from tests.server.wsclient import open_session, run_async

pytestmark = pytest.mark.server

HEADER_TIMEOUT_S = 1.0
GIVE_UP_S = 20.0  # generous: "eventually closed", not a timing test
DRIBBLE_EVERY_S = 0.1

UPGRADE = ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n")
# What each slow client sends first, then one byte of "X-Slow: ..." at a time, never a blank line.
OPENINGS = {
    "silent": None,  # connects and sends nothing
    "page request": "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    "websocket upgrade": UPGRADE,
    "second request on a kept-alive connection": "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                 "\r\nGET / HTTP/1.1\r\n",
    "dribbled from the first byte": "",
}


def slow_client(port: int, opening: str | None) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if opening:
        sock.sendall(opening.encode())
    sock.setblocking(False)
    return sock


def closed_by_server(sock: socket.socket, dribble: bool) -> bool:
    """Reads what is there (a response to a complete first request is fine) and sends the next
    byte; True once the server has closed the connection."""
    while select.select([sock], [], [], 0)[0]:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return True
        if not data:
            return True
        assert b" 101 " not in data, "a websocket upgrade completed without a whole head"
    if dribble:
        try:
            sock.send(b"x")
        except (BrokenPipeError, ConnectionResetError):
            return True
    return False


def test_slow_request_heads_are_closed_and_others_still_served(start_server) -> None:
    server: ServerProcess = start_server(env={"BPP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S)})
    clients = {name: slow_client(server.port, opening) for name, opening in OPENINGS.items()}
    open_ = dict(clients)
    deadline = time.monotonic() + GIVE_UP_S
    try:
        async def session_works() -> None:
            ws, *_ = await open_session(server.ws_url)
            await ws.close()

        run_async(session_works())  # slow clients cost a normal one nothing
        while open_ and time.monotonic() < deadline:
            for name, sock in list(open_.items()):
                if closed_by_server(sock, dribble=OPENINGS[name] is not None):
                    del open_[name]
            time.sleep(DRIBBLE_EVERY_S)
        assert not open_, f"still open after {GIVE_UP_S} s: {sorted(open_)}"
        assert server.healthz()["status"] == "ok"
    finally:
        for sock in clients.values():
            sock.close()
