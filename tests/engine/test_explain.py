"""explain_example: one example's chain rule, consistent with the batch gradient."""

from __future__ import annotations

import numpy as np
import pytest

from engine import MLP, Trainer, explain_example

RTOL, ATOL = 1e-12, 1e-15


def batch_case(loss, output_activation, d_out, seed=0):
    rng = np.random.default_rng(seed)
    net = MLP([3, 4, 3, d_out], activation="tanh", output_activation=output_activation,
              seed=seed)
    net.flat[net.n_weights :] = rng.normal(0, 0.1, net.n_params - net.n_weights)
    X = rng.normal(size=(7, 3))
    if loss == "cross_entropy":
        Y = rng.integers(0, d_out, 7)
    elif loss == "bce":
        Y = rng.integers(0, 2, (7, d_out)).astype(np.float64)
    else:
        Y = rng.uniform(-1, 1, (7, d_out))
    return net, X, Y


CASES = [
    ("mse", "linear", 2),
    ("mse", "tanh", 1),
    ("mse", "sigmoid", 2),
    ("bce", "linear", 1),
    ("cross_entropy", "linear", 3),
]


def check_chain_rule(loss, output_activation, d_out) -> None:
    net, X, Y = batch_case(loss, output_activation, d_out)
    for x, y in zip(X, Y, strict=True):
        result = explain_example(net, x, y, loss)
        assert len(result["layers"]) == net.n_layers
        for layer in result["layers"]:
            np.testing.assert_array_equal(layer["dL_dW"], np.outer(layer["a_prev"], layer["delta"]))
            np.testing.assert_array_equal(layer["dL_db"], layer["delta"])
        np.testing.assert_array_equal(result["layers"][0]["a_prev"], x)


def check_mean_of_examples_is_the_batch_gradient(loss, output_activation, d_out) -> None:
    net, X, Y = batch_case(loss, output_activation, d_out)
    per_example = [explain_example(net, x, y, loss) for x, y in zip(X, Y, strict=True)]
    net.forward(X)
    batch_loss, grads = net.backward(Y, loss)
    assert np.mean([r["loss"] for r in per_example]) == pytest.approx(batch_loss, rel=RTOL)
    for layer in range(net.n_layers):
        dW = np.mean([r["layers"][layer]["dL_dW"] for r in per_example], axis=0)
        db = np.mean([r["layers"][layer]["dL_db"] for r in per_example], axis=0)
        np.testing.assert_allclose(dW, grads[2 * layer], rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(db, grads[2 * layer + 1], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(("loss", "output_activation", "d_out"), CASES)
def test_weight_gradient_is_the_outer_product_of_a_prev_and_delta(loss, output_activation, d_out):
    check_chain_rule(loss, output_activation, d_out)


@pytest.mark.parametrize(("loss", "output_activation", "d_out"), CASES)
def test_mean_of_examples_is_the_batch_gradient(loss, output_activation, d_out):
    check_mean_of_examples_is_the_batch_gradient(loss, output_activation, d_out)


def test_the_network_cache_is_left_untouched():
    t = Trainer(regularization="l2", regularization_rate=0.1)
    trace = t.step()
    net = t.net
    names = ("inputs", "zs", "activations", "deltas", "grad_flat", "penalty")
    before = {k: getattr(net, k) for k in names}
    copies = {k: [a.copy() for a in v] if isinstance(v, list) else np.copy(v)
              for k, v in before.items()}
    flat = net.flat.copy()
    explain_example(net, t.F_train[3], t.Y_train[3], t.config.loss)
    for k in names:
        assert getattr(net, k) is before[k], k
        now, then = getattr(net, k), copies[k]
        for a, b in zip(now, then, strict=True) if isinstance(now, list) else [(now, then)]:
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(net.flat, flat)
    assert trace.grad_flat is net.grad_flat


def test_explanation_arrays_are_copies():
    net, X, Y = batch_case("mse", "linear", 2)
    result = explain_example(net, X[0], Y[0], "mse")
    for layer in result["layers"]:
        for value in layer.values():
            assert not np.shares_memory(value, net.flat)
