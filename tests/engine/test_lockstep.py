"""Lanes stepped together (one stacked forward and backward pass) are, bit for bit, the runs each
lane's own ``step()`` gives: weights, losses, gradients, updates, batches, counters."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Trainer, TrainingConfig
from engine.lockstep import can_step_together, step_together
from engine.trace import summarise_together

OPTIMIZERS = [("sgd", 0.1, {"momentum": 0.9}), ("adam", 0.01, {}), ("rmsprop", 0.01, {}),
              ("adagrad", 0.1, {})]
CASES = {  # name: config changes from the default
    "default (tanh, bce, mini-batches)": {},
    "relu, 3 layers, L2": {"activation": "relu", "hidden": [5, 4, 3], "regularization": "l2",
                           "regularization_rate": 0.01},
    "sigmoid, L1, full batch": {"activation": "sigmoid", "regularization": "l1",
                                "regularization_rate": 0.003, "batch_size": None},
    "regression: mse, tanh output": {"dataset": "plane", "output_activation": "tanh"},
    "three classes: cross-entropy, stochastic": {"dataset": "spiral3", "hidden": [6],
                                                 "activation": "elu", "batch_size": 1},
}
STEPS = 60  # a few passes: reshuffles included


def lanes_of(config: TrainingConfig) -> list[Trainer]:
    return [Trainer(config, optimizer=o, learning_rate=lr, hyper=h) for o, lr, h in OPTIMIZERS]


def assert_each_lanes_own_run(together: list[Trainer], alone: list[Trainer]) -> None:
    """STEPS steps of ``together`` in lockstep are, number for number, ``alone``'s own."""
    assert can_step_together(together)
    for _ in range(STEPS):
        traces = step_together(together)
        for t, lane, trace in zip(alone, together, traces, strict=True):
            mine = t.step()
            assert mine is not None
            assert np.array_equal(trace.batch, mine.batch)
            assert np.array_equal(trace.inputs, mine.inputs)
            assert trace.loss == mine.loss and trace.penalty == mine.penalty
            assert np.array_equal(trace.grad_flat, mine.grad_flat)
            assert np.array_equal(trace.update_flat, mine.update_flat)
            assert all(np.array_equal(a, b) for a, b in zip(trace.deltas, mine.deltas,
                                                             strict=True))
            assert np.array_equal(lane.net.flat, t.net.flat)


@pytest.mark.parametrize("changes", list(CASES.values()), ids=list(CASES))
def test_lanes_stepped_together_are_each_lanes_own_run(changes: dict) -> None:
    config = TrainingConfig(**changes)
    together, alone = lanes_of(config), lanes_of(config)
    assert_each_lanes_own_run(together, alone)
    for t, lane in zip(alone, together, strict=True):
        assert (lane.step_count, lane.epoch) == (t.step_count, t.epoch) == (STEPS, t.epoch)
        assert lane.evaluate().train_loss == t.evaluate().train_loss


def test_what_cannot_step_together_is_said() -> None:
    lanes = lanes_of(TrainingConfig())
    assert not can_step_together(lanes[:1])
    lanes[1].forward()  # a step in progress
    assert not can_step_together(lanes)
    other = Trainer(TrainingConfig(hidden=[3]))
    assert not can_step_together([lanes[0], other])


def test_independent_runs_of_one_shape_step_together_each_on_its_own_batches() -> None:
    """A server's sessions: other data, seeds, optimizers, batch sizes and positions in a pass
    (a batch of another size steps in its own stacked pass)."""
    configs = [TrainingConfig(), TrainingConfig(dataset="xor", seed=3, noise=0.2),
               TrainingConfig(dataset="gauss", seed=7, batch_size=7, optimizer="adam",
                              learning_rate=0.01),
               TrainingConfig(dataset="spiral", seed=1, batch_size=None, regularization="l2",
                              regularization_rate=0.01),
               TrainingConfig(seed=5, optimizer="rmsprop", learning_rate=0.01)]
    together, alone = [Trainer(c) for c in configs], [Trainer(c) for c in configs]
    for t, u, head_start in zip(together, alone, [0, 3, 11, 1, 0], strict=True):
        t.run(head_start)
        u.run(head_start)
    assert can_step_together(together)
    for _ in range(STEPS):
        traces = step_together(together)
        for t, lane, trace in zip(alone, together, traces, strict=True):
            mine = t.step()
            assert mine is not None and trace.step == mine.step
            assert np.array_equal(trace.batch, mine.batch)
            assert trace.loss == mine.loss and trace.penalty == mine.penalty
            assert np.array_equal(trace.grad_flat, mine.grad_flat)
            assert np.array_equal(trace.update_flat, mine.update_flat)
            assert np.array_equal(lane.net.flat, t.net.flat)
    for t, lane in zip(alone, together, strict=True):
        assert (lane.step_count, lane.epoch) == (t.step_count, t.epoch)


@pytest.mark.parametrize("changes", list(CASES.values()), ids=list(CASES))
def test_summaries_computed_together_are_each_traces_own(changes: dict) -> None:
    # A frame's per-layer gradient norms and update ratios, for a whole chunk of sessions at once
    lanes = lanes_of(TrainingConfig(**changes))
    lanes.append(Trainer(TrainingConfig(**changes), init="zeros"))  # ratios of zero weights
    for _ in range(3):
        traces = step_together(lanes)
    own = [trace.layer_summaries() for trace in traces]
    summarise_together(traces)
    assert all(trace.summaries is not None for trace in traces)
    assert [trace.layer_summaries() for trace in traces] == own


def test_lanes_on_other_data_and_losses_stepped_together_are_each_lanes_own_run() -> None:
    # A server's chunk: one network shape, but each session its own dataset, seed, loss and
    # batch size (mini-batches of one size share a pass; the whole set is a pass of its own)
    mse = {"dataset": "xor", "loss": "mse", "output_activation": "linear"}
    configs = [{}, mse, {"dataset": "spiral", "seed": 3}, {"batch_size": None},
               {"dataset": "xor", "batch_size": None}, {"dataset": "gauss", "noise": 0.2}, {}, mse]
    together = [Trainer(TrainingConfig(**c)) for c in configs]
    alone = [Trainer(TrainingConfig(**c)) for c in configs]
    assert_each_lanes_own_run(together, alone)


@pytest.mark.parametrize("changes", list(CASES.values()), ids=list(CASES))
def test_plain_sgd_lanes_updated_in_one_call_are_each_lanes_own_run(changes: dict) -> None:
    # A classroom's default: plain SGD at one learning rate, every lane's update in one call
    # (weight decay included: it reads the parameters).
    def lanes() -> list[Trainer]:
        return [Trainer(TrainingConfig(**changes, seed=seed), optimizer="sgd", learning_rate=0.1,
                        hyper={"weight_decay": 0.01}) for seed in range(3)]
    together, alone = lanes(), lanes()
    assert all(t.optimizer.stateless() for t in together)
    assert_each_lanes_own_run(together, alone)
    for t, lane in zip(alone, together, strict=True):
        assert lane.optimizer.step_count == t.optimizer.step_count == STEPS
