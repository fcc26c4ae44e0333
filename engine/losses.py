"""Losses, averaged over the batch as PyTorch averages them; each owns its output link.

- ``mse``: the raw output is the prediction (torch.nn.MSELoss, mean over every element).
- ``bce``: one logit per example, sigmoid inside the loss (torch.nn.BCEWithLogitsLoss).
- ``cross_entropy``: K logits, softmax inside the loss (torch.nn.CrossEntropyLoss).

``value_and_grad(out, Y)`` returns the loss and dL/d(out), out: (n, k).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.activations import sigmoid, sigmoid_from_exp

Array = np.ndarray


def softmax(logits: Array) -> Array:
    """Softmax over the last axis, shifted by the max so exp never overflows. logits: (..., K)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _mse(out: Array, Y: Array) -> tuple[float, Array]:
    diff = out - Y
    flat = diff.ravel()
    return float(flat @ flat) / flat.size, diff * (2.0 / flat.size)


def _mse_predict(out: Array) -> Array:
    return out


def _bce(out: Array, Y: Array) -> tuple[float, Array]:
    # log(1 + e^z) - y z, computed as max(z, 0) - y z + log1p(e^-|z|): finite for any logit.
    e = np.exp(-np.abs(out))
    terms = np.maximum(out, 0.0) - out * Y + np.log1p(e)
    return float(terms.sum()) / out.size, (sigmoid_from_exp(out, e) - Y) / out.size


def _cross_entropy(out: Array, y: Array) -> tuple[float, Array]:
    n = out.shape[0]
    shifted = out - out.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    log_p = shifted[rows, y] - np.log(total[:, 0])
    grad = e / total
    grad[rows, y] -= 1.0
    grad /= n
    return float(-log_p.sum()) / n, grad


@dataclass(frozen=True)
class Loss:
    name: str
    label: str
    value_and_grad: Callable[[Array, Array], tuple[float, Array]]
    predict: Callable[[Array], Array]  # raw output -> what the page shows (value or probability)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", "Mean squared error", _mse, _mse_predict),
        Loss("bce", "Binary cross-entropy (sigmoid)", _bce, sigmoid),
        Loss("cross_entropy", "Cross-entropy (softmax)", _cross_entropy, softmax),
    )
}


def get_loss(name: str) -> Loss:
    """Look up a loss by name; ValueError listing the allowed names."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"loss: unknown {name!r}; allowed: {', '.join(LOSSES)}") from None
