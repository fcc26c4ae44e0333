"""The run's path through parameter space, thinned as it grows: what the loss landscape's PCA
directions follow and what it draws on the plane."""

from __future__ import annotations

import numpy as np

MAX_POINTS = 200


class ParameterPath:
    def __init__(self, start: np.ndarray) -> None:
        """start: (P,) the parameters at step 0."""
        self.points: list[np.ndarray] = [start.copy()]
        self.stride = 1  # a point every ``stride`` steps; doubles when the path is full

    def on_step(self, step: int, flat: np.ndarray) -> None:
        """Called after every step with its number and the parameters it left."""
        if step % self.stride:
            return
        self.points.append(flat.copy())
        if len(self.points) > MAX_POINTS:
            self.points = self.points[::2]
            self.stride *= 2

    def with_current(self, flat: np.ndarray) -> list[np.ndarray]:
        """The path, oldest first, ending at the current parameters."""
        if np.array_equal(self.points[-1], flat):
            return list(self.points)
        return [*self.points, flat.copy()]
