"""The whole state of a run as JSON, and back: restored, it continues bit for bit as if it had
never stopped.

Format (``version`` 1); every field is required::

    {"format": "backprop-playground/snapshot", "version": 1,
     "config": {...},                  # TrainingConfig fields; tuples as lists
     "step_count": int, "epoch": int,
     "phase": null | "forward" | "backward",   # a half-done step, redone on restore
     "params": F64,                    # (P,) the network's flat vector, weights then biases
     "optimizer": STATE,               # the running optimizer's state, torch's names
     "shuffle": {"order": I32,         # (n_train,) the batch order, a permutation
                 "cursor": int,        # position in it, 0 .. n_train
                 "rng": {"bit_generator": "PCG64", "state": HEX, "inc": HEX,
                         "has_uint32": 0 | 1, "uinteger": int}},
     "divergence": null | {"step", "what", "value", "message"},
     "shadows": null | {"since_step": int, "states": {kind: STATE, ...}}}   # engine.compare

    F64 / I32: base64 of the array's little-endian float64 / int32 bytes (exact and compact;
               JSON numbers would also round-trip in Python, but not through a browser)
    STATE:     {buffer name: F64, counter name: int}; empty before the first step
    HEX:       a 128-bit integer in lowercase hex (JSON numbers lose precision past 2^53)

The data are not stored: they are regenerated from the config's seed, as is everything else
fixed at construction. A half-done step is stored as the position before its batch was drawn
plus its phase; restore redoes the phases (the same batch, the same numbers). The last trace is
not stored: a restored trainer has ``last_trace`` None until its next step.

``restore`` trusts nothing: it checks every field's type, range, length and consistency with
the config and raises ValueError naming the field ("snapshot.params: ..."), never anything
else, before building anything large.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import itertools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.arrays import Array, IntArray
from engine.compare import ALTERNATIVES, ShadowOptimizers
from engine.config import TrainingConfig
from engine.optimizers import OPTIMIZERS, Optimizer
from engine.trace import Divergence
from engine.trainer import Trainer

FORMAT = "backprop-playground/snapshot"
VERSION = 1
FIELDS = ("format", "version", "config", "step_count", "epoch", "phase", "params", "optimizer",
          "shuffle", "divergence", "shadows")
MAX_PARAMS = 1_000_000  # the default cap on the network a snapshot may ask for
MAX_COUNT = 2**53  # step counters: exact in a JavaScript number
SECOND_MOMENTS = frozenset({"exp_avg_sq", "max_exp_avg_sq", "square_avg", "sum"})  # >= 0
_HEX128 = re.compile(r"[0-9a-f]{1,32}")


def snapshot(trainer: Trainer) -> dict[str, Any]:
    """The complete state of the run, JSON-serialisable (see the module docstring)."""
    order, cursor, rng = trainer.shuffle_state()
    pending, shadows, div = trainer.pending, trainer.shadows, trainer.divergence
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": config_to_json(trainer.config),
        "step_count": trainer.step_count,
        "epoch": trainer.epoch,
        "phase": None if pending is None else pending.phase,
        "params": _encode(trainer.net.flat, "<f8"),
        "optimizer": _state_to_json(trainer.optimizer.state[0]),
        "shuffle": {"order": _encode(order, "<i4"), "cursor": cursor, "rng": _rng_to_json(rng)},
        "divergence": None if div is None else dataclasses.asdict(div),
        "shadows": None if shadows is None else {
            "since_step": shadows.since_step,
            "states": {k: _state_to_json(o.state[0]) for k, o in shadows.optimizers.items()},
        },
    }


def config_to_json(config: TrainingConfig) -> dict[str, Any]:
    """A config as a plain JSON dict (tuples as lists)."""
    return {k: list(v) if isinstance(v, tuple) else v
            for k, v in dataclasses.asdict(config).items()}


def restore(
    data: Any,
    *,
    check_config: Callable[[dict[str, Any]], None] | None = None,
    max_params: int = MAX_PARAMS,
) -> Trainer:
    """A trainer in exactly the snapshot's state, after validating all of it.

    ``check_config`` (e.g. the server's limits) is called with the config as a JSON dict before
    anything is built; its ValueError is reported under "snapshot.config". ValueError naming
    the field for anything wrong; never another exception.
    """
    data = _dict("snapshot", data, FIELDS)
    if data["format"] != FORMAT:
        raise ValueError(f"snapshot.format: must be {FORMAT!r}; got {data['format']!r}")
    if type(data["version"]) is not int or data["version"] != VERSION:
        raise ValueError(f"snapshot.version: must be {VERSION}; got {data['version']!r}")
    config = _config(data["config"], check_config, max_params)
    trainer = Trainer(config)
    P, n = trainer.net.n_params, len(trainer.y_train)
    steps = _int("snapshot.step_count", data["step_count"], 0, MAX_COUNT)
    epoch = _int("snapshot.epoch", data["epoch"], 0, steps)
    divergence = _divergence(data["divergence"], steps)
    phase = data["phase"]
    if phase not in (None, "forward", "backward"):
        raise ValueError(f"snapshot.phase: must be null, 'forward' or 'backward'; got {phase!r}")
    if phase is not None and divergence is not None:
        raise ValueError("snapshot.phase: a diverged run has no step in progress")
    sound = divergence is None  # a diverged run may hold NaN and inf; a sound one may not
    params = _decode("snapshot.params", data["params"], "<f8", P)
    if sound and not np.isfinite(params).all():
        raise ValueError("snapshot.params: must be finite numbers (the run has not diverged)")
    opt_state = _state("snapshot.optimizer", data["optimizer"], type(trainer.optimizer), P,
                       steps, sound)
    order, cursor, rng = _shuffle(data["shuffle"], n)
    shadows = _shadows(data["shadows"], P, steps, sound)
    # everything checked: set it
    trainer.net.flat[...] = params
    trainer.optimizer.state = [opt_state]
    trainer.optimizer.step_count = steps
    trainer.step_count, trainer.epoch, trainer.divergence = steps, epoch, divergence
    trainer.set_shuffle_state(order, cursor, rng)
    trainer.shadows = shadows
    if phase is not None:
        trainer.advance_to(phase)  # the same batch and the same numbers as before
    return trainer


# ---- encoding ----------------------------------------------------------------------------------


def _encode(a: Array | IntArray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=dtype).tobytes()).decode("ascii")


def _decode(field: str, value: Any, dtype: str, length: int) -> npt.NDArray[Any]:
    """base64 text -> (length,) array of ``dtype``; the text's size is checked before it is
    decoded."""
    size = np.dtype(dtype).itemsize * length
    if not isinstance(value, str) or len(value) != 4 * math.ceil(size / 3):
        raise ValueError(f"{field}: must be base64 of {length} little-endian {dtype[1:]} values "
                         f"({4 * math.ceil(size / 3)} characters)")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(f"{field}: not valid base64") from None
    if len(raw) != size:
        raise ValueError(f"{field}: must hold {length} values; got {len(raw)} bytes")
    return np.frombuffer(raw, dtype=dtype).astype(dtype[1:])  # native order, writeable


def _state_to_json(state: dict[str, Any]) -> dict[str, Any]:
    return {k: _encode(v, "<f8") if isinstance(v, np.ndarray) else int(v)
            for k, v in state.items()}


def _rng_to_json(state: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "bit_generator": state["bit_generator"],
        "state": format(state["state"]["state"], "x"),
        "inc": format(state["state"]["inc"], "x"),
        "has_uint32": int(state["has_uint32"]),
        "uinteger": int(state["uinteger"]),
    }


# ---- validation --------------------------------------------------------------------------------


def _dict(field: str, value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """A dict with exactly these keys."""
    if not isinstance(value, dict):
        raise ValueError(f"{field}: must be an object with {', '.join(keys)}")
    missing = [k for k in keys if k not in value]
    unknown = [k for k in value if k not in keys]
    if missing:
        raise ValueError(f"{field}.{missing[0]}: missing")
    if unknown:
        raise ValueError(f"{field}: unknown field {_short(unknown[0])}")
    return value


def _int(field: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        allowed = f"{lo}" if lo == hi else f"an integer from {lo} to {hi}"
        raise ValueError(f"{field}: must be {allowed}; got {_short(value)}")
    return value


def _short(value: Any) -> str:
    """repr of a value, cut short: error messages never echo a large input."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge integer"
    return text if len(text) <= 40 else text[:37] + "..."


_SCALAR = (str, int, float, bool, type(None))
_CONFIG_FIELDS = {f.name: f for f in dataclasses.fields(TrainingConfig)}


def _config(value: Any, check: Callable[[dict[str, Any]], None] | None, max_params: int
            ) -> TrainingConfig:
    """The config, validated by TrainingConfig itself (and ``check``), and small enough."""
    value = _dict("snapshot.config", value, tuple(_CONFIG_FIELDS))
    fields: dict[str, Any] = {}
    for key, v in value.items():
        if isinstance(v, list) and all(isinstance(x, _SCALAR) for x in v):
            v = tuple(v)
        elif isinstance(v, dict) and key == "hyper":
            v = dict(v)
        elif not isinstance(v, _SCALAR):
            raise ValueError(f"snapshot.config.{key}: not a valid value")
        fields[key] = v
    try:
        config = TrainingConfig(**fields).normalized()
    except (ValueError, TypeError) as exc:  # normalized() names the field: "hidden: ..."
        named = str(exc).split(":", 1)[0].split(".", 1)[0] in _CONFIG_FIELDS  # hidden.1
        raise ValueError(f"snapshot.config{'.' if named else ': '}{exc}") from None
    sizes = [len(config.features), *config.hidden, config.output_size()]
    n_params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    if n_params > max_params:
        raise ValueError(f"snapshot.config: the network has {n_params} parameters; at most "
                         f"{max_params} allowed")
    if check is not None:
        try:
            check(config_to_json(config))
        except ValueError as exc:
            raise ValueError(f"snapshot.config: {exc}") from None
    return config


def _state(field: str, value: Any, cls: type[Optimizer], P: int, steps: int, sound: bool
           ) -> dict[str, Any]:
    """One optimizer state: empty before the first step, then every buffer and counter the
    update keeps (counters equal to the steps taken), buffers (P,)."""
    if not isinstance(value, dict):
        raise ValueError(f"{field}: must be an object (empty before the first step)")
    if steps == 0:
        if value:
            raise ValueError(f"{field}: must be empty before the first step")
        return {}
    allowed = (*cls.STATE_BUFFERS, *cls.OPTIONAL_BUFFERS, *cls.STATE_COUNTERS)
    for key in value:
        if key not in allowed:
            raise ValueError(f"{field}: unknown field {_short(key)} for {cls.label} "
                             f"(allowed: {', '.join(allowed) or 'none'})")
    for key in (*cls.STATE_BUFFERS, *cls.STATE_COUNTERS):
        if key not in value:
            raise ValueError(f"{field}.{key}: missing")
    state: dict[str, Any] = {}
    for key in cls.STATE_COUNTERS:
        state[key] = _int(f"{field}.{key}", value[key], steps, steps)  # = the steps taken
    for key in (k for k in value if k not in cls.STATE_COUNTERS):
        buf = _decode(f"{field}.{key}", value[key], "<f8", P)
        if sound and key in SECOND_MOMENTS and not (buf >= 0).all():
            raise ValueError(f"{field}.{key}: must be >= 0 (a sum of squares)")
        if sound and key not in SECOND_MOMENTS and not np.isfinite(buf).all():
            raise ValueError(f"{field}.{key}: must be finite numbers (the run has not diverged)")
        state[key] = buf
    return state


def _shuffle(value: Any, n: int) -> tuple[IntArray, int, dict[str, Any]]:
    value = _dict("snapshot.shuffle", value, ("order", "cursor", "rng"))
    order = _decode("snapshot.shuffle.order", value["order"], "<i4", n).astype(np.int64)
    if not np.array_equal(np.sort(order), np.arange(n)):
        raise ValueError(f"snapshot.shuffle.order: must be a permutation of 0 .. {n - 1}")
    cursor = _int("snapshot.shuffle.cursor", value["cursor"], 0, n)
    rng = _dict("snapshot.shuffle.rng", value["rng"],
                ("bit_generator", "state", "inc", "has_uint32", "uinteger"))
    if rng["bit_generator"] != "PCG64":
        raise ValueError("snapshot.shuffle.rng.bit_generator: must be 'PCG64'")
    numbers = {}
    for key in ("state", "inc"):
        text = rng[key]
        if not isinstance(text, str) or not _HEX128.fullmatch(text):
            raise ValueError(f"snapshot.shuffle.rng.{key}: must be a 128-bit integer in "
                             "lowercase hex")
        numbers[key] = int(text, 16)
    if numbers["inc"] % 2 == 0:
        raise ValueError("snapshot.shuffle.rng.inc: must be odd (PCG64's increment)")
    state: dict[str, Any] = {
        "bit_generator": "PCG64",
        "state": numbers,
        "has_uint32": _int("snapshot.shuffle.rng.has_uint32", rng["has_uint32"], 0, 1),
        "uinteger": _int("snapshot.shuffle.rng.uinteger", rng["uinteger"], 0, 2**32 - 1),
    }
    return order, cursor, state


def _divergence(value: Any, steps: int) -> Divergence | None:
    if value is None:
        return None
    value = _dict("snapshot.divergence", value, ("step", "what", "value", "message"))
    step = _int("snapshot.divergence.step", value["step"], 1, max(steps, 1))
    if value["what"] not in ("loss", "parameters"):
        raise ValueError("snapshot.divergence.what: must be 'loss' or 'parameters'")
    if value["value"] not in ("NaN", "Inf"):
        raise ValueError("snapshot.divergence.value: must be 'NaN' or 'Inf'")
    message = value["message"]
    if not isinstance(message, str) or len(message) > 1000:
        raise ValueError("snapshot.divergence.message: must be text of at most 1000 characters")
    if steps == 0:
        raise ValueError("snapshot.divergence: a run diverges in a step; step_count is 0")
    return Divergence(step, value["what"], value["value"], message)


def _shadows(value: Any, P: int, steps: int, sound: bool) -> ShadowOptimizers | None:
    if value is None:
        return None
    value = _dict("snapshot.shadows", value, ("since_step", "states"))
    since = _int("snapshot.shadows.since_step", value["since_step"], 0, steps)
    kinds = tuple(k for k in ALTERNATIVES if k != "gd")
    states = _dict("snapshot.shadows.states", value["states"], kinds)
    shadows = ShadowOptimizers(P, since)
    for kind, opt in shadows.optimizers.items():
        cls = OPTIMIZERS[ALTERNATIVES[kind].optimizer]
        opt.state = [_state(f"snapshot.shadows.states.{kind}", states[kind], cls, P,
                            steps - since, sound)]
        opt.step_count = steps - since
    return shadows
