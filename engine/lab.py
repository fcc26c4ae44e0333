"""Gradient descent on a loss surface, with the engine's own optimizers.

    from engine.lab import run_trajectory, trajectory
    path = trajectory("rosenbrock", "adam", (-1.5, 2.0), steps=1000, lr=0.05)   # (1001, 2)
    run = run_trajectory("linear_regression", "sgd", (-1, 1.5), 200, 0.1, batch_size=8)
    run.losses, run.examples_seen                                                # (201,) each

Each step computes the gradient at the current point and applies the update rule of the very
optimizer classes the playground's trainer uses (``engine.optimizers``), so a lab path is what
torch.optim would take. On a data surface, ``batch_size`` picks batch (None: all examples),
mini-batch or stochastic (1) descent; the batch order is seeded and reshuffled every pass, the
last batch of a pass taking what is left (as the trainer does).

A path that leaves float range (a point or its loss becomes inf or NaN) stops there: the rows
from that step on are NaN and ``diverged_at`` says which; no NumPy warning is raised.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.arrays import Array, IntArray
from engine.optimizers import Optimizer, make_optimizer
from engine.surface import Surface, check_point
from engine.surfaces import SURFACES

MAX_STEPS = 100_000


@dataclass(frozen=True, eq=False)
class Trajectory:
    """One optimizer's run on a surface. t = 0 is the start; rows past divergence are NaN.

    path: (steps + 1, 2) points. losses: (steps + 1,) the surface's full loss at each point
    (for data surfaces the loss over all examples, whatever the batch). grads: (steps, 2) the
    (batch) gradient the optimizer was given at path[t]. examples_seen: (steps + 1,) examples
    whose gradients were computed before reaching path[t] (the cost axis); None on surfaces
    without data. state: with ``record_state``, each optimizer state vector by torch's name
    (momentum_buffer, exp_avg, exp_avg_sq, square_avg, sum, ...) as (steps + 1, 2): row t is
    the buffer as it stands at path[t] (NaN before the optimizer creates it); else empty.
    diverged_at: the first t whose point or loss is not finite, or None.
    """

    path: Array
    losses: Array
    grads: Array
    examples_seen: IntArray | None
    state: Mapping[str, Array]
    diverged_at: int | None


def run_trajectory(
    surface: Surface | str,
    optimizer: str,
    start: tuple[float, float],
    steps: int,
    lr: float,
    hyper: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    record_state: bool = False,
) -> Trajectory:
    """``steps`` updates of ``optimizer`` (an engine.optimizers name; ``hyper`` its other
    hyperparameters, torch names, lr excluded) from ``start``. ValueError names the field."""
    surface = _lookup(surface)
    x, y = check_point("start", start)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) \
            or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps: must be an integer from 0 to {MAX_STEPS}; got {steps!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: must be a non-negative integer; got {seed!r}")
    hyper = dict(hyper or {})
    if "lr" in hyper:
        raise ValueError("hyper: 'lr' is set by lr, not in hyper")
    next_batch = _batches(surface, batch_size, seed)
    p = np.array([x, y])
    opt = make_optimizer(optimizer, [p], lr=lr, **hyper)
    with np.errstate(all="ignore"):  # divergence is reported in diverged_at, not warned about
        points, grad_rows, seen, states = _descend(surface, opt, p, steps, next_batch,
                                                   record_state)
        path = np.full((steps + 1, 2), np.nan)
        path[: len(points)] = points
        losses = surface.value(path)
    grads = np.full((steps, 2), np.nan)
    if grad_rows:
        grads[: len(grad_rows)] = grad_rows
    bad = ~(np.isfinite(losses) & np.isfinite(path).all(axis=1))
    diverged_at = int(bad.argmax()) if bad.any() else None
    if diverged_at is not None:
        path[diverged_at:] = losses[diverged_at:] = np.nan
        grads[diverged_at:] = np.nan
        for rows in states.values():
            rows[diverged_at:] = np.nan
    examples_seen = None
    if surface.data is not None:
        examples_seen = np.zeros(steps + 1, dtype=np.int64)
        examples_seen[: len(seen)] = seen
        examples_seen[len(seen):] = seen[-1]
    return Trajectory(path, losses, grads, examples_seen, states, diverged_at)


def trajectory(
    surface: Surface | str,
    optimizer: str,
    start: tuple[float, float],
    steps: int,
    lr: float,
    hyper: Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    seed: int = 0,
) -> Array:
    """The (steps + 1, 2) path of ``run_trajectory`` (NaN rows after a divergence)."""
    return run_trajectory(surface, optimizer, start, steps, lr, hyper, batch_size, seed).path


def _descend(
    surface: Surface,
    opt: Optimizer,
    p: Array,
    steps: int,
    next_batch: Callable[[], IntArray | None],
    record_state: bool,
) -> tuple[list[tuple[float, float]], list[tuple[float, float]], list[int], dict[str, Array]]:
    """Up to ``steps`` updates from p, stopping after the first non-finite point.

    The optimizer's own update rule steps each coordinate as a Python float (the rules are
    element-wise and give a float the bits of an array element): several times cheaper than
    ``opt.step`` on a two-element array. Returns the points visited (start included), the
    gradient given at each, the running count of examples seen (data surfaces) and the
    recorded optimizer state."""
    x, y = p.tolist()
    points, seen = [(x, y)], [0]
    grad_rows: list[tuple[float, float]] = []
    states: dict[str, Array] = {}
    rule = opt.update_rule()
    state_x: dict[str, Any] = {}
    state_y: dict[str, Any] = {}
    df, data = surface.df, surface.data
    for t in range(1, steps + 1):
        if data is None:  # the gradient on Python floats: same bits as surface.grad, cheaper
            gx, gy = df(x, y)
        else:
            batch = next_batch()
            _, grad = data.loss_and_grad(np.array([x, y]), batch)
            gx, gy = grad.tolist()
            seen.append(seen[-1] + (data.n if batch is None else len(batch)))
        grad_rows.append((gx, gy))
        x += rule(x, gx, state_x)
        y += rule(y, gy, state_y)
        points.append((x, y))
        if record_state:
            _record(states, state_x, state_y, t, steps)
        if not (math.isfinite(x) and math.isfinite(y)):
            break
    return points, grad_rows, seen, states


def _lookup(surface: Surface | str) -> Surface:
    if isinstance(surface, Surface):
        return surface
    found = SURFACES.get(surface) if isinstance(surface, str) else None
    if found is None:
        raise ValueError(f"surface: unknown {surface!r}; allowed: {', '.join(SURFACES)}")
    return found


def _batches(surface: Surface, batch_size: int | None, seed: int
             ) -> Callable[[], IntArray | None]:
    """A function returning the next batch of example indices (None: all of them)."""
    data = surface.data
    if data is None:
        if batch_size is not None:
            raise ValueError(f"batch_size: {surface.name} has no examples to batch; use None")
        return lambda: None
    n = data.n
    if batch_size is not None and (isinstance(batch_size, bool)
                                   or not isinstance(batch_size, int | np.integer)
                                   or not 1 <= batch_size <= n):
        raise ValueError(f"batch_size: must be None (all) or an integer from 1 to {n}; "
                         f"got {batch_size!r}")
    if batch_size is None or batch_size == n:
        return lambda: None
    B = int(batch_size)
    rng = np.random.default_rng(seed)
    order = np.arange(n)
    cursor = n

    def next_batch() -> IntArray:
        nonlocal cursor
        if cursor >= n:  # a new pass over the examples, in a new order
            rng.shuffle(order)
            cursor = 0
        batch = order[cursor : cursor + B].copy()
        cursor += B
        return batch

    return next_batch


def _record(states: dict[str, Array], state_x: Mapping[str, Any], state_y: Mapping[str, Any],
            t: int, steps: int) -> None:
    """Copy every buffer in the optimizer's state (one per coordinate) into row t of its
    (steps + 1, 2) record; counters are not recorded."""
    for name, value in state_x.items():
        if isinstance(value, float):
            rows = states.get(name)
            if rows is None:
                rows = states[name] = np.full((steps + 1, 2), np.nan)
            rows[t] = value, state_y[name]
