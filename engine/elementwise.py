"""The few element-wise operations the update rules need beyond + - * /, for float64 arrays and
for Python floats alike, with NumPy's IEEE results on both.

The trainer steps one flat array; the lab steps a 2-D point one coordinate at a time as Python
floats, which is several times cheaper than NumPy's per-call overhead on a two-element array.
Python floats follow IEEE 754 for + - * (overflow gives inf, inf - inf gives NaN) but raise
where NumPy returns a value: x / 0, sqrt of a negative. These helpers return NumPy's value
instead, so one rule gives the same bits on either.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np

from engine.arrays import Array

Value = TypeVar("Value", Array, float)


def zeros_like(x: Value) -> Value:
    """A fresh zero of x's shape: an array of zeros, or 0.0."""
    return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0


def full_like(x: Value, fill: float) -> Value:
    """A fresh value of x's shape filled with ``fill``."""
    return np.full_like(x, fill) if isinstance(x, np.ndarray) else float(fill)


def fresh(x: Value) -> Value:
    """A copy that nobody else holds (floats are immutable: themselves)."""
    return x.copy() if isinstance(x, np.ndarray) else x


def sqrt(x: Value) -> Value:
    """np.sqrt: NaN for a negative (and NaN), -0.0 for -0.0."""
    if type(x) is float:  # the lab's hot path first
        return math.sqrt(x) if x >= 0 else math.nan
    root: Value = np.sqrt(x)
    return root


def divide(a: Value, b: Value) -> Value:
    """np.divide: x / ±0 is ±inf by the signs, 0 / 0 and NaN / 0 are NaN."""
    if type(b) is not float or b or isinstance(a, np.ndarray):
        return a / b
    if a != a or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def maximum(a: Value, b: Value) -> Value:
    """np.maximum: NaN if either is NaN."""
    if type(a) is float and type(b) is float:
        return a if (a >= b or a != a) else b
    larger: Value = np.maximum(a, b)
    return larger
