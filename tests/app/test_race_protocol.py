"""A race over the wire: lanes in lockstep from identical weights, each lane's losses and heatmap
in every frame, refused what would break the lockstep, and counted per lane against the caps."""

from __future__ import annotations

import numpy as np
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.app.conftest import Session

LANES = [{"optimizer": "sgd", "learning_rate": 0.03},
         {"optimizer": "sgd", "learning_rate": 0.03, "hyper": {"momentum": 0.9}},
         {"optimizer": "adam", "learning_rate": 0.01}]


def test_a_race_steps_every_lane_and_frames_carry_each(session: Session) -> None:
    session.send(type="race", lanes=LANES, id="go")
    ready = session.json("ready")
    assert ready["id"] == "go" and [lane["optimizer"] for lane in ready["lanes"]] == \
        ["sgd", "sgd", "adam"]
    session.frame()
    session.send(type="step", n=25)
    frame = session.frame()
    assert [lane["step"] for lane in frame["lanes"]] == [25, 25, 25]
    for i in range(3):
        assert len(frame[f"lane.{i}.losses"]) == 25
        assert frame[f"lane.{i}.output_grid"].shape[:2] == (48, 48)
    # lane 0 is the session's run: the usual arrays are its
    assert np.array_equal(frame["lane.0.losses"], frame["losses"])
    assert frame["lanes"][0]["train_loss"] == frame["train_loss"]
    assert frame["lanes"][1]["train_loss"] != frame["lanes"][0]["train_loss"]


def test_identical_lanes_stay_identical(session: Session) -> None:
    lane = {"optimizer": "rmsprop", "learning_rate": 0.01}
    session.send(type="race", lanes=[lane, lane])
    session.json("ready")
    session.frame()
    session.send(type="step", n=200)
    a, b = session.frame()["lanes"]
    assert a["train_loss"] == b["train_loss"] and a["test_loss"] == b["test_loss"]


def test_what_would_break_the_lockstep_is_refused(session: Session) -> None:
    session.send(type="race", lanes=LANES)
    session.json("ready")
    session.frame()
    for command in ({"type": "phase"}, {"type": "set", "learning_rate": 1.0},
                    {"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": 1.0}):
        assert session.error(**command)["code"] == "in_race"
    session.send(type="set", batch_size=5)  # what all lanes share may change
    session.json("status")
    session.frame()
    session.send(type="configure", config={})  # leaves the race
    assert "lanes" not in session.json("ready")


def test_a_race_counts_one_session_per_lane() -> None:
    settings = Settings(max_sessions_per_client=3)
    with TestClient(create_app(settings)) as client, client.websocket_connect("/ws") as ws:
        session = Session(ws)
        error = session.error(type="race", lanes=[*LANES, LANES[0]])
        assert error["field"] == "lanes" and "too many sessions" in error["message"]
        session.send(type="race", lanes=LANES)
        session.json("ready")
        session.frame()
        assert client.get("/healthz").json()["sessions"] == 1
