"""What each optimizer would do now: seven update rules applied to the same gradient.

For the gradient of a step after backward, every alternative gives its update vector and the
batch loss and training loss after applying it, each on a copy: nothing in the run changes.

Whose state? The running optimizer answers with its real state and hyperparameters (its entry is
``Trainer.pending_update()`` exactly). The others use torch's default hyperparameters with the
run's current learning rate, and their state (momentum buffers, moment estimates, sums of
squared gradients) comes from *shadow optimizers*: one per kind, fed every gradient the run
applies, so each has seen the same gradient history as the running one. Feeding them costs one
update per kind per step, so it starts only when asked (``track_alternatives``); the answer
says since which step (``history_from_step``). Without tracking, the others start from fresh
state, as if this were their first step (``"state": "fresh"``).

A shadow's state depends only on the gradients it is fed, never on the parameters or the
learning rate (all defaults have no weight decay, and AdamW's decay is decoupled from its
moments), so the shadows run at learning rate 0 on a scratch vector and the state they build is
what that optimizer would hold had it seen these gradients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.arrays import Array
from engine.losses import get_loss
from engine.network import MLP
from engine.optimizers import Optimizer, make_optimizer
from engine.regularization import get_regularizer
from engine.trace import PhaseError

if TYPE_CHECKING:
    from engine.config import TrainingConfig
    from engine.trainer import Trainer


@dataclass(frozen=True)
class Alternative:
    kind: str
    label: str
    optimizer: str  # a name in engine.optimizers.OPTIMIZERS
    hyper: dict[str, Any]  # besides torch's defaults (the learning rate is the run's)


ALTERNATIVES: dict[str, Alternative] = {
    a.kind: a
    for a in (
        Alternative("gd", "Plain gradient descent", "sgd", {}),
        Alternative("momentum", "Momentum", "sgd", {"momentum": 0.9}),
        Alternative("nesterov", "Nesterov momentum", "sgd", {"momentum": 0.9, "nesterov": True}),
        Alternative("rmsprop", "RMSprop", "rmsprop", {}),
        Alternative("adagrad", "Adagrad", "adagrad", {}),
        Alternative("adam", "Adam", "adam", {}),
        Alternative("adamw", "AdamW", "adamw", {}),
    )
}


def running_kind(config: TrainingConfig) -> str:
    """Which of the seven the run's optimizer is (with whatever hyperparameters it has)."""
    if config.optimizer != "sgd":
        return config.optimizer
    if config.hyper.get("nesterov"):
        return "nesterov"
    return "momentum" if config.hyper.get("momentum", 0) > 0 else "gd"


class ShadowOptimizers:
    """One optimizer per alternative that keeps state (plain GD keeps none), fed every gradient
    the run applies. ``since_step``: the run's step count when their history began."""

    def __init__(self, n_params: int, since_step: int) -> None:
        self._scratch = np.zeros(n_params)  # lr 0: never moves; the state is what matters
        self.optimizers: dict[str, Optimizer] = {
            a.kind: make_optimizer(a.optimizer, [self._scratch], lr=0.0, **a.hyper)
            for a in ALTERNATIVES.values()
            if a.kind != "gd"
        }
        self.since_step = since_step

    def feed(self, grad: Array) -> None:
        """grad: (P,) the gradient the run has just applied."""
        for opt in self.optimizers.values():
            opt.step([grad])

    def reset(self, since_step: int) -> None:
        for opt in self.optimizers.values():
            opt.reset()
        self.since_step = since_step

    def copy(self) -> ShadowOptimizers:
        twin = ShadowOptimizers(len(self._scratch), self.since_step)
        twin.optimizers = {k: opt.copy([twin._scratch]) for k, opt in self.optimizers.items()}
        return twin


def track_alternatives(trainer: Trainer) -> ShadowOptimizers:
    """Start feeding shadow optimizers every gradient the run applies from now on (kept across
    reset, which restarts their history with the run's). Costs one update per kind per step."""
    if trainer.shadows is None:
        trainer.shadows = ShadowOptimizers(trainer.net.n_params, trainer.step_count)
    return trainer.shadows


def compare_updates(trainer: Trainer) -> dict[str, Any]:
    """Every alternative's update for the gradient of the step in progress (after backward).

    Returns {"step", "learning_rate", "running" (a kind), "history_from_step" (None when not
    tracked: the others are fresh), "before": {"batch_loss", "train_loss", "penalty"},
    "entries": [{"kind", "label", "optimizer", "hyper", "state" ("running" | "shadow" |
    "fresh"), "update" (P,), "batch_loss", "train_loss", "penalty"}, ...]} in ALTERNATIVES
    order. Losses are data losses (mean over the batch / the training set); ``penalty`` is the
    regularization term beside them. PhaseError unless a step is after backward.
    """
    pending = trainer.pending
    if pending is None or pending.phase != "backward":
        raise PhaseError("compare_updates: needs a step after backward (the gradient to apply)")
    (_, grads, _), params = pending.gradients(), trainer.net.flat
    lr = trainer.config.learning_rate
    running = running_kind(trainer.config)
    shadows = trainer.shadows
    scratch = trainer.net.copy()
    evaluate = _evaluator(trainer, scratch, pending.inputs, pending.targets)
    entries = []
    with np.errstate(all="ignore"):  # a diverging alternative shows inf or nan, silently
        for alt in ALTERNATIVES.values():
            if alt.kind == running:
                opt, state = trainer.optimizer, "running"
            else:
                base = shadows.optimizers.get(alt.kind) if shadows is not None else None
                state = "fresh" if base is None else "shadow"
                if base is None:
                    opt = make_optimizer(alt.optimizer, [params.copy()], lr=lr, **alt.hyper)
                else:
                    opt = base.copy([params.copy()])
                    opt.set_hyper(lr=lr)
            (update,) = opt.peek([grads], params=[params])
            entries.append({
                "kind": alt.kind, "label": alt.label, "optimizer": alt.optimizer,
                "hyper": opt.hyper, "state": state, "update": update,
                **evaluate(params + update),  # exactly the parameters the update would give
            })
        before = evaluate(params)
    return {
        "step": pending.step,
        "learning_rate": lr,
        "running": running,
        "history_from_step": None if shadows is None else shadows.since_step,
        "before": before,
        "entries": entries,
    }


def _evaluator(trainer: Trainer, scratch: MLP, X_batch: Array, Y_batch: Array) -> Any:
    """flat (P,) -> {"batch_loss", "train_loss", "penalty"} evaluated on ``scratch``."""
    cfg = trainer.config
    loss = get_loss(cfg.chosen_loss)
    reg = get_regularizer(cfg.regularization)
    n_weights, n_train = scratch.n_weights, len(trainer.y_train)

    def evaluate(flat: Array) -> dict[str, float]:
        scratch.flat[...] = flat
        batch_out = scratch.forward_all(X_batch)[-1]
        # train and test in one pass, exactly as Trainer.evaluate computes them
        train_out = scratch.forward_all(trainer._F_eval)[-1][:n_train]
        return {
            "batch_loss": loss.value_and_grad(batch_out, Y_batch)[0],
            "train_loss": loss.value_and_grad(train_out, trainer.Y_train)[0],
            "penalty": cfg.regularization_rate * reg.value(flat[:n_weights]),
        }

    return evaluate
