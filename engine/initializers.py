"""Weight initialisers. Each takes (fan_in, fan_out, rng) and returns (W, b), W: (fan_in, fan_out).

Xavier and He follow torch.nn.init (He with the ReLU gain sqrt(2), fan_in mode); ``playground`` is
TF Playground's uniform(-0.5, 0.5) weights with every bias 0.1.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.arrays import Array

Initializer = Callable[[int, int, np.random.Generator], tuple[Array, Array]]


def _zeros_bias(fan_out: int) -> Array:
    return np.zeros(fan_out)


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, (fan_in, fan_out)), _zeros_bias(fan_out)


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, (fan_in, fan_out)), _zeros_bias(fan_out)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, (fan_in, fan_out)), _zeros_bias(fan_out)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    std = math.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, (fan_in, fan_out)), _zeros_bias(fan_out)


def playground(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    return rng.uniform(-0.5, 0.5, (fan_in, fan_out)), np.full(fan_out, 0.1)


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator) -> tuple[Array, Array]:
    return np.zeros((fan_in, fan_out)), _zeros_bias(fan_out)


INITIALIZERS: dict[str, Initializer] = {
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
    "playground": playground,
    "zeros": zeros,
}

INITIALIZER_LABELS = {
    "xavier_uniform": "Xavier (Glorot) uniform",
    "xavier_normal": "Xavier (Glorot) normal",
    "he_uniform": "He (Kaiming) uniform",
    "he_normal": "He (Kaiming) normal",
    "playground": "TF Playground: U(-0.5, 0.5), bias 0.1",
    "zeros": "Zeros (watch symmetry never break)",
}


def get_initializer(name: str) -> Initializer:
    """Look up an initialiser by name; ValueError listing the allowed names."""
    try:
        return INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"init: unknown {name!r}; allowed: {', '.join(INITIALIZERS)}") from None
