"""Input features: values against hand computation, column order, validation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from engine.features import DEFAULT_FEATURES, FEATURES, featurize, validate_features

ALL = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")


def test_registry_ids_labels_and_default():
    assert tuple(FEATURES) == ALL
    labels = [spec.label for spec in FEATURES.values()]
    assert labels == ["X₁", "X₂", "X₁²", "X₂²", "X₁X₂", "sin(X₁)", "sin(X₂)"]
    assert all(spec.name == name for name, spec in FEATURES.items())
    assert DEFAULT_FEATURES == ("x1", "x2")


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ((0.0, 0.0), (0, 0, 0, 0, 0, 0, 0)),
        ((1.0, 2.0), (1, 2, 1, 4, 2, math.sin(1), math.sin(2))),
        ((-3.0, 0.5), (-3, 0.5, 9, 0.25, -1.5, math.sin(-3), math.sin(0.5))),
        ((math.pi / 2, -6.0), (math.pi / 2, -6, math.pi**2 / 4, 36, -3 * math.pi, 1, math.sin(-6))),
    ],
)
def test_values_by_hand(point, expected):
    row = featurize(np.array([point]), ALL)
    assert row.shape == (1, 7) and row.dtype == np.float64
    np.testing.assert_allclose(row[0], expected, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize(
    "names",
    [
        ("x1",),
        ("x2", "x1"),
        ("sinx2", "x1sq", "x1x2"),
        ["x1x2", "sinx1", "x2sq", "x2", "x1"],
        ALL[::-1],
    ],
)
def test_columns_follow_the_given_order(names):
    X = np.random.default_rng(0).uniform(-6, 6, size=(64 * 64, 2))
    out = featurize(X, names)
    assert out.shape == (len(X), len(names)) and out.dtype == np.float64
    full = featurize(X, ALL)
    for j, name in enumerate(names):
        np.testing.assert_array_equal(out[:, j], full[:, ALL.index(name)])


def test_integer_input_is_promoted_and_input_untouched():
    X = np.array([[1, 2], [3, 4]])
    out = featurize(X, ("x1", "x1sq"))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1.0, 1.0], [3.0, 9.0]])
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ((), "features must name at least one"),
        ([], "features must name at least one"),
        (("x3",), "unknown ['x3']"),
        (("x1", "X1"), "unknown ['X1']"),
        (("x1", 1), "unknown [1]"),
        (("x1", "x2", "x1"), "repeated ['x1']"),
        ("x1", "features must be a list"),
        (None, "features must be a list"),
    ],
)
def test_validation_names_field_and_lists_ids(names, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        featurize(np.zeros((3, 2)), names)
    assert "features" in str(info.value) and ", ".join(ALL) in str(info.value)


def test_validate_features_returns_tuple():
    assert validate_features(["x2", "x1"]) == ("x2", "x1")


@pytest.mark.parametrize("shape", [(3,), (3, 3), (3, 1), (2, 2, 2)])
def test_x_shape_validated(shape):
    with pytest.raises(ValueError, match=re.escape("X must have shape (n, 2)")):
        featurize(np.zeros(shape), DEFAULT_FEATURES)
