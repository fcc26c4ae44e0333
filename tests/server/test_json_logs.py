"""``--log-format json``: every line the server prints is one JSON object a collector can read."""

from __future__ import annotations

import json
import signal
import sys

import pytest

from tests.server.conftest import free_port
from tests.server.wsclient import open_session, run_async

pytestmark = pytest.mark.server


def test_json_log_lines(start_server) -> None:
    port = free_port()
    server = start_server(command=[sys.executable, "-m", "app", "--port", str(port),
                                   "--log-format", "json"], port=port)
    assert server.get("/healthz")[0] == 200

    async def run() -> None:
        ws, *_ = await open_session(server.ws_url)
        await ws.close()

    run_async(run())
    server.terminate()
    assert server.wait(10) in (0, -signal.SIGTERM)
    lines = [json.loads(line) for line in server.output().splitlines() if line.strip()]
    assert lines
    for entry in lines:
        assert {"time", "level", "logger", "pid", "message"} <= set(entry), entry
        assert entry["pid"] == server.pid
    assert any(e["logger"] == "uvicorn.error" and "startup complete" in e["message"]
               for e in lines)
    access = [e for e in lines if e["logger"] == "uvicorn.access" and e.get("path") == "/healthz"]
    assert access, "no access line for GET /healthz"  # the start-up wait asks it too
    assert {(e["method"], e["status"], e["http_version"]) for e in access} == {("GET", 200, "1.1")}
