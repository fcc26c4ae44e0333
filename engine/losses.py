"""Losses, averaged over the batch as PyTorch averages them; each owns its output link.

- ``mse``: the raw output is the prediction (torch.nn.MSELoss, mean over every element).
- ``bce``: one logit per example, sigmoid inside the loss (torch.nn.BCEWithLogitsLoss).
- ``cross_entropy``: K logits, softmax inside the loss (torch.nn.CrossEntropyLoss).

``value_and_grad(out, Y)`` returns the loss and dL/d(out), out: (n, k); ``values(out, Y)`` the
losses of a stack of outputs (..., n, k) against the same targets, one per set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.activations import sigmoid, sigmoid_from_exp
from engine.arrays import Array


def softmax(logits: Array) -> Array:
    """Softmax over the last axis, shifted by the max so exp never overflows. logits: (..., K)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    probabilities: Array = e / e.sum(axis=-1, keepdims=True)
    return probabilities


def _mse(out: Array, Y: Array) -> tuple[float, Array]:
    diff = out - Y
    flat = diff.ravel()
    return float(flat @ flat) / flat.size, diff * (2.0 / flat.size)


def _mse_values(out: Array, Y: Array) -> Array:
    n, k = out.shape[-2:]
    diff = out - Y
    values: Array = np.einsum("...ij,...ij->...", diff, diff) / (n * k)
    return values


def _mse_predict(out: Array) -> Array:
    return out


def _bce_terms(out: Array, Y: Array, e: Array | None = None) -> Array:
    """Each element's loss log(1 + e^z) - y z, as max(z, 0) - y z + log1p(e^-|z|): finite for
    any logit z = out. ``e`` = exp(-|out|) when the caller has it already. Y may be a fraction."""
    if e is None:
        e = np.exp(-np.abs(out))
    return np.maximum(out, 0.0) - out * Y + np.log1p(e)


def _bce(out: Array, Y: Array) -> tuple[float, Array]:
    e = np.exp(-np.abs(out))
    terms = _bce_terms(out, Y, e)
    return float(terms.sum()) / out.size, (sigmoid_from_exp(out, e) - Y) / out.size


def bce_stacked(out: Array, Y: Array) -> tuple[Array, Array]:
    """Runs stacked on a leading axis, out and Y (..., n, k): each run's loss and dL/d(out),
    the very numbers ``_bce`` gives it alone (one set of NumPy calls for all: lockstep)."""
    n, k = out.shape[-2:]
    e = np.exp(-np.abs(out))
    values: Array = _bce_terms(out, Y, e).sum(axis=(-2, -1)) / (n * k)
    return values, (sigmoid_from_exp(out, e) - Y) / (n * k)


def _bce_values(out: Array, Y: Array) -> Array:
    n, k = out.shape[-2:]
    values: Array = _bce_terms(out, Y).sum(axis=(-2, -1)) / (n * k)
    return values


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


def _cross_entropy_values(out: Array, y: Array) -> Array:
    n = out.shape[-2]
    shifted = out - out.max(axis=-1, keepdims=True)
    log_total = np.log(np.exp(shifted).sum(axis=-1))
    at_target = np.take_along_axis(shifted, np.broadcast_to(y[:, None], (*out.shape[:-1], 1)),
                                   axis=-1)[..., 0]
    values: Array = -(at_target - log_total).sum(axis=-1) / n
    return values


@dataclass(frozen=True)
class Loss:
    name: str
    label: str
    value_and_grad: Callable[[Array, Array], tuple[float, Array]]
    predict: Callable[[Array], Array]  # raw output -> what the page shows (value or probability)
    # The loss of many output sets at once (one per parameter set, e.g. a loss landscape):
    # out (..., n, k) with the same targets for every set -> (...), each as value_and_grad's value.
    values: Callable[[Array, Array], Array]


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", "Mean squared error", _mse, _mse_predict, _mse_values),
        Loss("bce", "Binary cross-entropy (sigmoid)", _bce, sigmoid, _bce_values),
        Loss("cross_entropy", "Cross-entropy (softmax)", _cross_entropy, softmax,
             _cross_entropy_values),
    )
}


def get_loss(name: str) -> Loss:
    """Look up a loss by name; ValueError listing the allowed names."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"loss: unknown {name!r}; allowed: {', '.join(LOSSES)}") from None
