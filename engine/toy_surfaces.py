"""The classic test functions of optimisation, each beside its gradient.

Definitions, windows and minima as in shared/REFERENCE_VALUES.md (Rosenbrock, Beale,
Himmelblau, the saddle x^2 - y^2) plus Goh's quadratic bowl ("Why Momentum Really Works", Distill
2017), whose condition number is a parameter. Formulas use only +, -, * (no ** or libm), so floats
and arrays give the same bits (see engine.surface).
"""

from __future__ import annotations

import math

from engine.optimizers import HyperSpec
from engine.surface import XY, Surface, SurfaceRecipe, polish_minimum


def quadratic(kappa: float, angle: float) -> Surface:
    """f = 1/2 p^T A p, A with eigenvalues 1/kappa (long axis, at ``angle`` degrees) and 1.

    The largest eigenvalue stays 1 whatever kappa, so plain descent diverges beyond lr = 2 on
    every bowl and kappa only stretches the slow direction.
    """
    lam_min, lam_max = 1.0 / kappa, 1.0
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    a11 = lam_min * c * c + lam_max * s * s
    a22 = lam_min * s * s + lam_max * c * c
    a12 = (lam_min - lam_max) * c * s

    def f(x: XY, y: XY) -> XY:
        return 0.5 * (a11 * x * x + 2.0 * a12 * x * y + a22 * y * y)

    def df(x: XY, y: XY) -> tuple[XY, XY]:
        return a11 * x + a12 * y, a12 * x + a22 * y

    return Surface(
        "quadratic", f"Quadratic bowl (κ = {kappa:g})", f, df,
        window=((-5.0, 5.0), (-5.0, 5.0)), start=(-4.0, 3.0), minima=((0.0, 0.0),), lr=1.0,
        params={"kappa": kappa, "angle": angle}, hessian_eigenvalues=(lam_min, lam_max),
    )


def rosenbrock(a: float, b: float) -> Surface:
    """(a - x)^2 + b (y - x^2)^2: a curved, flat-bottomed valley; minimum (a, a^2)."""

    def f(x: XY, y: XY) -> XY:
        u, r = a - x, y - x * x
        return u * u + b * (r * r)

    def df(x: XY, y: XY) -> tuple[XY, XY]:
        u, r = a - x, y - x * x
        return -2.0 * u - 4.0 * b * x * r, 2.0 * b * r

    return Surface(
        "rosenbrock", "Rosenbrock", f, df, window=((-2.0, 2.0), (-1.0, 3.0)), start=(-1.5, 2.0),
        minima=((a, a * a),), lr=5e-4, params={"a": a, "b": b},
    )


def _beale(x: XY, y: XY) -> XY:
    y2 = y * y
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * (y2 * y)
    return t1 * t1 + t2 * t2 + t3 * t3


def _beale_grad(x: XY, y: XY) -> tuple[XY, XY]:
    y2 = y * y
    y3 = y2 * y
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y2, 2.625 - x + x * y3
    dx = 2.0 * (t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0))
    dy = 2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y2)
    return dx, dy


def beale() -> Surface:
    """Beale's function: flat plateaus and steep walls; minimum (3, 0.5)."""
    return Surface(
        "beale", "Beale", _beale, _beale_grad, window=((-4.5, 4.5), (-4.5, 4.5)),
        start=(1.0, 1.0), minima=((3.0, 0.5),), lr=1e-2,
    )


def _himmelblau(x: XY, y: XY) -> XY:
    u, v = x * x + y - 11.0, x + y * y - 7.0
    return u * u + v * v


def _himmelblau_grad(x: XY, y: XY) -> tuple[XY, XY]:
    u, v = x * x + y - 11.0, x + y * y - 7.0
    return 4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v


# The published minima to 6 decimals; polished to machine precision below.
_HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                      (3.584428, -1.848126))


def himmelblau() -> Surface:
    """Himmelblau's function: four equal minima (f = 0), so the start decides the winner."""
    minima = tuple(polish_minimum(_himmelblau_grad, m) or m for m in _HIMMELBLAU_MINIMA)
    return Surface(
        "himmelblau", "Himmelblau", _himmelblau, _himmelblau_grad,
        window=((-5.0, 5.0), (-5.0, 5.0)), start=(0.0, 0.0), minima=minima, lr=1e-2,
    )


def _saddle(x: XY, y: XY) -> XY:
    return x * x - y * y


def _saddle_grad(x: XY, y: XY) -> tuple[XY, XY]:
    return 2.0 * x, -2.0 * y


def saddle() -> Surface:
    """x^2 - y^2: no minimum; descent slides in along x, stalls near 0, then escapes along y."""
    return Surface(
        "saddle", "Saddle (x² - y²)", _saddle, _saddle_grad, window=((-2.0, 2.0), (-2.0, 2.0)),
        start=(-1.9, 0.01), minima=(), lr=0.05,
    )


def _num(default: float, lo: float, hi: float, description: str) -> HyperSpec:
    return HyperSpec(default, "float", lo, hi, description)


TOY_RECIPES = (
    SurfaceRecipe("quadratic", "Quadratic bowl", {
        "kappa": _num(10.0, 1.0, 1000.0, "condition number: largest / smallest curvature"),
        "angle": _num(0.0, -90.0, 90.0, "direction of the long (flat) axis, in degrees"),
    }, quadratic),
    SurfaceRecipe("rosenbrock", "Rosenbrock", {
        "a": _num(1.0, -1.5, 1.5, "the minimum is at (a, a^2)"),
        "b": _num(100.0, 1.0, 1000.0, "steepness of the valley walls"),
    }, rosenbrock),
    SurfaceRecipe("beale", "Beale", {}, beale),
    SurfaceRecipe("himmelblau", "Himmelblau", {}, himmelblau),
    SurfaceRecipe("saddle", "Saddle (x² - y²)", {}, saddle),
)
