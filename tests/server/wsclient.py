"""Small websocket clients for the server tests: a well-behaved one (the ``websockets`` package)
and a raw-socket one that completes the handshake, sends commands and then never reads.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import json
import os
import socket
import struct
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from app.protocol import decode_frame

TIMEOUT_S = 10.0


async def open_ws(url: str, origin: str | None = None) -> ClientConnection:
    return await connect(url, origin=origin, compression=None, open_timeout=TIMEOUT_S,  # type: ignore[arg-type]
                         max_size=2**22, close_timeout=2)


async def recv_json(ws: ClientConnection, timeout: float = TIMEOUT_S) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(message, str), f"expected a JSON message, got {len(message)} binary bytes"
    return json.loads(message)


async def recv_frame(ws: ClientConnection, timeout: float = TIMEOUT_S) -> bytes:
    """The next binary frame, skipping JSON messages (status) on the way."""
    while True:
        message = await asyncio.wait_for(ws.recv(), timeout)
        if isinstance(message, bytes):
            return message


async def open_session(url: str, origin: str | None = None
                       ) -> tuple[ClientConnection, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Connect and read the opening exchange: hello, ready, then a frame at step 0."""
    ws = await open_ws(url, origin)
    hello = await recv_json(ws)
    assert hello["type"] == "hello", hello
    ready = await recv_json(ws)
    assert ready["type"] == "ready", ready
    frame = decode_frame(await recv_frame(ws))
    assert frame["step"] == 0
    return ws, hello, ready, frame


async def send(ws: ClientConnection, **command: Any) -> None:
    await ws.send(json.dumps(command))


async def count_frames(ws: ClientConnection, seconds: float) -> tuple[int, int]:
    """Frames received in ``seconds`` (JSON messages skipped) and the last frame's step."""
    loop = asyncio.get_running_loop()
    end, n, step = loop.time() + seconds, 0, -1
    while (left := end - loop.time()) > 0:
        try:
            message = await asyncio.wait_for(ws.recv(), left)
        except TimeoutError:
            break
        if isinstance(message, bytes):
            n += 1
            (length,) = struct.unpack_from("<I", message)
            step = json.loads(message[4 : 4 + length])["step"]
    return n, step


def _masked_text(payload: bytes) -> bytes:
    """One client->server text frame (clients must mask), payload < 126 bytes."""
    assert len(payload) < 126
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + body


def raw_non_reader(port: int, commands: list[dict[str, Any]], rcvbuf: int = 4096) -> socket.socket:
    """Opens /ws over a plain socket with a tiny receive buffer, sends ``commands``, returns the
    socket; the caller then never reads from it (the server's sends back up)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: sets window
    sock.settimeout(TIMEOUT_S)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(1024)
        assert chunk, "server closed during the handshake"
        response += chunk
    assert response.startswith(b"HTTP/1.1 101"), response[:200]
    for command in commands:
        sock.sendall(_masked_text(json.dumps(command).encode()))
    return sock


def run_async(coro: Any) -> Any:
    """asyncio.run in a thread of its own: Playwright's sync API (the browser tests, in the same
    pytest process) keeps an event loop marked running on the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
