"""The engine's array type: every tensor it trains on is float64 (see ARCHITECTURE.md)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Shape is left open (NumPy's stubs do not track it); shapes are documented in docstrings.
Array = npt.NDArray[np.float64]
