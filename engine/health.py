"""Learning health: units that stopped learning, a loss that stopped falling, and a learning
rate that has been seen to work.

A hidden unit stops learning when no gradient passes through it on any training point:

- a *dead* ReLU is inactive (z <= 0) on every training point: its slope is 0 everywhere, so its
  incoming weights never get a gradient and it never comes back (a large learning rate is the
  usual cause: one big step pushes its bias far below zero);
- a *saturated* tanh or sigmoid sits on a flat tail (slope below ``SATURATED_SLOPE``) on every
  point: it passes back less than a thousandth of its gradient and learns almost nothing;
- a *cut-off* unit has a healthy slope but gets exactly zero gradient on every point, because
  every path from it to the output runs through units that stopped.

Findings are plain words with what to try; ``suggest_learning_rate`` backs its proposal with
evidence: it trains copies of the run with a few learning rates and reports how the loss went.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from engine.trainer import Trainer


SATURATED_SLOPE = 1e-3  # f'(z) below this on every point: saturated (tanh's peak is 1)
# Activations with a truly flat region, where a unit dies; the others flatten only towards
# their tails (their slope may still round to 0 there: that is saturation, not death).
FLAT_REGION = frozenset({"relu"})
STALL_WINDOW = 500  # losses looked at for a stall
STALL_MIN_DROP = 0.01  # a fall of less than 1 % over the window is no fall
STALL_FLOOR = 0.2  # ... unless the loss is already below 20 % of where the history began
LR_LADDER = (3.0, 1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)  # TF Playground's choices
SUGGEST_STEPS = 300
SUGGEST_MIN_DROP = 0.05  # a learning rate "works" if the training loss fell by 5 % or more


@dataclass(frozen=True)
class Finding:
    kind: str  # "dead_units" | "saturated_units" | "cut_off_units" | "stalled_loss" | "diverged"
    message: str  # what is wrong, in plain words
    advice: str  # what to try
    units: tuple[tuple[int, int], ...] = ()  # (layer, neuron), the network's layer index


def stopped_units(trainer: Trainer) -> dict[str, list[tuple[int, int]]]:
    """Hidden units that stopped learning, by kind: {"dead", "saturated", "cut_off"}, each a
    list of (layer, neuron). Looks at every training point at the current weights."""
    net = trainer.net.copy()  # the run's caches stay as they are
    cfg = trainer.config
    found: dict[str, list[tuple[int, int]]] = {"dead": [], "saturated": [], "cut_off": []}
    with np.errstate(all="ignore"):
        net.forward(trainer.F_train)
        net.backward(trainer.Y_train, cfg.chosen_loss)  # per-example deltas, (n, width) per layer
        for layer, act in enumerate(net.hidden_activations):
            slope = np.abs(act.df(net.zs[layer], net.activations[layer])).max(axis=0)
            silent = ~np.any(net.deltas[layer] != 0, axis=0)  # exactly 0 on every point
            for neuron in range(slope.shape[0]):
                if slope[neuron] == 0 and act.name in FLAT_REGION:
                    found["dead"].append((layer, neuron))
                elif slope[neuron] < SATURATED_SLOPE:
                    found["saturated"].append((layer, neuron))
                elif silent[neuron]:
                    found["cut_off"].append((layer, neuron))
    return found


def stalled_loss(losses: Sequence[float], window: int = STALL_WINDOW) -> tuple[float, float] | None:
    """(mean of the first, mean of the last quarter of the window) when the last ``window``
    losses did not fall meaningfully; None when they did, the loss is already low, or the
    history is shorter than the window."""
    if len(losses) < window or window < 4:
        return None
    recent = np.asarray(losses[-window:], dtype=np.float64)
    quarter = window // 4
    first, last = float(recent[:quarter].mean()), float(recent[-quarter:].mean())
    if not (math.isfinite(first) and math.isfinite(last)):
        return None  # divergence has its own finding
    if last < (1 - STALL_MIN_DROP) * first or last < STALL_FLOOR * float(losses[0]):
        return None
    return first, last


def check_health(trainer: Trainer, losses: Sequence[float] = ()) -> list[Finding]:
    """Plain-words findings about the run now; ``losses``: its loss history, oldest first (batch
    or training losses, one per step or per frame), for the stall check."""
    findings = []
    if trainer.divergence is not None:
        findings.append(Finding("diverged", trainer.divergence.message,
                                "Lower the learning rate and reset."))
        return findings  # with NaN weights nothing else can be judged
    lr = trainer.config.learning_rate
    units = stopped_units(trainer)
    n_hidden = sum(trainer.net.sizes[1:-1])
    if units["dead"]:
        findings.append(Finding(
            "dead_units",
            f"{_count(units['dead'], n_hidden)} dead: inactive (z <= 0) on every training "
            f"point, {_where(units['dead'])}. A dead ReLU passes back no gradient, so its "
            "weights never change and it cannot recover.",
            f"Reset with a smaller learning rate (now {lr:g}); large steps push ReLUs into the "
            "dead zone. Leaky ReLU or tanh cannot die this way.",
            tuple(units["dead"]),
        ))
    if units["saturated"]:
        findings.append(Finding(
            "saturated_units",
            f"{_count(units['saturated'], n_hidden)} saturated: on a flat tail of the "
            f"activation on every training point, {_where(units['saturated'])}. They pass back "
            "less than a thousandth of their gradient and learn almost nothing.",
            f"Reset with a smaller learning rate (now {lr:g}) or smaller initial weights; "
            "regularization keeps weights from growing large.",
            tuple(units["saturated"]),
        ))
    if units["cut_off"]:
        findings.append(Finding(
            "cut_off_units",
            f"{_count(units['cut_off'], n_hidden)} cut off: no gradient reaches them, "
            f"{_where(units['cut_off'])}: every path from them to the output runs through "
            "units that stopped learning.",
            "They recover only if the units after them do: reset with a smaller learning rate.",
            tuple(units["cut_off"]),
        ))
    stall = stalled_loss(losses)
    if stall is not None:
        first, last = stall
        stopped = any(units.values())
        findings.append(Finding(
            "stalled_loss",
            f"The loss has not fallen over the last {STALL_WINDOW} values "
            f"({first:.4g} -> {last:.4g}, averaged).",
            "The units that stopped learning are the likely cause; reset with a smaller "
            "learning rate." if stopped else
            "If the loss curve is smooth and flat, try a larger learning rate; if it jumps "
            "around, a smaller one or a larger batch. More units or features may be needed.",
        ))
    return findings


def suggest_learning_rate(
    trainer: Trainer,
    candidates: Sequence[float] | None = None,
    steps: int = SUGGEST_STEPS,
    from_start: bool = True,
) -> dict[str, Any]:
    """Train copies of the run for ``steps`` steps with each candidate learning rate (default:
    the ladder 3 .. 0.001 without the current rate) and propose the one that ended with the
    lowest training loss among those with which it fell by at least 5 %, without diverging
    and without more units stopping. The run itself is not touched.

    ``from_start``: copies start from step 0 (the fix is "set this rate and reset"); False:
    from the current state (not possible once diverged). Returns {"learning_rate" (None if
    none worked), "from_start", "steps", "loss_before", "tried": [{"learning_rate",
    "loss_after", "fell", "diverged", "stopped_units"}, ...]}.
    """
    if not from_start and trainer.divergence is not None:
        raise ValueError("from_start: a diverged run can only be retried from the start")
    current = trainer.config.learning_rate
    if candidates is None:
        candidates = [lr for lr in LR_LADDER if lr != current]
    start = trainer.copy()
    start.shadows = None  # trials need no shadow optimizers
    if from_start:
        start.reset()
    start.drop_step()
    loss_before = start.evaluate().train_loss
    stopped_before = sum(len(v) for v in stopped_units(start).values())
    tried = []
    for lr in candidates:
        trial = start.copy()
        trial.configure(learning_rate=lr)  # ValueError for a rate out of range
        trial.run(steps)
        diverged = trial.divergence is not None
        loss_after = math.nan if diverged else trial.evaluate().train_loss
        stopped = 0 if diverged else sum(len(v) for v in stopped_units(trial).values())
        tried.append({
            "learning_rate": float(lr),
            "loss_after": loss_after,
            "fell": bool(loss_after <= (1 - SUGGEST_MIN_DROP) * loss_before),
            "diverged": diverged,
            "stopped_units": stopped,
        })
    good = [t for t in tried if t["fell"] and t["stopped_units"] <= stopped_before]
    best = min(good, key=lambda t: t["loss_after"], default=None)
    return {
        "learning_rate": None if best is None else best["learning_rate"],
        "from_start": from_start,
        "steps": steps,
        "loss_before": loss_before,
        "tried": tried,
    }


def _count(units: list[tuple[int, int]], n_hidden: int) -> str:
    """"1 of 6 hidden units is" / "4 of 6 hidden units are"."""
    return f"{len(units)} of {n_hidden} hidden units {'is' if len(units) == 1 else 'are'}"


def _where(units: list[tuple[int, int]]) -> str:
    by_layer: dict[int, list[int]] = {}
    for layer, neuron in units:
        by_layer.setdefault(layer, []).append(neuron)
    parts = [f"layer {layer + 1}: neuron{'s' if len(ns) > 1 else ''} "
             f"{', '.join(str(n + 1) for n in ns)}" for layer, ns in by_layer.items()]
    return "; ".join(parts) + " (counting from 1)"
