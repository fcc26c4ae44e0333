"""Batch losses between frames, thinned to a bounded number of points for the chart."""

from __future__ import annotations

import numpy as np


def thin(steps: list[int], losses: list[float], limit: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` points: bucket means of the losses, each at its bucket's last step."""
    s = np.asarray(steps, dtype=np.int32)
    v = np.asarray(losses, dtype=np.float64)
    if len(s) <= limit:
        return s, v
    edges = np.linspace(0, len(s), limit + 1).astype(int)
    with np.errstate(all="ignore"):
        means = np.add.reduceat(v, edges[:-1]) / np.diff(edges)
    return s[edges[1:] - 1], means
