"""Dataset generators, registry, validation and the train/test split, as tables."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.datasets import DATASETS, make_dataset, train_test_split

CLASSIFICATION = [name for name, spec in DATASETS.items() if spec.kind == "classification"]
REGRESSION = [name for name, spec in DATASETS.items() if spec.kind == "regression"]
NOISES = (0.0, 0.25, 0.5)


def gen(name: str, n: int = 300, noise: float = 0.0, seed: int = 0):
    return make_dataset(name, n, noise, seed)


def test_registry_entries():
    assert set(DATASETS) == {
        "circle", "xor", "gauss", "spiral", "moons", "spiral3", "blobs3", "plane", "multi_gauss",
    }  # fmt: skip
    for name, spec in DATASETS.items():
        assert spec.name == name and spec.label
        expected = (2, 3) if spec.kind == "classification" else (0,)
        assert spec.n_classes in expected
        assert spec.default_samples == (500 if spec.kind == "classification" else 1200)


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("noise", NOISES)
@pytest.mark.parametrize("n", [2, 7, 500])
def test_shapes_dtypes_and_domain(name, noise, n):
    X, y = gen(name, n, noise)
    spec = DATASETS[name]
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,)
    assert y.dtype == (np.int64 if spec.kind == "classification" else np.float64)
    assert np.all(np.isfinite(X)) and np.all(np.abs(X) <= 6.0)


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("n", [6, 300, 7])
def test_classes_balanced_at_noise_zero(name, n):
    k = DATASETS[name].n_classes
    counts = np.bincount(gen(name, n)[1], minlength=k)
    assert len(counts) == k
    assert counts.max() - counts.min() <= 1 and counts.sum() == n
    if n % k == 0:
        assert np.all(counts == n // k)


# noise only moves points for these; circle and xor flip labels instead, as TF Playground does
@pytest.mark.parametrize("name", ["gauss", "spiral", "moons", "spiral3", "blobs3"])
def test_classes_balanced_at_any_noise(name):
    k = DATASETS[name].n_classes
    assert np.all(np.bincount(gen(name, 300, 0.5)[1], minlength=k) == 300 // k)


def _circle_rule(X):
    return np.hypot(X[:, 0], X[:, 1]) < 3.0


def _xor_rule(X):
    return X[:, 0] * X[:, 1] >= 0


def _gauss_rule(X):
    return X.sum(axis=1) > 0


@pytest.mark.parametrize(
    ("name", "rule", "seed"),
    [
        ("circle", _circle_rule, 0),
        ("circle", _circle_rule, 1),
        ("xor", _xor_rule, 0),
        ("xor", _xor_rule, 1),
        # Gaussian tails can cross x + y = 0 (about 1 seed in 50 at n=500); these seeds do not
        ("gauss", _gauss_rule, 0),
        ("gauss", _gauss_rule, 1),
    ],
)
def test_noise_zero_separable_by_rule(name, rule, seed):
    X, y = gen(name, 500, 0.0, seed)
    np.testing.assert_array_equal(y, rule(X).astype(np.int64))


def test_circle_points_unmoved_by_noise():
    # TF Playground: noise decides labels, points stay in the disc and the ring
    r = np.hypot(*gen("circle", 500, 0.5)[0].T)
    assert r.max() <= 5.0 and not np.any((r > 2.5) & (r < 3.5))


def test_xor_points_padded_away_from_axes():
    X = gen("xor", 500, 0.5)[0]
    assert np.abs(X).min() >= 0.3 and np.abs(X).max() <= 5.3


def test_gauss_noise_widens_blobs():
    stds = [gen("gauss", 2000, noise)[0][1000:].std(axis=0).mean() for noise in (0.0, 0.5)]
    assert stds[0] == pytest.approx(np.sqrt(0.5), rel=0.1)
    assert stds[1] > 1.5  # variance 4 before clipping to the domain


def test_spiral_noise_zero_lies_on_the_arms():
    X, y = gen("spiral", 200)
    i = np.arange(100) / 100
    arm = 5 * i[:, None] * np.column_stack((np.sin(3.5 * np.pi * i), np.cos(3.5 * np.pi * i)))
    np.testing.assert_allclose(X[y == 1], arm, atol=1e-12)
    np.testing.assert_allclose(X[y == 0], -arm, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "noise", "bound"),
    [
        ("plane", 0.0, 1.2),
        ("plane", 0.5, 1.8),
        ("multi_gauss", 0.0, 1.0),
        ("multi_gauss", 0.5, 1.0),
    ],
)
def test_regression_labels_in_range(name, noise, bound):
    _, y = gen(name, 1200, noise)
    assert np.all(np.abs(y) <= bound) and y.std() > 0


def test_plane_label_at_noise_zero_is_scaled_sum():
    X, y = gen("plane", 50)
    np.testing.assert_allclose(y, X.sum(axis=1) / 10, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((-4.0, 2.5), 1.0),  # centre of a + bump
        ((0.0, 2.5), -1.0),  # centre of a - bump
        ((4.0, -1.5), -0.5),  # 1 away from the - bump at (4, -2.5)
        ((2.0, 0.0), 0.0),  # outside every bump
    ],
)
def test_multi_gauss_bumps(point, expected):
    class FixedRng:  # places the one point by hand; at noise 0 the shift is multiplied away
        def uniform(self, low, high, size):
            return np.broadcast_to(np.asarray(point, dtype=np.float64), size).copy()

    _, label = DATASETS["multi_gauss"].generate(1, 0.0, FixedRng())
    assert label[0] == pytest.approx(expected)


def test_multi_gauss_matches_strongest_bump_loop():
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    X, y = gen("multi_gauss", 300)
    for (px, py), label in zip(X, y, strict=True):
        best = 0.0
        for cx, cy, sign in bumps:
            value = sign * min(max(1 - np.hypot(px - cx, py - cy) / 2, 0.0), 1.0)
            if abs(value) > abs(best):
                best = value
        assert label == pytest.approx(best, abs=1e-12)


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_bit_identical_different_seed_differs(name):
    a, b, c = gen(name, 200, 0.2, 7), gen(name, 200, 0.2, 7), gen(name, 200, 0.2, 8)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()
    assert a[0].tobytes() != c[0].tobytes()


def test_generator_argument_is_used_and_advanced():
    rng = np.random.default_rng(3)
    first, second = make_dataset("circle", 50, 0.1, rng), make_dataset("circle", 50, 0.1, rng)
    assert not np.array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[0], make_dataset("circle", 50, 0.1, 3)[0])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "moon"}, "dataset name"),
        ({"name": "moon"}, "circle, xor"),
        ({"n": 1}, "n (samples)"),
        ({"n": 5001}, "[2, 5000]"),
        ({"n": 10.0}, "n (samples)"),
        ({"n": True}, "n (samples)"),
        ({"noise": -0.1}, "noise"),
        ({"noise": 0.51}, "[0, 0.5]"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": "0.1"}, "noise"),
        ({"seed_or_rng": -1}, "seed"),
        ({"seed_or_rng": 1.5}, "seed"),
    ],
)
def test_make_dataset_validation(kwargs, field):
    args = {"name": "circle", "n": 10, "noise": 0.0, "seed_or_rng": 0} | kwargs
    with pytest.raises(ValueError, match=re.escape(field)):
        make_dataset(**args)


@pytest.mark.parametrize(
    ("n", "ratio", "n_train"),
    [
        (500, 0.5, 250),
        (500, 0.1, 50),
        (500, 0.9, 450),
        (100, 0.57, 57),
        (7, 0.5, 4),
        (2, 0.1, 1),
        (2, 0.9, 1),
        (3, 0.9, 2),
    ],
)
def test_split_sizes_and_disjoint(n, ratio, n_train):
    X = np.column_stack((np.arange(n, dtype=np.float64), np.zeros(n)))
    y = np.arange(n, dtype=np.int64)
    X_tr, y_tr, X_te, y_te = train_test_split(X, y, ratio, np.random.default_rng(0))
    assert (len(X_tr), len(y_tr), len(X_te), len(y_te)) == (
        n_train,
        n_train,
        n - n_train,
        n - n_train,
    )
    assert set(y_tr).isdisjoint(y_te) and set(y_tr) | set(y_te) == set(range(n))
    np.testing.assert_array_equal(X_tr[:, 0], y_tr)  # rows stay paired with their labels
    np.testing.assert_array_equal(X_te[:, 0], y_te)


def test_split_shuffles_and_is_seeded():
    X, y = gen("circle", 500)
    a, b = train_test_split(X, y, 0.5, 1), train_test_split(X, y, 0.5, 1)
    for left, right in zip(a, b, strict=True):
        assert left.tobytes() == right.tobytes()
    assert not np.array_equal(a[1], y[:250])  # the class-ordered input was shuffled


@pytest.mark.parametrize(
    ("ratio", "X", "y", "field"),
    [
        (0.05, np.zeros((4, 2)), np.zeros(4), "train_ratio"),
        (0.95, np.zeros((4, 2)), np.zeros(4), "[0.1, 0.9]"),
        (float("nan"), np.zeros((4, 2)), np.zeros(4), "train_ratio"),
        (0.5, np.zeros((4, 2)), np.zeros(3), "X must be"),
        (0.5, np.zeros((1, 2)), np.zeros(1), "at least 2"),
    ],
)
def test_split_validation(ratio, X, y, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        train_test_split(X, y, ratio, 0)
