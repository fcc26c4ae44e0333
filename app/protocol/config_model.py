"""Pydantic models of the ``configure`` config and the ``set`` values, built from engine.schema.

Nothing here restates a key, a range or a choice: each field comes from ``engine.schema.SETTINGS``
with the server's caps (``Limits``) applied, so the JSON Schema sent in ``hello`` and the
validation are the same facts. Fields carry real defaults and are never nullable: a key that is
omitted gets its default (``model_fields_set`` tells which were given).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from engine.optimizers import OPTIMIZERS
from engine.schema import ALL, SETTINGS, Limits, Setting

Finite = Annotated[float, Field(allow_inf_nan=False)]
HyperValue = bool | int | Finite | list[Finite]
MAX_HYPER_KEYS = 16


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _field_type(s: Setting, limits: Limits) -> Any:
    lo, hi = s.bounds(limits)
    if s.kind == "choice":
        return Literal[s.choices]
    if s.kind == "int":
        return Annotated[int, Field(ge=lo, le=hi)]
    if s.kind == "float":
        return Annotated[float, Field(ge=lo, le=hi, allow_inf_nan=False)]
    if s.kind == "batch":
        return Annotated[int, Field(ge=lo, le=hi)] | Literal[ALL]
    if s.kind == "names":
        item: Any = Literal[s.choices]  # built at run time from the registry
        return Annotated[list[item], Field(min_length=s.min_items,
                                           max_length=s.items_bound(limits))]
    if s.kind == "widths":
        return Annotated[list[Annotated[int, Field(ge=lo, le=hi)]],
                         Field(max_length=s.items_bound(limits))]
    return Annotated[dict[Annotated[str, Field(max_length=40)], HyperValue],
                     Field(max_length=MAX_HYPER_KEYS)]


def _field(s: Setting, limits: Limits) -> tuple[Any, Any]:
    extra: dict[str, Any] = {}
    lo, hi = s.bounds(limits)
    if s.kind in ("batch", "widths") and lo is not None:
        extra = {"minimum": lo, "maximum": hi}  # the integer part's range, at the top level
    if s.kind == "hyper":
        extra = {"x-by-optimizer": hyper_schemas()}
    return _field_type(s, limits), Field(default=s.default, description=s.description,
                                         json_schema_extra=extra or None)


def hyper_schemas() -> dict[str, Any]:
    """Each optimizer's hyperparameters as a JSON Schema object (the engine's HyperSpec)."""
    out = {}
    for name, cls in OPTIMIZERS.items():
        props = {}
        for key, spec in cls.HYPER.items():
            if key == "lr":
                continue  # that is learning_rate
            prop: dict[str, Any] = {"type": {"float": "number", "int": "integer",
                                             "bool": "boolean"}[spec.kind],
                                    "default": spec.default, "description": spec.description}
            if spec.min is not None:
                prop["minimum"] = spec.min
            if spec.max is not None:
                prop["maximum"] = spec.max
            props[key] = prop
        out[name] = {"title": cls.label, "type": "object", "properties": props,
                     "additionalProperties": False}
    return out


@lru_cache(maxsize=8)
def config_model(limits: Limits) -> type[Strict]:
    """The ``configure`` config under these caps."""
    fields = {key: _field(s, limits) for key, s in SETTINGS.items()}
    return create_model("Config", __base__=Strict, **fields)  # type: ignore[call-overload,no-any-return]


@lru_cache(maxsize=8)
def config_json_schema(limits: Limits) -> dict[str, Any]:
    """JSON Schema (draft 2020-12, as pydantic emits it) of the ``configure`` config."""
    return config_model(limits).model_json_schema()
