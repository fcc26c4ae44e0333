"""Client -> server commands: typed, strict, and every failure a ``ProtocolError`` naming the field.

Parsing never raises anything else: not JSON, NaN, a wrong type, a missing or extra field all
become an ``error`` message for the client, and the session stays as it was.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

Finite = Annotated[float, Field(allow_inf_nan=False)]
HyperValue = bool | int | Finite | list[Finite]

# Config keys that ``set`` may change without building a new network.
SET_KEYS = ("learning_rate", "hyper", "regularization", "regularization_rate", "batch_size",
            "speed")


class ProtocolError(Exception):
    """A command the server will not act on; becomes an ``error`` message."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field

    def to_message(self) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "message": self.message, "field": self.field}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ConfigIn(_Strict):
    """The ``configure`` config; every key optional. Caps are checked by the session."""

    dataset: str | None = None
    samples: int | None = None
    noise: Finite | None = None
    train_ratio: Finite | None = None
    features: list[str] | None = Field(None, max_length=16)
    hidden: list[int] | None = Field(None, max_length=64)
    activation: str | None = None
    output_activation: str | None = None
    loss: str | None = None
    regularization: str | None = None
    regularization_rate: Finite | None = None
    optimizer: str | None = None
    learning_rate: Finite | None = None
    hyper: dict[Annotated[str, Field(max_length=40)], HyperValue] | None = Field(
        None, max_length=16
    )
    batch_size: int | Literal["all"] | None = None
    init: str | None = None
    seed: int | None = None


CONFIG_KEYS = tuple(ConfigIn.model_fields)


class Configure(_Strict):
    type: Literal["configure"]
    config: ConfigIn = ConfigIn()


class Play(_Strict):
    type: Literal["play"]


class Pause(_Strict):
    type: Literal["pause"]


class Reset(_Strict):
    type: Literal["reset"]


class Step(_Strict):
    type: Literal["step"]
    n: int | None = Field(None, ge=1, le=1_000_000)
    epochs: int | None = Field(None, ge=1, le=10_000)

    @model_validator(mode="after")
    def _one_of(self) -> Step:
        if self.n is not None and self.epochs is not None:
            raise ValueError("give either n or epochs, not both")
        return self


Speed = Annotated[float, Field(allow_inf_nan=False, gt=0)] | Literal["max"]


class SetValues(_Strict):
    type: Literal["set"]
    learning_rate: Finite | None = None
    hyper: dict[Annotated[str, Field(max_length=40)], HyperValue] | None = Field(
        None, max_length=16
    )
    regularization: str | None = None
    regularization_rate: Finite | None = None
    batch_size: int | Literal["all"] | None = None
    speed: Speed | None = None


class SetSpeed(_Strict):
    type: Literal["speed"]
    steps_per_second: Speed


class SetWeight(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True)
    type: Literal["set_weight"]
    layer: int = Field(ge=0)
    from_: int = Field(alias="from", ge=0)
    to: int = Field(ge=0)
    value: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]


class SetBias(_Strict):
    type: Literal["set_bias"]
    layer: int = Field(ge=0)
    neuron: int = Field(ge=0)
    value: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]


class Explain(_Strict):
    type: Literal["explain"]
    index: int = Field(ge=0)


Command = Configure | Play | Pause | Reset | Step | SetValues | SetSpeed | SetWeight | SetBias | \
    Explain
_COMMANDS: dict[str, TypeAdapter[Any]] = {
    model.model_fields["type"].annotation.__args__[0]: TypeAdapter(model)  # type: ignore[union-attr]
    for model in Command.__args__  # type: ignore[attr-defined]
}


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_command(text: str | bytes | None, max_bytes: int) -> Command:
    """Text of one websocket message -> a validated command, or ProtocolError."""
    if not isinstance(text, str):
        raise ProtocolError("bad_message", "commands are JSON text messages, not binary")
    if len(text) > max_bytes or len(text.encode()) > max_bytes:
        raise ProtocolError("bad_message", f"message larger than {max_bytes} bytes")
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError("bad_json", f"not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError("bad_message", "a command is a JSON object with a 'type'")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in _COMMANDS:
        raise ProtocolError(
            "unknown_type", f"unknown command type {kind!r}; allowed: {', '.join(_COMMANDS)}",
            "type",
        )
    if kind == "set":
        for key in raw:
            if key in CONFIG_KEYS and key not in SET_KEYS:
                raise ProtocolError(
                    "needs_configure",
                    f"{key} changes the network or the data: send 'configure' with it; "
                    f"'set' takes {', '.join(SET_KEYS)}",
                    key,
                )
    try:
        return _COMMANDS[kind].validate_python(raw)
    except ValidationError as exc:
        raise _from_validation(exc) from None


_UNION_TAGS = {"int", "float", "str", "bool", "list", "dict", "none"}


def _clean_loc(loc: tuple[Any, ...]) -> str | None:
    """Drop pydantic's union-member tags ('constrained-float', "literal['max']") from a path."""
    parts = [str(p) for p in loc
             if isinstance(p, int) or (str(p).isidentifier() and str(p) not in _UNION_TAGS)]
    return ".".join(parts).replace("from_", "from") or None


def _from_validation(exc: ValidationError) -> ProtocolError:
    errors = exc.errors(include_url=False)
    field = _clean_loc(errors[0]["loc"])
    same = [e for e in errors if _clean_loc(e["loc"]) == field]
    kind = errors[0]["type"]
    if kind == "extra_forbidden":
        message = f"{field}: unknown field"
    elif kind == "missing":
        message = f"{field}: required field is missing"
    else:
        # A union (e.g. a number or "max") fails once per member: say every way to be right.
        wants = " or ".join(dict.fromkeys(e["msg"].removeprefix("Input should be ")
                                          for e in same))
        message = f"{field}: should be {wants}" if field else errors[0]["msg"]
    return ProtocolError("invalid_value", message, field)
