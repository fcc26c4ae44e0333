"""Every configuration key once: its type, default, range or choices, and what it means.

The engine validates a ``TrainingConfig`` with these definitions; the server builds its command
models and the JSON Schema it sends in ``hello`` from them; the page builds its controls and
parses links from that schema; docs/protocol.md's config table is generated from it. A host may
narrow the ranges (``Limits``); the engine's own limits are the widest allowed.

    from engine.schema import SETTINGS, Limits, check_value
    check_value("noise", 0.7)          # ValueError: noise: must be a number from 0 to 0.5; got 0.7
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.datasets import DATASETS
from engine.features import FEATURES
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS
from engine.regularization import REGULARIZERS

AUTO: Final = "auto"  # loss / output_activation: chosen from the dataset
ALL: Final = "all"  # batch_size: the whole training set (batch gradient descent)
MAX_SEED = 2**32 - 1

_B = TypeVar("_B")  # a bound: a number, or None for no bound


@dataclass(frozen=True)
class Limits:
    """Ranges a host may narrow (the server passes its caps); the defaults are the engine's."""

    max_samples: int = 5000
    max_hidden_layers: int = 16
    max_neurons: int = 1024
    max_batch_size: int = 5000


ENGINE_LIMITS = Limits()


@dataclass(frozen=True)
class Setting:
    """One configuration key.

    kind: "choice" (a name from ``choices``), "int", "float", "names" (a list of distinct
    choices), "widths" (a list of ints, one per hidden layer), "batch" (an int or "all"),
    "hyper" (the optimizer's hyperparameters, each defined by the optimizer's HYPER).
    ``minimum``/``maximum`` are inclusive; for lists they bound each item, and ``min_items``/
    ``max_items`` bound the length. Callables take the host's ``Limits``.
    """

    key: str
    kind: str
    default: Any
    description: str
    choices: tuple[str, ...] = ()
    minimum: float | Callable[[Limits], float] | None = None
    maximum: float | Callable[[Limits], float] | None = None
    min_items: int | None = None
    max_items: int | Callable[[Limits], int] | None = None
    live: bool = False  # may change mid-run (``set``) without a new network or new data

    def bounds(self, limits: Limits = ENGINE_LIMITS) -> tuple[Any, Any]:
        return _resolve(self.minimum, limits), _resolve(self.maximum, limits)

    def items_bound(self, limits: Limits = ENGINE_LIMITS) -> int | None:
        return _resolve(self.max_items, limits)

    def allowed(self, limits: Limits = ENGINE_LIMITS) -> str:
        """What is allowed, in words: the end of every error message about this key."""
        lo, hi = self.bounds(limits)
        if self.kind == "choice":
            return f"one of {', '.join(self.choices)}"
        if self.kind == "int":
            return f"an integer from {lo} to {hi}"
        if self.kind == "float":
            return f"a number from {lo:g} to {hi:g}"
        if self.kind == "batch":
            return f"an integer from {lo} to {hi}, or '{ALL}'"
        if self.kind == "names":
            names = ", ".join(self.choices)
            return f"a list of 1 to {len(self.choices)} distinct names from {names}"
        if self.kind == "widths":
            return (f"a list of at most {self.items_bound(limits)} layer widths, each an integer "
                    f"from {lo} to {hi}")
        return "a map of the optimizer's hyperparameter names to values"


def _resolve(bound: _B | Callable[[Limits], _B], limits: Limits) -> _B:
    """A bound given as a value, or as a function of the host's limits."""
    return bound(limits) if callable(bound) else bound


def _names(registry: Any) -> tuple[str, ...]:
    return tuple(registry)


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("dataset", "choice", "circle", "the data set: 2-D points with a class or a value",
            choices=_names(DATASETS)),
    Setting("samples", "int", 500, "number of points (train + test); omitted: the dataset's "
            "own count, 500 for classification and 1200 for regression",
            minimum=10, maximum=lambda lim: lim.max_samples),
    Setting("noise", "float", 0.0, "how far points scatter from their clean positions "
            "(TF Playground's 0-50 % slider)",
            minimum=0.0, maximum=0.5),
    Setting("train_ratio", "float", 0.5, "fraction of the points used for training; the rest "
            "measure generalization (test loss)", minimum=0.1, maximum=0.9),
    Setting("features", "names", ["x1", "x2"], "the inputs the network sees, computed from "
            "each point (x1, x2)", choices=_names(FEATURES), min_items=1,
            max_items=len(FEATURES)),
    Setting("hidden", "widths", [4, 2], "neurons in each hidden layer, input side first",
            minimum=1, maximum=lambda lim: lim.max_neurons, min_items=0,
            max_items=lambda lim: lim.max_hidden_layers),
    Setting("activation", "choice", "tanh", "the activation of every hidden neuron",
            choices=_names(ACTIVATIONS)),
    Setting("output_activation", "choice", AUTO, "the output neuron's activation (with mse); "
            f"'{AUTO}': tanh for classification, linear otherwise",
            choices=(AUTO, *OUTPUT_ACTIVATIONS)),
    Setting("loss", "choice", AUTO, f"the loss that is minimised; '{AUTO}': bce for two "
            "classes, cross_entropy for more, mse for regression", choices=(AUTO, *LOSSES)),
    Setting("regularization", "choice", "none", "the penalty on the weights added to the loss",
            choices=_names(REGULARIZERS), live=True),
    Setting("regularization_rate", "float", 0.0, "how much the penalty counts",
            minimum=0.0, maximum=10.0, live=True),
    Setting("optimizer", "choice", "sgd", "the gradient-descent variant that applies the "
            "gradients (as torch.optim defines it)", choices=_names(OPTIMIZERS)),
    Setting("learning_rate", "float", 0.03, "step size: how far each update moves the weights",
            minimum=0.0, maximum=10.0, live=True),
    Setting("hyper", "hyper", {}, "the optimizer's other hyperparameters by torch name "
            "(momentum, betas, eps, ...); omitted ones keep torch's defaults", live=True),
    Setting("batch_size", "batch", 10, f"examples per update: 1 is stochastic, '{ALL}' is batch "
            "gradient descent, between is mini-batch", minimum=1,
            maximum=lambda lim: lim.max_batch_size, live=True),
    Setting("init", "choice", "xavier_uniform", "how the initial weights are drawn",
            choices=_names(INITIALIZERS)),
    Setting("seed", "int", 0, "seeds the data, the initial weights and the batch order",
            minimum=0, maximum=MAX_SEED),
)}

LIVE_SETTINGS = tuple(k for k, s in SETTINGS.items() if s.live)


def check_value(key: str, value: Any, limits: Limits = ENGINE_LIMITS) -> Any:
    """Validate one key's value against its definition; returns it normalised (lists -> tuples).

    ValueError names the field (``hidden.2`` for an item) and says what is allowed.
    """
    s = SETTINGS[key]
    lo, hi = s.bounds(limits)
    if value is None:
        raise ValueError(f"{key}: null is not a value; omit a key to get its default")
    if s.kind == "choice":
        if not isinstance(value, str) or value not in s.choices:
            raise ValueError(f"{key}: unknown {value!r}; allowed: {', '.join(s.choices)}")
        return value
    if s.kind == "int":
        if not _is_int(value) or not lo <= value <= hi:
            raise ValueError(f"{key}: must be {s.allowed(limits)}; got {_show(value)}")
        return int(value)
    if s.kind == "float":
        if not _is_number(value) or not lo <= value <= hi:
            raise ValueError(f"{key}: must be {s.allowed(limits)}; got {_show(value)}")
        return float(value)
    if s.kind == "batch":
        if value == ALL:
            return ALL
        if not _is_int(value) or not lo <= value <= hi:
            raise ValueError(f"{key}: must be {s.allowed(limits)}; got {_show(value)}")
        return int(value)
    if s.kind == "names":
        if not isinstance(value, list | tuple) or not 1 <= len(value) <= len(s.choices) \
                or len(set(map(str, value))) != len(value):
            raise ValueError(f"{key}: must be {s.allowed(limits)}; got {_show(value)}")
        for i, name in enumerate(value):
            if not isinstance(name, str) or name not in s.choices:
                raise ValueError(f"{key}.{i}: unknown {name!r}; allowed: {', '.join(s.choices)}")
        return tuple(value)
    if s.kind == "widths":
        most = s.items_bound(limits)
        if not isinstance(value, list | tuple) or (most is not None and len(value) > most):
            raise ValueError(f"{key}: must be {s.allowed(limits)}; got {_show(value)}")
        for i, width in enumerate(value):
            if not _is_int(width) or not lo <= width <= hi:
                raise ValueError(f"{key}.{i}: each layer has {lo} to {hi} neurons; "
                                 f"got {_show(width)}")
        return tuple(int(w) for w in value)
    if not isinstance(value, dict):  # hyper: its values are checked by the optimizer
        raise ValueError(f"{key}: must be {s.allowed(limits)}; got {_show(value)}")
    return dict(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)  # a huge int (10**309) overflows: not a usable number
    except OverflowError:
        return False


def _show(value: Any) -> str:
    """The offending value, short: a 300-digit integer is not worth echoing."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
