"""What one training step did, kept by reference so recording it costs almost nothing.

Per-layer views and summaries (gradient norm, update-to-weight ratio) are computed when asked:
the server asks once per frame, not once per step. A trace is meant to be read right after its
step (``weights`` are the live parameters, so ratios use the weights after the update).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.arrays import Array, IntArray


@dataclass(slots=True)
class StepTrace:
    step: int  # updates done, this one included
    epoch: int  # full passes over the training set completed
    loss: float  # batch data loss before the update
    penalty: float  # regularization term (rate * penalty), reported beside the loss
    batch: IntArray  # indices into the training set, (B,)
    inputs: Array  # batch features, (B, d_in)
    zs: list[Array]  # pre-activations per layer, (B, width)
    activations: list[Array]  # activations per layer, (B, width)
    deltas: list[Array]  # dL/dz per layer, (B, width)
    grad_flat: Array  # every gradient, the network's flat layout
    update_flat: Array  # the update the optimizer applied, same layout
    params: Array  # the live flat parameters (after the update), same layout
    weights: list[Array]  # live weight views, (fan_in, fan_out)
    biases: list[Array]
    n_weights: int
    split: Callable[[Array], tuple[list[Array], list[Array]]]  # the network's flat layout
    # layer_summaries(), when computed with other runs' (summarise_together)
    summaries: tuple[list[float], list[float]] | None = None

    @property
    def grad_weights(self) -> list[Array]:
        return self.split(self.grad_flat)[0]

    @property
    def grad_biases(self) -> list[Array]:
        return self.split(self.grad_flat)[1]

    @property
    def update_weights(self) -> list[Array]:
        return self.split(self.update_flat)[0]

    @property
    def update_biases(self) -> list[Array]:
        return self.split(self.update_flat)[1]

    def grad_norms(self) -> list[float]:
        """||dL/dW_l|| (Frobenius) per layer: vanishing and exploding gradients show here."""
        return self.layer_summaries()[0]

    def update_ratios(self) -> list[float]:
        """||update W_l|| / ||W_l|| per layer (a healthy rate is around 1e-3)."""
        return self.layer_summaries()[1]

    def layer_summaries(self) -> tuple[list[float], list[float]]:
        """``grad_norms()`` and ``update_ratios()`` at once: one reduction per flat vector for
        every layer's norm (a frame reads both; with hundreds of sessions, 4,000 a second)."""
        if self.summaries is not None:
            return self.summaries
        starts, end = _weight_starts(tuple(W.size for W in self.weights))
        g, u, w = (np.sqrt(np.add.reduceat(head * head, starts)).tolist()
                   for head in (self.grad_flat[:end], self.update_flat[:end], self.params[:end]))
        return g, _ratios(u, w)


def summarise_together(traces: Sequence[StepTrace]) -> None:
    """Every trace's ``layer_summaries()`` at once, kept in it (traces of one network shape,
    e.g. sessions stepped in lockstep): the same numbers, a few NumPy calls for all of them."""
    starts, end = _weight_starts(tuple(W.size for W in traces[0].weights))
    g, u, w = (np.sqrt(np.add.reduceat(rows * rows, starts, axis=1)).tolist()
               for rows in (np.stack([t.grad_flat[:end] for t in traces]),
                            np.stack([t.update_flat[:end] for t in traces]),
                            np.stack([t.params[:end] for t in traces])))
    for t, gt, ut, wt in zip(traces, g, u, w, strict=True):
        t.summaries = gt, _ratios(ut, wt)


def _ratios(update_norms: list[float], weight_norms: list[float]) -> list[float]:
    return [un / wn if wn > 0 else math.inf if un else 0.0
            for un, wn in zip(update_norms, weight_norms, strict=True)]


@functools.lru_cache(maxsize=256)
def _weight_starts(sizes: tuple[int, ...]) -> tuple[list[int], int]:
    """Where each weight matrix starts in the flat layout (the matrices come first, in order),
    and where they end."""
    return [0, *itertools.accumulate(sizes[:-1])], sum(sizes)


@dataclass(frozen=True)
class Divergence:
    """Training stopped because a number stopped being a number."""

    step: int
    what: str  # "loss" or "parameters"
    value: str  # "NaN" or "Inf"
    message: str  # plain words for the learner: what, why, what to try


class PhaseError(RuntimeError):
    """A call that does not fit the phase the current step is in (e.g. update before backward)."""


@dataclass(slots=True)
class PendingStep:
    """A step taken apart: what forward() and backward() have computed so far. Nothing in the
    parameters or the optimizer changes until update(); the batch draw is the only thing done,
    and it can be undone (``Trainer.drop_step``), which is what the ``*_before`` fields keep."""

    phase: str  # the last phase done: "forward" or "backward"
    step: int  # the number this step gets once applied (step_count + 1)
    batch: IntArray  # indices into the training set, (B,)
    inputs: Array  # batch features, (B, d_in)
    targets: Array  # what the loss compares with: (B, d_out), or (B,) class ids
    loss: float  # batch data loss at the current weights
    zs: list[Array]  # pre-activations per layer, (B, width)
    activations: list[Array]  # activations per layer, (B, width); the last one is the output
    output_delta: Array  # dL/dz of the last layer, (B, d_out): where backprop starts
    pass_complete: bool  # this batch ends a pass over the training set
    cursor_before: int  # the batch position before the draw, to undo it
    order_before: IntArray | None  # the order before the draw reshuffled it (None: no shuffle)
    rng_before: Mapping[str, Any] | None  # the shuffle generator's state before that reshuffle
    # set by backward():
    deltas: list[Array] | None = None  # dL/dz per layer, (B, width)
    grad_flat: Array | None = None  # dL/dparams incl. the penalty's gradient, (P,)
    penalty: float | None = None  # rate * penalty at the current weights

    @property
    def outputs(self) -> Array:
        """The raw last-layer outputs, (B, d_out)."""
        return self.activations[-1]

    def gradients(self) -> tuple[list[Array], Array, float]:
        """(deltas, grad_flat, penalty) as backward() set them; PhaseError before it ran."""
        deltas, grad_flat, penalty = self.deltas, self.grad_flat, self.penalty
        if deltas is None or grad_flat is None or penalty is None:
            raise PhaseError(f"step {self.step}: no gradients before backward()")
        return deltas, grad_flat, penalty
