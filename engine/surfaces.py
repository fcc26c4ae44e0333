"""The registry of loss surfaces for the gradient-descent lab.

    from engine.surfaces import SURFACES, make_surface
    SURFACES["rosenbrock"].value(P)              # P: (..., 2) -> (...)
    make_surface("quadratic", kappa=50)          # the bowl with another condition number

``SURFACES`` holds each surface built with its default parameters; ``SURFACE_PARAMS`` the
tunable parameters of each (default, kind, bounds, description), which ``make_surface`` validates.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine.optimizers import HyperSpec, check_value
from engine.regression_surfaces import REGRESSION_RECIPES
from engine.surface import ExampleSet, Surface, SurfaceRecipe
from engine.toy_surfaces import TOY_RECIPES

_RECIPES: dict[str, SurfaceRecipe] = {r.name: r for r in (*REGRESSION_RECIPES, *TOY_RECIPES)}

SURFACE_PARAMS: dict[str, dict[str, HyperSpec]] = {n: r.params for n, r in _RECIPES.items()}


def make_surface(name: str, **params: Any) -> Surface:
    """The surface registered as ``name``, its defaults overridden by ``params``.

    ValueError naming the field: an unknown surface, an unknown parameter, a value out of range.
    """
    recipe = _RECIPES.get(name) if isinstance(name, str) else None
    if recipe is None:
        raise ValueError(f"surface: unknown {name!r}; allowed: {', '.join(_RECIPES)}")
    values = {k: spec.default for k, spec in recipe.params.items()}
    for key, value in params.items():
        spec = recipe.params.get(key)
        if spec is None:
            allowed = ", ".join(recipe.params) or "none"
            raise ValueError(f"Unknown parameter {key!r} for {recipe.label} (allowed: {allowed})")
        values[key] = check_value(key, spec, value)
    return recipe.build(**values)


def surface_params_json(name: str) -> dict[str, Any]:
    """JSON-serialisable description of one surface's parameters, in display order."""
    recipe = _RECIPES.get(name) if isinstance(name, str) else None
    if recipe is None:
        raise ValueError(f"surface: unknown {name!r}; allowed: {', '.join(_RECIPES)}")
    return {
        "name": recipe.name,
        "label": recipe.label,
        "params": {k: asdict(spec) for k, spec in recipe.params.items()},
    }


SURFACES: dict[str, Surface] = {name: make_surface(name) for name in _RECIPES}

__all__ = [
    "SURFACES", "SURFACE_PARAMS", "ExampleSet", "Surface", "make_surface", "surface_params_json",
]
