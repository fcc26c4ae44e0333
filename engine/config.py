"""The whole description of a training run: data, network, loss, optimizer and seed.

Defaults are TF Playground's (circle, x1 x2, hidden [4, 2], tanh, batch 10, learning rate 0.03).
``loss`` and ``output_activation`` left as None are chosen from the dataset: binary
classification -> bce, several classes -> cross_entropy, regression -> mse.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

import numpy as np

from engine.datasets import DATASETS
from engine.optimizers import make_optimizer
from engine.schema import ALL, AUTO, ENGINE_LIMITS, SETTINGS, Limits, check_value

_T = TypeVar("_T")


def _default(key: str) -> Any:
    value = SETTINGS[key].default
    return tuple(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class TrainingConfig:
    """One run's configuration; every key's type, default and range is in ``engine.schema``."""

    dataset: str = _default("dataset")
    samples: int | None = None  # None: the dataset's TF Playground count (500 / 1200)
    noise: float = _default("noise")  # fraction, 0 .. 0.5
    train_ratio: float = _default("train_ratio")  # fraction of points used for training
    features: tuple[str, ...] = _default("features")
    hidden: tuple[int, ...] = _default("hidden")
    activation: str = _default("activation")
    output_activation: str | None = None  # None or "auto": chosen from the dataset and loss
    loss: str | None = None  # None or "auto": chosen from the dataset
    regularization: str = _default("regularization")
    regularization_rate: float = _default("regularization_rate")
    optimizer: str = _default("optimizer")
    learning_rate: float = _default("learning_rate")
    hyper: dict[str, Any] = field(default_factory=dict)
    batch_size: int | None = _default("batch_size")  # None: the whole training set
    init: str = _default("init")
    seed: int = _default("seed")

    def normalized(self, limits: Limits = ENGINE_LIMITS) -> TrainingConfig:
        """Validate every field and fill in the automatic choices; ValueError names the field.

        ``limits``: a host's narrower caps (the server's); the engine's own by default."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        if values["batch_size"] is None:
            values["batch_size"] = ALL
        for key in ("samples", "loss", "output_activation"):
            if values[key] is None:
                values[key] = AUTO
        checked: dict[str, Any] = {}
        for key, value in values.items():
            if key == "samples" and value == AUTO:
                checked[key] = AUTO
                continue
            checked[key] = check_value(key, value, limits)
        spec = DATASETS[checked["dataset"]]
        if checked["samples"] == AUTO:
            checked["samples"] = check_value("samples", spec.default_samples, limits)
        loss = checked["loss"]
        if loss == AUTO:
            loss = _default_loss(spec.kind, spec.n_classes)
        _check_loss_fits(loss, spec.kind, spec.n_classes)
        output_activation = checked["output_activation"]
        if output_activation == AUTO:
            output_activation = "tanh" if loss == "mse" and spec.kind == "classification" \
                else "linear"
        if loss != "mse" and output_activation != "linear":
            raise ValueError(f"output_activation: {loss} applies its own link; use 'linear'")
        _check_hyper(checked["optimizer"], checked["learning_rate"], checked["hyper"])
        checked.update(loss=loss, output_activation=output_activation,
                       batch_size=None if checked["batch_size"] == ALL else checked["batch_size"])
        return replace(self, **checked)

    # A normalized config (every Trainer's) has these chosen; the properties say so to the type
    # checker and fail loudly on a config that skipped normalized().
    @property
    def chosen_samples(self) -> int:
        return _chosen("samples", self.samples)

    @property
    def chosen_loss(self) -> str:
        return _chosen("loss", self.loss)

    @property
    def chosen_output_activation(self) -> str:
        return _chosen("output_activation", self.output_activation)

    def output_size(self) -> int:
        spec = DATASETS[self.dataset]
        return spec.n_classes if self.loss == "cross_entropy" else 1


def _chosen(key: str, value: _T | None) -> _T:
    if value is None:
        raise ValueError(f"{key}: not chosen yet; normalized() chooses it")
    return value


def _default_loss(kind: str, n_classes: int) -> str:
    if kind == "regression":
        return "mse"
    return "bce" if n_classes == 2 else "cross_entropy"


def _check_loss_fits(loss: str, kind: str, n_classes: int) -> None:
    if kind == "regression" and loss != "mse":
        raise ValueError("loss: a regression dataset needs 'mse'")
    if kind == "classification" and n_classes > 2 and loss != "cross_entropy":
        raise ValueError(f"loss: {n_classes} classes need 'cross_entropy'")


def _check_hyper(optimizer: str, lr: float, hyper: object) -> None:
    """The optimizer's own validation, reported under the field name ``hyper``."""
    if not isinstance(hyper, dict):
        raise ValueError(f"hyper: must map hyperparameter names to values; got {hyper!r}")
    if "lr" in hyper:
        raise ValueError("hyper: 'lr' is set by learning_rate, not in hyper")
    try:
        make_optimizer(optimizer, [np.zeros(1)], lr=lr, **hyper)
    except ValueError as exc:
        raise hyper_error(exc) from None


def hyper_error(exc: ValueError) -> ValueError:
    """The optimizer's "Invalid momentum: ..." under the field it names (hyper.momentum, or
    learning_rate for lr), so the page can point at the control."""
    words = str(exc).split(" ", 2)
    name = words[1].rstrip(":") if len(words) > 1 and words[0] == "Invalid" else ""
    if name == "lr":
        return ValueError(f"learning_rate: {exc}")
    field_name = f"hyper.{name}" if name.isidentifier() else "hyper"
    return ValueError(f"{field_name}: {exc}")
