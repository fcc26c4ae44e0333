"""Hidden-layer activations, each beside its derivative, as PyTorch defines them.

Every derivative takes both the pre-activation ``z`` and the activation ``a = f(z)``: several
derivatives are cheapest from ``a`` (tanh: 1 - a^2), others need ``z`` (relu).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.arrays import Array

LEAKY_RELU_SLOPE = 0.01  # torch.nn.LeakyReLU default negative_slope
ELU_ALPHA = 1.0  # torch.nn.ELU default alpha
SOFTPLUS_THRESHOLD = 20.0  # torch.nn.Softplus: linear above this (beta = 1)


@dataclass(frozen=True)
class Activation:
    name: str
    label: str
    f: Callable[[Array], Array]
    df: Callable[[Array, Array], Array]  # (z, a) -> da/dz, elementwise


def _sigmoid(z: Array) -> Array:
    return sigmoid_from_exp(z, np.exp(-np.abs(z)))


def sigmoid_from_exp(z: Array, e: Array) -> Array:
    """Logistic function given e = exp(-|z|) (which bce's loss value needs too).

    Split by sign so exp never overflows: for z < 0 use e^z / (1 + e^z).
    """
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid(z: Array) -> Array:
    """Logistic function, overflow-free for any float64 input."""
    return _sigmoid(z)


def _relu(z: Array) -> Array:
    return np.maximum(z, 0.0)


def _relu_df(z: Array, a: Array) -> Array:
    return (z > 0).astype(np.float64)  # torch: gradient 0 at z == 0


def _leaky(z: Array) -> Array:
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def _leaky_df(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1.0, LEAKY_RELU_SLOPE)


def _elu(z: Array) -> Array:
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


def _elu_df(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1.0, a + ELU_ALPHA)  # alpha * e^z == a + alpha


def _tanh_df(z: Array, a: Array) -> Array:
    return 1.0 - a * a


def _sigmoid_df(z: Array, a: Array) -> Array:
    return a * (1.0 - a)


def _linear(z: Array) -> Array:
    return z


def _linear_df(z: Array, a: Array) -> Array:
    return np.ones_like(z)


def _silu(z: Array) -> Array:
    return z * _sigmoid(z)


def _silu_df(z: Array, a: Array) -> Array:
    s = _sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def _softplus(z: Array) -> Array:
    # log(1 + e^z) written as max(z, 0) + log1p(e^-|z|) to stay finite; linear past the threshold.
    soft = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))
    return np.where(z > SOFTPLUS_THRESHOLD, z, soft)


def _softplus_df(z: Array, a: Array) -> Array:
    return np.where(z > SOFTPLUS_THRESHOLD, 1.0, _sigmoid(z))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", "ReLU", _relu, _relu_df),
        Activation("leaky_relu", "Leaky ReLU (0.01)", _leaky, _leaky_df),
        Activation("elu", "ELU", _elu, _elu_df),
        Activation("tanh", "Tanh", np.tanh, _tanh_df),
        Activation("sigmoid", "Sigmoid", _sigmoid, _sigmoid_df),
        Activation("linear", "Linear", _linear, _linear_df),
        Activation("silu", "SiLU (swish)", _silu, _silu_df),
        Activation("softplus", "Softplus", _softplus, _softplus_df),
    )
}

# What the last layer may apply before the loss (the loss owns the link for bce/cross_entropy).
OUTPUT_ACTIVATIONS = ("linear", "tanh", "sigmoid")


def get_activation(name: str) -> Activation:
    """Look up an activation by name; ValueError listing the allowed names."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation: unknown {name!r}; allowed: {', '.join(ACTIVATIONS)}"
        ) from None
