"""The handshake refuses other sites' pages; every HTTP response carries strict headers."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus

from tests.server.conftest import ServerProcess
from tests.server.wsclient import open_session, open_ws, run_async

pytestmark = pytest.mark.server

ALLOWED = "https://allowed.example"
ANCESTORS = "'self' https://embed.example"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    s = ServerProcess(env={"BPP_ALLOWED_ORIGINS": ALLOWED, "BPP_FRAME_ANCESTORS": ANCESTORS})
    yield s
    s.stop()


def handshake_status(url: str, origin: str) -> int:
    async def run() -> int:
        try:
            ws = await open_ws(url, origin)
        except InvalidStatus as exc:
            return exc.response.status_code
        await ws.close()
        return 101

    return run_async(run())


@pytest.mark.parametrize("origin", [
    "http://evil.example",
    "null",
    "https://allowed.example.evil.example",
    "http://127.0.0.1.evil.example",
])
def test_a_cross_origin_handshake_is_refused(server: ServerProcess, origin: str) -> None:
    assert handshake_status(server.ws_url, origin) == 403
    assert server.healthz()["sessions"] == 0


@pytest.mark.parametrize("origin", ["self", ALLOWED])
def test_same_origin_and_allowlisted_origins_get_a_session(server: ServerProcess,
                                                           origin: str) -> None:
    origin = f"http://127.0.0.1:{server.port}" if origin == "self" else origin

    async def run() -> None:
        ws, hello, *_ = await open_session(server.ws_url, origin)
        assert hello["protocol"] == 1
        await ws.close()

    run_async(run())


@pytest.mark.parametrize("path", ["/", "/lab", "/healthz", "/static/img/icon.svg",
                                  "/no-such-page"])
def test_every_response_carries_strict_security_headers(server: ServerProcess, path: str) -> None:
    status, headers, _ = server.get(path)
    assert status == (404 if path == "/no-such-page" else 200)
    csp = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split("; ")}
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert " ".join(csp["frame-ancestors"]) == ANCESTORS
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "unsafe-eval" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/", "/lab"])
def test_the_page_needs_nothing_the_csp_forbids(server: ServerProcess, path: str) -> None:
    """No inline script, no inline event handlers, no style attributes, nothing off-site."""
    status, headers, body = server.get(path)
    assert status == 200 and headers["content-type"].startswith("text/html")
    html = body.decode()
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S | re.I):
        assert not script.strip(), f"inline script: {script[:80]!r}"
    assert not re.search(r"<script\b(?![^>]*\bsrc=)", html, re.I), "a script without src"
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "an inline event handler"
    assert not re.search(r"\sstyle\s*=", html, re.I), "a style attribute (blocked by style-src)"
    assert not re.search(r"(src|href)=\"(https?:)?//", html, re.I), "an off-site resource"
