"""A client that stops reading costs bounded memory, does not slow anyone else, and is dropped.

Frames are made large (a 256 x 256 output grid, ~70 KB, at 60 frames/s: ~4 MB/s) so that the
kernel's socket buffers fill within about a second and an unbounded server-side queue would show
as tens of MB of resident memory within the test's window.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.server.conftest import ServerProcess
from tests.server.wsclient import count_frames, open_session, raw_non_reader, run_async, send

pytestmark = pytest.mark.server

SEND_TIMEOUT_S = 4.0
ENV = {"BPP_SEND_TIMEOUT_S": str(SEND_TIMEOUT_S), "BPP_GRID_SIZE": "256", "BPP_FRAME_RATE": "60"}
PLAY_MAX = [{"type": "speed", "steps_per_second": "max"}, {"type": "play"}]
RSS_GROWTH_LIMIT_KB = 16 * 1024  # an unbounded queue would add ~4 MB per second blocked
MIN_READER_FPS = 20.0
DROP_DEADLINE_S = SEND_TIMEOUT_S + 8.0  # fill the kernel buffers, then the send timeout


def server_socket_states(server_port: int, client_port: int) -> list[str]:
    """TCP states (hex, as in /proc/net/tcp: 01 = ESTABLISHED) of the server's end of one
    connection; empty once the server has closed and the kernel has let go of it."""
    states = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if int(local.split(":")[1], 16) == server_port and \
                int(remote.split(":")[1], 16) == client_port:
            states.append(state)
    return states


def test_a_client_that_never_reads_is_bounded_harmless_and_dropped(start_server) -> None:
    server: ServerProcess = start_server(env=ENV)

    async def run() -> tuple[list[int], list[int], float]:
        stuck = raw_non_reader(server.port, PLAY_MAX)
        reader, *_ = await open_session(server.ws_url)
        await send(reader, type="speed", steps_per_second="max")
        await send(reader, type="play")
        rss, frames, dropped_at = [server.rss_kb()], [], 0.0
        start = time.monotonic()
        try:
            while time.monotonic() - start < DROP_DEADLINE_S:
                n, _ = await count_frames(reader, 0.5)
                frames.append(n)
                rss.append(server.rss_kb())
                if server.healthz()["sessions"] == 1:
                    dropped_at = time.monotonic() - start
                    break
        finally:
            await reader.close()
            stuck.close()
        return rss, frames, dropped_at

    rss, frames, dropped_at = run_async(run())
    assert dropped_at > 0, f"the non-reader was not dropped within {DROP_DEADLINE_S} s"
    assert dropped_at >= SEND_TIMEOUT_S - 0.5, "dropped before its send timeout ran out"
    assert max(rss) - rss[0] <= RSS_GROWTH_LIMIT_KB, f"server RSS grew: {rss} kB"
    fps = sum(frames) / (0.5 * len(frames))
    assert fps >= MIN_READER_FPS, f"the reading client slowed down: {frames} frames per 0.5 s"


def test_a_dropped_non_reader_releases_its_connection(start_server) -> None:
    server: ServerProcess = start_server(env={**ENV, "BPP_SEND_TIMEOUT_S": "1"})
    stuck = raw_non_reader(server.port, PLAY_MAX)
    client_port = stuck.getsockname()[1]
    try:
        deadline = time.monotonic() + 10.0
        while server.healthz()["sessions"] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.healthz()["sessions"] == 0, "the session was not dropped"
        deadline = time.monotonic() + 3.0
        while "01" in server_socket_states(server.port, client_port) and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert "01" not in server_socket_states(server.port, client_port), \
            "the server still holds the dropped client's connection open"
    finally:
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")  # RST
        stuck.close()
