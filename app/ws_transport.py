"""uvicorn's websocket protocol with bounded kernel buffers for clients that stop reading.

Our sender drops a client whose sends time out, but the socket would still hold its kernel send
buffer (up to tcp_wmem, megabytes) for as long as the peer keeps the connection open without
reading. A small SO_SNDBUF bounds that memory, and TCP_USER_TIMEOUT lets the kernel abort a
connection whose data stays unacknowledged (zero-window included) past the send timeout.
"""

from __future__ import annotations

import contextlib
import functools
import socket
from asyncio import BaseTransport
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

SEND_BUFFER_BYTES = 256 * 1024  # dozens of frames: plenty for a client that is reading


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


def websocket_protocol(send_timeout_s: float) -> functools.partial[BoundedWebSocketProtocol]:
    """For ``uvicorn.run(ws=...)``, bound to this server's send timeout: a partial of a
    module-level class, so that uvicorn can pickle it into worker processes (a class made
    inside a function cannot be pickled: ``--workers 2`` crashed at start)."""
    return functools.partial(BoundedWebSocketProtocol, send_timeout_s=send_timeout_s)
