"""uvicorn's HTTP/1.1 protocol (h11) with a deadline for the request head.

uvicorn closes a keep-alive connection that sends nothing, but a client that sends its request
head (or a websocket upgrade) one byte every few seconds keeps the connection, and its buffers,
for ever: 300 such clients were all still open after 70 s. Here every request head must be
complete within ``header_timeout_s`` of its first byte (or of the connection, for the first
request); otherwise the connection is closed. A deadline, not an idle timer: dribbling resets
nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)
MAX_HEAD_BYTES = 16 * 1024  # an incomplete request head is buffered up to this, then refused (400)


class HeadDeadlineProtocol(H11Protocol):
    def __init__(self, *args: Any, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout_s = header_timeout_s
        self.head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.head_deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is complete (or an upgrade is)
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self.head_deadline = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _disarm(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None

    def _head_too_slow(self) -> None:
        self.head_deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.debug("closed %s: no complete request head within %g s", self.client,
                      self.header_timeout_s)
            self.transport.close()


def http_protocol(header_timeout_s: float) -> functools.partial[HeadDeadlineProtocol]:
    """For ``uvicorn.run(http=...)``: a partial of a module-level class, so that uvicorn can
    pickle it into worker processes."""
    return functools.partial(HeadDeadlineProtocol, header_timeout_s=header_timeout_s)
