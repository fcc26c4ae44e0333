"""A frame framed once by hand (rooms' fan-out, a session's own frames) is the very websocket
frame the websockets package would send: every client's websocket library reads it."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode

from app.ws_transport import prepared_frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 5_912, 65_535, 65_536, 200_000])
def test_a_prepared_frame_is_the_websockets_packages_unmasked_binary_frame(size: int) -> None:
    data = bytes(i % 251 for i in range(size))  # every length encoding: 7, 16 and 64 bits
    assert prepared_frame(data) == Frame(Opcode.BINARY, data).serialize(mask=False)
