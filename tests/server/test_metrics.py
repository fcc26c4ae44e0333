"""/metrics: Prometheus text a host can scrape; sessions, refusals by reason, steps and loop lag
follow what the server did."""

from __future__ import annotations

import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.protocol import decode_frame
from tests.server.conftest import ServerProcess
from tests.server.metrics_text import scrape
from tests.server.wsclient import TIMEOUT_S, recv_frame, recv_json, run_async, send

pytestmark = pytest.mark.server

WAIT_S = 10.0


def eventually(server: ServerProcess, name: str, predicate) -> dict[str, float]:
    deadline = time.monotonic() + WAIT_S
    while True:
        samples = scrape(server)
        if predicate(samples.get(name)) or time.monotonic() > deadline:
            return samples
        time.sleep(0.05)


async def open_as(server: ServerProcess, client: str):
    """(websocket, None) for a session opened for ``client`` (via a trusted X-Forwarded-For),
    or (None, close reason) if it was refused."""
    ws = await connect(server.ws_url, additional_headers={"X-Forwarded-For": client},
                       compression=None, open_timeout=TIMEOUT_S, max_size=2**22)
    try:
        assert (await recv_json(ws))["type"] == "hello"
    except ConnectionClosed as exc:
        return None, exc.rcvd.reason if exc.rcvd else ""
    assert (await recv_json(ws))["type"] == "ready"
    await recv_frame(ws)
    return ws, None


def test_metrics_follow_sessions_refusals_and_steps(start_server) -> None:
    server = start_server(env={"BPP_MAX_SESSIONS": "3", "BPP_MAX_SESSIONS_PER_CLIENT": "2",
                               "BPP_FORWARDED_ALLOW_IPS": "127.0.0.1"})
    before = scrape(server)
    assert before["bpp_sessions"] == 0
    assert before["bpp_rooms"] == 0
    assert before["bpp_steps_total"] == 0
    for reason in ("server_full", "per_client", "origin"):
        assert before[f'bpp_refusals_total{{reason="{reason}"}}'] == 0

    async def run() -> None:
        a1, _ = await open_as(server, "203.0.113.1")
        a2, _ = await open_as(server, "203.0.113.1")
        refused, why = await open_as(server, "203.0.113.1")
        assert refused is None and "too many sessions" in why
        b, _ = await open_as(server, "203.0.113.2")
        refused, why = await open_as(server, "203.0.113.3")
        assert refused is None and "server full" in why
        samples = scrape(server)
        assert samples["bpp_sessions"] == 3
        assert samples['bpp_refusals_total{reason="per_client"}'] == 1
        assert samples['bpp_refusals_total{reason="server_full"}'] == 1
        for ws, n in ((a1, 7), (b, 5)):
            await send(ws, type="step", n=n)
            assert decode_frame(await recv_frame(ws))["step"] == n
        assert scrape(server)["bpp_steps_total"] == 12
        for ws in (a1, a2, b):
            await ws.close()

    run_async(run())
    after = eventually(server, "bpp_sessions", lambda v: v == 0)
    assert after["bpp_sessions"] == 0
    after = eventually(server, "bpp_loop_lag_seconds_count", lambda v: v and v > 0)
    assert after["bpp_loop_lag_seconds_count"] > 0
    assert after['bpp_loop_lag_seconds_bucket{le="+Inf"}'] == after["bpp_loop_lag_seconds_count"]


def test_a_label_takes_a_bounded_number_of_values() -> None:
    """However many distinct command types reach record_command (a bug passing client text
    through, say), the registry stops growing: later ones count as 'other'."""
    from app import metrics

    names = [f"bench-type-{i}" for i in range(metrics.MAX_LABEL_VALUES + 10)]
    for name in names:
        metrics.record_command(name)
    labels = {sample.labels["type"] for family in metrics.COMMANDS.collect()
              for sample in family.samples}
    assert len(labels) <= metrics.MAX_LABEL_VALUES + 1
    assert metrics.OTHER in labels
