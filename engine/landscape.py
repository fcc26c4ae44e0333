"""The real network's loss landscape: a 2-D slice through its parameter space.

After H. Li et al., "Visualizing the Loss Landscape of Neural Nets" (NeurIPS 2018): the training
loss L(theta + alpha d1 + beta d2) on a size x size grid of (alpha, beta) in [-span, span]^2,
around the trainer's current parameters theta, along two directions d1, d2 of theta's shape:

- ``random``: filter-normalised Gaussian directions. Each neuron's incoming weights in d are
  rescaled to the norm of that neuron's incoming weights in theta, so a step of 1 along d moves
  every neuron by its own scale; biases are left out (zero in d), as the authors' code does.
- ``pca``: the top two principal directions of the training path (theta_i - theta over saved
  steps, centred as sklearn's PCA centres it, as in the authors' code), orthonormal, with the
  fraction of the path's variance each explains.

The loss is the data loss over the training set, what ``Trainer.evaluate().train_loss`` and the
loss chart report; the regularization penalty is not included (the engine reports it beside the
loss, never inside it). All grid points are evaluated at once: each layer's weights for a chunk
of grid points form a (G, fan_in, fan_out) stack and one batched matmul runs the chunk, with the
network's own activation functions and the loss's ``values`` (engine.losses). The trainer is
only read, never changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np

from engine.arrays import Array
from engine.losses import get_loss
from engine.network import MLP
from engine.trainer import Trainer

MAX_SIZE = 201
MAX_SPAN = 100.0
CHUNK_BYTES = 16_000_000  # bound on one layer's arrays for a chunk of grid points


@dataclass(frozen=True, eq=False)
class Landscape:
    """losses[i, j] = L(theta + alphas[j] d1 + betas[i] d2): rows follow beta, columns alpha,
    both ascending; (size, size). d1, d2: (P,) in the network's flat layout (``net.split``).
    centre_loss = L(theta). path: (T, 2) the given parameter path's (alpha, beta) coordinates
    (least squares onto the plane), or None. explained_variance: the pca directions' fractions
    of the path's variance, or None for random directions."""

    losses: Array
    alphas: Array
    betas: Array
    d1: Array
    d2: Array
    centre_loss: float
    path: Array | None
    explained_variance: tuple[float, float] | None
    directions: str


def loss_landscape(
    trainer: Trainer,
    size: int = 41,
    span: float = 1.0,
    directions: str = "random",
    path: Array | None = None,
    seed: int = 0,
) -> Landscape:
    """The landscape around the trainer's current parameters; ``path``: (T, P) parameter vectors
    (required for pca, projected onto the plane if given; its SVD costs O(T P min(T, P)), so
    pass a few hundred saved points, not every step). ValueError names the field."""
    if isinstance(size, bool) or not isinstance(size, int | np.integer) \
            or not 2 <= size <= MAX_SIZE:
        raise ValueError(f"size: must be an integer from 2 to {MAX_SIZE}; got {size!r}")
    if isinstance(span, bool) or not isinstance(span, int | float | np.number) \
            or not math.isfinite(span) or not 0 < span <= MAX_SPAN:
        raise ValueError(f"span: must be a number above 0 and at most {MAX_SPAN:g}; got {span!r}")
    make = DIRECTIONS.get(directions) if isinstance(directions, str) else None
    if make is None:
        raise ValueError(f"directions: unknown {directions!r}; allowed: {', '.join(DIRECTIONS)}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: must be a non-negative integer; got {seed!r}")
    net = trainer.net
    theta = net.flat.copy()
    if trainer.divergence is not None or not np.isfinite(theta).all():
        raise ValueError("trainer: its loss or parameters are not finite (training diverged); "
                         "reset it")
    if path is not None:
        path = _check_path(path, net.n_params)
    t = (2.0 * np.arange(size) - (size - 1)) / (size - 1)  # -1 .. 1, an exact 0 when size is odd
    axis = float(span) * t
    a, b = np.meshgrid(axis, axis)  # a varies along columns, b along rows
    evaluate = _batched_loss(trainer)
    with np.errstate(all="ignore"):  # huge weights or a far slice: inf or NaN there, no warning
        d1, d2, explained = make(net, theta, path, seed)
        losses = evaluate(theta, d1, d2, a.ravel(), b.ravel()).reshape(size, size)
        centre = float(evaluate(theta, d1, d2, np.zeros(1), np.zeros(1))[0])
        projected = None if path is None else project(path - theta, d1, d2)
    return Landscape(losses, axis, axis.copy(), d1, d2, centre, projected, explained, directions)


def _check_path(path: object, n_params: int) -> Array:
    """(T, P) numbers as float64, or ValueError naming the field."""
    array = np.asarray(path) if isinstance(path, np.ndarray | list | tuple) else np.empty(0)
    if array.dtype.kind not in "iuf" or array.ndim != 2 or array.shape[1] != n_params \
            or len(array) == 0:
        raise ValueError(f"path: must be (T, {n_params}) parameter vectors; got "
                         f"{getattr(path, 'shape', type(path).__name__)}")
    return array.astype(np.float64)


def project(offsets: Array, d1: Array, d2: Array) -> Array:
    """offsets (T, P) -> (T, 2) coordinates (alpha, beta) minimising |offset - a d1 - b d2|."""
    D = np.column_stack([d1, d2])
    # float64 in, float64 out; NumPy's stubs only promise "some float"
    return cast(Array, np.linalg.solve(D.T @ D, (offsets @ D).T).T)


# ---- directions -----------------------------------------------------------------------------

Directions = tuple[Array, Array, tuple[float, float] | None]


def filter_normalized_direction(net: MLP, theta: Array, rng: np.random.Generator) -> Array:
    """A Gaussian direction (P,) whose weights into each neuron have the norm of that neuron's
    weights in theta; zero on every bias."""
    d = np.zeros_like(theta)
    d[: net.n_weights] = rng.standard_normal(net.n_weights)
    for W_d, W in zip(net.split(d)[0], net.split(theta)[0], strict=True):
        # column j of W: (fan_in,) the weights into neuron j
        norms = np.linalg.norm(W_d, axis=0)
        W_d *= np.linalg.norm(W, axis=0) / np.where(norms > 0, norms, 1.0)
    return d


def _random(net: MLP, theta: Array, path: Array | None, seed: int) -> Directions:
    rng = np.random.default_rng(seed)
    d1 = filter_normalized_direction(net, theta, rng)
    return d1, filter_normalized_direction(net, theta, rng), None


def _pca(net: MLP, theta: Array, path: Array | None, seed: int) -> Directions:
    if path is None:
        raise ValueError("path: the pca directions need the path of parameter vectors (T, P)")
    offsets = path - theta
    centred = offsets - offsets.mean(axis=0)
    _, s, Vt = np.linalg.svd(centred, full_matrices=False)
    if len(s) < 2 or s[1] <= 1e-12 * max(s[0], 1e-300):
        raise ValueError("path: needs at least 3 parameter vectors, not all on one line, "
                         "for two principal directions")
    d1, d2 = Vt[0].copy(), Vt[1].copy()
    # SVD signs are arbitrary: orient both so the path starts at negative coordinates
    for d in (d1, d2):
        if offsets[0] @ d > 0:
            d *= -1.0
    variance = s * s
    total = float(variance.sum())
    return d1, d2, (float(variance[0]) / total, float(variance[1]) / total)


DIRECTIONS: dict[str, Callable[[MLP, Array, Array | None, int], Directions]] = {
    "random": _random,
    "pca": _pca,
}


# ---- the batched forward pass ----------------------------------------------------------------


def _batched_loss(trainer: Trainer) -> Callable[[Array, Array, Array, Array, Array], Array]:
    """(theta, d1, d2, a (G,), b (G,)) -> (G,) training losses at theta + a d1 + b d2."""
    net = trainer.net
    F, Y = trainer.F_train, trainer.Y_train
    values = get_loss(trainer.config.chosen_loss).values
    fs = [None if act.name == "linear" else act.f for act in net.layer_activations]
    # bytes per grid point: one layer's activations and its stack of weights
    per_point = 8 * (len(F) * max(net.sizes) + max(W.size for W in net.weights))
    chunk = max(1, CHUNK_BYTES // per_point)

    def evaluate(theta: Array, d1: Array, d2: Array, a: Array, b: Array) -> Array:
        layers = list(zip(*net.split(theta), *net.split(d1), *net.split(d2), fs, strict=True))
        out = np.empty(len(a))
        for lo in range(0, len(a), chunk):
            ca = a[lo : lo + chunk, None, None]
            cb = b[lo : lo + chunk, None, None]
            act: Array = F
            for W, bias, W1, b1, W2, b2, f in layers:
                Ws = W + ca * W1 + cb * W2  # (G, fan_in, fan_out)
                bs = bias + ca * b1 + cb * b2  # (G, 1, fan_out)
                z = act @ Ws
                z += bs
                act = z if f is None else f(z)
            out[lo : lo + chunk] = values(act, Y)
        return out

    return evaluate
