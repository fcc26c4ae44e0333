"""A lean websocket client for the load benchmarks: an asyncio protocol that does the handshake,
sends masked text commands and counts the server's frames without decoding them.

The benchmark's clients share the machine's cores with the server. Through the ``websockets``
package a client spends about 0.1 ms of CPU per frame it receives, a third of a core at 3,000
frames/s, which two workers on two cores then do not get. Here a frame costs a few header bytes'
parsing. The server cannot tell the difference: the same handshake, the same frames (RFC 6455,
no extensions).
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from collections.abc import Callable
from urllib.parse import urlsplit

OPCODE_TEXT, OPCODE_BINARY, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG = 1, 2, 8, 9, 10
SWEEP_READ_BYTES = 256 * 1024  # one read of a swept socket takes up to this


class LeanClient(asyncio.Protocol):
    """``on_message(opcode, payload)`` for every message; the payload is a memoryview into the
    receive buffer, released when the call returns: copy what you keep."""

    def __init__(self, on_message: Callable[[int, bytes | memoryview], None]) -> None:
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.sock: socket.socket | None = None  # our own, once ``take_socket`` was called

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buffer[: self.buffer.find(b"\r\n")])
            del self.buffer[: end + 4]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.upgraded.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf, at = self.buffer, 0
        view = memoryview(buf)
        try:
            while len(buf) - at >= 2:
                opcode, length = buf[at] & 0x0F, buf[at + 1] & 0x7F
                head = 2
                if length == 126:
                    if len(buf) - at < 4:
                        break
                    (length,) = struct.unpack_from("!H", buf, at + 2)
                    head = 4
                elif length == 127:
                    if len(buf) - at < 10:
                        break
                    (length,) = struct.unpack_from("!Q", buf, at + 2)
                    head = 10
                if len(buf) - at < head + length:
                    break
                payload = view[at + head : at + head + length]
                at += head + length
                if opcode == OPCODE_PING:
                    self._send(OPCODE_PONG, bytes(payload))
                elif opcode == OPCODE_CLOSE:
                    if not self.closed.done():
                        self.closed.set_result(None)
                else:
                    self.on_message(opcode, payload)
                payload.release()  # the buffer is trimmed below: no view may outlive this
        finally:
            view.release()
        del buf[:at]

    def take_socket(self) -> None:
        """From now on the connection is read by ``sweep`` only: the event loop stops reading
        it (writes still go through the transport)."""
        assert self.transport is not None
        self.transport.pause_reading()
        fd = self.transport.get_extra_info("socket").fileno()
        self.sock = socket.socket(fileno=os.dup(fd))
        self.sock.setblocking(False)

    def sweep(self) -> None:
        """Read what the socket holds now, and handle its messages (after ``take_socket``)."""
        assert self.sock is not None
        while True:
            try:
                data = self.sock.recv(SWEEP_READ_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            if not data:  # closed by the server
                if not self.closed.done():
                    self.closed.set_result(None)
                return
            self.buffer += data
            self._frames()
            if len(data) < SWEEP_READ_BYTES:
                return

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def send_text(self, text: str) -> None:
        self._send(OPCODE_TEXT, text.encode())

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None
        self.transport.write(head + mask + masked)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        if self.transport is not None and not self.transport.is_closing():
            self._send(OPCODE_CLOSE, struct.pack("!H", 1000))
            self.transport.close()


async def connect_lean(url: str, on_message: Callable[[int, bytes | memoryview], None],
                       local_address: str | None = None) -> LeanClient:
    """Open ``ws://host:port/path`` and complete the handshake."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: LeanClient(on_message), host, port,
        local_addr=(local_address, 0) if local_address else None)
    key = base64.b64encode(os.urandom(16)).decode()
    assert client.transport is not None
    client.transport.write(
        f"GET {parts.path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "\r\n".encode())
    await client.upgraded
    return client
