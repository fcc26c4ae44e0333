"""Client -> server commands: typed, strict, and every failure a ``ProtocolError`` naming the field.

Parsing never raises anything else: not JSON, NaN, null, a huge integer, a wrong type, a missing
or extra field all become an ``error`` message for the client, and the session stays as it was.
Every command may carry a client ``id`` that the answer echoes (docs/protocol.md, "Acknowledging").
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model, model_validator

from app.protocol.codes import ErrorCode
from app.protocol.config_model import Finite, HyperValue, Strict, config_model
from engine.schema import ENGINE_LIMITS, LIVE_SETTINGS, SETTINGS, Limits

CONFIG_KEYS = tuple(SETTINGS)
SET_KEYS = (*LIVE_SETTINGS, "speed")  # what ``set`` may change without a new network
MAX_SAFE_INTEGER = 2**53 - 1  # beyond this a JSON number is not exact in the browser or a float
CommandId = Annotated[str, Field(min_length=1, max_length=64)] | Annotated[
    int, Field(ge=-MAX_SAFE_INTEGER, le=MAX_SAFE_INTEGER)]
MIN_STEPS_PER_SECOND = 0.1
MAX_SNAPSHOT_BYTES = 1_000_000  # a `restore` carries a whole run; other commands are small
_RESTORE_PREFIX = re.compile(r'\s*\{\s*"type"\s*:\s*"restore"')
MAX_STEPS_PER_COMMAND = 1_000_000  # `step {n}` or `step {epochs}`: bounded work per command


class ProtocolError(Exception):
    """A command the server will not act on; becomes an ``error`` message."""

    def __init__(self, code: str, message: str, field: str | None = None,
                 id: str | int | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field, self.id = code, message, field, id

    def to_message(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "error", "code": str(self.code),
                               "message": self.message, "field": self.field}
        if self.id is not None:
            out["id"] = self.id
        return out


class Command(Strict):
    type: str  # each command narrows it to its own literal
    id: CommandId | None = None  # echoed by the answer; None only when omitted (null is refused)


class Configure(Command):
    type: Literal["configure"]
    config: dict[str, Any] = Field(default_factory=dict)  # checked by config_model(limits)


class Play(Command):
    type: Literal["play"]


class Pause(Command):
    type: Literal["pause"]


class Reset(Command):
    type: Literal["reset"]


class Step(Command):
    type: Literal["step"]
    n: int | None = Field(None, ge=1, le=MAX_STEPS_PER_COMMAND)
    epochs: int | None = Field(None, ge=1, le=10_000)

    @model_validator(mode="after")
    def _one_of(self) -> Step:
        if self.n is not None and self.epochs is not None:
            raise ValueError("give either n or epochs, not both")
        return self


Speed = Annotated[float, Field(allow_inf_nan=False, gt=0)] | Literal["max"]


class SetValues(Command):
    """``set``: the live keys (validated by the config model) and the speed."""

    type: Literal["set"]
    speed: Speed | None = None
    values: dict[str, Any] = Field(default_factory=dict)  # the live config keys given, validated


class SetSpeed(Command):
    type: Literal["speed"]
    steps_per_second: Speed


class SetWeight(Command):
    type: Literal["set_weight"]
    layer: int = Field(ge=0)
    from_: int = Field(alias="from", ge=0)
    to: int = Field(ge=0)
    value: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]


class SetBias(Command):
    type: Literal["set_bias"]
    layer: int = Field(ge=0)
    neuron: int = Field(ge=0)
    value: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]


class Explain(Command):
    """One example through the chain rule; with a parameter (``layer`` and ``from``/``to``, or
    ``neuron``), also that parameter's road from this example to the step's update."""

    type: Literal["explain"]
    index: int = Field(ge=0)
    layer: int | None = Field(None, ge=0)
    from_: int | None = Field(None, alias="from", ge=0)
    to: int | None = Field(None, ge=0)
    neuron: int | None = Field(None, ge=0)


Phase = Literal["forward", "backward", "update"]


class PhaseStep(Command):
    """One phase of the step in progress, or up to phase ``to``."""

    type: Literal["phase"]
    to: Phase | None = None


class CompareUpdates(Command):
    type: Literal["compare_updates"]


class GradCheck(Command):
    """A weight (``layer``, ``from``, ``to``) or a bias (``layer``, ``neuron``)."""

    type: Literal["gradcheck"]
    layer: int = Field(ge=0)
    from_: int | None = Field(None, alias="from", ge=0)
    to: int | None = Field(None, ge=0)
    neuron: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _weight_or_bias(self) -> GradCheck:
        weight = self.from_ is not None and self.to is not None
        bias = self.neuron is not None and self.from_ is None and self.to is None
        if weight == bias:
            raise ValueError("give from and to (a weight) or neuron (a bias)")
        return self


class SuggestLearningRate(Command):
    type: Literal["suggest_learning_rate"]


class Snapshot(Command):
    type: Literal["snapshot"]


class Restore(Command):
    type: Literal["restore"]
    snapshot: dict[str, Any]


SurfaceName = Annotated[str, Field(min_length=1, max_length=40)]
SurfaceParams = Annotated[dict[Annotated[str, Field(max_length=40)], Finite],
                          Field(max_length=8)]
MAX_LAB_STEPS = 2000  # per path, so a lab request stays a few tens of milliseconds
MAX_LAB_RUNS = 7
MAX_LAB_GRID = 201


class LabSurface(Command):
    """A loss surface sampled on a grid, for the lab's contours."""

    type: Literal["lab_surface"]
    surface: SurfaceName
    params: SurfaceParams = Field(default_factory=dict)
    size: int = Field(121, ge=2, le=MAX_LAB_GRID)


class LabRunSpec(Strict):
    optimizer: str = Field(max_length=20)
    learning_rate: Finite
    hyper: dict[Annotated[str, Field(max_length=40)], HyperValue] = Field(
        default_factory=dict, max_length=16)
    batch_size: int | None = Field(None, ge=1, le=10_000)


class LabRun(Command):
    """Gradient descent on a surface: one path per run, from one start."""

    type: Literal["lab_run"]
    surface: SurfaceName
    params: SurfaceParams = Field(default_factory=dict)
    start: Annotated[list[Finite], Field(min_length=2, max_length=2)]
    steps: int = Field(200, ge=0, le=MAX_LAB_STEPS)
    runs: Annotated[list[LabRunSpec], Field(min_length=1, max_length=MAX_LAB_RUNS)]
    seed: int = Field(0, ge=0, le=2**32 - 1)
    state: bool = False  # also each optimizer's state vectors along the path


class LandscapeRequest(Command):
    """The training loss around the current weights along two directions."""

    type: Literal["landscape"]
    size: int = Field(41, ge=5, le=61)
    span: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] = 1.0
    directions: Literal["random", "pca"] = "random"
    seed: int = Field(0, ge=0, le=2**32 - 1)


class RaceLane(Strict):
    optimizer: str = Field(max_length=20)
    learning_rate: Finite
    hyper: dict[Annotated[str, Field(max_length=40)], HyperValue] = Field(
        default_factory=dict, max_length=16)


class StartRace(Command):
    """2 to 7 lanes of the current configuration, each with its optimizer, in lockstep."""

    type: Literal["race"]
    lanes: Annotated[list[RaceLane], Field(min_length=2, max_length=7)]


RoomCode = Annotated[str, Field(min_length=1, max_length=16)]


class RoomOpen(Command):
    """The teacher presents this run: answer ``room`` with the code, join link and token."""

    type: Literal["room_open"]


class RoomJoin(Command):
    type: Literal["room_join"]
    code: RoomCode


class RoomResume(Command):
    """The teacher comes back (a new connection) within the grace period."""

    type: Literal["room_resume"]
    code: RoomCode
    teacher_token: Annotated[str, Field(min_length=1, max_length=64)]


class RoomCopy(Command):
    type: Literal["room_copy"]


class RoomClose(Command):
    type: Literal["room_close"]


class RoomLeave(Command):
    type: Literal["room_leave"]


class PollOpen(Command):
    type: Literal["poll_open"]
    question: Annotated[str, Field(min_length=1, max_length=300)]
    options: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]],
                       Field(min_length=2, max_length=6)]


class Vote(Command):
    type: Literal["vote"]
    poll: int = Field(ge=1)
    option: int = Field(ge=0, le=5)


class PollClose(Command):
    type: Literal["poll_close"]


class View(Command):
    """The teacher's view settings (edge mode, panels, ...), passed on to followers as is."""

    type: Literal["view"]
    view: Annotated[dict[Annotated[str, Field(max_length=40)], Any], Field(max_length=32)]


ROOM_COMMANDS = ("room_open", "room_join", "room_resume", "room_copy", "room_close",
                 "room_leave", "poll_open", "vote", "poll_close", "view")
# What a student may send while following: nothing that would change the room's run.
STUDENT_COMMANDS = frozenset({"room_copy", "room_leave", "vote", "room_join", "lab_surface",
                              "lab_run"})

COMMAND_MODELS: tuple[type[Command], ...] = (
    Configure, Play, Pause, Reset, Step, SetValues, SetSpeed, SetWeight, SetBias, Explain,
    PhaseStep, CompareUpdates, GradCheck, SuggestLearningRate, Snapshot, Restore, RoomOpen,
    RoomJoin, RoomResume, RoomCopy, RoomClose, RoomLeave, PollOpen, Vote, PollClose, View,
    LabSurface, LabRun, LandscapeRequest, StartRace)
COMMAND_TYPES: dict[str, type[Command]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in COMMAND_MODELS
}


@lru_cache(maxsize=8)
def _set_model(limits: Limits) -> type[BaseModel]:
    """``set``'s live keys: the same field definitions as ``configure``'s, all optional."""
    base = config_model(limits)
    fields = {k: (base.model_fields[k].annotation, None) for k in LIVE_SETTINGS}
    return create_model("SetLive", __base__=Strict, **fields)  # type: ignore[call-overload,no-any-return]


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_command(text: str | bytes | None, max_bytes: int,
                  limits: Limits = ENGINE_LIMITS) -> Command:
    """Text of one websocket message -> a validated command, or ProtocolError."""
    if not isinstance(text, str):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "commands are JSON text messages, not binary")
    size = len(text.encode()) if len(text) <= MAX_SNAPSHOT_BYTES else len(text)
    # Only a `restore` may be large, and it says so first, so junk is refused before parsing.
    large_allowed = _RESTORE_PREFIX.match(text) is not None and size <= MAX_SNAPSHOT_BYTES
    if size > max_bytes and not large_allowed:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"message larger than {max_bytes} bytes")
    try:
        raw = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(ErrorCode.BAD_JSON, f"not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError(ErrorCode.BAD_MESSAGE, "a command is a JSON object with a 'type'")
    if size > max_bytes and raw.get("type") != "restore":  # only a snapshot may be large
        raise ProtocolError(ErrorCode.BAD_MESSAGE, f"message larger than {max_bytes} bytes")
    cid = _valid_id(raw.get("id"))
    try:
        return _parse(raw, limits)
    except ProtocolError as exc:
        exc.id = cid
        raise


def _parse(raw: dict[str, Any], limits: Limits) -> Command:
    # A snapshot is checked field by field by the engine (its RNG state holds 128-bit integers).
    _refuse_null_and_huge({k: v for k, v in raw.items()
                           if not (k == "snapshot" and raw.get("type") == "restore")}, "")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in COMMAND_TYPES:
        raise ProtocolError(
            ErrorCode.UNKNOWN_TYPE,
            f"unknown command type {kind!r}; allowed: {', '.join(COMMAND_TYPES)}", "type",
        )
    if kind == "set":
        return _parse_set(raw, limits)
    try:
        cmd = COMMAND_TYPES[kind].model_validate(raw)
    except ValidationError as exc:
        raise _from_validation(exc, limits) from None
    if isinstance(cmd, Configure):
        try:
            config = config_model(limits).model_validate(cmd.config)
        except ValidationError as exc:
            raise _from_validation(exc, limits, prefix=("config",)) from None
        return cmd.model_copy(update={"config": config.model_dump(exclude_unset=True)})
    return cmd


def _parse_set(raw: dict[str, Any], limits: Limits) -> SetValues:
    live = {k: v for k, v in raw.items() if k in LIVE_SETTINGS}
    for key in raw:
        if key in CONFIG_KEYS and key not in SET_KEYS:
            raise ProtocolError(
                ErrorCode.NEEDS_CONFIGURE,
                f"{key} changes the network or the data: send 'configure' with it; "
                f"'set' takes {', '.join(SET_KEYS)}",
                key,
            )
    try:
        values = _set_model(limits).model_validate(live).model_dump(exclude_unset=True)
        rest = {k: v for k, v in raw.items() if k not in LIVE_SETTINGS}
        return SetValues.model_validate({**rest, "values": values})
    except ValidationError as exc:
        raise _from_validation(exc, limits) from None


def _refuse_null_and_huge(value: Any, path: str) -> None:
    """null means nothing here (omit a key for its default); an integer past 2^53 is not exact."""
    if value is None:
        field = path or None
        raise ProtocolError(ErrorCode.INVALID_VALUE, f"{path or 'command'}: null is not a value; "
                            "omit a key to get its default", field)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        raise ProtocolError(ErrorCode.INVALID_VALUE, f"{path}: integers must be within "
                            f"±{MAX_SAFE_INTEGER}", path or None)
    if isinstance(value, dict):
        for k, v in value.items():
            _refuse_null_and_huge(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _refuse_null_and_huge(v, f"{path}.{i}")


_COMMAND_ID: TypeAdapter[str | int] = TypeAdapter(CommandId)  # built once: it costs ~0.3 ms


def _valid_id(value: Any) -> str | int | None:
    try:
        checked: str | int = _COMMAND_ID.validate_python(value, strict=True)
        return checked
    except ValidationError:
        return None


_UNION_TAGS = {"int", "float", "str", "bool", "list", "dict", "none"}


def _clean_loc(loc: tuple[Any, ...]) -> str | None:
    """Drop pydantic's union-member tags ('constrained-float', "literal['max']") from a path."""
    parts = [str(p) for p in loc
             if isinstance(p, int) or (str(p).isidentifier() and str(p) not in _UNION_TAGS)]
    return ".".join(parts).replace("from_", "from") or None


def _from_validation(exc: ValidationError, limits: Limits,
                     prefix: tuple[str, ...] = ()) -> ProtocolError:
    errors = exc.errors(include_url=False)
    loc = (*prefix, *errors[0]["loc"])
    field = _clean_loc(loc)
    kind = errors[0]["type"]
    key = _config_key(loc, prefix)
    if kind == "extra_forbidden":
        message = f"{field}: unknown field"
        if key is None and prefix:
            message += f"; config keys: {', '.join(CONFIG_KEYS)}"
    elif kind == "missing":
        message = f"{field}: required field is missing"
    elif key is not None and key != "hyper":
        # One wording for a config key, the engine's: the field and what is allowed.
        got = errors[0].get("input")
        message = f"{field}: must be {SETTINGS[key].allowed(limits)}; got {_short(got)}"
    else:
        # A union (e.g. a number or "max") fails once per member: say every way to be right.
        same = [e for e in errors if _clean_loc((*prefix, *e["loc"])) == field]
        wants = " or ".join(dict.fromkeys(e["msg"].removeprefix("Input should be ")
                                          for e in same))
        message = f"{field}: should be {wants}" if field else errors[0]["msg"]
    return ProtocolError(ErrorCode.INVALID_VALUE, message, field)


def _config_key(loc: tuple[Any, ...], prefix: tuple[str, ...]) -> str | None:
    at = len(prefix)
    key = loc[at] if len(loc) > at else None
    return key if isinstance(key, str) and key in SETTINGS else None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


__all__ = ["CONFIG_KEYS", "MAX_SNAPSHOT_BYTES", "MAX_STEPS_PER_COMMAND", "MIN_STEPS_PER_SECOND",
           "ROOM_COMMANDS", "SET_KEYS", "STUDENT_COMMANDS", "Command", "CompareUpdates",
           "Configure", "Explain", "Finite", "GradCheck", "LabRun", "LabSurface",
           "LandscapeRequest", "Pause", "PhaseStep", "Play", "PollClose",
           "PollOpen", "ProtocolError", "Reset", "Restore", "RoomClose", "RoomCopy", "RoomJoin",
           "RoomLeave", "RoomOpen", "RoomResume", "SetBias", "SetSpeed", "SetValues", "SetWeight",
           "Snapshot", "Speed", "Step", "SuggestLearningRate", "View", "Vote", "parse_command"]
