"""Backprop against central finite differences, and the activations against PyTorch's formulas.

Networks are small and random, in float64. The error measure is the norm-wise relative error
||analytic - numeric|| / max(||analytic||, ||numeric||) over every parameter at once.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import ACTIVATIONS, LOSSES, MLP, REGULARIZERS

H = 1e-6  # finite-difference step
KINK_MARGIN = 1e-3  # |z| and |w| kept this far from 0, where relu / leaky / l1 have kinks
MAX_REL_ERROR = 1e-6


def make_targets(loss: str, n: int, d_out: int, rng: np.random.Generator) -> np.ndarray:
    if loss == "cross_entropy":
        return rng.integers(0, d_out, n)
    if loss == "bce":
        return rng.integers(0, 2, (n, d_out)).astype(np.float64)
    return rng.uniform(-0.9, 0.9, (n, d_out))


def kink_free_batch(net: MLP, n: int, rng: np.random.Generator) -> np.ndarray:
    """Inputs whose pre-activations all stay KINK_MARGIN away from 0 (redrawn until they do)."""
    for _ in range(1000):
        X = rng.normal(size=(n, net.sizes[0]))
        net.forward(X)
        if all(np.abs(z).min() > KINK_MARGIN for z in net.zs[:-1]):
            return X
    raise AssertionError("no kink-free batch found")


def total_loss(net, X, Y, loss, regularization, rate) -> float:
    """Data loss + rate * penalty, computed without backward()."""
    out = net.forward(X)
    value = LOSSES[loss].value_and_grad(out, Y)[0]
    return value + rate * REGULARIZERS[regularization].value(net.flat[: net.n_weights])


def check_gradients(activation, loss, output_activation, d_out, regularization="none", rate=0.0,
                    seed=0) -> None:
    rng = np.random.default_rng(seed)
    net = MLP([3, 5, 4, d_out], activation=activation, output_activation=output_activation,
              init="xavier_normal", seed=seed)
    w = net.flat[: net.n_weights]
    w[np.abs(w) < KINK_MARGIN] = KINK_MARGIN  # away from l1's kink
    net.flat[net.n_weights :] = rng.normal(0, 0.1, net.n_params - net.n_weights)
    X = kink_free_batch(net, 6, rng)
    Y = make_targets(loss, 6, d_out, rng)

    net.forward(X)
    value, grads = net.backward(Y, loss=loss, regularization=regularization, rate=rate)
    analytic = net.grad_flat.copy()
    assert value == pytest.approx(LOSSES[loss].value_and_grad(net.activations[-1], Y)[0])
    assert net.penalty == pytest.approx(rate * REGULARIZERS[regularization].value(w))
    for g, p in zip(grads, net.params, strict=True):  # the list is views of grad_flat
        assert g.shape == p.shape and np.shares_memory(g, net.grad_flat)

    numeric = np.empty(net.n_params)
    for i in range(net.n_params):
        keep = net.flat[i]
        net.flat[i] = keep + H
        up = total_loss(net, X, Y, loss, regularization, rate)
        net.flat[i] = keep - H
        down = total_loss(net, X, Y, loss, regularization, rate)
        net.flat[i] = keep
        numeric[i] = (up - down) / (2 * H)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    assert scale > 0
    assert np.linalg.norm(analytic - numeric) / scale < MAX_REL_ERROR


HIDDEN = ["relu", "leaky_relu", "elu", "tanh", "sigmoid", "linear", "silu", "softplus"]


def test_every_hidden_activation_is_covered():
    assert sorted(HIDDEN) == sorted(ACTIVATIONS)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize(
    ("loss", "output_activation", "d_out"),
    [
        ("mse", "linear", 2),
        ("mse", "tanh", 2),
        ("mse", "sigmoid", 2),
        ("bce", "linear", 1),
        ("bce", "linear", 2),  # two independent labels: the mean runs over every element
        ("cross_entropy", "linear", 3),
    ],
)
def test_backprop_matches_finite_differences(activation, loss, output_activation, d_out):
    check_gradients(activation, loss, output_activation, d_out)


@pytest.mark.parametrize(
    ("activation", "loss", "output_activation", "d_out", "regularization", "rate"),
    [
        ("tanh", "bce", "linear", 1, "l1", 0.1),
        ("relu", "mse", "linear", 2, "l1", 0.03),
        ("tanh", "cross_entropy", "linear", 3, "l2", 0.3),
        ("silu", "mse", "sigmoid", 2, "l2", 1.0),
        ("elu", "bce", "linear", 1, "l2", 0.0),
        ("sigmoid", "mse", "tanh", 2, "none", 0.5),  # "none" ignores the rate
    ],
)
def test_regularized_gradients_match_finite_differences(
    activation, loss, output_activation, d_out, regularization, rate
):
    check_gradients(activation, loss, output_activation, d_out, regularization, rate)


def test_one_activation_per_hidden_layer():
    rng = np.random.default_rng(3)
    net = MLP([2, 3, 3, 1], activation=["softplus", "elu"], seed=3)
    assert [a.name for a in net.layer_activations] == ["softplus", "elu", "linear"]
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    net.forward(X)
    net.backward(Y)
    numeric = np.empty(net.n_params)
    for i in range(net.n_params):
        keep = net.flat[i]
        net.flat[i] = keep + H
        up = total_loss(net, X, Y, "mse", "none", 0.0)
        net.flat[i] = keep - H
        down = total_loss(net, X, Y, "mse", "none", 0.0)
        net.flat[i] = keep
        numeric[i] = (up - down) / (2 * H)
    np.testing.assert_allclose(net.grad_flat, numeric, rtol=1e-6, atol=1e-9)


# ---- the activations themselves, against torch.nn's definitions written out by hand -----------

SLOPE, ALPHA, THRESHOLD = 0.01, 1.0, 20.0  # LeakyReLU, ELU, Softplus defaults in torch.nn


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


TORCH = {  # name: (f, df) for one Python float
    "relu": (lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    "leaky_relu": (lambda x: x if x > 0 else SLOPE * x, lambda x: 1.0 if x > 0 else SLOPE),
    "elu": (lambda x: x if x > 0 else ALPHA * (math.exp(x) - 1),
            lambda x: 1.0 if x > 0 else ALPHA * math.exp(x)),
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "sigmoid": (_sig, lambda x: _sig(x) * (1 - _sig(x))),
    "linear": (lambda x: x, lambda x: 1.0),
    "silu": (lambda x: x * _sig(x), lambda x: _sig(x) * (1 + x * (1 - _sig(x)))),
    "softplus": (lambda x: x if x > THRESHOLD else math.log1p(math.exp(x)),
                 lambda x: 1.0 if x > THRESHOLD else _sig(x)),
}
POINTS = np.array([-30, -5, -1.5, -0.1, -1e-3, 0.0, 1e-3, 0.1, 1.5, 5, 19.5, 20.5, 30.0])


def check_against_torch(name: str) -> None:
    f, df = TORCH[name]
    act = ACTIVATIONS[name]
    a = act.f(POINTS)
    np.testing.assert_allclose(a, [f(x) for x in POINTS], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(act.df(POINTS, a), [df(x) for x in POINTS], rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("name", HIDDEN)
def test_activation_matches_torch_formula(name):
    check_against_torch(name)


@pytest.mark.parametrize("name", HIDDEN)
def test_activation_derivative_matches_finite_differences(name):
    z = np.array([-25.0, -3.0, -0.7, -0.05, 0.05, 0.7, 3.0, 25.0])  # no kinks, none near 20
    act = ACTIVATIONS[name]
    numeric = (act.f(z + H) - act.f(z - H)) / (2 * H)
    np.testing.assert_allclose(act.df(z, act.f(z)), numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", HIDDEN)
def test_activation_is_finite_and_silent_for_huge_inputs(name):
    z = np.array([-1e300, -1000.0, -710.0, 710.0, 1000.0, 1e300])
    act = ACTIVATIONS[name]
    a = act.f(z)  # warnings are errors: no overflow warning may escape
    assert np.all(np.isfinite(a) | (np.abs(z) > 1e299))
    assert np.all(np.isfinite(act.df(z, a)) | (np.abs(z) > 1e299))
