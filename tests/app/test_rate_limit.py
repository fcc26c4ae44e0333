"""Commands per second: generous for a person dragging a slider, a wall for a flood."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.app.conftest import Session


def test_a_slider_drag_is_never_limited(session: Session) -> None:
    assert session.hello["limits"]["commands_per_second"] >= 30
    for i in range(60):  # two seconds of a slider at 30 updates a second, sent at once
        session.send(type="set", learning_rate=0.01 + i / 1000)
        assert session.json("status")["type"] == "status"
        session.frame()


def test_a_flood_is_refused_with_an_error_and_the_session_goes_on() -> None:
    settings = Settings(commands_per_second=1.0, command_burst=3)
    with TestClient(create_app(settings)) as client, client.websocket_connect("/ws") as ws:
        session = Session(ws)
        answers = []
        for _ in range(5):
            session.send(type="speed", steps_per_second=10)
            answers.append(session.json())
        assert [a["type"] for a in answers] == ["status"] * 3 + ["error"] * 2
        assert answers[-1]["code"] == "rate_limited"
        assert client.get("/healthz").json()["sessions"] == 1  # the session is still there
