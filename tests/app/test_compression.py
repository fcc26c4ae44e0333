"""The page's modules travel compressed to a browser that accepts it."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_static_modules_are_gzipped_when_accepted(client: TestClient) -> None:
    plain = client.get("/static/js/store.js", headers={"Accept-Encoding": "identity"})
    packed = client.get("/static/js/store.js", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert packed.text == plain.text  # httpx unpacks it: the same module
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
