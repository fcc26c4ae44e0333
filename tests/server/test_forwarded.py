"""Per-address caps behind a reverse proxy: a connection from a trusted proxy
(``--forwarded-allow-ips``) counts under the client address its X-Forwarded-For names; from any
other peer, or with no proxy trusted, the header is ignored and the peer's own address counts."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import ServerProcess
from tests.server.wsclient import TIMEOUT_S, recv_json, run_async

pytestmark = pytest.mark.server

A, B = "203.0.113.1", "203.0.113.2"


async def admitted(url: str, forwarded_for: str, keep: list[ClientConnection]) -> bool:
    """Open /ws as if relayed for ``forwarded_for``: True if a session opened (kept open in
    ``keep``), False if refused for the per-address cap."""
    ws = await connect(url, additional_headers={"X-Forwarded-For": forwarded_for},
                       compression=None, open_timeout=TIMEOUT_S, max_size=2**22)
    try:
        hello = await recv_json(ws)
    except ConnectionClosed as exc:
        assert exc.rcvd is not None and exc.rcvd.code == 1013, exc
        assert "too many sessions from your address" in exc.rcvd.reason
        return False
    assert hello["type"] == "hello"
    keep.append(ws)
    return True


def outcomes(server: ServerProcess, forwarded: list[str]) -> list[bool]:
    async def run() -> list[bool]:
        keep: list[ClientConnection] = []
        try:
            return [await admitted(server.ws_url, xff, keep) for xff in forwarded]
        finally:
            for ws in keep:
                await ws.close()

    return run_async(run())


# One session per address; the test client's own address is 127.0.0.1.
@pytest.mark.parametrize(("trusted", "forwarded", "expected"), [
    # Behind a trusted proxy every student has their own cap...
    ("127.0.0.1", [A, B, A], [True, True, False]),
    ("127.0.0.0/8", [A, B], [True, True]),
    # ...and prepending made-up addresses does not dodge it (the proxy appends the real one).
    ("127.0.0.1", [f"198.51.100.7, {A}", f"198.51.100.8, {A}"], [True, False]),
    # From a peer that is not a trusted proxy the header is ignored: all count as 127.0.0.1.
    ("10.9.8.7", [A, B], [True, False]),
    ("", [A, B], [True, False]),
])
def test_per_address_caps_follow_x_forwarded_for_only_from_a_trusted_proxy(
        start_server, trusted: str, forwarded: list[str], expected: list[bool]) -> None:
    env = {"BPP_MAX_SESSIONS_PER_CLIENT": "1"}
    if trusted:
        env["BPP_FORWARDED_ALLOW_IPS"] = trusted
    server = start_server(env=env)
    assert outcomes(server, forwarded) == expected
