"""Gradient check: backprop against a central finite difference of the loss actually minimised
(regularization included), on the batch in play; ReLU's kink is reported, nothing changes."""

from __future__ import annotations

import numpy as np
import pytest

from engine import GradCheck, Trainer, check_bias, check_weight

TOLERANCE = 1e-6
TINY = 1e-4  # below this a gradient is at the finite difference's noise floor (see gradcheck.py)


def every_parameter(t: Trainer) -> list[GradCheck]:
    checks = []
    for layer, W in enumerate(t.net.weights):
        checks += [check_weight(t, layer, i, j) for i in range(W.shape[0])
                   for j in range(W.shape[1])]
        checks += [check_bias(t, layer, j) for j in range(W.shape[1])]
    return checks


def check_network(activation: str, regularization: str, loss: str | None) -> None:
    t = Trainer(activation=activation, hidden=(4, 3), regularization=regularization,
                regularization_rate=0.0 if regularization == "none" else 0.01, loss=loss,
                dataset="xor", seed=3)
    t.run(30)
    t.forward()
    t.backward()
    checks = every_parameter(t)
    assert sorted(c.index for c in checks) == list(range(t.net.n_params))  # each one once
    sizable = [c for c in checks if abs(c.backprop) > TINY]
    assert len(sizable) >= 0.8 * len(checks)  # the check is about most of the network
    assert max(c.relative_error for c in sizable) < TOLERANCE
    assert not any(c.crosses_kink for c in checks)
    if regularization == "l1":  # the L1 check is meant at nonzero weights
        assert all(c.value != 0 for c in checks)
    for c in checks:  # during a step taken apart: exactly the gradient backward() computed
        assert c.backprop == t.pending.grad_flat[c.index]


@pytest.mark.parametrize("regularization", ["none", "l2", "l1"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "softplus"])
def test_backprop_matches_finite_differences(activation, regularization):
    check_network(activation, regularization, None)


@pytest.mark.parametrize("loss", ["mse", "bce"])
def test_backprop_matches_finite_differences_for_each_binary_loss(loss):
    check_network("tanh", "l2", loss)


def test_cross_entropy_network():
    t = Trainer(dataset="spiral3", hidden=(5,), activation="tanh", seed=1)
    t.run(10)
    sizable = [c for c in every_parameter(t) if abs(c.backprop) > TINY]
    assert sizable and max(c.relative_error for c in sizable) < TOLERANCE


def test_the_check_changes_nothing():
    t = Trainer(activation="tanh")
    t.run(12)
    p = t.forward()
    flat, caches = t.net.flat.copy(), (t.net.zs, t.net.activations, t.net.inputs)
    reference = t.copy()
    check_weight(t, 1, 2, 0)
    assert t.pending is p and t.phase == "forward"
    np.testing.assert_array_equal(t.net.flat, flat)
    assert (t.net.zs, t.net.activations, t.net.inputs) == caches
    assert t.run(20) == reference.run(20)


def test_without_a_step_in_progress_the_next_batch_is_used():
    t = Trainer()
    t.run(3)
    c = check_bias(t, 0, 1)
    p = t.forward()  # the batch the check used, drawn now for real
    t.backward()
    assert c.backprop == p.grad_flat[c.index] and c.batch_size == len(p.batch)


def test_relu_kink_is_reported():
    # Put one example's pre-activation of a first-layer unit exactly at ReLU's kink: nudging the
    # bias by +-h flips that unit on and off for that example, so the difference quotient counts
    # half its slope while backprop (slope 0 at z = 0) counts none.
    t = Trainer(activation="relu", hidden=(4,))
    t.run(20)
    x = t.forward().inputs[0]
    t.drop_step()
    W, b = t.net.weights[0], t.net.biases[0]
    b[1] = -(x @ W[:, 1])
    kinked = check_bias(t, 0, 1)
    assert kinked.crosses_kink and kinked.relative_error > 1e-3
    b[1] += 0.5  # away from every kink: agreement again
    smooth = check_bias(t, 0, 1)
    assert not smooth.crosses_kink and smooth.relative_error < TOLERANCE


def test_l1_at_a_zero_weight_is_a_kink():
    t = Trainer(regularization="l1", regularization_rate=0.01)
    t.run(5)
    t.net.weights[0][0, 0] = 0.0
    assert check_weight(t, 0, 0, 0).crosses_kink
    assert not check_weight(t, 0, 0, 1).crosses_kink


def test_step_size_and_names():
    t = Trainer()
    t.net.weights[1][3, 1] = 250.0
    c = check_weight(t, 1, 3, 1)
    assert c.parameter == "W[1][3,1]" and c.value == 250.0
    assert c.h == pytest.approx(np.finfo(float).eps ** (1 / 3) * 250.0)
    assert check_bias(t, 2, 0).parameter == "b[2][0]"
    assert t.net.flat[check_bias(t, 2, 0).index] == t.net.biases[2][0]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda t: check_weight(t, 3, 0, 0), "layer"),
        (lambda t: check_weight(t, -1, 0, 0), "layer"),
        (lambda t: check_weight(t, 0, 2, 0), "from"),
        (lambda t: check_weight(t, 1, 0, 2), "to"),
        (lambda t: check_weight(t, 0, 0, 1.5), "to"),
        (lambda t: check_bias(t, 2, 1), "neuron"),
        (lambda t: check_bias(t, True, 0), "layer"),
    ],
)
def test_bad_indices_name_the_field(call, field):
    with pytest.raises(ValueError, match=rf"^{field}: "):
        call(Trainer())
