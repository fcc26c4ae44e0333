"""The engine's public names, importable from the package, and its use from a notebook."""

from __future__ import annotations

import numpy as np

import engine
from engine import MLP, make_optimizer

PUBLIC = [
    "MLP", "make_optimizer", "OPTIMIZERS", "Trainer", "TrainingConfig", "StepTrace", "Divergence",
    "Metrics", "evaluate_grid", "explain_example", "ACTIVATIONS", "LOSSES", "DATASETS",
    "FEATURES", "INITIALIZERS", "REGULARIZERS", "make_dataset", "featurize",
    # the step taken apart, what-ifs, checks and snapshots
    "PHASES", "PendingStep", "PhaseError", "ALTERNATIVES", "compare_updates",
    "track_alternatives", "GradCheck", "check_weight", "check_bias", "Finding", "check_health",
    "stopped_units", "suggest_learning_rate", "snapshot", "restore",
    # the gradient-descent lab
    "SURFACES", "SURFACE_PARAMS", "Surface", "ExampleSet", "make_surface", "surface_params_json",
    "Trajectory", "run_trajectory", "trajectory", "DIRECTIONS", "Landscape", "loss_landscape",
]


def test_public_api_is_exported():
    assert sorted(engine.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(engine, name) is not None


def test_params_are_live_views_the_optimizer_updates_in_place():
    net = MLP([2, 3, 1], activation="tanh", output_activation="linear", init="he_normal", seed=1)
    W0, b0, W1, b1 = net.params
    assert (W0.shape, b0.shape, W1.shape, b1.shape) == ((2, 3), (3,), (3, 1), (1,))
    assert all(p.dtype == np.float64 and np.shares_memory(p, net.flat) for p in net.params)
    opt = make_optimizer("sgd", net.params, lr=0.1)
    net.forward(np.array([[0.5, -1.0]]))
    loss, grads = net.backward(np.array([[1.0]]))
    before = net.flat.copy()
    updates = opt.step(grads)
    for u, g in zip(updates, grads, strict=True):
        np.testing.assert_allclose(u, -0.1 * g)
    np.testing.assert_allclose(net.flat - before, np.concatenate(
        [u.ravel() for u in updates[0::2]] + [u.ravel() for u in updates[1::2]]))
    assert loss > 0
