"""The engine's array type: every tensor it trains on is float64 (see ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

# Shape is left open (NumPy's stubs do not track it); shapes are documented in docstrings.
Array = npt.NDArray[np.float64]
# Indices (batches, batch orders) and predicted classes: NumPy's intp from arange/argmax, or int64.
IntArray = npt.NDArray[np.integer[Any]]
# Masks: which side of a kink a pre-activation is on, which points are finite.
BoolArray = npt.NDArray[np.bool_]
# Pictures only: the grid's heatmaps may be computed in float32 (a quarter of float64's cost).
FloatArray = npt.NDArray[np.floating[Any]]
