"""The shipped deploy/nginx.conf in front of two real servers: pages and websocket sessions work
through it, new sessions go to the replica with fewer, the client address it forwards reaches
the per-address caps (and a client cannot forge it), and /metrics stays private."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

import pytest
import yaml
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from app.protocol import decode_frame
from app.settings import check
from tests.live_server import ROOT, http_get
from tests.server.conftest import ServerProcess
from tests.server.nginx_proxy import NginxProcess
from tests.server.wsclient import TIMEOUT_S, recv_frame, recv_json, run_async, send

pytestmark = pytest.mark.server

# Loopback has a whole /8: clients connect from these, nginx itself from 127.0.0.1.
STUDENT_A, STUDENT_B = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def deployment(start_server) -> Iterator[tuple[NginxProcess, list[ServerProcess]]]:
    env = {"BPP_FORWARDED_ALLOW_IPS": "127.0.0.1", "BPP_MAX_SESSIONS_PER_CLIENT": "1"}
    replicas = [start_server(env=env) for _ in range(2)]
    nginx = NginxProcess([r.port for r in replicas])
    yield nginx, replicas
    nginx.stop()


async def open_from(nginx: NginxProcess, source: str, keep: list[ClientConnection],
                    forged_for: str | None = None) -> str | None:
    """A browser-like session through nginx from ``source``: None if it opened (hello, ready
    and a first frame arrived; kept in ``keep``), else the close reason."""
    headers = {"X-Forwarded-For": forged_for} if forged_for else {}
    ws = await connect(nginx.ws_url, origin=nginx.url, additional_headers=headers,  # type: ignore[arg-type]
                       local_addr=(source, 0), compression=None, open_timeout=TIMEOUT_S,
                       max_size=2**22)
    try:
        assert (await recv_json(ws))["type"] == "hello"
    except ConnectionClosed as exc:
        return exc.rcvd.reason if exc.rcvd else "closed"
    assert (await recv_json(ws))["type"] == "ready"
    assert decode_frame(await recv_frame(ws))["step"] == 0
    keep.append(ws)
    return None


def test_websocket_sessions_and_client_addresses_through_nginx(deployment) -> None:
    nginx, replicas = deployment
    status, headers, _ = http_get(nginx.url + "/")
    assert status == 200 and "script-src 'self'" in headers["content-security-policy"]
    assert http_get(nginx.url + "/healthz")[0] == 200
    assert http_get(nginx.url + "/metrics")[0] == 404

    async def run() -> None:
        keep: list[ClientConnection] = []
        try:
            assert await open_from(nginx, STUDENT_A, keep) is None
            assert await open_from(nginx, STUDENT_A, keep) is None  # the other replica
            assert [r.healthz()["sessions"] for r in replicas] == [1, 1]
            # Another student has a cap of their own: the replicas see their address, not
            # nginx's (127.0.0.1, which both students would share).
            assert await open_from(nginx, STUDENT_B, keep) is None
            # STUDENT_A is at the cap on both replicas; a forged X-Forwarded-For is replaced.
            for forged in (None, "198.51.100.9"):
                why = await open_from(nginx, STUDENT_A, keep, forged_for=forged)
                assert why is not None and "too many sessions from your address" in why
            # Training and binary frames pass through.
            await send(keep[0], type="step", n=3)
            assert decode_frame(await recv_frame(keep[0]))["step"] == 3
        finally:
            for ws in keep:
                await ws.close()

    run_async(run())


def test_the_compose_file_fits_the_nginx_config_and_the_image() -> None:
    """Checked without a Docker engine: what deploy/compose.yaml wires together agrees."""
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    app, nginx = compose["services"]["app"], compose["services"]["nginx"]
    assert app["build"] == ".." and app["deploy"]["replicas"] >= 2
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    # nginx's upstream is the app service on the port the image serves.
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.search(r"^\s*server app:(\d+);", conf, re.MULTILINE).group(1) == "8000"
    cmd = (ROOT / "Dockerfile").read_text()
    assert '"--port", "8000"' in cmd and "EXPOSE 8000" in cmd
    # The replicas trust exactly nginx's fixed address, inside the compose network.
    nginx_ip = nginx["networks"]["playground"]["ipv4_address"]
    subnet = compose["networks"]["playground"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(nginx_ip) in ipaddress.ip_network(subnet)
    env = app["environment"]
    assert env["BPP_FORWARDED_ALLOW_IPS"] == nginx_ip
    # Every variable is a setting with an allowed value; the rooms' broker is the Redis service.
    for name, value in env.items():
        check(name.removeprefix("BPP_").lower(), str(value), source=name)
    assert env["BPP_REDIS_URL"].startswith("redis://redis:")
    assert "redis" in compose["services"] and "redis" in app["depends_on"]
