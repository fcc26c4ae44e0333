"""In-process websocket sessions: deterministic, no sleeps (a `step` yields exactly one frame)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.protocol import decode_frame
from app.settings import Settings


class Session:
    """A connected test client that knows the protocol's shapes."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.health: list[dict[str, Any]] = []
        self.hello = self.json("hello")
        self.ready = self.json("ready")
        self.frame0 = self.frame_bytes()

    def send(self, **command: Any) -> None:
        self.ws.send_json(command)

    def receive(self, want_health: bool = False) -> dict[str, Any]:
        """The next message; ``health`` notices come whenever the findings change, so they are
        collected in ``self.health`` unless asked for."""
        while True:
            message = self.ws.receive()
            text = message.get("text")
            if text is None or want_health or '"type":"health"' not in text[:40]:
                return message
            self.health.append(json.loads(text))

    def json(self, expected_type: str | None = None) -> dict[str, Any]:
        message = self.receive(want_health=expected_type == "health")
        assert "text" in message and message["text"] is not None, \
            f"expected JSON, got {str(message)[:300]}"
        data = json.loads(message["text"])
        if expected_type is not None:
            assert data["type"] == expected_type, str(data)[:300]
        return data

    def frame_bytes(self) -> bytes:
        message = self.receive()
        assert message.get("bytes") is not None, f"expected a frame, got {str(message)[:300]}"
        return message["bytes"]

    def frame(self) -> dict[str, Any]:
        return decode_frame(self.frame_bytes())

    def error(self, **command: Any) -> dict[str, Any]:
        self.send(**command)
        return self.json("error")

    def assert_quiet(self) -> None:
        """Nothing else was queued: an `explain` round trip answers before anything new."""
        self.send(type="explain", index=0)
        assert self.json()["type"] == "explanation"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(frame_rate=60))) as c:
        yield c


@pytest.fixture
def session(client: TestClient) -> Iterator[Session]:
    with client.websocket_connect("/ws") as ws:
        yield Session(ws)
