"""evaluate_grid: every neuron over the input plane, oriented as the picture is drawn."""

from __future__ import annotations

import numpy as np
import pytest

from engine import MLP, Trainer, evaluate_grid, featurize
from engine.grid import grid_features, grid_points


def check_grid_matches_forward_all(features, hidden, activation, n) -> None:
    t = Trainer(features=features, hidden=hidden, activation=activation)
    t.run(20)
    grids = evaluate_grid(t.net, features, n)
    acts = t.net.forward_all(featurize(grid_points(n), features))
    assert [g.shape for g in grids] == [(n, n, w) for w in t.net.sizes[1:]]
    for g, a in zip(grids, acts, strict=True):
        np.testing.assert_array_equal(g.reshape(n * n, -1), a)


@pytest.mark.parametrize(
    ("features", "hidden", "activation", "n"),
    [
        (("x1", "x2"), (4, 2), "tanh", 64),
        (("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2"), (8, 8, 8), "relu", 32),
        (("x2sq",), (), "tanh", 16),
        (("sinx2", "x1"), (3,), "sigmoid", 7),
    ],
)
def test_grid_matches_forward_all(features, hidden, activation, n):
    check_grid_matches_forward_all(features, hidden, activation, n)


def identity_net() -> MLP:
    """No hidden layer, W = I, b = 0: the output is the point itself."""
    net = MLP([2, 2])
    net.weights[0][...] = np.eye(2)
    net.biases[0][...] = 0.0
    return net


@pytest.mark.parametrize("n", [64, 5])
def test_orientation_row_0_is_the_top_and_column_0_the_left(n):
    (out,) = evaluate_grid(identity_net(), ("x1", "x2"), n)
    half = 6.0 / n  # cells are sampled at their centres
    x1, x2 = out[..., 0], out[..., 1]
    np.testing.assert_allclose(x2[0], 6.0 - half)  # row 0: the top, x2 = +6
    np.testing.assert_allclose(x2[-1], -6.0 + half)
    np.testing.assert_allclose(x1[:, 0], -6.0 + half)  # column 0: the left, x1 = -6
    np.testing.assert_allclose(x1[:, -1], 6.0 - half)
    assert np.all(np.diff(x1, axis=1) > 0) and np.all(np.diff(x2, axis=0) < 0)


def test_grid_features_are_cached_and_read_only():
    F = grid_features(("x1", "x2"), 64)
    assert grid_features(("x1", "x2"), 64) is F
    assert not F.flags.writeable
    with pytest.raises(ValueError):
        F[0, 0] = 1.0


def test_grid_leaves_the_training_cache_alone():
    t = Trainer()
    trace = t.step()
    zs = t.net.zs
    evaluate_grid(t.net, t.config.features, 16)
    assert t.net.zs is zs and trace.zs is zs
