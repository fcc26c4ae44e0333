"""The step taken apart over the wire: forward, backward and update each answer one frame whose
numbers belong to that phase; compare_updates and gradcheck read the step without changing it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.conftest import Session


def _phase(session: Session, **fields: object) -> dict:
    session.send(type="phase", **fields)
    return session.frame()


def test_forward_backward_update_each_hold_their_own_numbers(session: Session) -> None:
    session.send(type="step", n=3)
    before = session.frame()
    fwd = _phase(session)
    assert fwd["phase"] == "forward" and fwd["step"] == 3
    assert np.array_equal(fwd["params"], before["params"])  # nothing moved
    assert not fwd["grads"].any()  # the gradient does not exist yet
    assert fwd["batch_loss"] is not None and len(fwd["batch"]) == 10
    back = _phase(session)
    assert back["phase"] == "backward" and back["step"] == 3
    assert np.array_equal(back["params"], before["params"])  # backprop changes nothing
    for name in (k for k in back if k.startswith("state.")):
        assert np.array_equal(back[name], before[name])
    assert back["grads"].any()
    lr = session.ready["config"]["learning_rate"]
    assert np.array_equal(back["pending"], -lr * back["grads"])  # plain SGD: w - lr dL/dw
    assert np.array_equal(back["batch"], fwd["batch"])
    upd = _phase(session)
    assert upd["phase"] == "update" and upd["step"] == 4
    assert np.array_equal(upd["params"], before["params"] + back["pending"])  # bit for bit
    assert np.array_equal(upd["updates"], back["pending"])


def test_phase_to_runs_up_to_that_phase_and_step_finishes_it(session: Session) -> None:
    assert _phase(session, to="backward")["phase"] == "backward"
    session.send(type="step", n=1)  # from mid-step: the rest of that step
    frame = session.frame()
    assert frame["phase"] == "update" and frame["step"] == 1
    assert _phase(session, to="forward")["phase"] == "forward"
    session.send(type="reset")
    session.json("status")
    frame = session.frame()
    assert frame["phase"] == "update" and frame["step"] == 0  # reset drops a half-done step


def test_phases_three_times_equal_one_step(client) -> None:  # type: ignore[no-untyped-def]
    config = {"dataset": "xor", "optimizer": "adam", "hidden": [5, 3]}
    params = []
    for way in ("phases", "step"):
        with client.websocket_connect("/ws") as ws:
            s = Session(ws)
            s.send(type="configure", config=config)
            s.json("ready")
            s.frame()
            for _ in range(5):
                if way == "phases":
                    for _ in range(3):
                        frame = _phase(s)
                else:
                    s.send(type="step", n=1)
                    frame = s.frame()
            params.append(frame["params"])
    assert np.array_equal(*params)


def test_compare_updates_lists_seven_optimizers_and_changes_nothing(session: Session) -> None:
    assert session.error(type="compare_updates")["code"] == "wrong_phase"
    back = _phase(session, to="backward")
    session.send(type="compare_updates", id="c")
    answer = session.json("updates_compared")
    assert answer["id"] == "c"
    kinds = [e["kind"] for e in answer["entries"]]
    assert kinds == ["gd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw"]
    by_kind = {e["kind"]: e for e in answer["entries"]}
    lr = answer["learning_rate"]
    assert np.array_equal(np.array(by_kind["gd"]["update"]), -lr * back["grads"])
    assert by_kind[answer["running"]]["state"] == "running"
    assert np.array_equal(np.array(by_kind[answer["running"]]["update"]), back["pending"])
    after = _phase(session)
    assert np.array_equal(after["updates"], back["pending"])  # the run went on untouched


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
def test_gradcheck_agrees_with_backprop(session: Session, activation: str) -> None:
    session.send(type="configure", config={"activation": activation, "regularization": "l2",
                                           "regularization_rate": 0.01})
    session.json("ready")
    session.frame()
    session.send(type="gradcheck", layer=0, **{"from": 1, "to": 2})
    weight = session.json("gradcheck")
    assert weight["relative_error"] < 1e-6 and weight["backprop"] != 0
    session.send(type="gradcheck", layer=1, neuron=0)
    assert session.json("gradcheck")["relative_error"] < 1e-6
    error = session.error(type="gradcheck", layer=0, **{"from": 9, "to": 0})
    assert error["field"] == "from"


def test_snapshot_then_restore_on_a_fresh_connection_continues_bit_for_bit(client) -> None:  # type: ignore[no-untyped-def]
    config = {"dataset": "spiral", "optimizer": "rmsprop", "hidden": [6], "batch_size": 7}
    with client.websocket_connect("/ws") as ws:
        a = Session(ws)
        a.send(type="configure", config=config)
        a.json("ready")
        a.frame()
        a.send(type="step", n=37)
        a.frame()
        a.send(type="snapshot")
        snap = a.json("snapshot")["snapshot"]
        a.send(type="step", n=50)
        expected = a.frame()
    with client.websocket_connect("/ws") as ws:
        b = Session(ws)
        b.send(type="restore", snapshot=snap)
        ready = b.json("ready")
        assert ready["config"]["dataset"] == "spiral"
        assert b.frame()["step"] == 37
        b.send(type="step", n=50)
        got = b.frame()
    assert got["step"] == expected["step"] == 87
    assert np.array_equal(got["params"], expected["params"])


def test_a_tampered_snapshot_gets_an_error_naming_the_field(session: Session) -> None:
    session.send(type="snapshot")
    snap = session.json("snapshot")["snapshot"]
    bad = {**snap, "step_count": -4}
    error = session.error(type="restore", snapshot=bad)
    assert error["code"] == "invalid_value" and error["field"] == "snapshot.step_count"
    too_big = {**snap, "config": {**snap["config"], "hidden": [8] * 9}}
    assert session.error(type="restore", snapshot=too_big)["field"].startswith("snapshot.config")
    session.send(type="step", n=1)
    assert session.frame()["step"] == 1


def test_the_explainer_leads_from_one_example_to_the_frames_numbers(session: Session) -> None:
    session.send(type="configure", config={"optimizer": "adam", "regularization": "l2",
                                           "regularization_rate": 0.01})
    session.json("ready")
    session.frame()
    session.send(type="step", n=4)
    session.frame()
    back = _phase(session, to="backward")
    index = int(back["batch"][3])
    session.send(type="explain", index=index, layer=1, **{"from": 2, "to": 0})
    answer = session.json("explanation")
    road = answer["to_step"]
    i = road["index"]
    assert road["example_in_batch"] == 3
    assert abs(road["gradient"] - back["grads"][i]) <= 1e-12
    assert abs(road["update"] - back["pending"][i]) <= 1e-12
    assert abs(np.mean(road["per_example"]) + road["regularization"] - road["gradient"]) <= 1e-12
    # this example's own dL/dw is the chain rule's product in the explanation
    assert abs(road["per_example"][3] - answer["layers"][1]["dL_dW"][2][0]) <= 1e-12


def test_dead_relus_at_learning_rate_10_are_reported(session: Session) -> None:
    session.send(type="configure", config={"activation": "relu", "learning_rate": 10})
    session.json("ready")
    session.frame()
    session.send(type="step", n=20)
    session.frame()
    for _ in range(3):  # a step by phases checks health when it completes
        session.send(type="phase")
        session.frame()
    kinds = {f["kind"] for message in session.health for f in message["findings"]}
    assert "dead_units" in kinds, session.health


def test_a_suggested_learning_rate_has_been_seen_to_work(session: Session) -> None:
    session.send(type="configure", config={"activation": "relu", "learning_rate": 10})
    session.json("ready")
    session.frame()
    session.send(type="suggest_learning_rate", id="lr?")
    answer = session.json("learning_rate_suggestion")
    assert answer["id"] == "lr?" and answer["learning_rate"] is not None
    tried = {t["learning_rate"]: t for t in answer["tried"]}
    chosen = tried[answer["learning_rate"]]
    assert chosen["fell"] and not chosen["diverged"]
    session.send(type="step", n=1)  # the run itself was not touched
    assert session.frame()["step"] == 1
