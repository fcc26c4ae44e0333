"""Learning health: dead ReLUs (the ReLU classifier at learning rate 10), saturated units, cut-off
units, a stalled loss, and a learning rate proposed with evidence from copies of the run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Trainer, TrainingConfig, check_health, stopped_units, suggest_learning_rate
from engine.health import STALL_WINDOW, stalled_loss

# Issue 8: circle, ReLU, learning rate 10 (TF Playground's other defaults: [4, 2], batch 10).
# The second hidden layer dies within a few steps; accuracy stays near 50 %.
RELU_LR_10 = TrainingConfig(dataset="circle", activation="relu", learning_rate=10.0)


def slopes_on_every_point(t: Trainer, layer: int) -> np.ndarray:
    """max over the training points of |f'(z)| per unit of a hidden layer, computed directly."""
    a = t.F_train
    for W, b, act in zip(t.net.weights[: layer + 1], t.net.biases, t.net.hidden_activations,
                         strict=False):
        z = a @ W + b
        a = act.f(z)
    return np.abs(act.df(z, a)).max(axis=0)


def kinds(findings) -> list[str]:
    return [f.kind for f in findings]


def test_relu_classifier_at_learning_rate_10_reports_dead_units():
    t = Trainer(RELU_LR_10)
    losses = t.run(2000)
    assert t.divergence is None  # it does not diverge: its units die instead
    assert t.evaluate().train_accuracy < 0.6
    units = stopped_units(t)
    assert units["dead"]
    for layer, neuron in units["dead"]:  # truly never active on any training point
        assert slopes_on_every_point(t, layer)[neuron] == 0
    findings = check_health(t, losses)
    assert kinds(findings) == ["dead_units", "cut_off_units", "stalled_loss"]
    dead = findings[0]
    assert set(dead.units) == set(units["dead"])
    assert "dead" in dead.message and "learning rate" in dead.advice
    assert "layer 2" in dead.message  # the page counts layers and neurons from 1


def test_cut_off_units_get_no_gradient_because_everything_after_them_stopped():
    t = Trainer(RELU_LR_10)
    t.run(2000)
    units = stopped_units(t)
    # every unit of the second hidden layer is dead, so nothing reaches the first one
    assert sorted(units["dead"]) == [(1, 0), (1, 1)]
    assert sorted(units["cut_off"]) == [(0, n) for n in range(4)]
    p = t.forward()
    t.backward()
    W0_grad = t.net.split(p.grad_flat)[0][0]
    assert not W0_grad.any()


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("bias", [20.0, 60.0])  # at 60 the slope rounds to exactly 0
def test_saturated_units_are_reported(activation, bias):
    t = Trainer(activation=activation)
    t.net.biases[0][[0, 2]] = [bias, -bias]  # far out on the flat tails for every input
    units = stopped_units(t)
    assert units == {"dead": [], "saturated": [(0, 0), (0, 2)], "cut_off": []}
    findings = check_health(t)
    assert kinds(findings) == ["saturated_units"]
    assert findings[0].units == ((0, 0), (0, 2))


def test_a_healthy_run_has_no_findings():
    t = Trainer()
    losses = t.run(600)
    assert check_health(t, losses) == []


def test_a_diverged_run_says_so_and_nothing_else():
    t = Trainer(dataset="plane", activation="relu", learning_rate=10.0)
    t.run(1000)
    findings = check_health(t, [1.0] * STALL_WINDOW)
    assert kinds(findings) == ["diverged"] and findings[0].message == t.divergence.message


def check_stall(losses, expected) -> None:
    assert stalled_loss(losses) == expected


FLAT = [0.7] * STALL_WINDOW
NOISY_FLAT = [0.7 + 0.05 * math.sin(i) for i in range(STALL_WINDOW)]
FALLING = [1.0 - 0.5 * i / STALL_WINDOW for i in range(STALL_WINDOW)]
LOW = [1.0] + [0.01] * STALL_WINDOW  # already down to 1 % of where it started: converged


@pytest.mark.parametrize(
    ("losses", "expected"),
    [
        (FLAT, (0.7, 0.7)),
        (FLAT[:-1], None),  # too short to judge
        (FALLING, None),
        (LOW, None),
        ([*FALLING, *FLAT], (0.7, 0.7)),  # only the last window counts
        ([*FLAT[:-1], math.nan], None),  # divergence has its own finding
    ],
)
def test_stalled_loss(losses, expected):
    check_stall(losses, expected)


def test_noisy_but_flat_losses_are_a_stall():
    first, last = stalled_loss(NOISY_FLAT)
    assert first == pytest.approx(0.7, abs=0.01) and last == pytest.approx(0.7, abs=0.01)


def test_a_suggested_learning_rate_is_backed_by_its_evidence():
    t = Trainer(RELU_LR_10)
    t.run(200)
    before = t.copy()
    result = suggest_learning_rate(t, steps=300)
    lr = result["learning_rate"]
    assert lr is not None and lr < 10.0 and result["from_start"]
    tried = {e["learning_rate"]: e for e in result["tried"]}
    assert 10.0 not in tried and tried[lr]["fell"] and not tried[lr]["diverged"]
    assert tried[lr]["loss_after"] == min(e["loss_after"] for e in tried.values()
                                          if e["fell"] and e["stopped_units"] == 0)
    # the evidence is real: the fix (this rate, reset) does it again
    fixed = Trainer(RELU_LR_10)
    assert result["loss_before"] == fixed.evaluate().train_loss
    fixed.configure(learning_rate=lr)
    fixed.run(300)
    assert fixed.evaluate().train_loss == tried[lr]["loss_after"] < 0.95 * result["loss_before"]
    assert stopped_units(fixed) == {"dead": [], "saturated": [], "cut_off": []}
    # and the run asked about is untouched
    assert t.run(20) == before.run(20)


def test_suggestion_from_the_current_state_and_when_nothing_works():
    t = Trainer()
    t.run(100)
    result = suggest_learning_rate(t, candidates=[0.1, 0.0], steps=100, from_start=False)
    assert result["learning_rate"] == 0.1 and not result["from_start"]
    assert [e["fell"] for e in result["tried"]] == [True, False]  # lr 0 changes nothing
    nothing = suggest_learning_rate(t, candidates=[0.0], steps=50)
    assert nothing["learning_rate"] is None


def test_a_diverged_run_can_only_be_retried_from_the_start():
    t = Trainer(dataset="plane", activation="relu", learning_rate=10.0)
    t.run(1000)
    with pytest.raises(ValueError, match=r"^from_start: "):
        suggest_learning_rate(t, from_start=False)
    assert suggest_learning_rate(t, candidates=[0.01], steps=100)["learning_rate"] == 0.01
