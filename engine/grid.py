"""The network over an N x N grid of the input plane: the heatmaps on the page.

Row 0 is the top of the picture (x2 = +domain), column 0 the left (x1 = -domain); each cell is
sampled at its centre. One vectorised forward pass gives every neuron's map at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from engine.arrays import Array, FloatArray
from engine.features import featurize
from engine.network import MLP, forward_layers, stack_networks

DOMAIN = 6.0


@lru_cache(maxsize=64)
def grid_points(n: int, domain: float = DOMAIN) -> Array:
    """(n*n, 2) points, row-major from the top-left cell; read-only and cached."""
    centres = -domain + (np.arange(n) + 0.5) * (2 * domain / n)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    points = np.column_stack([x1.ravel(), x2.ravel()])
    points.flags.writeable = False
    return points


@lru_cache(maxsize=64)
def grid_features(features: tuple[str, ...], n: int, domain: float = DOMAIN,
                  dtype: type[np.floating[Any]] = np.float64) -> FloatArray:
    """Feature matrix of the grid, (n*n, d_in); cached because the page asks every frame."""
    F: FloatArray = featurize(grid_points(n, domain), features).astype(dtype, copy=False)
    F.flags.writeable = False
    return F


def evaluate_grid(net: MLP, features: tuple[str, ...], n: int = 64,
                  dtype: type[np.floating[Any]] = np.float64) -> list[FloatArray]:
    """Every layer's activation over the grid: [(n, n, h1), ..., (n, n, d_out)].

    The last entry is the raw network output (logits for bce / cross_entropy). ``dtype``
    float32 is enough for a heatmap and its tanh costs a quarter of float64's.
    """
    # A class is hashable, but mypy checks its instances' __hash__ (python/mypy#11470).
    F = grid_features(tuple(features), n, dtype=dtype)  # type: ignore[arg-type]
    acts = net.forward_all(F, dtype=dtype)
    return [a.reshape(n, n, a.shape[1]) for a in acts]


def evaluate_grids(nets: Sequence[MLP], features: tuple[str, ...], n: int = 64,
                   dtype: type[np.floating[Any]] = np.float64) -> list[FloatArray]:
    """``evaluate_grid`` of several networks of one shape at once (their weights stacked along a
    lane axis, one pass): [(lanes, n, n, h1), ..., (lanes, n, n, d_out)], each lane's numbers
    those of its own ``evaluate_grid``."""
    F = grid_features(tuple(features), n, dtype=dtype)  # type: ignore[arg-type]
    _, weights, biases = stack_networks(nets, dtype)
    # (forward_layers is typed for float64; float32 goes through the same NumPy calls)
    _, acts = forward_layers(F, weights, biases, nets[0].layer_functions[0])  # type: ignore[arg-type]
    return [a.reshape(len(nets), n, n, a.shape[-1]) for a in acts]
