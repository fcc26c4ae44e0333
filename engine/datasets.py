"""Toy 2-D datasets, recreating TensorFlow Playground's generators in vectorised NumPy.

Every generator has the signature ``(n, noise, rng) -> (X, y)``:

- ``X``: (n, 2) float64, always inside the plotted domain [-6, 6]^2.
- ``y``: (n,) int64 class indices 0..K-1 (classification) or float64 targets (regression).
- ``noise`` is a fraction in [0, 0.5], TF Playground's 0-50 % slider.

TF Playground labels classes -1/+1; here its +1 class is index 1 and its -1 class index 0.
Generators draw the same random numbers whatever the noise level, so one seed gives the same base
points at every noise setting and only the noise-dependent part changes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

DOMAIN = 6.0  # points live in [-DOMAIN, DOMAIN]^2, the plane the heatmaps cover
MIN_SAMPLES = 2
MAX_SAMPLES = 5000
MAX_NOISE = 0.5
MIN_TRAIN_RATIO = 0.1
MAX_TRAIN_RATIO = 0.9

DatasetFn = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]
DatasetKind = Literal["classification", "regression"]


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of the dataset registry.

    ``n_classes`` is 0 for regression; ``default_samples`` matches TF Playground (500 / 1200).
    """

    name: str
    label: str
    kind: DatasetKind
    n_classes: int
    default_samples: int
    generate: DatasetFn


# --- helpers --------------------------------------------------------------------------------


def _class_sizes(n: int, k: int) -> list[int]:
    """Split n points into k classes as evenly as possible (first classes take the remainder)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _class_labels(sizes: list[int]) -> np.ndarray:
    """(sum(sizes),) int64: class c repeated sizes[c] times, in class order."""
    return np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)


def _finish(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clip X (n, 2) into the domain; noise may push Gaussian tails outside it."""
    return np.clip(X, -DOMAIN, DOMAIN).astype(np.float64, copy=False), y


def _gauss_variance(noise: float) -> float:
    """TF Playground's variance scale: linear from 0.5 at noise 0 to 4 at noise 0.5."""
    return 0.5 + (4.0 - 0.5) * (noise / MAX_NOISE)


def _polar(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(m,) radii and angles -> (m, 2) points; sin for x and cos for y as TF Playground does."""
    return np.column_stack((r * np.sin(t), r * np.cos(t)))


def _spiral_arms(
    sizes: list[int], deltas: list[float], turns: float, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """(sum(sizes), 2) points on interleaved spiral arms, class c on the arm rotated by deltas[c].

    Along each arm the radius grows linearly to 5 while the angle makes ``turns`` full turns;
    every coordinate is jittered by uniform(-1, 1) * noise.
    """
    arms = []
    for m, delta in zip(sizes, deltas, strict=True):
        frac = np.arange(m, dtype=np.float64) / max(m, 1)  # i / n_arm, in [0, 1)
        arms.append(_polar(5.0 * frac, turns * frac * 2.0 * math.pi + delta))
    X = np.concatenate(arms)
    return X + rng.uniform(-1.0, 1.0, size=X.shape) * noise


# --- classification -------------------------------------------------------------------------


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 inside radius 2.5, class 0 on the ring 3.5..5.

    As in TF Playground the points themselves are not moved: the label is decided on a copy
    shifted by uniform(-5, 5) * noise per coordinate, so noise flips labels near the boundary.
    Returns X: (n, 2), y: (n,) int64.
    """
    n0, n1 = _class_sizes(n, 2)
    # radius uniform (not area-uniform), as TF Playground: denser near the centre
    r = np.concatenate((rng.uniform(3.5, 5.0, n0), rng.uniform(0.0, 2.5, n1)))
    X = _polar(r, rng.uniform(0.0, 2.0 * math.pi, n))
    probe = X + rng.uniform(-5.0, 5.0, size=X.shape) * noise
    y = (np.hypot(probe[:, 0], probe[:, 1]) < 2.5).astype(np.int64)
    return _finish(X, y)


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 in quadrants I and III (x*y >= 0), class 0 in II and IV.

    Coordinates are uniform(-5, 5) pushed 0.3 away from the axes. Points are drawn per class
    (a random sign, then the quadrant the class needs) so that classes are balanced exactly at
    noise 0; the label is then decided on the point shifted by uniform(-5, 5) * noise.
    Returns X: (n, 2), y: (n,) int64.
    """
    n0, n1 = _class_sizes(n, 2)
    magnitude = rng.uniform(0.0, 5.0, size=(n, 2)) + 0.3
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    same_quadrant = np.concatenate((np.full(n0, -1.0), np.full(n1, 1.0)))
    X = magnitude * np.column_stack((sign, sign * same_quadrant))
    probe = X + rng.uniform(-5.0, 5.0, size=X.shape) * noise
    y = (probe[:, 0] * probe[:, 1] >= 0).astype(np.int64)
    return _finish(X, y)


def gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs: class 1 at (2, 2), class 0 at (-2, -2).

    The variance per coordinate grows linearly from 0.5 (noise 0) to 4 (noise 0.5).
    Returns X: (n, 2), y: (n,) int64.
    """
    sizes = _class_sizes(n, 2)
    y = _class_labels(sizes)
    centres = np.where(y[:, None] == 1, 2.0, -2.0)  # (n, 1), broadcast to both coordinates
    X = centres + math.sqrt(_gauss_variance(noise)) * rng.standard_normal((n, 2))
    return _finish(X, y)


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals of 1.75 turns, class 1 at phase 0, class 0 at phase pi.

    Returns X: (n, 2), y: (n,) int64.
    """
    sizes = _class_sizes(n, 2)
    X = _spiral_arms(sizes, [math.pi, 0.0], 1.75, noise, rng)
    return _finish(X, _class_labels(sizes))


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (class 0 upper, class 1 lower), scaled to x in [-5, 5].

    Gaussian jitter with std 2 * noise: at 50 % noise the std is 1, about half the gap
    between the moons, comparable to TF Playground's noisiest settings.
    Returns X: (n, 2), y: (n,) int64.
    """
    n0, n1 = _class_sizes(n, 2)
    t = rng.uniform(0.0, math.pi, n)
    upper = np.column_stack((np.cos(t[:n0]), np.sin(t[:n0])))
    lower = np.column_stack((1.0 - np.cos(t[n0:]), 0.5 - np.sin(t[n0:])))
    # the unit moons span x in [-1, 2], y in [-0.5, 1]: centre them and stretch x to [-5, 5]
    X = (np.concatenate((upper, lower)) - (0.5, 0.25)) * (10.0 / 3.0)
    X = X + rng.standard_normal((n, 2)) * (2.0 * noise)
    return _finish(X, _class_labels([n0, n1]))


def spiral3(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three interleaved spiral arms 120 degrees apart, one class each (for softmax).

    1.25 turns instead of 1.75 so the three arms stay as far apart as the two of ``spiral``.
    Returns X: (n, 2), y: (n,) int64 in {0, 1, 2}.
    """
    sizes = _class_sizes(n, 3)
    deltas = [2.0 * math.pi * c / 3.0 for c in range(3)]
    X = _spiral_arms(sizes, deltas, 1.25, noise, rng)
    return _finish(X, _class_labels(sizes))


def blobs3(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clusters on a circle of radius 3.5 (at 90, 210, 330 degrees).

    Same variance schedule as ``gauss`` (0.5 at noise 0 to 4 at noise 0.5).
    Returns X: (n, 2), y: (n,) int64 in {0, 1, 2}.
    """
    y = _class_labels(_class_sizes(n, 3))
    angles = math.pi / 2.0 + 2.0 * math.pi * np.arange(3) / 3.0
    centres = 3.5 * np.column_stack((np.cos(angles), np.sin(angles)))  # (3, 2)
    X = centres[y] + math.sqrt(_gauss_variance(noise)) * rng.standard_normal((n, 2))
    return _finish(X, y)


# --- regression -----------------------------------------------------------------------------


def plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-6, 6]^2 with target (x + y) / 10, a tilted plane.

    The target is computed on the point shifted by uniform(-6, 6) * noise. TF Playground maps
    x + y in [-10, 10] linearly onto [-1, 1] without clamping, so targets lie
    in [-1.2, 1.2] at noise 0 and within 1.2 * (1 + noise) in general.
    Returns X: (n, 2), y: (n,) float64.
    """
    X = rng.uniform(-DOMAIN, DOMAIN, size=(n, 2))
    probe = X + rng.uniform(-DOMAIN, DOMAIN, size=X.shape) * noise
    y = probe.sum(axis=1) / 10.0
    return _finish(X, y)


# (cx, cy, sign) of TF Playground's "multi gaussian": a 3 x 2 checkerboard of +/- bumps
_BUMPS = np.array(
    [[-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
     [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0]]
)  # fmt: skip


def multi_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Six signed bumps; the target is the value of the strongest bump at the point.

    Each bump is sign * max(0, 1 - d / 2) with d the distance to its centre, so targets lie in
    [-1, 1]. The target is computed on the point shifted by uniform(-6, 6) * noise.
    Returns X: (n, 2), y: (n,) float64.
    """
    X = rng.uniform(-DOMAIN, DOMAIN, size=(n, 2))
    probe = X + rng.uniform(-DOMAIN, DOMAIN, size=X.shape) * noise
    d = np.linalg.norm(probe[:, None, :] - _BUMPS[None, :, :2], axis=2)  # (n, 6)
    values = _BUMPS[:, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)  # (n, 6)
    strongest = np.argmax(np.abs(values), axis=1)  # first on ties, like TF's strict ">"
    y = values[np.arange(n), strongest]
    return _finish(X, y)


# --- registry and entry points --------------------------------------------------------------

_C: DatasetKind = "classification"
_R: DatasetKind = "regression"
DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("circle", "Circle", _C, 2, 500, circle),
        DatasetSpec("xor", "Exclusive or", _C, 2, 500, xor),
        DatasetSpec("gauss", "Gaussian", _C, 2, 500, gauss),
        DatasetSpec("spiral", "Spiral", _C, 2, 500, spiral),
        DatasetSpec("moons", "Two moons", _C, 2, 500, moons),
        DatasetSpec("spiral3", "Spiral, 3 classes", _C, 3, 500, spiral3),
        DatasetSpec("blobs3", "Blobs, 3 classes", _C, 3, 500, blobs3),
        DatasetSpec("plane", "Plane", _R, 0, 1200, plane),
        DatasetSpec("multi_gauss", "Multi Gaussian", _R, 0, 1200, multi_gauss),
    )
}


def _is_int(value: object) -> bool:
    # bool is an int subclass, but True samples or seeds are almost surely a bug
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def as_rng(seed_or_rng: int | np.random.Generator) -> np.random.Generator:
    """A Generator from a non-negative int seed, or the Generator itself (shared, not copied)."""
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    if _is_int(seed_or_rng) and int(seed_or_rng) >= 0:
        return np.random.default_rng(int(seed_or_rng))
    raise ValueError(
        f"seed must be a non-negative integer or a numpy Generator; got {seed_or_rng!r}"
    )


def make_dataset(
    name: str, n: int, noise: float, seed_or_rng: int | np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Validate the arguments and generate dataset ``name``.

    Returns X: (n, 2) float64 in [-6, 6]^2 and y: (n,) int64 classes or float64 targets.
    The same int seed gives bit-identical arrays. Raises ValueError naming the bad field.
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"dataset name must be one of {', '.join(DATASETS)}; got {name!r}")
    if not _is_int(n) or not MIN_SAMPLES <= int(n) <= MAX_SAMPLES:
        raise ValueError(
            f"n (samples) must be an integer in [{MIN_SAMPLES}, {MAX_SAMPLES}]; got {n!r}"
        )
    if not _is_real(noise) or not 0.0 <= float(noise) <= MAX_NOISE:  # also rejects NaN
        raise ValueError(f"noise must be a number in [0, {MAX_NOISE}]; got {noise!r}")
    rng = as_rng(seed_or_rng)
    return DATASETS[name].generate(int(n), float(noise), rng)


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    train_ratio: float,
    rng: int | np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split X: (n, d), y: (n,) into (X_train, y_train, X_test, y_test).

    The train part has round(n * train_ratio) points, kept within [1, n - 1] so that both sides
    are non-empty. train_ratio must lie in [0.1, 0.9] (TF Playground's 10-90 %). Returns copies.
    """
    if not _is_real(train_ratio) or not MIN_TRAIN_RATIO <= float(train_ratio) <= MAX_TRAIN_RATIO:
        raise ValueError(
            f"train_ratio must be a number in [{MIN_TRAIN_RATIO}, {MAX_TRAIN_RATIO}]; "
            f"got {train_ratio!r}"
        )
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X must be (n, d) and y (n,); got X {X.shape} and y {y.shape}")
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"X needs at least 2 points to split; got {n}")
    n_train = min(max(round(n * float(train_ratio)), 1), n - 1)
    order = as_rng(rng).permutation(n)
    train, test = order[:n_train], order[n_train:]
    return X[train], y[train], X[test], y[test]
