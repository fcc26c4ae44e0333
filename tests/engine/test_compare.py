"""What each optimizer would do now: plain GD is -lr * grad, the running optimizer's entry is the
pending update, the others' state comes from the same gradient history, nothing changes."""

from __future__ import annotations

import numpy as np
import pytest

from engine import ALTERNATIVES, PhaseError, Trainer, compare_updates, track_alternatives
from engine.compare import running_kind
from engine.losses import get_loss
from engine.optimizers import make_optimizer

RUNS = [  # (optimizer, hyper, the kind it is)
    ("sgd", {}, "gd"),
    ("sgd", {"momentum": 0.9}, "momentum"),
    ("sgd", {"momentum": 0.5, "nesterov": True}, "nesterov"),
    ("rmsprop", {"centered": True}, "rmsprop"),
    ("adagrad", {}, "adagrad"),
    ("adam", {"amsgrad": True}, "adam"),
    ("adamw", {"weight_decay": 0.1}, "adamw"),
]


def at_backward(optimizer: str, hyper: dict, steps: int = 20, track: bool = False, **kw
                ) -> Trainer:
    t = Trainer(optimizer=optimizer, hyper=hyper, learning_rate=0.05, batch_size=30, **kw)
    if track:
        track_alternatives(t)
    t.run(steps)
    t.forward()
    t.backward()
    return t


def entries(result: dict) -> dict[str, dict]:
    return {e["kind"]: e for e in result["entries"]}


@pytest.mark.parametrize(("optimizer", "hyper", "kind"), RUNS)
def test_plain_gd_is_minus_lr_times_the_gradient_and_the_running_one_is_pending(
    optimizer, hyper, kind
):
    t = at_backward(optimizer, hyper)
    result = compare_updates(t)
    by_kind = entries(result)
    assert list(by_kind) == list(ALTERNATIVES) and result["running"] == kind
    np.testing.assert_array_equal(by_kind["gd"]["update"], -0.05 * t.pending.grad_flat)
    np.testing.assert_array_equal(by_kind[kind]["update"], t.pending_update())
    assert by_kind[kind]["state"] == "running"
    assert by_kind[kind]["hyper"] == t.optimizer.hyper


@pytest.mark.parametrize(("optimizer", "hyper", "kind"), RUNS[:4])
def test_comparing_changes_nothing(optimizer, hyper, kind):
    t = at_backward(optimizer, hyper, track=True)
    reference = t.copy()
    p, flat = t.pending, t.net.flat.copy()
    compare_updates(t)
    assert t.pending is p and t.phase == "backward"
    np.testing.assert_array_equal(t.net.flat, flat)
    a, b = t.run(30), reference.run(30)
    assert a == b
    np.testing.assert_array_equal(t.net.flat, reference.net.flat)


def test_losses_after_are_those_the_update_gives():
    t = at_backward("adam", {}, regularization="l2", regularization_rate=0.01)
    result = compare_updates(t)
    running = entries(result)["adam"]
    batch = t.pending
    before = result["before"]
    assert before["batch_loss"] == batch.loss
    assert before["train_loss"] == t.evaluate().train_loss
    t.update()  # now apply it for real
    m = t.evaluate()
    out = t.net.forward_all(batch.inputs)[-1]
    assert running["batch_loss"] == get_loss(t.config.loss).value_and_grad(out, batch.targets)[0]
    assert running["train_loss"] == m.train_loss
    assert running["penalty"] == pytest.approx(m.penalty, rel=1e-12)


def test_others_are_fed_the_same_gradient_history_once_tracked():
    t = Trainer(optimizer="adam", learning_rate=0.05, batch_size=30)
    track_alternatives(t)
    grads = [t.step().grad_flat for _ in range(25)]
    t.forward()
    t.backward()
    grads_now = t.pending.grad_flat
    result = compare_updates(t)
    assert result["history_from_step"] == 0
    for kind, entry in entries(result).items():
        if kind in ("gd", "adam"):
            continue
        alt = ALTERNATIVES[kind]
        twin = make_optimizer(alt.optimizer, [np.zeros(t.net.n_params)], lr=0.05, **alt.hyper)
        for g in grads:  # the same history, replayed by hand
            twin.step([g])
        (expected,) = twin.peek([grads_now], params=[t.net.flat])
        assert entry["state"] == "shadow"
        np.testing.assert_array_equal(entry["update"], expected)


@pytest.mark.parametrize(("optimizer", "hyper", "kind"), RUNS[1:5])
def test_a_shadow_of_the_running_kind_holds_the_running_state(optimizer, hyper, kind):
    # with default hyperparameters the shadow and the real optimizer see the same gradients
    defaults = {"momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9, "nesterov": True}}
    t = at_backward(optimizer, defaults.get(kind, {}), steps=40, track=True)
    shadow, real = t.shadows.optimizers[kind].state[0], t.optimizer.state[0]
    assert shadow.keys() == real.keys()
    for key in real:
        np.testing.assert_array_equal(shadow[key], real[key])


def test_untracked_others_start_fresh():
    t = at_backward("sgd", {})
    result = compare_updates(t)
    assert result["history_from_step"] is None
    g = t.pending.grad_flat
    for kind, entry in entries(result).items():
        if kind == "gd":
            continue
        alt = ALTERNATIVES[kind]
        fresh = make_optimizer(alt.optimizer, [t.net.flat.copy()], lr=0.05, **alt.hyper)
        assert entry["state"] == "fresh"
        np.testing.assert_array_equal(entry["update"], fresh.step([g])[0])


def test_tracking_history_starts_when_asked_and_restarts_with_reset():
    t = Trainer()
    t.run(10)
    shadows = track_alternatives(t)
    assert shadows.since_step == 10 and track_alternatives(t) is shadows
    t.run(5)
    assert shadows.optimizers["adam"].state[0]["step"] == 5
    t.reset()
    assert shadows.since_step == 0 and shadows.optimizers["adam"].state == [{}]


@pytest.mark.parametrize("phase_calls", [[], ["forward"], ["step"]])
def test_compare_needs_a_gradient(phase_calls):
    t = Trainer()
    for name in phase_calls:
        getattr(t, name)()
    with pytest.raises(PhaseError, match=r"^compare_updates: "):
        compare_updates(t)


@pytest.mark.parametrize(("optimizer", "hyper", "kind"), RUNS)
def test_running_kind(optimizer, hyper, kind):
    assert running_kind(Trainer(optimizer=optimizer, hyper=hyper).config) == kind
