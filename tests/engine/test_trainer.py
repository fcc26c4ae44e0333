"""Trainer: reproducibility, batching and epochs, live changes, divergence, metrics, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import Trainer, TrainingConfig, evaluate_grid, explain_example
from engine.optimizers import Optimizer

N_TRAIN = 250  # circle: 500 points, half for training


def test_same_config_and_seed_give_bit_identical_runs():
    config = TrainingConfig(dataset="spiral", hidden=(6, 6), optimizer="adam", seed=11)
    a, b = Trainer(config), Trainer(config)
    assert a.run(200) == b.run(200)
    np.testing.assert_array_equal(a.net.flat, b.net.flat)
    np.testing.assert_array_equal(a.last_trace.batch, b.last_trace.batch)


def test_another_seed_gives_another_run():
    assert Trainer(seed=1).run(5) != Trainer(seed=2).run(5)


def test_reset_reproduces_initial_weights_and_batch_order():
    t = Trainer(optimizer="adam")
    initial = t.net.flat.copy()
    batches = [t.step().batch.copy() for _ in range(60)]  # more than two epochs of 25 batches
    last_loss = t.last_trace.loss
    t.reset()
    assert (t.step_count, t.epoch, t.last_trace, t.divergence) == (0, 0, None, None)
    assert t.optimizer.state == [{}]
    np.testing.assert_array_equal(t.net.flat, initial)
    again = [t.step().batch.copy() for _ in range(60)]
    for first, second in zip(batches, again, strict=True):
        np.testing.assert_array_equal(first, second)
    assert t.last_trace.loss == last_loss


def check_batching(batch_size, steps_per_epoch, sizes) -> None:
    t = Trainer(batch_size=batch_size)
    assert t.steps_per_epoch() == steps_per_epoch
    for epoch in (1, 2):
        seen = []
        for _ in range(steps_per_epoch):
            assert t.epoch == epoch - 1
            trace = t.step()
            seen.append(trace.batch)
            np.testing.assert_array_equal(trace.inputs, t.F_train[trace.batch])
        assert [len(b) for b in seen] == sizes
        assert sorted(np.concatenate(seen)) == list(range(N_TRAIN))  # each point once per epoch
        assert (t.epoch, t.step_count, trace.epoch) == (epoch, epoch * steps_per_epoch, epoch)


@pytest.mark.parametrize(
    ("batch_size", "steps_per_epoch", "sizes"),
    [
        (1, 250, [1] * 250),  # stochastic gradient descent
        (10, 25, [10] * 25),  # TF Playground's default mini-batch
        (30, 9, [30] * 8 + [10]),  # the last batch of a pass is smaller
        (None, 1, [250]),  # the whole training set
        (250, 1, [250]),
        (1000, 1, [250]),  # larger than the training set: the whole set
    ],
)
def test_batching_and_epochs(batch_size, steps_per_epoch, sizes):
    check_batching(batch_size, steps_per_epoch, sizes)


def test_whole_set_batches_keep_the_order():
    t = Trainer(batch_size=None)
    for _ in range(3):
        np.testing.assert_array_equal(t.step().batch, np.arange(N_TRAIN))


def test_changing_batch_size_mid_pass_finishes_the_pass_first():
    t = Trainer()
    t.run(7)
    flat = t.net.flat.copy()
    t.set_batch_size(None)
    assert t.config.batch_size is None and t.step_count == 7
    np.testing.assert_array_equal(t.net.flat, flat)
    rest = t.step()  # the 180 points this pass has not used yet, like a short last batch
    assert len(rest.batch) == N_TRAIN - 70 and t.epoch == 1
    np.testing.assert_array_equal(rest.inputs, t.F_train[rest.batch])
    whole = t.step()
    np.testing.assert_array_equal(whole.batch, np.arange(N_TRAIN))
    np.testing.assert_array_equal(whole.inputs, t.F_train)
    assert t.epoch == 2


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_live_learning_rate_change_keeps_weights_state_and_step(optimizer):
    t = Trainer(optimizer=optimizer, hyper={"momentum": 0.9} if optimizer == "sgd" else {})
    t.run(40)
    flat = t.net.flat.copy()
    state = {k: v.copy() if isinstance(v, np.ndarray) else v
             for k, v in t.optimizer.state[0].items()}
    assert state  # momentum buffer / Adam moments exist by now
    t.set_learning_rate(0.1)
    assert (t.step_count, t.config.learning_rate, t.optimizer.hyper["lr"]) == (40, 0.1, 0.1)
    np.testing.assert_array_equal(t.net.flat, flat)
    for k, v in state.items():
        np.testing.assert_array_equal(t.optimizer.state[0][k], v)
    trace = t.step()
    assert trace.step == 41
    if optimizer == "sgd":  # the new rate is in use: update = -lr * (momentum * buf + grad)
        expected = -0.1 * (0.9 * state["momentum_buffer"] + trace.grad_flat)
        np.testing.assert_allclose(trace.update_flat, expected, rtol=1e-9, atol=1e-15)


def test_set_hyper_rejects_bad_values_and_keeps_the_old_ones():
    t = Trainer(optimizer="adam", learning_rate=0.01)
    with pytest.raises(ValueError, match="beta1"):
        t.set_hyper(beta1=1.5)
    assert t.optimizer.hyper["beta1"] == 0.9 and t.config.learning_rate == 0.01


# ---- divergence --------------------------------------------------------------------------------

DIVERGING = TrainingConfig(dataset="plane", activation="relu", learning_rate=10.0)


def test_divergence_is_reported_not_raised():
    t = Trainer(DIVERGING)
    losses = t.run(1000)  # warnings are errors here: an overflow warning would raise
    d = t.divergence
    assert d is not None and d.step == t.step_count == len(losses) < 1000
    assert d.value in ("NaN", "Inf") and d.what in ("loss", "parameters")
    assert f"step {d.step}" in d.message and "learning rate of 10" in d.message
    assert not math.isfinite(losses[-1]) or not np.isfinite(t.net.flat).all()
    assert t.step() is None and t.step() is None
    assert t.run(10) == [] and t.step_count == d.step


def test_reset_clears_divergence():
    t = Trainer(DIVERGING)
    t.run(1000)
    t.reset()
    assert t.divergence is None and t.step() is not None


@pytest.mark.parametrize(
    "read",
    [
        lambda t: t.evaluate(),
        lambda t: t.predict(t.F_test),
        lambda t: evaluate_grid(t.net, t.config.features, 8),
        lambda t: explain_example(t.net, t.F_train[0], t.Y_train[0], t.config.loss),
        lambda t: (t.last_trace.grad_norms(), t.last_trace.update_ratios()),
    ],
)
def test_reading_a_diverged_run_is_silent(read):
    t = Trainer(DIVERGING, regularization="l2", regularization_rate=0.001)
    t.run(1000)
    assert t.divergence is not None
    read(t)  # warnings are errors here


# ---- learning and metrics ------------------------------------------------------------------------


def test_loss_falls_on_circle_within_300_steps():
    t = Trainer()
    before = t.evaluate()
    losses = t.run(300)
    after = t.evaluate()
    assert after.train_loss < 0.9 * before.train_loss
    assert np.mean(losses[-25:]) < np.mean(losses[:25])
    assert after.train_accuracy > before.train_accuracy


@pytest.mark.parametrize(
    ("dataset", "loss", "classification"),
    [
        ("circle", "bce", True),
        ("xor", "mse", True),
        ("spiral3", "cross_entropy", True),
        ("plane", "mse", False),
        ("multi_gauss", "mse", False),
    ],
)
def test_accuracy_only_for_classification(dataset, loss, classification):
    t = Trainer(dataset=dataset, loss=loss)
    t.run(5)
    m = t.evaluate()
    assert t.config.loss == loss
    assert math.isfinite(m.train_loss) and math.isfinite(m.test_loss) and m.penalty == 0.0
    for acc in (m.train_accuracy, m.test_accuracy):
        assert (0.0 <= acc <= 1.0) if classification else acc is None


@pytest.mark.parametrize(
    ("overrides", "loss", "output_activation", "d_out"),
    [
        ({}, "bce", "linear", 1),
        ({"loss": "mse"}, "mse", "tanh", 1),  # TF Playground: tanh output, -1 / +1 labels
        ({"loss": "mse", "output_activation": "sigmoid"}, "mse", "sigmoid", 1),
        ({"dataset": "blobs3"}, "cross_entropy", "linear", 3),
        ({"dataset": "plane"}, "mse", "linear", 1),
    ],
)
def test_automatic_loss_and_output(overrides, loss, output_activation, d_out):
    t = Trainer(**overrides)
    assert (t.config.loss, t.config.output_activation) == (loss, output_activation)
    assert t.net.sizes[-1] == d_out


def test_mse_classification_targets_are_plus_minus_one():
    t = Trainer(loss="mse")
    np.testing.assert_array_equal(t.Y_train[:, 0], 2.0 * t.y_train - 1.0)


def test_penalty_is_reported_beside_the_loss():
    t = Trainer(regularization="l2", regularization_rate=0.1)
    trace = t.step()
    m = t.evaluate()
    w = t.net.flat[: t.net.n_weights]
    assert m.penalty == pytest.approx(0.1 * 0.5 * float(w @ w))
    assert trace.penalty > 0


# ---- validation ----------------------------------------------------------------------------------


def check_invalid(field, overrides) -> None:
    # an item or a hyperparameter is named exactly (hidden.1, hyper.eps): the page points at it
    with pytest.raises(ValueError, match=rf"^{field}(\.\w+)?: "):
        Trainer(**overrides)


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("dataset", {"dataset": "nope"}),
        ("samples", {"samples": 1}),
        ("samples", {"samples": 5001}),
        ("noise", {"noise": 0.6}),
        ("noise", {"noise": math.nan}),
        ("train_ratio", {"train_ratio": 0.95}),
        ("features", {"features": ()}),
        ("features", {"features": ("x1", "x1")}),
        ("features", {"features": ("x9",)}),
        ("hidden", {"hidden": (4, 0)}),
        ("hidden", {"hidden": (2.5,)}),
        ("activation", {"activation": "gelu"}),
        ("loss", {"loss": "hinge"}),
        ("loss", {"dataset": "plane", "loss": "bce"}),
        ("loss", {"dataset": "spiral3", "loss": "bce"}),
        ("output_activation", {"output_activation": "softmax"}),
        ("output_activation", {"loss": "bce", "output_activation": "tanh"}),
        ("regularization", {"regularization": "l3"}),
        ("regularization_rate", {"regularization_rate": -1.0}),
        ("optimizer", {"optimizer": "lbfgs"}),
        ("learning_rate", {"learning_rate": -0.1}),
        ("learning_rate", {"learning_rate": 11.0}),
        ("learning_rate", {"learning_rate": math.inf}),
        ("learning_rate", {"learning_rate": True}),
        ("hyper", {"hyper": {"momentum": 2.0}}),
        ("hyper", {"hyper": {"lr": 0.1}}),
        ("hyper", {"optimizer": "adam", "hyper": {"momentum": 0.9}}),
        ("batch_size", {"batch_size": 0}),
        ("init", {"init": "orthogonal"}),
        ("seed", {"seed": -1}),
    ],
)
def test_invalid_config_names_the_field(field, overrides):
    check_invalid(field, overrides)


@pytest.mark.parametrize(
    ("method", "args", "field"),
    [
        ("set_batch_size", (0,), "batch_size"),
        ("set_regularization", ("l3",), "regularization"),
        ("set_regularization", (None, -0.5), "regularization_rate"),
    ],
)
def test_invalid_live_change_names_the_field_and_changes_nothing(method, args, field):
    t = Trainer()
    before = t.config
    with pytest.raises(ValueError, match=rf"^{field}: "):
        getattr(t, method)(*args)
    assert t.config == before


def test_a_live_change_goes_to_the_running_optimizer_alone(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    t = Trainer(optimizer="adam", learning_rate=0.01)
    t.run(5)
    optimizer, state = t.optimizer, {k: v.copy() for k, v in t.optimizer.state[0].items()
                                     if isinstance(v, np.ndarray)}
    built = []
    original = Optimizer.__init__

    def counting(self: Optimizer, *args: object, **kwargs: object) -> None:
        built.append(type(self).__name__)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Optimizer, "__init__", counting)
    t.configure(learning_rate=0.05, hyper={"eps": 1e-6})
    with pytest.raises(ValueError, match=r"^hyper\.eps: "):
        t.configure(learning_rate=0.2, hyper={"eps": -1.0})  # refused whole: lr stays 0.05
    assert built == []  # no throwaway optimizer to validate with
    assert t.optimizer is optimizer and t.optimizer.hyper["lr"] == 0.05
    assert t.config.learning_rate == 0.05 and t.config.hyper["eps"] == 1e-6
    for name, value in state.items():
        assert np.array_equal(t.optimizer.state[0][name], value)
