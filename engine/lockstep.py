"""One training step of several same-shaped runs at once: a race's lanes, or a server's sessions.

A race's lanes share the data, the network's shape and the batch order; only their optimizers
and weights differ. A server's sessions of one network shape share nothing else: each lane then
brings its own batch, stacked with the others'. On networks this small each NumPy call costs
far more than its arithmetic, so the lanes' forward and backward passes run as one: the weights
stacked along a lane axis, one matmul per layer for every lane (``forward_layers`` and
``chain_rule`` of ``engine.network``, the very code a lone network runs). The rest is each
lane's own, unchanged: its batch draw, its loss, its penalty, its optimizer's update, its
counters, its divergence check and its trace. Each lane's numbers are those its own ``step()``
would give.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.losses import bce_stacked
from engine.network import chain_rule, forward_layers, layer_views, stack_networks
from engine.optimizers import step_rows
from engine.phases import BatchDraw, BatchPick
from engine.trace import StepTrace
from engine.trainer import Trainer


def can_step_together(lanes: Sequence[Trainer]) -> bool:
    """Live runs of one network shape and activations, none in the middle of a step."""
    if len(lanes) < 2:
        return False
    first = lanes[0].net
    return all(
        t.divergence is None and t.pending is None and t.net.shape_key == first.shape_key
        for t in lanes)


def step_together(lanes: Sequence[Trainer]) -> list[StepTrace]:
    """One step of every lane (``can_step_together`` must hold), their traces in order.

    The lanes need not share their data: each draws its own batch, and lanes with batches of
    one size run as one pass, their batches stacked along the lane axis (independent sessions
    of one network shape). The rows of the batches of lanes on the same data are taken at once;
    lanes on the same whole training set run on it as it is (a race's, or full-batch runs)."""
    with np.errstate(all="ignore"):  # overflow is each lane's divergence, not a warning
        picks = [t._next_batch() for t in lanes]
        by_pass: dict[tuple[int, bool], dict[tuple[Any, ...], list[int]]] = {}
        for i, (t, pick) in enumerate(zip(lanes, picks, strict=True)):
            whole = pick.batch is t._everything
            by_pass.setdefault((len(pick.batch), whole), {}).setdefault(t.data_key, []).append(i)
        traces: list[StepTrace] = [None] * len(lanes)  # type: ignore[list-item]
        for (_, whole), by_data in by_pass.items():
            members = [i for same in by_data.values() for i in same]  # each data's together
            draws, inputs, targets = _take_rows(lanes, picks, list(by_data.values()), whole)
            done = _pass([lanes[i] for i in members], draws, inputs, targets)
            for i, trace in zip(members, done, strict=True):
                traces[i] = trace
        return traces


def _take_rows(lanes: Sequence[Trainer], picks: Sequence[BatchPick], by_data: list[list[int]],
               whole: bool) -> tuple[list[BatchDraw], np.ndarray, np.ndarray | None]:
    """The draws of one pass's lanes (``by_data``: lane indices, those on the same data
    together), and their inputs and targets stacked: (lanes, B, ...), or the one whole training
    set (B, ...) that lanes on equal data share. Targets None: the draws' own, when needed."""
    members = [i for same in by_data for i in same]
    if whole:
        draws = [BatchDraw(picks[i].batch, lanes[i].F_train, lanes[i].Y_train, *picks[i][1:])
                 for i in members]
        first = lanes[members[0]]
        if len(by_data) == 1:  # equal data: the first lane's arrays are everyone's
            return draws, first.F_train, first.Y_train
        return draws, np.stack([lanes[i].F_train for i in members]), None
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for same in by_data:
        first = lanes[same[0]]
        rows = np.stack([picks[i].batch for i in same])  # one gather for all of them
        X, Y = first.F_train[rows], first.Y_train[rows]
        xs.extend(X)
        ys.extend(Y)
    draws = [BatchDraw(picks[i].batch, x, y, *picks[i][1:])
             for i, x, y in zip(members, xs, ys, strict=True)]
    if len(by_data) == 1:
        return draws, X, Y
    return draws, np.stack(xs), None


def _pass(lanes: Sequence[Trainer], draws: Sequence[BatchDraw], inputs: np.ndarray,
          targets: np.ndarray | None) -> list[StepTrace]:
    """The stacked forward and backward pass of lanes whose batches have one shape, then each
    lane's own loss, penalty and update. ``inputs``: the batches stacked (lanes, B, d), or one
    (B, d) for all (the whole training set); ``targets`` likewise, or None (then stacked from
    the draws when the loss needs them stacked)."""
    nets = [t.net for t in lanes]
    fs, dfs = nets[0].layer_functions
    n = len(lanes)
    # Every lane's flat vector as a row: the weights and biases are views into it, and the
    # gradients are written straight into rows that are each lane's flat gradient (one NumPy
    # call each, where a stack per layer and a concatenation per lane cost a dozen).
    params, weights, biases = stack_networks(nets)
    grad_rows = np.empty_like(params)
    grads = [g for pair in zip(*layer_views(grad_rows, nets[0]), strict=True) for g in pair]
    zs, acts = forward_layers(inputs, weights, biases, fs)
    computed: list[tuple[float, np.ndarray] | None] = [None] * n
    delta: np.ndarray | None = None  # every lane's output dL/dz, stacked
    if all(t.config.chosen_loss == "bce" for t in lanes):  # the usual one: all lanes at once
        if targets is None:
            targets = np.stack([d.targets for d in draws])
        values, delta = bce_stacked(acts[-1], targets)
        computed = [(float(v), d) for v, d in zip(values, delta, strict=True)]
    pending = []
    for i, (t, draw) in enumerate(zip(lanes, draws, strict=True)):
        t.net.inputs, t.net.zs, t.net.activations = draw.inputs, [z[i] for z in zs], \
            [a[i] for a in acts]
        pending.append(t._after_forward(draw, computed[i]))
    if delta is None:
        delta = np.stack([p.output_delta for p in pending])
    deltas = chain_rule(inputs, zs, acts, delta, weights, dfs, grads)
    for i, (t, p) in enumerate(zip(lanes, pending, strict=True)):
        grad_flat = grad_rows[i]
        cfg = t.config
        penalty = t.net.add_penalty(grad_flat, cfg.regularization, cfg.regularization_rate)
        p.deltas, p.grad_flat, p.penalty = [d[i] for d in deltas], grad_flat, penalty
        t.net.deltas, t.net.grad_flat, t.net.penalty = p.deltas, grad_flat, penalty
        p.phase = "backward"
    # plain SGD at one learning rate (a classroom's default): every lane's update in one call
    updates = step_rows([t.optimizer for t in lanes], params, grad_rows)
    if updates is None:
        return [t._update(p) for t, p in zip(lanes, pending, strict=True)]
    return [t._update(p, update) for t, p, update in zip(lanes, pending, updates, strict=True)]
