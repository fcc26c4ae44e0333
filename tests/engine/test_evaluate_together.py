"""Runs evaluated together (one stacked pass for those sharing a network shape and data) get,
bit for bit, the metrics and heatmaps their own ``evaluate()`` and ``evaluate_grid`` give."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Trainer, TrainingConfig
from engine.evaluate_together import metrics_together
from engine.grid import evaluate_grid, evaluate_grids

CASES = {  # name: config changes from the default
    "default (tanh, bce)": {},
    "relu, 3 layers, L2": {"activation": "relu", "hidden": [5, 4, 3], "regularization": "l2",
                           "regularization_rate": 0.01},
    "sigmoid output, mse": {"loss": "mse", "output_activation": "sigmoid"},
    "regression: mse, tanh output": {"dataset": "plane", "output_activation": "tanh"},
    "three classes: cross-entropy": {"dataset": "spiral3", "hidden": [6], "activation": "elu"},
    "noisy xor, more features": {"dataset": "xor", "noise": 0.3,
                                 "features": ["x1", "x2", "x1x2", "sinx1"]},
}


def runs_of(changes: dict, steps: int = 25) -> list[Trainer]:
    """Runs of one shape on the same data, each at its own weights (seed of the weights apart,
    the data are those of the config's seed: one dataset), and one on other data."""
    config = TrainingConfig(**changes)
    runs = [Trainer(config, optimizer=o, learning_rate=lr)
            for o, lr in (("sgd", 0.3), ("adam", 0.02), ("rmsprop", 0.01), ("sgd", 0.0))]
    runs.append(Trainer(config, seed=7))  # other data: evaluated apart
    for run in runs:
        for _ in range(steps):
            run.step()
    return runs


@pytest.mark.parametrize("changes", list(CASES.values()), ids=list(CASES))
def test_metrics_together_are_each_runs_own(changes: dict) -> None:
    runs = runs_of(changes)
    assert metrics_together(runs) == [run.evaluate() for run in runs]


def test_metrics_together_keep_nan_and_inf_of_a_diverged_run() -> None:
    runs = runs_of({})
    runs[1].net.flat[:] = np.inf  # what a diverged run may hold
    runs[2].net.flat[0] = np.nan
    together, own = metrics_together(runs), [run.evaluate() for run in runs]
    assert [repr(m) for m in together] == [repr(m) for m in own]  # NaN == NaN as text


@pytest.mark.parametrize("changes", list(CASES.values()), ids=list(CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grids_together_are_each_networks_own(changes: dict, dtype: type) -> None:
    runs = runs_of(changes, steps=5)
    features = runs[0].config.features
    together = evaluate_grids([r.net for r in runs], features, 12, dtype=dtype)
    for lane, run in enumerate(runs):
        own = evaluate_grid(run.net, features, 12, dtype=dtype)
        assert len(own) == len(together)
        for mine, stacked in zip(own, together, strict=True):
            assert stacked[lane].dtype == mine.dtype
            assert np.array_equal(stacked[lane], mine)
