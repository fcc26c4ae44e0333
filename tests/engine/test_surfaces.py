"""The lab's loss surfaces: gradients against finite differences, published values, the data
surfaces against the engine's own losses, and parameter validation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from engine import LOSSES, SURFACES, make_surface, run_trajectory, surface_params_json
from engine.surface import Surface

H = 1e-6  # central-difference step
MAX_REL_ERROR = 1e-7

VARIANTS = {  # every registered surface, plus non-default parameters
    **{name: {} for name in SURFACES},
    "quadratic kappa=50 angle=30": {"kappa": 50.0, "angle": 30.0},
    "rosenbrock a=-1 b=10": {"a": -1.0, "b": 10.0},
    "linear_regression seed=3 noise=1": {"seed": 3, "noise": 1.0},
    "logistic_regression seed=5": {"seed": 5},
}


def build(variant: str) -> Surface:
    return make_surface(variant.split()[0], **VARIANTS[variant])


def window_points(surface: Surface, n: int, seed: int = 0) -> np.ndarray:
    (x0, x1), (y0, y1) = surface.window
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def numeric_grad(surface: Surface, P: np.ndarray) -> np.ndarray:
    ex, ey = np.array([H, 0.0]), np.array([0.0, H])
    return np.column_stack([
        (surface.value(P + ex) - surface.value(P - ex)) / (2 * H),
        (surface.value(P + ey) - surface.value(P - ey)) / (2 * H),
    ])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gradient_matches_central_differences(variant):
    surface = build(variant)
    P = window_points(surface, 50)
    analytic, numeric = surface.grad(P), numeric_grad(surface, P)
    scale = np.maximum(np.linalg.norm(analytic, axis=1), 1.0)  # relative, or absolute near 0
    assert (np.linalg.norm(analytic - numeric, axis=1) / scale).max() < MAX_REL_ERROR


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_minima_are_flat_and_lowest(variant):
    surface = build(variant)
    for m in surface.minima:
        assert np.abs(surface.grad(np.array(m))).max() < 1e-9
        assert surface.value(window_points(surface, 2000)).min() >= surface.value(np.array(m))


@pytest.mark.parametrize("name, point, value", [
    ("rosenbrock", (-1.5, 2.0), 12.5),
    ("rosenbrock", (1.0, 1.0), 0.0),
    ("beale", (1.0, 1.0), 14.203125),
    ("beale", (3.0, 0.5), 0.0),
    ("himmelblau", (3.0, 2.0), 0.0),
    ("saddle", (1.5, -0.5), 2.0),
    ("quadratic", (-4.0, 3.0), 0.5 * (16 / 10 + 9)),  # 1/2 (x^2 / kappa + y^2), kappa 10
])
def test_reference_values(name, point, value):
    assert SURFACES[name].value(np.array(point)) == pytest.approx(value, rel=1e-15, abs=1e-15)


def test_himmelblau_has_the_four_published_minima():
    published = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    minima = SURFACES["himmelblau"].minima
    np.testing.assert_allclose(minima, published, atol=1e-6)
    assert SURFACES["himmelblau"].value(np.array(minima)) == pytest.approx([0.0] * 4, abs=1e-25)


def test_standard_windows_and_starts():
    assert SURFACES["rosenbrock"].window == ((-2.0, 2.0), (-1.0, 3.0))
    assert SURFACES["rosenbrock"].start == (-1.5, 2.0)
    assert SURFACES["beale"].window == ((-4.5, 4.5), (-4.5, 4.5))
    assert SURFACES["himmelblau"].window == ((-5.0, 5.0), (-5.0, 5.0))
    assert SURFACES["saddle"].window == ((-2.0, 2.0), (-2.0, 2.0))
    assert SURFACES["saddle"].minima == ()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_vectorised_over_any_shape_and_floats_give_the_same_bits(variant):
    surface = build(variant)
    P = window_points(surface, 12).reshape(3, 4, 2)
    values, grads = surface.value(P), surface.grad(P)
    assert values.shape == (3, 4) and grads.shape == (3, 4, 2)
    assert surface.value(P[1, 2]).shape == () and surface.grad(P[1, 2]).shape == (2,)
    x, y = P[1, 2].tolist()
    assert surface.f(x, y) == values[1, 2]
    assert tuple(surface.df(x, y)) == tuple(grads[1, 2])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_start_inside_window_and_default_lr_makes_progress(variant):
    surface = build(variant)
    (x0, x1), (y0, y1) = surface.window
    assert x0 < surface.start[0] < x1 and y0 < surface.start[1] < y1
    run = run_trajectory(surface, "sgd", surface.start, 500, surface.lr)
    assert run.diverged_at is None
    assert run.losses[-1] < run.losses[0]


@pytest.mark.parametrize("variant", ["quadratic", "quadratic kappa=50 angle=30",
                                     "linear_regression", "linear_regression seed=3 noise=1"])
def test_plain_descent_diverges_beyond_two_over_the_largest_eigenvalue(variant):
    surface = build(variant)
    lam_min, lam_max = surface.hessian_eigenvalues
    hessian = numeric_grad_of_grad(surface, np.array(surface.start))
    np.testing.assert_allclose(np.linalg.eigvalsh(hessian), [lam_min, lam_max], rtol=1e-6)
    below = run_trajectory(surface, "sgd", surface.start, 400, 1.9 / lam_max)
    above = run_trajectory(surface, "sgd", surface.start, 400, 2.1 / lam_max)
    assert below.losses[-1] < below.losses[0] and above.losses[-1] > 100 * above.losses[0]


def numeric_grad_of_grad(surface: Surface, p: np.ndarray) -> np.ndarray:
    ex, ey = np.array([H, 0.0]), np.array([0.0, H])
    return np.column_stack([(surface.grad(p + e) - surface.grad(p - e)) / (2 * H)
                            for e in (ex, ey)])


def test_quadratic_condition_number_is_a_parameter():
    bowl = make_surface("quadratic", kappa=50)
    assert bowl.hessian_eigenvalues == pytest.approx((1 / 50, 1.0), rel=1e-15)
    assert bowl.params == {"kappa": 50.0, "angle": 0.0}


@pytest.mark.parametrize("variant", [v for v in VARIANTS if "regression" in v])
def test_data_surface_is_the_engine_loss_over_its_examples(variant):
    surface = build(variant)
    data = surface.data
    assert data is not None and data.n >= 50
    for p in window_points(surface, 5):
        w, b = p
        out = (w * data.x + b)[:, None]
        value, dL_dout = LOSSES[data.loss].value_and_grad(out, data.y[:, None])
        assert surface.value(p) == pytest.approx(value, rel=1e-12)
        grad = np.array([dL_dout[:, 0] @ data.x, dL_dout[:, 0].sum()])
        np.testing.assert_allclose(surface.grad(p), grad, rtol=1e-10, atol=1e-14)
        assert data.loss_and_grad(p) == (value, pytest.approx(grad, rel=1e-15))


@pytest.mark.parametrize("variant", [v for v in VARIANTS if "regression" in v])
def test_example_gradients_average_to_the_batch_gradient(variant):
    surface = build(variant)
    data = surface.data
    p = np.array(surface.start)
    batch = np.array([3, 17, 41, 0, 5])
    each = data.example_grads(p, batch)
    assert each.shape == (5, 2)
    np.testing.assert_allclose(each.mean(axis=0), data.loss_and_grad(p, batch)[1], rtol=1e-13)
    for i, g in zip(batch, each, strict=True):
        np.testing.assert_allclose(g, data.loss_and_grad(p, np.array([i]))[1], rtol=1e-13)


def test_data_is_seeded_and_read_only():
    a, b = make_surface("linear_regression", seed=7), make_surface("linear_regression", seed=7)
    assert np.array_equal(a.data.y, b.data.y)
    assert not np.array_equal(a.data.y, make_surface("linear_regression", seed=8).data.y)
    with pytest.raises(ValueError, match="read-only"):
        a.data.x[0] = 1.0


def test_linear_regression_minimum_is_the_least_squares_fit():
    data = SURFACES["linear_regression"].data
    fit = np.linalg.lstsq(np.column_stack([data.x, np.ones(data.n)]), data.y, rcond=None)[0]
    np.testing.assert_allclose(SURFACES["linear_regression"].minima, [fit], rtol=1e-12)


@pytest.mark.parametrize("name, params, message", [
    ("bowl", {}, "surface: unknown 'bowl'; allowed: linear_regression"),
    ("quadratic", {"kappa": 0.5}, r"Invalid kappa: 0.5 \(must be >= 1 and <= 1000\)"),
    ("quadratic", {"kappa": "big"}, "Invalid kappa: 'big' \\(must be a number\\)"),
    ("quadratic", {"condition": 5}, "Unknown parameter 'condition' for Quadratic bowl"),
    ("beale", {"a": 1}, r"Unknown parameter 'a' for Beale \(allowed: none\)"),
    ("linear_regression", {"seed": 1.5}, "Invalid seed: 1.5 \\(must be an integer\\)"),
    ("rosenbrock", {"b": math.inf}, "Invalid b: inf \\(must be a finite number\\)"),
])
def test_make_surface_errors_name_the_field(name, params, message):
    with pytest.raises(ValueError, match=message):
        make_surface(name, **params)


def test_descriptions_are_json():
    for name, surface in SURFACES.items():
        facts = json.loads(json.dumps(surface.describe()))
        assert facts["name"] == name and len(facts["window"]) == 2
        assert (facts["data"] is None) == (surface.data is None)
        spec = json.loads(json.dumps(surface_params_json(name)))
        assert set(spec["params"]) == set(surface.params)
