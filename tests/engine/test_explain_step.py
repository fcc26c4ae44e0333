"""The chain rule's terms add up, and one parameter's road from per-example gradients to the
update ends exactly at the trainer's gradient and pending update."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Trainer
from engine.explain import explain_example
from engine.explain_step import explain_parameter


@pytest.mark.parametrize(("config"), [
    {"activation": "tanh"},
    {"activation": "sigmoid", "loss": "mse", "output_activation": "tanh"},
    {"activation": "relu", "dataset": "spiral3"},
])
def test_delta_is_dl_da_times_da_dz(config: dict) -> None:
    t = Trainer(**config, hidden=(5, 3))
    t.run(7)
    x, y = t.F_train[3], t.Y_train[3]
    result = explain_example(t.net, x, y, t.config.loss)
    for i, layer in enumerate(result["layers"]):
        if i + 1 < len(result["layers"]) or t.config.loss == "mse":
            assert np.allclose(layer["dL_da"] * layer["da_dz"], layer["delta"], rtol=1e-12,
                               atol=1e-15)
    assert np.allclose(result["p"], t.predict(x[None, :])[0], rtol=0, atol=0)


@pytest.mark.parametrize(("optimizer", "reg", "where"), [
    ("sgd", "none", {"layer": 0, "from_": 1, "to": 2}),
    ("adam", "l2", {"layer": 1, "from_": 3, "to": 1}),
    ("rmsprop", "l1", {"layer": 2, "neuron": 0}),
    ("adagrad", "l2", {"layer": 0, "neuron": 4}),
])
def test_the_road_ends_at_the_gradient_and_the_pending_update(optimizer: str, reg: str,
                                                              where: dict) -> None:
    t = Trainer(optimizer=optimizer, regularization=reg, regularization_rate=0.003,
                hidden=(5, 2), batch_size=13)
    t.run(9)
    ahead = explain_parameter(t, **where)  # on a copy: the run is untouched
    assert t.pending is None and t.step_count == 9
    t.forward()
    t.backward()
    road = explain_parameter(t, **where)
    assert road["gradient"] == ahead["gradient"]
    i = road["index"]
    assert road["gradient"] == t.pending.grad_flat[i]
    assert abs(road["data_gradient"] + road["regularization"] - road["gradient"]) <= 1e-12
    assert road["update"] == t.pending_update()[i]
    assert len(road["per_example"]) == 13 and list(road["batch"]) == list(t.pending.batch)
