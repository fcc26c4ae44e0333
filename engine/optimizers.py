"""Optimizers shaped like torch.optim, in pure NumPy float64.

The update rules live in ``engine.optimizer_updates``: each mirrors PyTorch 2.x's single-tensor
implementation (``foreach=False``, non-capturable, ``maximize=False``) operation for operation, in
the same order and with the same scalar arithmetic, so a float64 trajectory agrees with PyTorch to
rounding error. This module adds what torch.optim adds: validation, defaults, lazy state.
(Bit-for-bit equality is out of reach: PyTorch's CPU kernels fuse some multiply-adds into FMA
instructions and its vectorised sqrt is not always correctly rounded; NumPy does neither.)

Usage::

    opt = make_optimizer("adam", [w], lr=0.01)   # w: float64 array, updated in place
    pending = opt.peek([dL_dw])                  # what step() would do; nothing changes
    updates = opt.step([dL_dw])                  # the applied updates: w_new == w_old + update

Hyperparameters are validated once, when set; ``step()`` does no validation, because the trainer
calls it thousands of times a second on one small flat vector. Nor does it silence NumPy's
floating-point warnings (overflow when training diverges): that policy belongs to the caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from engine.arrays import Array
from engine.optimizer_updates import adagrad_update, adam_update, rmsprop_update, sgd_update


@dataclass(frozen=True)
class HyperSpec:
    """One hyperparameter: default, kind ("float" | "bool" | "int"), inclusive bounds."""

    default: float | bool | int
    kind: str
    min: float | None
    max: float | None
    description: str


def _num(default: float, lo: float, hi: float, description: str) -> HyperSpec:
    return HyperSpec(default, "float", lo, hi, description)


def _flag(default: bool, description: str) -> HyperSpec:
    return HyperSpec(default, "bool", None, None, description)


# Lower bounds are torch's; upper bounds are the playground's (slider ends), still inclusive.
_LR_MAX = 10.0
_WD = "L2 penalty added to the gradient (weight_decay * param)"
_BETA_MAX = 0.9999  # torch requires beta < 1


# ---------------------------------------------------------------------------------------------
# Optimizer classes: validation, hyperparameters, lazy state.
# ---------------------------------------------------------------------------------------------


def check_value(name: str, spec: HyperSpec, value: Any) -> float | bool | int:
    """Return the value normalised to its kind, or raise ValueError naming field and range."""
    if spec.kind == "bool":
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"Invalid {name}: {value!r} (must be true or false)")
        return bool(value)
    is_number = isinstance(value, int | float | np.integer | np.floating)
    if not is_number or isinstance(value, bool | np.bool_):
        raise ValueError(f"Invalid {name}: {value!r} (must be a number)")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float (10**309)
        finite = False
    if not finite:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise ValueError(f"Invalid {name}: {shown} (must be a finite number)")
    if spec.kind == "int" and value != int(value):
        raise ValueError(f"Invalid {name}: {value!r} (must be an integer)")
    x = int(value) if spec.kind == "int" else float(value)
    lo, hi = spec.min, spec.max
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        bounds = []
        if lo is not None:
            bounds.append(f">= {lo:g}")
        if hi is not None:
            bounds.append(f"<= {hi:g}")
        raise ValueError(f"Invalid {name}: {value!r} (must be {' and '.join(bounds)})")
    return x


class Optimizer:
    """Base class. Subclasses set name, label, HYPER and _update (a pure update function)."""

    name: ClassVar[str]
    label: ClassVar[str]
    HYPER: ClassVar[dict[str, HyperSpec]]
    ALIASES: ClassVar[Mapping[str, tuple[str, ...]]] = {}  # e.g. betas -> (beta1, beta2)
    # The state the update keeps per parameter (torch's names): buffers shaped like the
    # parameter, created with the first step or when an option needing them is switched on,
    # and integer counters. Snapshots validate against these.
    STATE_BUFFERS: ClassVar[tuple[str, ...]] = ()  # present from the first step on
    OPTIONAL_BUFFERS: ClassVar[tuple[str, ...]] = ()  # present once an option has been on
    STATE_COUNTERS: ClassVar[tuple[str, ...]] = ()  # ints, present from the first step on
    # The update rule, (param, grad, state, **hyperparameters) -> the update to add; each
    # rule names its own keyword-only hyperparameters, so the keywords stay open here.
    _update: ClassVar[Callable[..., Array]]

    def __init__(self, params: Sequence[Array], **hyper: Any) -> None:
        self.params: list[Array] = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, np.ndarray) or p.dtype != np.float64:
                raise TypeError(f"params[{i}] must be a float64 numpy array (updated in place)")
        self._values: dict[str, Any] = {k: s.default for k, s in self.HYPER.items()}
        self.set_hyper(**hyper)
        self.reset()

    @property
    def hyper(self) -> dict[str, Any]:
        """Current hyperparameters by HYPER name (a copy; Adam's betas as beta1, beta2).

        Only HYPER names, no aliases, so ``{**opt.hyper, **changes}`` is always a valid set.
        """
        return dict(self._values)

    def set_hyper(self, **changes: Any) -> None:
        """Validate all changes first (none applies if any is invalid), then apply; keep state."""
        merged = dict(self._values)
        merged.update(self._check(self._expand_aliases(changes)))
        self._check_combination(merged)
        self._values = merged
        self._bind(merged)

    def reset(self) -> None:
        """Forget all state, as if freshly constructed (hyperparameters kept)."""
        self.state: list[dict[str, Any]] = [{} for _ in self.params]
        self.step_count = 0

    def step(self, grads: Sequence[Array]) -> list[Array]:
        """Apply one update with `grads` (aligned with params); return p_new - p_old per param."""
        if len(grads) != len(self.params):  # checked up front so no param is half-updated
            raise ValueError(f"got {len(grads)} gradients for {len(self.params)} params")
        update, kw = self._update, self._kw
        out = []
        for p, g, s in zip(self.params, grads, self.state, strict=True):
            u = update(p, g, s, **kw)
            p += u
            out.append(u)
        self.step_count += 1
        return out

    def stateless(self) -> bool:
        """Whether the update, with these hyperparameters, reads and writes no state (SGD
        without momentum): runs of such optimizers may update as rows of one array
        (``step_rows``)."""
        return False

    def peek(self, grads: Sequence[Array], params: Sequence[Array] | None = None) -> list[Array]:
        """The updates ``step(grads)`` would return now, bit for bit, computed on a copy of the
        state (the rules replace state entries, never change them in place): nothing changes.
        ``params`` (default: the optimizer's own) lets a caller ask what this optimizer's state
        would do at other parameters."""
        params = self.params if params is None else params
        if len(grads) != len(params) or len(params) != len(self.params):
            raise ValueError(f"got {len(grads)} gradients and {len(params)} params for "
                             f"{len(self.params)} params")
        update, kw = self._update, self._kw
        return [
            update(p, g, dict(s), **kw) for p, g, s in zip(params, grads, self.state, strict=True)
        ]

    def update_rule(self) -> Callable[[Any, Any, dict[str, Any]], Any]:
        """The update rule with this optimizer's hyperparameters bound: ``rule(param, grad,
        state)`` returns the update for one parameter and advances ``state`` (a dict the caller
        keeps per parameter, empty at first). A parameter may be a float64 array or a Python
        float: the lab steps a point's coordinates as floats, with the bits of ``step``."""
        update, kw = self._update, self._kw

        def rule(param: Any, grad: Any, state: dict[str, Any]) -> Any:
            return update(param, grad, state, **kw)  # cheaper per call than a partial

        return rule

    def copy(self, params: Sequence[Array]) -> Optimizer:
        """The same optimizer (hyperparameters, state, step count) over ``params``; the copy's
        state is its own, so stepping one leaves the other alone."""
        twin = type(self)(params, **self._values)
        if len(twin.params) != len(self.params):
            raise ValueError(f"got {len(twin.params)} params for {len(self.params)}")
        twin.state = [copy_state(s) for s in self.state]
        twin.step_count = self.step_count
        return twin

    # -- internals -----------------------------------------------------------------------------

    def _expand_aliases(self, changes: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in changes.items() if k not in self.ALIASES}
        for alias, names in self.ALIASES.items():
            if alias not in changes:
                continue
            value = changes[alias]
            if not isinstance(value, list | tuple) or len(value) != len(names):
                raise ValueError(
                    f"Invalid {alias}: {value!r} (must be a pair ({', '.join(names)}))"
                )
            for n, v in zip(names, value, strict=True):
                if n in out and out[n] != v:
                    raise ValueError(f"Invalid {alias}: {value!r} (conflicts with {n}={out[n]!r})")
                out[n] = v
        return out

    def _check(self, changes: dict[str, Any]) -> dict[str, Any]:
        allowed = [*self.HYPER, *self.ALIASES]
        checked = {}
        for name, value in changes.items():
            spec = self.HYPER.get(name)
            if spec is None:
                raise ValueError(
                    f"Unknown hyperparameter {name!r} for {self.label} "
                    f"(allowed: {', '.join(allowed)})"
                )
            checked[name] = check_value(name, spec, value)
        return checked

    def _check_combination(self, values: dict[str, Any]) -> None:
        """Rules spanning several hyperparameters; values are already individually valid."""

    def _bind(self, values: dict[str, Any]) -> None:
        """Precompute the keyword arguments of the update function (no lookups per step)."""
        self._kw = dict(values)


def step_rows(optimizers: Sequence[Optimizer], params: Array, grads: Array) -> Array | None:
    """``step`` of several optimizers, each over one parameter, at once: row i of ``params``
    and ``grads`` (n, P) is optimizer i's parameter (its value) and gradient. When they are of
    one kind, stateless and with equal hyperparameters, the update rule runs once on the rows
    (it is elementwise: each row the bits of that optimizer's own ``step``), each one's own
    parameter is updated, and the updates' rows are returned; else None, and nothing is done."""
    first = optimizers[0]
    if not first.stateless() or any(
            type(o) is not type(first) or o._kw != first._kw or len(o.params) != 1
            for o in optimizers):
        return None
    updates: Array = first._update(params, grads, {}, **first._kw)
    for optimizer, update in zip(optimizers, updates, strict=True):
        optimizer.params[0] += update
        optimizer.step_count += 1
    return updates


def copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of one parameter's state: buffers copied, counters (ints) as they are."""
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in state.items()}


class SGD(Optimizer):
    name = "sgd"
    label = "SGD"
    OPTIONAL_BUFFERS = ("momentum_buffer",)
    HYPER: ClassVar[dict[str, HyperSpec]] = {
        "lr": _num(1e-3, 0.0, _LR_MAX, "learning rate: step size along the (smoothed) gradient"),
        "momentum": _num(0.0, 0.0, 0.999, "momentum factor: fraction of the last step kept"),
        "dampening": _num(0.0, 0.0, 1.0, "dampening: scales new gradients into the momentum"),
        "weight_decay": _num(0.0, 0.0, 10.0, _WD),
        "nesterov": _flag(False, "Nesterov momentum: look ahead along the momentum"),
    }
    _update = staticmethod(sgd_update)

    def stateless(self) -> bool:
        return bool(self._values["momentum"] == 0)

    def _check_combination(self, values: dict[str, Any]) -> None:
        if values["nesterov"] and (values["momentum"] <= 0 or values["dampening"] != 0):
            raise ValueError(
                "Invalid nesterov: True (requires momentum > 0 and dampening == 0, got "
                f"momentum={values['momentum']!r}, dampening={values['dampening']!r})"
            )


class Adam(Optimizer):
    name = "adam"
    label = "Adam"
    DECOUPLED: ClassVar[bool] = False
    HYPER: ClassVar[dict[str, HyperSpec]] = {
        "lr": _num(1e-3, 0.0, _LR_MAX, "learning rate: size of the normalised step"),
        "beta1": _num(0.9, 0.0, _BETA_MAX, "decay rate of the gradient average (betas[0])"),
        "beta2": _num(0.999, 0.0, _BETA_MAX, "decay rate of the squared-gradient mean (betas[1])"),
        "eps": _num(1e-8, 0.0, 1.0, "added to the root of the second moment, for stability"),
        "weight_decay": _num(0.0, 0.0, 10.0, _WD),
        "amsgrad": _flag(False, "AMSGrad: divide by the largest second moment seen so far"),
    }
    ALIASES: ClassVar[Mapping[str, tuple[str, ...]]] = {"betas": ("beta1", "beta2")}
    STATE_BUFFERS = ("exp_avg", "exp_avg_sq")
    OPTIONAL_BUFFERS = ("max_exp_avg_sq",)
    STATE_COUNTERS = ("step",)
    _update = staticmethod(adam_update)

    def _bind(self, values: dict[str, Any]) -> None:
        self._kw = {**values, "decoupled": self.DECOUPLED}


class AdamW(Adam):
    name = "adamw"
    label = "AdamW"
    DECOUPLED = True
    HYPER: ClassVar[dict[str, HyperSpec]] = {
        **Adam.HYPER,
        "weight_decay": _num(
            1e-2, 0.0, 10.0, "decoupled weight decay: weights shrink by lr * weight_decay per step"
        ),
    }


class RMSprop(Optimizer):
    name = "rmsprop"
    label = "RMSprop"
    HYPER: ClassVar[dict[str, HyperSpec]] = {
        "lr": _num(1e-2, 0.0, _LR_MAX, "learning rate: size of the normalised step"),
        "alpha": _num(0.99, 0.0, _BETA_MAX, "smoothing constant of the squared-gradient average"),
        "eps": _num(1e-8, 0.0, 1.0, "added to the root of the average, for stability"),
        "weight_decay": _num(0.0, 0.0, 10.0, _WD),
        "momentum": _num(0.0, 0.0, 0.999, "momentum factor applied to the normalised step"),
        "centered": _flag(False, "centered: normalise by an estimate of the gradient variance"),
    }
    STATE_BUFFERS = ("square_avg",)
    OPTIONAL_BUFFERS = ("grad_avg", "momentum_buffer")
    STATE_COUNTERS = ("step",)
    _update = staticmethod(rmsprop_update)


class Adagrad(Optimizer):
    name = "adagrad"
    label = "Adagrad"
    HYPER: ClassVar[dict[str, HyperSpec]] = {
        "lr": _num(1e-2, 0.0, _LR_MAX, "learning rate before decay"),
        "lr_decay": _num(0.0, 0.0, 10.0, "rate at step t is lr / (1 + (t - 1) * lr_decay)"),
        "weight_decay": _num(0.0, 0.0, 10.0, _WD),
        "initial_accumulator_value": _num(
            0.0, 0.0, 10.0, "starting value of the sum of squared gradients"
        ),
        "eps": _num(1e-10, 0.0, 1.0, "added to the root of the sum, for stability"),
    }
    STATE_BUFFERS = ("sum",)
    STATE_COUNTERS = ("step",)
    _update = staticmethod(adagrad_update)


OPTIMIZERS: dict[str, type[Optimizer]] = {c.name: c for c in (SGD, Adam, AdamW, RMSprop, Adagrad)}


def _lookup(name: str) -> type[Optimizer]:
    cls = OPTIMIZERS.get(name)
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r} (allowed: {', '.join(OPTIMIZERS)})")
    return cls


def make_optimizer(name: str, params: Sequence[Array], **hyper: Any) -> Optimizer:
    """Build the optimizer registered as `name`; `hyper` overrides its defaults (torch names)."""
    return _lookup(name)(params, **hyper)


def hyper_spec_json(name: str) -> dict[str, Any]:
    """JSON-serialisable description of one optimizer's hyperparameters, in display order."""
    cls = _lookup(name)
    return {
        "name": cls.name,
        "label": cls.label,
        "hyper": {k: asdict(spec) for k, spec in cls.HYPER.items()},
    }
