"""The whole description of a training run: data, network, loss, optimizer and seed.

Defaults are TF Playground's (circle, x1 x2, hidden [4, 2], tanh, batch 10, learning rate 0.03).
``loss`` and ``output_activation`` left as None are chosen from the dataset: binary
classification -> bce, several classes -> cross_entropy, regression -> mse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.datasets import DATASETS
from engine.features import FEATURES
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS, make_optimizer
from engine.regularization import REGULARIZERS


@dataclass(frozen=True)
class TrainingConfig:
    dataset: str = "circle"
    samples: int | None = None  # None: the dataset's TF Playground count (500 / 1200)
    noise: float = 0.0  # fraction, 0 .. 0.5
    train_ratio: float = 0.5  # fraction of points used for training, 0.1 .. 0.9
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    output_activation: str | None = None
    loss: str | None = None
    regularization: str = "none"
    regularization_rate: float = 0.0
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    hyper: dict[str, Any] = field(default_factory=dict)
    batch_size: int | None = 10  # None: the whole training set (batch gradient descent)
    init: str = "xavier_uniform"
    seed: int = 0

    def normalized(self) -> TrainingConfig:
        """Validate every field and fill in the automatic choices; ValueError names the field."""
        _choice("dataset", self.dataset, DATASETS)
        spec = DATASETS[self.dataset]
        samples = spec.default_samples if self.samples is None else self.samples
        _int_range("samples", samples, 2, 5000)
        _float_range("noise", self.noise, 0.0, 0.5)
        _float_range("train_ratio", self.train_ratio, 0.1, 0.9)
        features = tuple(self.features)
        if not features or len(set(features)) != len(features):
            raise ValueError(f"features: need 1 to {len(FEATURES)} distinct ids from "
                             f"{', '.join(FEATURES)}")
        for f in features:
            _choice("features", f, FEATURES)
        hidden = tuple(self.hidden)
        for width in hidden:
            _int_range("hidden", width, 1, 1024)
        _choice("activation", self.activation, ACTIVATIONS)
        loss = self.loss or _default_loss(spec.kind, spec.n_classes)
        _choice("loss", loss, LOSSES)
        _check_loss_fits(loss, spec.kind, spec.n_classes)
        output_activation = self.output_activation or (
            "tanh" if loss == "mse" and spec.kind == "classification" else "linear"
        )
        _choice("output_activation", output_activation, OUTPUT_ACTIVATIONS)
        if loss != "mse" and output_activation != "linear":
            raise ValueError(f"output_activation: {loss} applies its own link; use 'linear'")
        _choice("regularization", self.regularization, REGULARIZERS)
        _float_range("regularization_rate", self.regularization_rate, 0.0, 10.0)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _float_range("learning_rate", self.learning_rate, 0.0, 10.0)  # the optimizers' bound
        _check_hyper(self.optimizer, self.learning_rate, self.hyper)
        if self.batch_size is not None:
            _int_range("batch_size", self.batch_size, 1, 5000)
        _choice("init", self.init, INITIALIZERS)
        _int_range("seed", self.seed, 0, 2**32 - 1)
        return replace(
            self,
            samples=samples,
            features=features,
            hidden=hidden,
            loss=loss,
            output_activation=output_activation,
            hyper=dict(self.hyper),
        )

    def output_size(self) -> int:
        spec = DATASETS[self.dataset]
        return spec.n_classes if self.loss == "cross_entropy" else 1


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
        raise ValueError(f"hyper: {exc}") from None


def _choice(name: str, value: object, allowed: dict[str, Any] | tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}: unknown {value!r}; allowed: {', '.join(allowed)}")


def _int_range(name: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name}: must be an integer from {lo} to {hi}; got {value!r}")


def _float_range(name: str, value: object, lo: float, hi: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise ValueError(f"{name}: must be a number from {lo:g} to {hi:g}; got {value!r}")
