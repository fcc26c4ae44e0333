"""A loss surface of two parameters: the lab's playground for gradient descent without a network.

A surface is a function ``f(x, y)`` beside its gradient ``df(x, y) -> (df/dx, df/dy)``, both
written with plain arithmetic so that the same code runs on NumPy arrays (a whole contour grid at
once) and on Python floats (one point of a trajectory, ~50x cheaper than a 2-element array). The
two give bit-identical numbers: +, -, * and / round the same way in both.

Data surfaces (the regressions) add an ``ExampleSet``: the examples behind the loss and the
engine's own loss function (``engine.losses``), so a mini-batch gradient is what the playground's
network would compute for a one-neuron model ``w * x + b``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.arrays import Array, IntArray
from engine.losses import LOSSES
from engine.optimizers import HyperSpec

XY = Any  # a float or an array: the surfaces' formulas accept either
Window = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class ExampleSet:
    """The n examples behind a data surface and the loss that scores the model ``w * x + b``.

    x: (n,) inputs; y: (n,) targets (values for ``mse``, 0/1 labels for ``bce``); loss: a key
    of ``engine.losses.LOSSES``. Both arrays are read-only.
    """

    x: Array
    y: Array
    loss: str

    @property
    def n(self) -> int:
        return len(self.x)

    def loss_and_grad(self, p: Array, batch: IntArray | None = None) -> tuple[float, Array]:
        """Mean loss over the examples ``batch`` (indices, (B,); None: all n) at p = (w, b),
        and its gradient (2,): the engine's loss, averaged over the batch as torch does."""
        x, y = (self.x, self.y) if batch is None else (self.x[batch], self.y[batch])
        w, b = p
        value, dL_dout = LOSSES[self.loss].value_and_grad((w * x + b)[:, None], y[:, None])
        d = dL_dout[:, 0]
        return value, np.array([d @ x, d.sum()])

    def example_grads(self, p: Array, batch: Array | None = None) -> Array:
        """Each example's own loss gradient at p = (w, b): (B, 2); their mean is the batch's."""
        x, y = (self.x, self.y) if batch is None else (self.x[batch], self.y[batch])
        w, b = p
        _, dL_dout = LOSSES[self.loss].value_and_grad((w * x + b)[:, None], y[:, None])
        d = dL_dout[:, 0] * len(x)  # the batch mean divided by B: undo it, one example each
        return np.column_stack([d * x, d])


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface over two parameters (named by ``axes``).

    ``f(x, y)`` and ``df(x, y)`` take floats or same-shaped arrays. ``window`` is the default
    view ((xmin, xmax), (ymin, ymax)); ``start`` the default start; ``minima`` every global
    minimum inside the window (empty when there is none); ``lr`` a learning rate at which plain
    gradient descent from ``start`` makes visible progress without diverging.
    ``hessian_eigenvalues`` (ascending) is set when the Hessian is constant (quadratic
    surfaces): plain descent diverges beyond lr = 2 / max.
    """

    name: str
    label: str
    f: Callable[[XY, XY], XY]
    df: Callable[[XY, XY], tuple[XY, XY]]
    window: Window
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    lr: float
    params: Mapping[str, float] = field(default_factory=dict)
    axes: tuple[str, str] = ("x", "y")
    hessian_eigenvalues: tuple[float, float] | None = None
    data: ExampleSet | None = None

    def value(self, P: Array) -> Array:
        """P: (..., 2) points -> (...) loss values."""
        P = np.asarray(P, dtype=np.float64)
        return np.asarray(self.f(P[..., 0], P[..., 1]), dtype=np.float64)

    def grad(self, P: Array) -> Array:
        """P: (..., 2) points -> (..., 2) gradients."""
        P = np.asarray(P, dtype=np.float64)
        gx, gy = self.df(P[..., 0], P[..., 1])
        return np.stack(np.broadcast_arrays(gx, gy), axis=-1).astype(np.float64, copy=False)

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable facts for a page: everything but the functions."""
        facts: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "axes": list(self.axes),
            "window": [list(self.window[0]), list(self.window[1])],
            "start": list(self.start),
            "minima": [list(m) for m in self.minima],
            "lr": self.lr,
            "params": dict(self.params),
            "hessian_eigenvalues": (
                None if self.hessian_eigenvalues is None else list(self.hessian_eigenvalues)
            ),
            "data": None,
        }
        if self.data is not None:
            facts["data"] = {
                "x": self.data.x.tolist(), "y": self.data.y.tolist(), "loss": self.data.loss,
            }
        return facts


@dataclass(frozen=True)
class SurfaceRecipe:
    """How to build one registered surface: its tunable parameters and a builder taking them."""

    name: str
    label: str
    params: dict[str, HyperSpec]
    build: Callable[..., Surface]


def read_only(a: Array) -> Array:
    a.flags.writeable = False
    return a


def polish_minimum(
    df: Callable[[XY, XY], tuple[XY, XY]], guess: tuple[float, float], steps: int = 50
) -> tuple[float, float] | None:
    """Newton's method on the gradient from ``guess`` (Hessian by central differences of df);
    the minimum to machine precision, or None if it does not converge (no finite minimum)."""
    p = np.array(guess, dtype=np.float64)
    h = 1e-5
    with np.errstate(all="ignore"):
        for _ in range(steps):
            g = np.array(df(p[0], p[1]), dtype=np.float64)
            if not np.all(np.isfinite(g)):
                return None
            if np.abs(g).max() < 1e-14:
                break
            H = np.column_stack([
                (np.array(df(p[0] + h, p[1])) - np.array(df(p[0] - h, p[1]))) / (2 * h),
                (np.array(df(p[0], p[1] + h)) - np.array(df(p[0], p[1] - h))) / (2 * h),
            ])
            try:
                p = p - np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                return None
    g = np.array(df(p[0], p[1]), dtype=np.float64)
    if not (np.all(np.isfinite(p)) and np.abs(g).max() < 1e-9):
        return None
    return (float(p[0]), float(p[1]))


def check_point(name: str, value: Any) -> tuple[float, float]:
    """Two finite numbers, or ValueError naming the field."""
    items = list(value) if isinstance(value, list | tuple | np.ndarray) else []
    numbers = [v for v in items if isinstance(v, int | float | np.integer | np.floating)
               and not isinstance(v, bool | np.bool_)]
    if len(items) != 2 or len(numbers) != 2 or not all(math.isfinite(v) for v in numbers):
        raise ValueError(f"{name}: must be two finite numbers (x, y); got {value!r}")
    return float(numbers[0]), float(numbers[1])
