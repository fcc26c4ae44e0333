"""Weight penalties, as TF Playground defines them: L1 = sum |w|, L2 = 1/2 sum w^2.

They apply to weights only, never biases. The penalty's value is reported beside the data loss
(not mixed into it), and ``rate * dpenalty/dw`` is added to the gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.arrays import Array


@dataclass(frozen=True)
class Regularizer:
    name: str
    label: str
    value: Callable[[Array], float]  # w -> penalty (before the rate)
    grad: Callable[[Array], Array]  # w -> dpenalty/dw


REGULARIZERS: dict[str, Regularizer] = {
    r.name: r
    for r in (
        Regularizer("none", "None", lambda w: 0.0, np.zeros_like),
        Regularizer("l1", "L1", lambda w: float(np.abs(w).sum()), np.sign),
        Regularizer("l2", "L2", lambda w: 0.5 * float(w @ w), lambda w: w),
    )
}


def get_regularizer(name: str) -> Regularizer:
    """Look up a regularizer by name; ValueError listing the allowed names."""
    try:
        return REGULARIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"regularization: unknown {name!r}; allowed: {', '.join(REGULARIZERS)}"
        ) from None
