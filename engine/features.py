"""Input features offered to the network, as in TensorFlow Playground.

A feature maps the raw points X: (n, 2) to one column (n,). ``featurize`` stacks the chosen
features into the network input: (n, n_features). It runs on a 64 x 64 grid of the plane every
frame, so each feature is a single vectorised NumPy expression.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FeatureSpec:
    """One input feature: ``fn`` maps X: (n, 2) to a column (n,)."""

    name: str
    label: str
    fn: Callable[[np.ndarray], np.ndarray]


FEATURES: dict[str, FeatureSpec] = {
    spec.name: spec
    for spec in (
        FeatureSpec("x1", "X₁", lambda X: X[:, 0]),
        FeatureSpec("x2", "X₂", lambda X: X[:, 1]),
        FeatureSpec("x1sq", "X₁²", lambda X: X[:, 0] * X[:, 0]),
        FeatureSpec("x2sq", "X₂²", lambda X: X[:, 1] * X[:, 1]),
        FeatureSpec("x1x2", "X₁X₂", lambda X: X[:, 0] * X[:, 1]),
        FeatureSpec("sinx1", "sin(X₁)", lambda X: np.sin(X[:, 0])),
        FeatureSpec("sinx2", "sin(X₂)", lambda X: np.sin(X[:, 1])),
    )
}

DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")


def validate_features(names: Sequence[str]) -> tuple[str, ...]:
    """Check a feature selection: non-empty, known ids, no duplicates. Returns it as a tuple.

    Raises ValueError naming the field "features" and listing the allowed ids.
    """
    allowed = ", ".join(FEATURES)
    # a bare string is a Sequence too; "x1" would otherwise be read as ("x", "1")
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ValueError(f"features must be a list of feature ids ({allowed}); got {names!r}")
    if len(names) == 0:
        raise ValueError(f"features must name at least one of {allowed}; got none")
    unknown = [name for name in names if not isinstance(name, str) or name not in FEATURES]
    if unknown:
        raise ValueError(f"features must be among {allowed}; unknown {unknown!r}")
    if len(set(names)) != len(names):
        duplicates = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(
            f"features must not repeat an id (allowed: {allowed}); repeated {duplicates!r}"
        )
    return tuple(names)


def featurize(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Network input for points X: (n, 2) -> (n, len(names)) float64, columns in ``names`` order."""
    names = validate_features(names)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2); got {X.shape}")
    return np.column_stack([FEATURES[name].fn(X) for name in names])
