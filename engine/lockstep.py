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

import numpy as np

from engine.losses import bce_stacked
from engine.network import chain_rule, forward_layers, layer_views
from engine.phases import BatchDraw
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

    The lanes need not share their data: each draws its own batch. Lanes whose batches are the
    very same array (a race's) run on it as it is; otherwise batches of one shape are stacked
    along the lane axis (independent sessions of one network shape), one pass per shape."""
    with np.errstate(all="ignore"):  # overflow is each lane's divergence, not a warning
        draws = [t._draw() for t in lanes]
        by_shape: dict[tuple[int, ...], list[int]] = {}
        for i, draw in enumerate(draws):
            by_shape.setdefault(draw.inputs.shape, []).append(i)
        traces: list[StepTrace] = [None] * len(lanes)  # type: ignore[list-item]
        for members in by_shape.values():
            done = _pass([lanes[i] for i in members], [draws[i] for i in members])
            for i, trace in zip(members, done, strict=True):
                traces[i] = trace
        return traces


def _pass(lanes: Sequence[Trainer], draws: Sequence[BatchDraw]) -> list[StepTrace]:
    """The stacked forward and backward pass of lanes whose batches have one shape, then each
    lane's own loss, penalty and update."""
    nets = [t.net for t in lanes]
    fs, dfs = nets[0].layer_functions
    n = len(lanes)
    # Every lane's flat vector as a row: the weights and biases are views into it, and the
    # gradients are written straight into rows that are each lane's flat gradient (one NumPy
    # call each, where a stack per layer and a concatenation per lane cost a dozen).
    params = np.stack([net.flat for net in nets])
    grad_rows = np.empty_like(params)
    weights, bias_rows = layer_views(params, nets[0])
    biases = [b[:, None, :] for b in bias_rows]
    grads = [g for pair in zip(*layer_views(grad_rows, nets[0]), strict=True) for g in pair]
    shared = all(d.inputs is draws[0].inputs for d in draws)
    inputs = draws[0].inputs if shared else np.stack([d.inputs for d in draws])
    zs, acts = forward_layers(inputs, weights, biases, fs)
    computed: list[tuple[float, np.ndarray] | None] = [None] * n
    if all(t.config.chosen_loss == "bce" for t in lanes):  # the usual one: all lanes at once
        values, stacked_delta = bce_stacked(acts[-1], np.stack([d.targets for d in draws]))
        computed = [(float(v), d) for v, d in zip(values, stacked_delta, strict=True)]
    pending = []
    for i, (t, draw) in enumerate(zip(lanes, draws, strict=True)):
        t.net.inputs, t.net.zs, t.net.activations = draw.inputs, [z[i] for z in zs], \
            [a[i] for a in acts]
        pending.append(t._after_forward(draw, computed[i]))
    delta = np.stack([p.output_delta for p in pending])
    deltas = chain_rule(inputs, zs, acts, delta, weights, dfs, grads)
    traces = []
    for i, (t, p) in enumerate(zip(lanes, pending, strict=True)):
        grad_flat = grad_rows[i]
        cfg = t.config
        penalty = t.net.add_penalty(grad_flat, cfg.regularization, cfg.regularization_rate)
        p.deltas, p.grad_flat, p.penalty = [d[i] for d in deltas], grad_flat, penalty
        t.net.deltas, t.net.grad_flat, t.net.penalty = p.deltas, grad_flat, penalty
        p.phase = "backward"
        traces.append(t._update(p))
    return traces
