"""Losses against PyTorch's definitions (mean reduction), written out element by element."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import LOSSES
from engine.losses import get_loss

rng = np.random.default_rng(7)
OUT2 = rng.normal(0, 2, (5, 2))  # raw outputs / logits
Y_REAL = rng.normal(0, 1, (5, 2))
Y_BITS = rng.integers(0, 2, (5, 2)).astype(np.float64)
OUT3 = rng.normal(0, 3, (5, 3))
Y_CLASS = np.array([0, 2, 1, 2, 0])


def torch_mse(out, Y) -> float:  # nn.MSELoss: mean over every element
    return sum((o - y) ** 2 for o, y in zip(out.ravel(), Y.ravel(), strict=True)) / out.size


def torch_bce(out, Y) -> float:  # nn.BCEWithLogitsLoss: -(y log s(z) + (1-y) log(1-s(z)))
    total = 0.0
    for z, y in zip(out.ravel(), Y.ravel(), strict=True):
        s = 1 / (1 + math.exp(-z))
        total += -(y * math.log(s) + (1 - y) * math.log(1 - s))
    return total / out.size


def torch_ce(out, y) -> float:  # nn.CrossEntropyLoss: -log softmax(z)[y], mean over examples
    total = 0.0
    for row, k in zip(out, y, strict=True):
        total += -(row[k] - math.log(sum(math.exp(v) for v in row)))
    return total / len(y)


def softmax_rows(out):
    e = np.exp(out - out.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def torch_grad(name, out, Y):  # d(loss)/d(out), the textbook forms
    if name == "mse":
        return 2 * (out - Y) / out.size
    if name == "bce":
        return (1 / (1 + np.exp(-out)) - Y) / out.size
    return (softmax_rows(out) - np.eye(out.shape[1])[Y]) / len(Y)


def check_loss(name, out, Y, reference) -> None:
    value, grad = LOSSES[name].value_and_grad(out, Y)
    assert isinstance(value, float)
    assert value == pytest.approx(reference(out, Y), rel=1e-12)
    assert grad.shape == out.shape
    np.testing.assert_allclose(grad, torch_grad(name, out, Y), rtol=1e-12, atol=1e-17)


@pytest.mark.parametrize(
    ("name", "out", "Y", "reference"),
    [
        ("mse", OUT2, Y_REAL, torch_mse),
        ("mse", OUT2[:, :1], Y_REAL[:, :1], torch_mse),
        ("bce", OUT2[:, :1], Y_BITS[:, :1], torch_bce),
        ("bce", OUT2, Y_BITS, torch_bce),
        ("cross_entropy", OUT3, Y_CLASS, torch_ce),
        ("cross_entropy", OUT3[:1], Y_CLASS[:1], torch_ce),
    ],
)
def test_loss_matches_torch(name, out, Y, reference):
    check_loss(name, out, Y, reference)


@pytest.mark.parametrize(
    ("name", "out", "Y", "value", "grad"),
    [
        ("bce", [[1000.0], [-1000.0], [800.0], [-800.0]], [[0.0], [1.0], [1.0], [0.0]], 500.0,
         [[0.25], [-0.25], [0.0], [0.0]]),
        ("bce", [[1e300], [-1e300]], [[1.0], [0.0]], 0.0, [[0.0], [0.0]]),
        ("cross_entropy", [[1000.0, -1000.0, 0.0]], [1], 2000.0, [[1.0, -1.0, 0.0]]),
        ("cross_entropy", [[800.0, 800.0], [-900.0, 0.0]], [0, 1], math.log(2) / 2,
         [[-0.25, 0.25], [0.0, 0.0]]),
    ],
)
def test_loss_is_finite_and_silent_for_huge_logits(name, out, Y, value, grad):
    v, g = LOSSES[name].value_and_grad(np.array(out), np.array(Y))  # warnings are errors
    assert v == pytest.approx(value, rel=1e-12, abs=1e-300)
    np.testing.assert_allclose(g, grad, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    ("name", "out", "Y"),
    [
        ("mse", OUT2, Y_REAL),
        ("bce", OUT2, Y_BITS),
        ("bce", OUT2[:, :1], np.full((5, 1), 0.3)),  # soft labels: bce is affine in y
        ("cross_entropy", OUT3, Y_CLASS),
    ],
)
def test_values_scores_a_stack_of_output_sets_each_as_value_and_grad(name, out, Y):
    scale = np.random.default_rng(1).uniform(0.5, 2.0, (4, 3, 1, 1))
    stack = out * scale  # (4, 3, n, k): 12 sets of outputs, the same targets
    values = LOSSES[name].values(stack, Y)
    assert values.shape == (4, 3)
    for index in np.ndindex(4, 3):
        assert values[index] == pytest.approx(LOSSES[name].value_and_grad(stack[index], Y)[0],
                                              rel=1e-14)


@pytest.mark.parametrize(
    ("name", "out", "expected"),
    [
        ("mse", [[0.3, -2.0]], [[0.3, -2.0]]),
        ("bce", [[0.0], [1000.0], [-1000.0]], [[0.5], [1.0], [0.0]]),
        ("cross_entropy", [[0.0, 0.0], [1000.0, -1000.0]], [[0.5, 0.5], [1.0, 0.0]]),
    ],
)
def test_predict(name, out, expected):
    np.testing.assert_allclose(LOSSES[name].predict(np.array(out)), expected, atol=1e-300)


def test_unknown_loss_names_the_field():
    with pytest.raises(ValueError, match=r"^loss: unknown 'hinge'; allowed: mse, bce"):
        get_loss("hinge")
