"""Lab trajectories: the engine's optimizer classes applied step by step, batches on data
surfaces, the cost axis, divergence and the recorded optimizer state."""

from __future__ import annotations

import numpy as np
import pytest

from engine import SURFACES, make_optimizer, make_surface, run_trajectory, trajectory

VARIANTS = {  # the seven optimizer variants the lab races: (name, hyper, lr)
    "sgd": ("sgd", {}, 1e-3),
    "sgd momentum": ("sgd", {"momentum": 0.9}, 1e-3),
    "sgd nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}, 1e-3),
    "rmsprop": ("rmsprop", {}, 1e-2),
    "adagrad": ("adagrad", {}, 0.3),
    "adam": ("adam", {}, 0.05),
    "adamw": ("adamw", {"weight_decay": 0.1}, 0.05),
}
STEPS = 300


def by_hand(surface, optimizer, start, steps, lr, hyper):
    """The optimizer class's step() in a loop, the gradient from surface.grad: the reference."""
    p = np.array(start, dtype=np.float64)
    opt = make_optimizer(optimizer, [p], lr=lr, **hyper)
    path = [p.copy()]
    for _ in range(steps):
        opt.step([surface.grad(p)])
        path.append(p.copy())
    return np.array(path), opt


@pytest.mark.parametrize("surface", ["rosenbrock", "beale"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_trajectory_is_the_engine_optimizer_step_by_step_exactly(surface, variant):
    optimizer, hyper, lr = VARIANTS[variant]
    s = SURFACES[surface]
    path = trajectory(surface, optimizer, s.start, STEPS, lr, hyper)
    expected, _ = by_hand(s, optimizer, s.start, STEPS, lr, hyper)
    assert path.shape == (STEPS + 1, 2)
    assert np.array_equal(path, expected)  # bit for bit
    assert not np.array_equal(path[-1], path[0])


def test_run_reports_losses_and_gradients_along_the_path():
    s = SURFACES["himmelblau"]
    run = run_trajectory(s, "adam", s.start, 200, 0.05)
    assert run.losses.shape == (201,) and run.grads.shape == (200, 2)
    np.testing.assert_array_equal(run.losses, s.value(run.path))
    np.testing.assert_array_equal(run.grads, s.grad(run.path[:-1]))
    assert run.examples_seen is None and run.diverged_at is None and run.state == {}
    assert tuple(run.path[0]) == s.start


@pytest.mark.parametrize("variant, keys", [
    ("sgd momentum", {"momentum_buffer"}),
    ("adam", {"exp_avg", "exp_avg_sq"}),
    ("rmsprop", {"square_avg"}),
    ("adagrad", {"sum"}),
])
def test_recorded_state_is_the_optimizers_buffers_at_each_point(variant, keys):
    optimizer, hyper, lr = VARIANTS[variant]
    s = SURFACES["beale"]
    run = run_trajectory(s, optimizer, s.start, 40, lr, hyper, record_state=True)
    assert set(run.state) == keys
    for t in (1, 17, 40):
        _, opt = by_hand(s, optimizer, s.start, t, lr, hyper)
        for key in keys:
            assert np.array_equal(run.state[key][t], opt.state[0][key])
    for key in keys:
        assert run.state[key].shape == (41, 2)
        assert np.isnan(run.state[key][0]).all()  # before the first step nothing exists


# ---- data surfaces: batch, mini-batch, stochastic --------------------------------------------


@pytest.mark.parametrize("surface", ["linear_regression", "logistic_regression"])
def test_full_batch_is_deterministic_and_follows_the_mean_gradient(surface):
    s = SURFACES[surface]
    run = run_trajectory(s, "sgd", s.start, 50, s.lr)
    again = run_trajectory(s, "sgd", s.start, 50, s.lr, seed=9)
    assert np.array_equal(run.path, again.path)
    for t in (0, 10, 49):
        mean_grad = s.data.example_grads(run.path[t]).mean(axis=0)
        np.testing.assert_allclose(run.grads[t], mean_grad, rtol=1e-12)
        np.testing.assert_allclose(run.path[t + 1], run.path[t] - s.lr * mean_grad, rtol=1e-12)
    np.testing.assert_array_equal(run.examples_seen, np.arange(51) * s.data.n)
    explicit = run_trajectory(s, "sgd", s.start, 50, s.lr, batch_size=s.data.n)
    assert np.array_equal(explicit.path, run.path)


@pytest.mark.parametrize("surface", ["linear_regression", "logistic_regression"])
@pytest.mark.parametrize("batch_size", [1, 10])
def test_mini_batches_are_seeded_and_noisier_than_the_full_batch(surface, batch_size):
    s = SURFACES[surface]
    run = run_trajectory(s, "sgd", s.start, 100, s.lr, batch_size=batch_size, seed=3)
    same = run_trajectory(s, "sgd", s.start, 100, s.lr, batch_size=batch_size, seed=3)
    other = run_trajectory(s, "sgd", s.start, 100, s.lr, batch_size=batch_size, seed=4)
    full = run_trajectory(s, "sgd", s.start, 100, s.lr)
    assert np.array_equal(run.path, same.path)
    assert not np.array_equal(run.path, other.path)
    assert not np.allclose(run.path, full.path)
    assert run.losses[-1] < run.losses[0]  # still descends


@pytest.mark.parametrize("batch_size, first_pass", [
    (1, [1] * 64),
    (10, [10] * 6 + [4]),  # the last batch of a pass takes what is left
    (32, [32, 32]),
    (None, [64]),
])
def test_examples_seen_counts_each_batch(batch_size, first_pass):
    s = SURFACES["linear_regression"]
    steps = 3 * len(first_pass)
    run = run_trajectory(s, "sgd", s.start, steps, s.lr, batch_size=batch_size)
    expected = np.concatenate([[0], np.cumsum(first_pass * 3)])
    np.testing.assert_array_equal(run.examples_seen, expected)


def test_stochastic_descent_visits_every_example_once_per_pass_in_a_new_order():
    s = SURFACES["linear_regression"]  # every example distinct, so each gradient names one
    n = s.data.n
    run = run_trajectory(s, "sgd", s.start, 2 * n, 0.05, batch_size=1, seed=1)
    visited = []
    for p, g in zip(run.path[:-1], run.grads, strict=True):
        (match,) = [i for i in range(n) if np.array_equal(g, s.data.loss_and_grad(p, [i])[1])]
        visited.append(match)
    first, second = visited[:n], visited[n:]
    assert sorted(first) == list(range(n)) and sorted(second) == list(range(n))
    assert first != second


# ---- divergence and validation ------------------------------------------------------------------


def test_a_diverging_path_stops_at_nan_without_warnings():
    bowl = make_surface("quadratic", kappa=10)
    run = run_trajectory(bowl, "sgd", bowl.start, 3000, 2.5)  # lr above 2 / lambda_max = 2
    t = run.diverged_at
    assert t is not None and 100 < t < 3000
    assert np.isfinite(run.path[:t]).all() and np.isfinite(run.losses[:t]).all()
    assert np.isnan(run.path[t:]).all() and np.isnan(run.losses[t:]).all()
    assert np.isnan(run.grads[t:]).all() and run.path.shape == (3001, 2)
    assert run.losses[t - 1] > 1e200


def test_zero_steps_is_the_start():
    run = run_trajectory("beale", "adam", (0.5, -1.0), 0, 0.1)
    assert run.path.shape == (1, 2) and tuple(run.path[0]) == (0.5, -1.0)
    assert run.grads.shape == (0, 2)


@pytest.mark.parametrize("kwargs, message", [
    ({"surface": "bowl"}, "surface: unknown 'bowl'"),
    ({"start": (1.0, float("nan"))}, r"start: must be two finite numbers \(x, y\)"),
    ({"start": (1.0,)}, "start: must be two finite numbers"),
    ({"start": ("1", 2)}, "start: must be two finite numbers"),
    ({"steps": -1}, "steps: must be an integer from 0 to 100000"),
    ({"steps": 2.5}, "steps: must be an integer"),
    ({"lr": -0.1}, r"Invalid lr: -0.1 \(must be >= 0"),
    ({"optimizer": "lbfgs"}, "Unknown optimizer 'lbfgs'"),
    ({"hyper": {"lr": 0.1}}, "hyper: 'lr' is set by lr"),
    ({"hyper": {"momentum": -1}}, "Invalid momentum: -1"),
    ({"batch_size": 5}, "batch_size: rosenbrock has no examples to batch"),
    ({"surface": "linear_regression", "batch_size": 0}, "batch_size: must be None .* 1 to 64"),
    ({"surface": "linear_regression", "batch_size": 65}, "batch_size: must be None"),
    ({"seed": -1}, "seed: must be a non-negative integer"),
])
def test_errors_name_the_field(kwargs, message):
    args = {"surface": "rosenbrock", "optimizer": "sgd", "start": (0.0, 0.0), "steps": 10,
            "lr": 1e-3, **kwargs}
    with pytest.raises(ValueError, match=message):
        run_trajectory(**args)
