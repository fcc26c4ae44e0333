"""The websocket protocol end to end in one process: what a page and a Python client rely on."""

from __future__ import annotations

import numpy as np

from app.protocol import decode_frame, encode_frame, quantize
from tests.app.conftest import Session


def test_hello_lists_every_option_and_limit(session: Session) -> None:
    hello = session.hello
    assert hello["protocol"] == 1
    options = hello["options"]
    names = {key: [o["name"] for o in options[key]] for key in options}
    assert {"circle", "xor", "gauss", "spiral", "plane", "multi_gauss"} <= set(names["datasets"])
    assert names["features"] == ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"]
    assert set(names["activations"]) == {
        "relu", "leaky_relu", "elu", "tanh", "sigmoid", "linear", "silu", "softplus"}
    assert names["losses"] == ["mse", "bce", "cross_entropy"]
    assert names["optimizers"] == ["sgd", "adam", "adamw", "rmsprop", "adagrad"]
    adam = options["optimizers"][1]["hyper"]
    assert adam["lr"]["default"] == 1e-3 and adam["eps"]["default"] == 1e-8
    assert hello["limits"]["max_hidden_layers"] >= 6 and hello["limits"]["max_neurons"] >= 8
    assert hello["defaults"]["hidden"] == [4, 2]


def test_configure_empty_gives_the_default_playground_and_frame_zero(session: Session) -> None:
    session.send(type="configure", config={})
    ready = session.json("ready")
    cfg = ready["config"]
    assert (cfg["dataset"], cfg["features"], cfg["hidden"], cfg["activation"]) == (
        "circle", ["x1", "x2"], [4, 2], "tanh")
    assert (cfg["batch_size"], cfg["optimizer"], cfg["learning_rate"]) == (10, "sgd", 0.03)
    assert ready["topology"]["sizes"] == [2, 4, 2, 1]
    assert len(ready["data"]["train"]["x"]) == 250 and len(ready["data"]["test"]["y"]) == 250
    frame = session.frame()
    assert frame["step"] == 0 and frame["epoch"] == 0
    assert ready["run"] == frame["run"] == session.ready["run"] + 1  # frames name their run
    assert set(ready["feature_grids"]) == set(session.hello["defaults"]["features"]) | {
        "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"}
    assert np.isfinite(frame["train_loss"]) and np.isfinite(frame["test_loss"])
    assert frame["output_grid"].shape == (48, 48, 1)
    assert [layer["weights"].shape for layer in frame["layers"]] == [(2, 4), (4, 2), (2, 1)]


def test_step_n_yields_exactly_one_frame_at_that_step(session: Session) -> None:
    session.send(type="step", n=7)
    frame = session.frame()
    assert frame["step"] == 7
    assert list(frame["loss_steps"]) == [1, 2, 3, 4, 5, 6, 7]
    assert len(frame["batch"]) == 10
    session.assert_quiet()


def test_step_epochs_runs_whole_passes(session: Session) -> None:
    steps_per_epoch = session.ready["steps_per_epoch"]
    session.send(type="step", epochs=2)
    frame = session.frame()
    assert (frame["step"], frame["epoch"]) == (2 * steps_per_epoch, 2)


def test_frame_shows_the_engine_gradients_and_updates(session: Session) -> None:
    before = decode_frame(session.frame0)
    session.send(type="step", n=1)
    after = session.frame()
    lr = session.ready["config"]["learning_rate"]
    for old, new in zip(before["layers"], after["layers"], strict=True):
        # plain SGD: update = -lr * grad (up to the rounding of p_new - p_old), and the weights
        # moved by exactly the update that was reported
        np.testing.assert_allclose(new["update_weights"], -lr * new["grad_weights"], rtol=1e-9)
        np.testing.assert_allclose(new["weights"], old["weights"] + new["update_weights"],
                                   rtol=0, atol=1e-16)


def test_live_learning_rate_change_keeps_step_and_weights(session: Session) -> None:
    session.send(type="step", n=5)
    before = session.frame()
    session.send(type="set", learning_rate=0.3)
    status = session.json("status")
    after = session.frame()
    assert status["step"] == 5 and after["step"] == 5
    for a, b in zip(before["layers"], after["layers"], strict=True):
        np.testing.assert_array_equal(a["weights"], b["weights"])
    session.send(type="step", n=1)
    moved = session.frame()
    g = moved["layers"][0]["grad_weights"]
    np.testing.assert_allclose(moved["layers"][0]["update_weights"], -0.3 * g, rtol=1e-9)


def test_momentum_state_survives_a_learning_rate_change(session: Session) -> None:
    session.send(type="configure", config={"optimizer": "sgd", "hyper": {"momentum": 0.9}})
    session.json("ready")
    session.frame()
    session.send(type="step", n=3)
    before = session.frame()
    session.send(type="set", learning_rate=0.01)
    session.json("status")
    kept = session.frame()
    np.testing.assert_array_equal(kept["state.momentum_buffer"], before["state.momentum_buffer"])


def test_loss_falls_on_circle_within_300_steps(session: Session) -> None:
    start = decode_frame(session.frame0)["train_loss"]
    session.send(type="step", n=300)
    end = session.frame()
    assert end["step"] == 300
    assert end["train_loss"] < 0.9 * start


def test_reset_reproduces_frame_zero_bit_for_bit(session: Session) -> None:
    session.send(type="step", n=25)
    session.frame()
    session.send(type="reset")
    assert session.json("status")["step"] == 0
    assert session.frame_bytes() == session.frame0


def test_set_weight_shows_in_the_next_frame_with_the_recomputed_loss(session: Session) -> None:
    before = decode_frame(session.frame0)
    session.send(type="set_weight", layer=0, **{"from": 1, "to": 2}, value=3.5)
    after = session.frame()
    assert after["layers"][0]["weights"][1, 2] == 3.5
    assert after["train_loss"] != before["train_loss"]
    session.send(type="set_bias", layer=1, neuron=0, value=-0.25)
    assert session.frame()["layers"][1]["biases"][0] == -0.25


def test_divergence_is_a_state_with_a_plain_explanation(session: Session) -> None:
    session.send(type="configure", config={"dataset": "plane", "activation": "relu",
                                           "learning_rate": 10, "hidden": [8, 8]})
    session.json("ready")
    session.frame()
    session.send(type="step", n=2000)
    status = session.json("status")
    assert status["state"] == "diverged"
    assert "learning rate of 10" in status["message"] and "step" in status["message"]
    frame = session.frame()
    assert frame["state"] == "diverged"
    error = session.error(type="step", n=1)
    assert error["code"] == "diverged"
    session.send(type="reset")
    assert session.json("status")["state"] == "paused"


def test_explain_matches_the_chain_rule(session: Session) -> None:
    session.send(type="explain", index=3)
    explanation = session.json("explanation")
    for layer in explanation["layers"]:
        np.testing.assert_allclose(layer["dL_dW"], np.outer(layer["a_prev"], layer["delta"]))


def test_frame_encoding_round_trips() -> None:
    rng = np.random.default_rng(0)
    arrays = [
        ("a", rng.normal(size=(3, 5)), {}),
        ("b", rng.normal(size=7).astype(np.float32), {}),
        ("c", np.arange(5, dtype=np.int32), {}),
        ("q", quantize(np.linspace(-1, 1, 11), -1, 1), {"lo": -1.0, "hi": 1.0}),
    ]
    data = encode_frame({"step": 4, "sizes": None}, arrays)
    frame = decode_frame(data)
    assert frame["step"] == 4 and frame["v"] == 1
    np.testing.assert_array_equal(frame["a"], arrays[0][1])
    np.testing.assert_array_equal(frame["b"], arrays[1][1])
    np.testing.assert_array_equal(frame["c"], arrays[2][1])
    np.testing.assert_allclose(frame["q"], np.linspace(-1, 1, 11), atol=1 / 255)
    header_len = int.from_bytes(data[:4], "little")
    assert (4 + header_len) % 8 == 0  # arrays are aligned for zero-copy views in the browser


def test_healthz_counts_sessions(client, session: Session) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["sessions"] == 1
    assert "loop_lag_ms_p99" in body
