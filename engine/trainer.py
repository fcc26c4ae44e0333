"""Training loop: data, batching, epochs, one ``step()`` -> one update and its trace.

Randomness comes from the config's seed, split into independent streams (data, weights,
shuffling), so the same config gives bit-identical runs and ``reset()`` re-creates the same
initial weights and the same batch order.

A step can also be taken apart into its phases (``engine.phases``, which Trainer inherits).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.arrays import Array, IntArray
from engine.config import TrainingConfig, hyper_error
from engine.datasets import DATASETS, make_dataset, train_test_split
from engine.features import featurize
from engine.losses import get_loss
from engine.network import MLP
from engine.optimizers import make_optimizer
from engine.phases import StepPhases
from engine.regularization import get_regularizer
from engine.schema import ALL, check_value
from engine.trace import Divergence, PendingStep, PhaseError, StepTrace

if TYPE_CHECKING:
    from engine.compare import ShadowOptimizers


@dataclass(frozen=True)
class Metrics:
    train_loss: float
    test_loss: float
    train_accuracy: float | None  # None for regression
    test_accuracy: float | None
    penalty: float


# What can change mid-run without a new network or new data.
LIVE_KEYS = ("learning_rate", "hyper", "regularization", "regularization_rate", "batch_size")
# The live keys a half-done step's batch or gradient depends on: changing one drops the step.
STEP_KEYS = ("regularization", "regularization_rate", "batch_size")


class Trainer(StepPhases):
    """Owns one run: the data split, the network, the optimizer and the step counter."""

    def __init__(self, config: TrainingConfig | None = None, **overrides: Any) -> None:
        config = replace(config or TrainingConfig(), **overrides).normalized()
        self.config = config
        self.spec = DATASETS[config.dataset]
        data_seq, self._init_seq, self._shuffle_seq = np.random.SeedSequence(config.seed).spawn(3)
        data_rng = np.random.default_rng(data_seq)
        X, y = make_dataset(config.dataset, config.chosen_samples, config.noise, data_rng)
        self.X_train, self.y_train, self.X_test, self.y_test = train_test_split(
            X, y, config.train_ratio, data_rng
        )
        self.F_train = featurize(self.X_train, config.features)
        self.F_test = featurize(self.X_test, config.features)
        self._F_eval = np.vstack([self.F_train, self.F_test])
        self.Y_train = self._targets(self.y_train)
        self.Y_test = self._targets(self.y_test)
        for data in (self.X_train, self.y_train, self.X_test, self.y_test, self.F_train,
                     self.F_test, self._F_eval, self.Y_train, self.Y_test):
            data.flags.writeable = False  # copies of the run share them
        sizes = [len(config.features), *config.hidden, config.output_size()]
        self.net = MLP(
            sizes,
            activation=config.activation,
            output_activation=config.chosen_output_activation,
            init=config.init,
            seed=np.random.default_rng(self._init_seq),
        )
        self.optimizer = make_optimizer(
            config.optimizer, [self.net.flat], lr=config.learning_rate, **config.hyper
        )
        self.config = replace(config, hyper=_without_lr(self.optimizer.hyper))
        self._zeros = np.zeros(self.net.n_params)  # for the divergence check in step()
        self._everything = np.arange(len(self.y_train))  # the batch of batch gradient descent
        self._everything.flags.writeable = False
        # Optimizers that shadow the run (engine.compare), fed every applied gradient once
        # tracking is switched on; None: not tracked (they cost one update each per step).
        self.shadows: ShadowOptimizers | None = None
        self.reset()

    # ---- the run -------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to step 0: the same initial weights, a fresh optimizer, the same batch order.
        A half-done step is dropped."""
        self.net.reinitialize(np.random.default_rng(self._init_seq))
        self.optimizer.reset()
        self._shuffle_rng = np.random.default_rng(self._shuffle_seq)
        self._order = np.arange(len(self.y_train))
        self._cursor = len(self._order)  # forces a shuffle on the first step
        self.step_count = 0
        self.epoch = 0
        self.divergence: Divergence | None = None
        self.last_trace: StepTrace | None = None
        self._pending: PendingStep | None = None
        if self.shadows is not None:
            self.shadows.reset(since_step=0)

    @property
    def data_key(self) -> tuple[Any, ...]:
        """Runs with equal keys have equal data: features and targets of the training and test
        sets (they are made from these config fields alone)."""
        c = self.config
        return (c.dataset, c.chosen_samples, c.noise, c.train_ratio, c.seed, c.features, c.loss,
                c.output_activation)

    @property
    def batch_size(self) -> int:
        n = len(self.y_train)
        return n if self.config.batch_size is None else min(self.config.batch_size, n)

    def run(self, steps: int) -> list[float]:
        """Up to ``steps`` updates (fewer if training diverges); returns their batch losses."""
        losses = []
        for _ in range(steps):
            trace = self.step()
            if trace is None:
                break
            losses.append(trace.loss)
            if self.divergence is not None:
                break
        return losses

    def steps_per_epoch(self) -> int:
        return math.ceil(len(self.y_train) / self.batch_size)

    # ---- copies and the batch position ------------------------------------------------------
    def copy(self) -> Trainer:
        """An exact, independent copy of the run: stepped the same way, the two stay bit
        identical. Shares only what is never written (config, data); a half-done step and the
        last trace come along."""
        twin = object.__new__(Trainer)
        twin.__dict__.update(self.__dict__)  # config, seeds, data arrays (read-only), counters
        twin.net = self.net.copy()
        twin.optimizer = self.optimizer.copy([twin.net.flat])
        twin._shuffle_rng = np.random.Generator(np.random.PCG64())
        twin._shuffle_rng.bit_generator.state = self._shuffle_rng.bit_generator.state
        twin._order = self._order.copy()
        if self._pending is not None:  # its arrays are never written after they are made
            twin._pending = replace(self._pending)
        if self.last_trace is not None:  # the trace's live weight views follow the copy's net
            net = twin.net
            twin.last_trace = replace(self.last_trace, weights=net.weights, biases=net.biases,
                                      split=net.split)
        if self.shadows is not None:
            twin.shadows = self.shadows.copy()
        return twin

    def shuffle_state(self) -> tuple[IntArray, int, Mapping[str, Any]]:
        """(batch order (n,), cursor, shuffle generator state) as before a half-done step's
        draw: the position from which the next step (or the half-done one, redone) draws."""
        order, cursor = self._order, self._cursor
        rng_state = self._shuffle_rng.bit_generator.state
        p = self._pending
        if p is not None:
            cursor = p.cursor_before
            if p.order_before is not None and p.rng_before is not None:  # set together
                order, rng_state = p.order_before, p.rng_before
        return order.copy(), cursor, rng_state

    def set_shuffle_state(self, order: IntArray, cursor: int, rng_state: Mapping[str, Any]
                          ) -> None:
        """Put the batch position back (values from ``shuffle_state``, checked by the caller);
        a half-done step is dropped first."""
        self.drop_step()
        self._order[...] = order
        self._cursor = cursor
        self._shuffle_rng.bit_generator.state = rng_state

    def current_batch(self) -> IntArray:
        """(B,) indices of the batch in play: the half-done step's, or else the one the next
        ``forward()`` will draw (found on a copy; nothing changes)."""
        p = self._pending if self._pending is not None else self.copy().forward()
        if p is None:
            raise PhaseError("current_batch: the run has diverged; reset it")
        return p.batch

    # ---- live changes that keep the weights, optimizer state and step count ---------------
    def configure(self, **changes: Any) -> None:
        """Change what needs no new network (``LIVE_KEYS``), keeping the weights, the optimizer
        state and the step count. All of it is validated first: a ValueError naming the field,
        and nothing changed. ``hyper`` holds only the hyperparameters that change. A half-done
        step is dropped if a change touches its batch or gradient (``STEP_KEYS``)."""
        for key in changes:
            if key not in LIVE_KEYS:
                raise ValueError(f"{key}: changes the network or the data; build a new Trainer "
                                 f"(live changes: {', '.join(LIVE_KEYS)})")
        hyper = changes.pop("hyper", None) or {}
        if not isinstance(hyper, dict):
            raise ValueError(f"hyper: must map hyperparameter names to values; got {hyper!r}")
        betas = hyper.get("betas")
        if isinstance(betas, list | tuple) and len(betas) == 2:  # replaces beta1 and beta2
            hyper = {k: v for k, v in hyper.items() if k != "betas"}
            hyper["beta1"], hyper["beta2"] = betas
        # Validated once: the plain keys by their schema, then the learning rate and the
        # hyperparameters by the optimizer's own set_hyper, which checks all before applying
        # any. The optimizer holds them; the config reports what it holds.
        if "batch_size" in changes and changes["batch_size"] is None:
            changes["batch_size"] = ALL  # the engine's None: the whole training set
        checked = {key: check_value(key, value) for key, value in changes.items()
                   if key != "learning_rate"}
        if checked.get("batch_size") == ALL:
            checked["batch_size"] = None
        lr = changes.get("learning_rate", self.config.learning_rate)
        if "lr" in hyper:
            raise ValueError("hyper: 'lr' is set by learning_rate, not in hyper")
        try:
            self.optimizer.set_hyper(lr=lr, **hyper)
        except ValueError as exc:
            raise hyper_error(exc) from None
        new = replace(self.config, **checked, learning_rate=self.optimizer.hyper["lr"],
                      hyper=_without_lr(self.optimizer.hyper))
        if any(getattr(new, k) != getattr(self.config, k) for k in STEP_KEYS):
            self.drop_step()
        self.config = new

    def set_learning_rate(self, lr: float) -> None:
        self.configure(learning_rate=lr)

    def set_hyper(self, **hyper: Any) -> None:
        """Change optimizer hyperparameters (torch names, ``lr`` included); state is kept."""
        lr = hyper.pop("lr", self.config.learning_rate)
        self.configure(learning_rate=lr, hyper=hyper)

    def set_batch_size(self, batch_size: int | None) -> None:
        self.configure(batch_size=batch_size)

    def set_regularization(self, kind: str | None = None, rate: float | None = None) -> None:
        changes = {"regularization": kind, "regularization_rate": rate}
        self.configure(**{k: v for k, v in changes.items() if v is not None})

    # ---- reading the state ----------------------------------------------------------------
    def evaluate(self) -> Metrics:
        """Full train and test loss (and accuracy for classification) at the current weights."""
        with np.errstate(all="ignore"):
            out = self.net.forward_all(self._F_eval)[-1]  # train and test in one pass
        n = len(self.y_train)
        train_loss, train_acc = self._loss_and_accuracy(out[:n], self.Y_train, self.y_train)
        test_loss, test_acc = self._loss_and_accuracy(out[n:], self.Y_test, self.y_test)
        return Metrics(train_loss, test_loss, train_acc, test_acc, self.penalty())

    def penalty(self) -> float:
        """The regularization term at the current weights (rate * penalty)."""
        cfg = self.config
        reg = get_regularizer(cfg.regularization)
        with np.errstate(all="ignore"):  # w @ w may overflow once training has diverged
            return cfg.regularization_rate * reg.value(self.net.flat[: self.net.n_weights])

    def predict(self, F: Array) -> Array:
        """Features (n, d_in) -> what the loss predicts: a value or (class) probabilities."""
        out = self.net.forward_all(F)[-1]
        return get_loss(self.config.chosen_loss).predict(out)

    def _loss_and_accuracy(self, out: Array, Y: Array, y: Array) -> tuple[float, float | None]:
        """out: the raw outputs for these examples, (n, d_out)."""
        if len(y) == 0:
            return math.nan, None
        with np.errstate(all="ignore"):
            loss, _ = get_loss(self.config.chosen_loss).value_and_grad(out, Y)
        if self.spec.kind == "regression":
            return loss, None
        return loss, float(np.mean(self.classify(out) == y))

    def classify(self, out: Array) -> IntArray:
        """Raw outputs (..., n, d_out) -> predicted class per example (..., n)."""
        cfg = self.config
        if cfg.loss == "cross_entropy":
            classes: IntArray = out.argmax(axis=-1)
            return classes
        threshold = 0.5 if cfg.output_activation == "sigmoid" else 0.0
        return (out[..., 0] > threshold).astype(np.int64)

    def _targets(self, y: Array) -> Array:
        cfg = self.config
        if cfg.loss == "cross_entropy":
            return y.astype(np.int64)
        if self.spec.kind == "regression":
            return y.astype(np.float64)[:, None]
        if cfg.loss == "mse" and cfg.output_activation != "sigmoid":
            return (2.0 * y - 1.0)[:, None]  # TF Playground's -1 / +1 labels
        return y.astype(np.float64)[:, None]

    def _explain_divergence(self, loss: float) -> Divergence:
        bad_loss = not math.isfinite(loss)
        what = "loss" if bad_loss else "parameters"
        nan = math.isnan(loss) if bad_loss else bool(np.isnan(self.net.flat).any())
        value = "NaN" if nan else "Inf"
        lr = self.optimizer.hyper["lr"]
        subject = "the loss" if bad_loss else "a weight"
        message = (
            f"{subject} became {value} at step {self.step_count}: a learning rate of {lr:g} is "
            f"too large for this network, so each update overshoots and the numbers grow until "
            f"they overflow; lower the learning rate and reset"
        )
        return Divergence(self.step_count, what, value, message)


def _without_lr(hyper: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hyper.items() if k != "lr"}
