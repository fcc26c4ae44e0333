"""uvicorn's websocket protocol with bounded kernel buffers for clients that stop reading, and
prepared frames for a room's fan-out.

Our sender drops a client whose sends time out, but the socket would still hold its kernel send
buffer (up to tcp_wmem, megabytes) for as long as the peer keeps the connection open without
reading. A small SO_SNDBUF bounds that memory, and TCP_USER_TIMEOUT lets the kernel abort a
connection whose data stays unacknowledged (zero-window included) past the send timeout.

A room sends the same frame to hundreds of followers. Through the ASGI stack each send costs a
task switch, Starlette's and uvicorn's checks and a fresh websocket framing: about 0.1 ms, so a
classroom of 300 at 30 frames/s needed a whole core. A server's frames are never masked and
compression is off, so one framing (``prepared_frame``) serves every follower: the protocol offers
``write_prepared`` to the app as the ASGI extension ``PREPARED_FRAMES``, which writes those bytes
straight to the socket when the connection is open and not held back by its reader. A session's
own frames take the same way when they are built right after its training (app/connection.py).
"""

from __future__ import annotations

import contextlib
import functools
import socket
import struct
from asyncio import BaseTransport
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

SEND_BUFFER_BYTES = 256 * 1024  # dozens of frames: plenty for a client that is reading
PREPARED_FRAMES = "bpp.prepared_frames"  # scope["extensions"][PREPARED_FRAMES]["write"]


def prepared_frame(data: bytes) -> bytes:
    """``data`` as one unmasked binary websocket frame, as a server sends it to any client
    (RFC 6455 5.2: FIN and the binary opcode, then the length in 7, 7+16 or 7+64 bits). What
    ``websockets.frames.Frame(Opcode.BINARY, data).serialize(mask=False)`` gives, without its
    checks and extension hooks, which cost as much as the rest of sending a frame."""
    n = len(data)
    if n < 126:
        head = _SHORT.pack(_FIN_BINARY, n)
    elif n < 1 << 16:
        head = _MEDIUM.pack(_FIN_BINARY, 126, n)
    else:
        head = _LONG.pack(_FIN_BINARY, 127, n)
    return head + data


_FIN_BINARY = 0x82
_SHORT, _MEDIUM, _LONG = struct.Struct("!BB"), struct.Struct("!BBH"), struct.Struct("!BBQ")


class BoundedWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, send_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_timeout_ms = max(1000, int(send_timeout_s * 1000))

    def connection_made(self, transport: BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
            if hasattr(socket, "TCP_USER_TIMEOUT"):  # Linux
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT,
                                    self.user_timeout_ms)
        super().connection_made(transport)

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:  # the app task has not started yet: it sees the extension
            scope["extensions"][PREPARED_FRAMES] = {"write": self.write_prepared,
                                                    "can_write": self.can_write_prepared}

    def can_write_prepared(self) -> bool:
        """Whether ``write_prepared`` would write now: open, not closing, and not over its
        buffer's high-water mark (the reader is behind; the app's own send then waits, under
        its timeout)."""
        return not (self.conn.state is not State.OPEN or self.close_sent or self.disconnected
                    or not self.writable.is_set() or self.transport.is_closing())

    def write_prepared(self, frame: bytes) -> bool:
        """Write a ``prepared_frame`` now; False (nothing written) when this connection cannot
        take it now (``can_write_prepared``)."""
        if not self.can_write_prepared():
            return False
        self.transport.write(frame)
        return True


def websocket_protocol(send_timeout_s: float) -> functools.partial[BoundedWebSocketProtocol]:
    """For ``uvicorn.run(ws=...)``, bound to this server's send timeout: a partial of a
    module-level class, so that uvicorn can pickle it into worker processes (a class made
    inside a function cannot be pickled: ``--workers 2`` crashed at start)."""
    return functools.partial(BoundedWebSocketProtocol, send_timeout_s=send_timeout_s)
