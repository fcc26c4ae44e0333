"""Training loop: data, batching, epochs, one ``step()`` -> one update and its trace.

Randomness comes from the config's seed, split into independent streams (data, weights,
shuffling), so the same config gives bit-identical runs and ``reset()`` re-creates the same
initial weights and the same batch order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from engine.config import TrainingConfig
from engine.datasets import DATASETS, make_dataset, train_test_split
from engine.features import featurize
from engine.losses import get_loss
from engine.network import MLP
from engine.optimizers import make_optimizer
from engine.regularization import get_regularizer
from engine.trace import Divergence, StepTrace

Array = np.ndarray


@dataclass(frozen=True)
class Metrics:
    train_loss: float
    test_loss: float
    train_accuracy: float | None  # None for regression
    test_accuracy: float | None
    penalty: float


# What can change mid-run without a new network or new data.
LIVE_KEYS = ("learning_rate", "hyper", "regularization", "regularization_rate", "batch_size")


class Trainer:
    """Owns one run: the data split, the network, the optimizer and the step counter."""

    def __init__(self, config: TrainingConfig | None = None, **overrides: Any) -> None:
        config = replace(config or TrainingConfig(), **overrides).normalized()
        self.config = config
        self.spec = DATASETS[config.dataset]
        data_seq, self._init_seq, self._shuffle_seq = np.random.SeedSequence(config.seed).spawn(3)
        data_rng = np.random.default_rng(data_seq)
        X, y = make_dataset(config.dataset, config.samples, config.noise, data_rng)
        self.X_train, self.y_train, self.X_test, self.y_test = train_test_split(
            X, y, config.train_ratio, data_rng
        )
        self.F_train = featurize(self.X_train, config.features)
        self.F_test = featurize(self.X_test, config.features)
        self._F_eval = np.vstack([self.F_train, self.F_test])
        self.Y_train = self._targets(self.y_train)
        self.Y_test = self._targets(self.y_test)
        sizes = [len(config.features), *config.hidden, config.output_size()]
        self.net = MLP(
            sizes,
            activation=config.activation,
            output_activation=config.output_activation,
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
        self.reset()

    # ---- the run -------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to step 0: the same initial weights, a fresh optimizer, the same batch order."""
        self.net.reinitialize(np.random.default_rng(self._init_seq))
        self.optimizer.reset()
        self._shuffle_rng = np.random.default_rng(self._shuffle_seq)
        self._order = np.arange(len(self.y_train))
        self._cursor = len(self._order)  # forces a shuffle on the first step
        self.step_count = 0
        self.epoch = 0
        self.divergence: Divergence | None = None
        self.last_trace: StepTrace | None = None

    @property
    def batch_size(self) -> int:
        n = len(self.y_train)
        return n if self.config.batch_size is None else min(self.config.batch_size, n)

    def step(self) -> StepTrace | None:
        """One parameter update on the next mini-batch. None (and nothing done) once diverged."""
        if self.divergence is not None:
            return None
        order, cursor, cfg = self._order, self._cursor, self.config
        n = len(order)
        B = n if cfg.batch_size is None else min(cfg.batch_size, n)
        if cursor >= n:  # a new pass over the training set
            if n > B:  # batch gradient descent needs no shuffle
                self._shuffle_rng.shuffle(order)
            cursor = 0
        if cursor == 0 and n == B:  # the whole training set, as stored: no copies
            batch, Xb, Yb = self._everything, self.F_train, self.Y_train
        else:  # (also the rest of a pass when the batch size grew to "all" mid-pass)
            batch = order[cursor : cursor + B].copy()  # order is reshuffled in place next pass
            Xb, Yb = self.F_train[batch], self.Y_train[batch]
        self._cursor = cursor = cursor + B
        net = self.net
        with np.errstate(all="ignore"):  # overflow is reported as divergence, not warned about
            net.forward(Xb)
            loss, _ = net.backward(Yb, cfg.loss, cfg.regularization, cfg.regularization_rate)
            (update,) = self.optimizer.step([net.grad_flat])
            # flat @ 0 is NaN exactly when some parameter is NaN or infinite (inf * 0 = NaN)
            diverged = not math.isfinite(loss) or math.isnan(net.flat @ self._zeros)
        self.step_count += 1
        if cursor >= n:  # the pass is complete: count it now, not at the next step
            self.epoch += 1
        trace = self.last_trace = StepTrace(
            self.step_count, self.epoch, loss, net.penalty, batch, Xb, net.zs,
            net.activations, net.deltas, net.grad_flat, update, net.weights, net.biases,
            net.n_weights, net.split,
        )
        if diverged:
            self.divergence = self._explain_divergence(loss)
        return trace

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

    # ---- live changes that keep the weights, optimizer state and step count ---------------
    def update(self, **changes: Any) -> None:
        """Change what needs no new network (``LIVE_KEYS``), keeping the weights, the optimizer
        state and the step count. All of it is validated first: a ValueError naming the field,
        and nothing changed. ``hyper`` holds only the hyperparameters that change."""
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
        new = replace(self.config, **changes, hyper={**self.config.hyper, **hyper}).normalized()
        self.optimizer.set_hyper(lr=new.learning_rate, **new.hyper)
        self.config = replace(new, hyper=_without_lr(self.optimizer.hyper))

    def set_learning_rate(self, lr: float) -> None:
        self.update(learning_rate=lr)

    def set_hyper(self, **hyper: Any) -> None:
        """Change optimizer hyperparameters (torch names, ``lr`` included); state is kept."""
        lr = hyper.pop("lr", self.config.learning_rate)
        self.update(learning_rate=lr, hyper=hyper)

    def set_batch_size(self, batch_size: int | None) -> None:
        self.update(batch_size=batch_size)

    def set_regularization(self, kind: str | None = None, rate: float | None = None) -> None:
        changes = {"regularization": kind, "regularization_rate": rate}
        self.update(**{k: v for k, v in changes.items() if v is not None})

    # ---- reading the state ----------------------------------------------------------------
    def evaluate(self) -> Metrics:
        """Full train and test loss (and accuracy for classification) at the current weights."""
        with np.errstate(all="ignore"):
            out = self.net.forward_all(self._F_eval)[-1]  # train and test in one pass
        n = len(self.y_train)
        train_loss, train_acc = self._loss_and_accuracy(out[:n], self.Y_train, self.y_train)
        test_loss, test_acc = self._loss_and_accuracy(out[n:], self.Y_test, self.y_test)
        cfg = self.config
        reg = get_regularizer(cfg.regularization)
        with np.errstate(all="ignore"):  # w @ w may overflow once training has diverged
            penalty = cfg.regularization_rate * reg.value(self.net.flat[: self.net.n_weights])
        return Metrics(train_loss, test_loss, train_acc, test_acc, penalty)

    def predict(self, F: Array) -> Array:
        """Features (n, d_in) -> what the loss predicts: a value or (class) probabilities."""
        out = self.net.forward_all(F)[-1]
        return get_loss(self.config.loss).predict(out)

    def _loss_and_accuracy(self, out: Array, Y: Array, y: Array) -> tuple[float, float | None]:
        """out: the raw outputs for these examples, (n, d_out)."""
        if len(y) == 0:
            return math.nan, None
        with np.errstate(all="ignore"):
            loss, _ = get_loss(self.config.loss).value_and_grad(out, Y)
        if self.spec.kind == "regression":
            return loss, None
        return loss, float(np.mean(self.classify(out) == y))

    def classify(self, out: Array) -> Array:
        """Raw outputs (n, d_out) -> predicted class per example (n,)."""
        cfg = self.config
        if cfg.loss == "cross_entropy":
            return out.argmax(axis=1)
        threshold = 0.5 if cfg.output_activation == "sigmoid" else 0.0
        return (out[:, 0] > threshold).astype(np.int64)

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
