"""Builds what a client sees from a trainer: the ``ready`` message and binary frames.

A frame must cost well under half a millisecond (a hundred sessions at twenty frames a second
share one process), so: one grid forward pass gives the output and, subsampled, every neuron's
map; flat parameter vectors go out as they are; grids are quantised to one byte per cell.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from app.protocol.binary import encode_frame, quantize
from app.protocol.codes import PROTOCOL_VERSION
from engine.config import TrainingConfig
from engine.evaluate_together import metrics_together
from engine.features import FEATURES
from engine.grid import DOMAIN, evaluate_grid, evaluate_grids, grid_features
from engine.losses import get_loss
from engine.trainer import Metrics, Trainer

Array = np.ndarray
NamedArray = tuple[str, Array, dict[str, Any]]  # a frame array: name, data, extra header fields
Expensive = tuple[Metrics, list[NamedArray], int]  # metrics, grids, the step they are from
EXPENSIVE_EVERY_FRAMES = 3  # full-data metrics and grids while training: every third frame
# ... and more rarely when many sessions share the process: every ceil(n / 16)-th frame, so all
# sessions together recompute about 16 sessions' worth a frame interval (200 sessions: every
# 13th). A default network's take about 0.35 ms together, a frame's other work about as much
# (docs/performance.md)
SESSIONS_PER_RECOMPUTATION = 16
# Heatmaps computed together: this many runs a pass. A default network's activations over the
# grid are 37 KB a run: more runs a pass no longer fit a core's cache, and 32 of them cost
# about what each run's own pass does (docs/performance.md)
GRID_LANES = 8


def expensive_every(sharing: int) -> int:
    """Recompute the full-data parts every this many frames, ``sharing`` sessions training."""
    return max(EXPENSIVE_EVERY_FRAMES, -(-sharing // SESSIONS_PER_RECOMPUTATION))

class FrameBuilder:
    def __init__(self, grid_size: int, neuron_grid_size: int) -> None:
        # Neuron maps are every k-th cell of the output grid, starting mid-block, so they
        # sample exactly the centres of a neuron_grid_size grid when the sizes divide.
        self.stride = max(1, grid_size // neuron_grid_size)
        self.grid_size = grid_size
        self.neuron_grid_size = len(range(self.stride // 2, grid_size, self.stride))
        self._cache: tuple[tuple[Any, ...], Expensive] | None = None
        self._reused = 0  # frames since the costly parts were computed
        self.cost_s = 0.0  # what computing them took last time (this run's part, if together)

    def _expensive(self, t: Trainer, fresh: bool, sharing: int) -> Expensive:
        """The full-data metrics and the grids (evaluated and quantised), the costly part of a
        frame. While training they are recomputed every ``expensive_every(sharing)``-th frame and
        reused in between (the cheap parts, losses and parameters, go in every frame); ``fresh``
        (a paused run's frame answers a command: it must be exact): whenever anything changed."""
        key = (id(t), t.step_count, t.net.flat.tobytes() if fresh else None)
        cached = self._cache
        if cached is not None and cached[0][0] == id(t):
            same = cached[0] == key or (not fresh and cached[0][1] == t.step_count)
            self._reused += 1
            if same or (not fresh and self._reused < expensive_every(sharing)):
                return cached[1]
        # float32 is plenty for one byte per cell, and the grid pass is a large part of a frame
        started = time.perf_counter()
        acts = evaluate_grid(t.net, t.config.features, self.grid_size, dtype=np.float32)
        value = self.install(t, t.evaluate(), grids_from(t.config, acts, self.stride))
        self._reused = 0  # this frame computed them
        self.cost_s = time.perf_counter() - started
        return value

    def staleness(self, t: Trainer, sharing: int) -> float:
        """How far the costly parts are through their reuse while training: 0 just computed;
        1 (or more) the next frame computes them again; inf never computed for this run."""
        cached = self._cache
        if cached is None or cached[0][0] != id(t):
            return math.inf
        return (self._reused + 1) / expensive_every(sharing)

    def install(self, t: Trainer, metrics: Metrics, grids: list[NamedArray]) -> Expensive:
        """The costly parts of ``t``'s current state, computed here or with other sessions'
        (``refresh_together``), as if by the next frame: it and the frames after it reuse them
        as any they computed themselves."""
        value = (metrics, grids, t.step_count)
        self._cache = ((id(t), t.step_count, t.net.flat.tobytes()), value)
        self._reused = -1  # the next frame counts as the one that computed them
        return value

    def build(self, t: Trainer, state: str, speed: float | str, loss_steps: Array,
              losses: Array, run: int = 0, ack: str | int | None = None,
              extra: Callable[[dict[str, Any], list[Any]], None] | None = None,
              sharing: int = 1) -> bytes:
        """``ack``: the id of the command whose result this frame is (echoed in the header).
        ``extra(header, arrays)`` adds fields and arrays (a race's lanes) before encoding.
        ``sharing``: how many sessions are training in this process (the costly parts' budget)."""
        with np.errstate(all="ignore"):  # a diverged run is full of Inf and NaN: show, not warn
            return self._build(t, state, speed, loss_steps, losses, run, ack, extra, sharing)

    def _build(self, t: Trainer, state: str, speed: float | str, loss_steps: Array,
               losses: Array, run: int, ack: str | int | None,
               extra: Callable[[dict[str, Any], list[Any]], None] | None, sharing: int) -> bytes:
        net, trace = t.net, t.last_trace
        metrics, grids, measured_at = self._expensive(t, state != "running", sharing)
        header: dict[str, Any] = {
            "run": run,
            "step": t.step_count,
            "epoch": t.epoch,
            "batch_loss": _num(trace.loss) if trace else None,
            "train_loss": _num(metrics.train_loss),
            "test_loss": _num(metrics.test_loss),
            "train_accuracy": metrics.train_accuracy,
            "test_accuracy": metrics.test_accuracy,
            "penalty": _num(metrics.penalty),
            "state": state,
            "speed": speed,
            "sizes": net.sizes,
            "metrics_step": measured_at,  # the step the full-data losses and grids are from
        }
        if ack is not None:
            header["ack"] = ack
        zeros = _zeros(net.n_params)
        pending = t.pending  # a step taken apart: what its phase has computed, nothing applied
        header["phase"] = pending.phase if pending is not None else "update"
        if pending is not None:
            header["batch_loss"] = _num(pending.loss)
            grads = pending.grad_flat if pending.grad_flat is not None else zeros
            arrays: list[tuple[str, Array, dict[str, Any]]] = [
                ("params", net.flat, {}), ("grads", grads, {}), ("updates", zeros, {})]
            if pending.phase == "backward":
                arrays.append(("pending", t.pending_update(), {}))
        else:
            arrays = [
                ("params", net.flat, {}),
                ("grads", trace.grad_flat if trace else zeros, {}),
                ("updates", trace.update_flat if trace else zeros, {}),
            ]
        for name, value in t.optimizer.state[0].items():
            if isinstance(value, np.ndarray):
                arrays.append((f"state.{name}", value, {}))
        if trace:
            grad_norms, update_ratios = trace.layer_summaries()
            arrays.append(("grad_norms", np.asarray(grad_norms), {}))
            arrays.append(("update_ratios", np.asarray(update_ratios), {}))
        else:
            arrays.append(("grad_norms", _zeros(net.n_layers), {}))
            arrays.append(("update_ratios", _zeros(net.n_layers), {}))
        batch = pending.batch if pending is not None else trace.batch if trace else None
        if batch is not None:
            arrays.append(("batch", batch.astype(np.int32), {}))
        arrays.append(("loss_steps", loss_steps.astype(np.int32, copy=False), {}))
        arrays.append(("losses", losses.astype(np.float32), {}))
        arrays.extend(grids)
        if extra is not None:
            extra(header, arrays)
        return encode_frame(header, arrays)

    def ready_message(self, t: Trainer, state: str, run: int, speed: float | str
                      ) -> dict[str, Any]:
        cfg, net = t.config, t.net
        g = self.neuron_grid_size
        return {
            "type": "ready",
            "protocol": PROTOCOL_VERSION,
            "run": run,
            "speed": speed,
            "config": config_json(t),
            "topology": {
                "sizes": net.sizes,
                "features": list(cfg.features),
                "activations": [a.name for a in net.layer_activations],
                "n_weights": net.n_weights,
                "n_params": net.n_params,
            },
            "kind": t.spec.kind,
            "n_classes": t.spec.n_classes,
            "data": _data_json(t),
            "grid_size": self.grid_size,
            "neuron_grid_size": g,
            "grid_domain": DOMAIN,
            "feature_grids": _feature_grids(self.grid_size, self.stride),
            "steps_per_epoch": t.steps_per_epoch(),
            "state": state,
        }


@functools.lru_cache(maxsize=4)
def _feature_grids(grid_size: int, stride: int) -> dict[str, Any]:
    """All seven features on the neuron grid, scaled to [-1, 1]; the same for every run."""
    names = tuple(FEATURES)  # all seven, so every feature thumbnail is the engine's numbers
    F = grid_features(names, grid_size).reshape(grid_size, grid_size, -1)
    k = stride
    grids = {}
    for i, name in enumerate(names):
        col = F[k // 2 :: k, k // 2 :: k, i]
        scale = max(float(np.abs(col).max()), 1e-12)  # x1 spans +-6: show it as -1..1
        grids[name] = np.round(col / scale, 4).tolist()
    return grids


_DATA_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}
MAX_CACHED_DATA = 64


def _data_json(t: Trainer) -> dict[str, Any]:
    """The run's points. The same dataset, samples, noise, split and seed give the same points,
    so their lists are built once (a classroom opens the same default run a hundred times)."""
    c = t.config
    key = (c.dataset, c.samples, c.noise, c.train_ratio, c.seed)
    data = _DATA_CACHE.get(key)
    if data is None:
        if len(_DATA_CACHE) >= MAX_CACHED_DATA:
            _DATA_CACHE.pop(next(iter(_DATA_CACHE)))
        data = _DATA_CACHE[key] = {
            "train": {"x": t.X_train.round(6).tolist(), "y": _labels(t.y_train)},
            "test": {"x": t.X_test.round(6).tolist(), "y": _labels(t.y_test)},
        }
    return data


def output_grid(cfg: TrainingConfig, out: Array) -> tuple[str, Array, dict[str, Any]]:
    """The raw output over the plane (G, G, d_out) -> the frame's ``output_grid`` array."""
    predicted = get_loss(cfg.chosen_loss).predict(out)  # the engine's link: probability or value
    if cfg.loss == "cross_entropy":
        return ("output_grid", quantize(predicted, 0, 1), {"lo": 0.0, "hi": 1.0})
    # the score in [-1, 1]: 2 p - 1 for a probability, the output itself for mse/tanh
    probability = cfg.loss == "bce" or cfg.output_activation == "sigmoid"
    score = 2.0 * predicted - 1.0 if probability else predicted
    return ("output_grid", quantize(score, -1, 1), {"lo": -1.0, "hi": 1.0})


def grids_from(cfg: TrainingConfig, acts: list[Array], stride: int) -> list[NamedArray]:
    """The grid pass's activations -> the frame's output heatmap and every neuron's map (every
    ``stride``-th cell, from mid-block), quantised. The arrays may have a leading lane axis (runs
    evaluated together): every operation is elementwise, each lane's bytes are its own."""
    grids = [output_grid(cfg, acts[-1])]
    k = stride
    for layer, a in enumerate(acts):
        sub = a[..., k // 2 :: k, k // 2 :: k, :]
        grids.append((f"neuron_grid.{layer}", quantize(sub, -1, 1), {"lo": -1.0, "hi": 1.0}))
    return grids


def refresh_together(pairs: Sequence[tuple[FrameBuilder, Trainer]]) -> None:
    """Compute and ``install`` the costly parts of several runs of one network shape at once
    (sessions trained in lockstep): one full-data pass for those on the same data
    (engine.evaluate_together), one grid pass for those on the same features and heatmap size.
    The bytes are those each builder would compute alone; the NumPy calls are one set, where
    alone they are a few dozen per session."""
    started = time.perf_counter()
    metrics = metrics_together([t for _, t in pairs])
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, (builder, t) in enumerate(pairs):
        c = t.config
        key = (builder.grid_size, builder.stride, c.features, c.loss, c.chosen_loss,
               c.output_activation)
        groups.setdefault(key, []).append(i)
    for same_grid in groups.values():
        for at in range(0, len(same_grid), GRID_LANES):
            members = same_grid[at : at + GRID_LANES]
            first_builder, first = pairs[members[0]]
            acts = evaluate_grids([pairs[i][1].net for i in members], first.config.features,
                                  first_builder.grid_size, dtype=np.float32)
            stacked = grids_from(first.config, acts, first_builder.stride)
            for lane, i in enumerate(members):
                builder, t = pairs[i]
                grids = [(name, data[lane], extra) for name, data, extra in stacked]
                builder.install(t, metrics[i], grids)
    each = (time.perf_counter() - started) / len(pairs)
    for builder, _ in pairs:
        builder.cost_s = each


def config_json(t: Trainer) -> dict[str, Any]:
    """The normalised config as the client sends it back (batch_size None -> "all")."""
    cfg = t.config
    return {
        "dataset": cfg.dataset,
        "samples": cfg.samples,
        "noise": cfg.noise,
        "train_ratio": cfg.train_ratio,
        "features": list(cfg.features),
        "hidden": list(cfg.hidden),
        "activation": cfg.activation,
        "output_activation": cfg.output_activation,
        "loss": cfg.loss,
        "regularization": cfg.regularization,
        "regularization_rate": cfg.regularization_rate,
        "optimizer": cfg.optimizer,
        "learning_rate": cfg.learning_rate,
        "hyper": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.hyper.items()},
        "batch_size": "all" if cfg.batch_size is None else cfg.batch_size,
        "init": cfg.init,
        "seed": cfg.seed,
    }


def _labels(y: Array) -> list[Any]:
    labels: list[Any] = y.tolist() if y.dtype.kind in "iu" else np.round(y, 6).tolist()
    return labels


@functools.lru_cache(maxsize=64)
def _zeros(n: int) -> Array:
    """Read-only zeros: what a frame sends for a gradient or update not computed yet."""
    zeros = np.zeros(n)
    zeros.flags.writeable = False
    return zeros


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
