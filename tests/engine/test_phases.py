"""The step taken apart: forward, backward and update equal step() bit for bit; backward and
pending_update change nothing; update applies exactly the pending update; half-done steps."""

from __future__ import annotations

import numpy as np
import pytest

from engine import PhaseError, Trainer, TrainingConfig
from engine.optimizers import copy_state

# Every update rule the trainer can run; batch 30 of 250 leaves a partial last batch per pass.
OPTIMIZERS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True, "momentum": 0.5}),
    ("adagrad", {"lr_decay": 0.01}),
    ("adam", {}),
    ("adam", {"amsgrad": True}),
    ("adamw", {}),
]
IDS = [f"{name}-{hyper}" for name, hyper in OPTIMIZERS]


def config(name: str, hyper: dict, **overrides) -> TrainingConfig:
    lr = 0.03 if name == "sgd" else 0.01
    return TrainingConfig(optimizer=name, hyper=hyper, learning_rate=lr, batch_size=30,
                          regularization="l2", regularization_rate=0.001, **overrides)


def run_state(t: Trainer) -> tuple:
    """Everything a step may change, copied: params, optimizer state, counters, batch position."""
    order, cursor, rng = t.shuffle_state()
    return (t.net.flat.copy(), copy_state(t.optimizer.state[0]), t.optimizer.step_count,
            t.step_count, t.epoch, order, cursor, rng)


def assert_same_state(a: tuple, b: tuple) -> None:
    (flat_a, state_a, *rest_a), (flat_b, state_b, *rest_b) = a, b
    np.testing.assert_array_equal(flat_a, flat_b)
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key])
    for x, y in zip(rest_a, rest_b, strict=True):
        np.testing.assert_array_equal(x, y) if isinstance(x, np.ndarray) else _eq(x, y)


def _eq(x, y) -> None:
    assert x == y


def phased_step(t: Trainer):
    """One step as its three phases, checking on the way that forward and backward change
    nothing but the batch position, and that update applies exactly the pending update."""
    before = run_state(t)
    p = t.forward()
    assert (t.phase, p.step, t.step_count) == ("forward", before[3] + 1, before[3])
    np.testing.assert_array_equal(t.net.flat, before[0])
    t.backward()
    assert t.phase == "backward"
    pending = t.pending_update()
    pending_again = t.pending_update()  # asking twice changes nothing either
    after_backward = run_state(t)
    assert_same_state(before[:5] + after_backward[5:], after_backward)  # only the draw moved
    np.testing.assert_array_equal(pending, pending_again)
    trace = t.update()
    assert t.phase == "update" and t.pending is None
    np.testing.assert_array_equal(t.net.flat, before[0] + pending)  # bit for bit
    np.testing.assert_array_equal(trace.update_flat, pending)
    return trace


@pytest.mark.parametrize(("name", "hyper"), OPTIMIZERS, ids=IDS)
def test_three_phases_equal_step_bit_for_bit_over_200_steps(name, hyper):
    whole, phased = Trainer(config(name, hyper)), Trainer(config(name, hyper))
    for _ in range(200):
        a, b = whole.step(), phased_step(phased)
        assert (a.step, a.epoch, a.loss, a.penalty) == (b.step, b.epoch, b.loss, b.penalty)
        np.testing.assert_array_equal(a.batch, b.batch)
        np.testing.assert_array_equal(a.grad_flat, b.grad_flat)
        np.testing.assert_array_equal(a.update_flat, b.update_flat)
    assert_same_state(run_state(whole), run_state(phased))


def test_forward_gives_the_batch_predictions_and_loss_at_the_current_weights():
    t = Trainer(batch_size=10)
    t.run(3)
    p = t.forward()
    out = t.net.forward_all(t.F_train[p.batch])[-1]
    np.testing.assert_array_equal(p.outputs, out)
    np.testing.assert_array_equal(p.inputs, t.F_train[p.batch])
    assert p.grad_flat is None and p.deltas is None and len(p.batch) == 10
    reference = t.copy()
    reference.drop_step()
    assert p.loss == reference.step().loss


def test_backward_is_the_gradient_with_the_penalty_included():
    t = Trainer(regularization="l1", regularization_rate=0.01)
    t.run(5)
    p = t.forward()
    t.backward()
    net = t.net.copy()
    net.forward(p.inputs)
    _, _ = net.backward(p.targets, t.config.loss)  # the data loss alone
    data_grad = net.grad_flat
    w = t.net.flat[: t.net.n_weights]
    np.testing.assert_allclose(p.grad_flat[: t.net.n_weights],
                               data_grad[: t.net.n_weights] + 0.01 * np.sign(w), rtol=1e-12)
    np.testing.assert_array_equal(p.grad_flat[t.net.n_weights :], data_grad[t.net.n_weights :])
    assert p.penalty == pytest.approx(0.01 * np.abs(w).sum())


def check_out_of_order(call, phase_calls) -> None:
    t = Trainer()
    for name in phase_calls:
        getattr(t, name)()
    before = run_state(t)
    with pytest.raises(PhaseError, match=f"^{call}: "):
        getattr(t, call)()
    assert_same_state(before, run_state(t))


@pytest.mark.parametrize(
    ("call", "phase_calls"),
    [
        ("backward", []),
        ("update", []),
        ("pending_update", []),
        ("update", ["forward"]),
        ("pending_update", ["forward"]),
        ("forward", ["forward"]),
        ("forward", ["forward", "backward"]),
        ("backward", ["forward", "backward"]),
        ("backward", ["step"]),
    ],
)
def test_phases_out_of_order_are_refused_and_change_nothing(call, phase_calls):
    check_out_of_order(call, phase_calls)


def test_phase_names_through_a_step():
    t = Trainer()
    assert t.phase is None
    seen = [t.next_phase() for _ in range(4)]
    assert seen == ["forward", "backward", "update", "forward"]
    assert (t.phase, t.step_count) == ("forward", 1)
    t.reset()
    assert (t.phase, t.pending, t.step_count) == (None, None, 0)


def check_advance(start: list[str], to: str, phase: str, steps: int) -> None:
    t = Trainer()
    for name in start:
        getattr(t, name)()
    t.advance_to(to)
    assert (t.phase, t.step_count) == (phase, steps)


@pytest.mark.parametrize(
    ("start", "to", "phase", "steps"),
    [
        ([], "backward", "backward", 0),
        ([], "update", "update", 1),
        (["forward"], "forward", "forward", 0),  # already there: nothing
        (["forward", "backward"], "forward", "forward", 1),  # finishes the step, starts the next
        (["step"], "update", "update", 1),
        (["step"], "backward", "backward", 1),
    ],
)
def test_advance_to_runs_phases_until_that_one_is_done(start, to, phase, steps):
    check_advance(start, to, phase, steps)


def test_advance_to_rejects_unknown_phases():
    with pytest.raises(ValueError, match=r"^phase: "):
        Trainer().advance_to("backprop")


def reference_run(steps: int, **overrides) -> Trainer:
    t = Trainer(**overrides)
    t.run(steps)
    return t


def assert_same_run(a: Trainer, b: Trainer) -> None:
    assert_same_state(run_state(a), run_state(b))


@pytest.mark.parametrize("phases", [["forward"], ["forward", "backward"]])
def test_step_from_mid_step_finishes_the_current_step(phases):
    t = reference_run(7)
    for name in phases:
        getattr(t, name)()
    trace = t.step()
    assert trace.step == 8 and t.phase == "update"
    assert_same_run(t, reference_run(8))
    assert t.finish_step() is None  # nothing half-done any more


# 25 steps of 10 end a pass over 250 points: the next forward reshuffles, and dropping it must
# put the old order and the generator back.
@pytest.mark.parametrize("steps_before", [7, 25])
@pytest.mark.parametrize("phases", [["forward"], ["forward", "backward"]])
def test_a_dropped_step_is_as_if_it_never_started(steps_before, phases):
    t = reference_run(steps_before)
    for name in phases:
        getattr(t, name)()
    t.drop_step()
    assert t.pending is None and t.phase == "update"
    assert_same_run(t, reference_run(steps_before))
    t.run(30)
    assert_same_run(t, reference_run(steps_before + 30))


def test_reset_drops_a_half_done_step():
    t = reference_run(25)
    t.forward()
    t.reset()
    assert t.pending is None
    t.run(10)
    assert_same_run(t, reference_run(10))


def test_learning_rate_change_mid_step_keeps_it_and_the_pending_update_follows():
    t = reference_run(5)
    p = t.forward()
    t.backward()
    t.configure(learning_rate=0.5)
    assert t.pending is p and t.phase == "backward"
    np.testing.assert_array_equal(t.pending_update(), -0.5 * p.grad_flat)  # plain SGD
    before = t.net.flat.copy()
    trace = t.update()
    np.testing.assert_array_equal(t.net.flat, before + trace.update_flat)


@pytest.mark.parametrize(
    "change", [{"batch_size": 25}, {"regularization": "l2"}, {"regularization_rate": 0.1}]
)
def test_changes_the_step_depends_on_drop_it(change):
    t = reference_run(5)
    t.forward()
    t.backward()
    t.configure(**change)
    assert t.pending is None
    expected = reference_run(5)
    expected.configure(**change)
    t.run(20)
    expected.run(20)
    assert_same_run(t, expected)


def test_a_diverged_run_has_no_phases():
    t = Trainer(dataset="plane", activation="relu", learning_rate=10.0)
    t.run(1000)
    assert t.divergence is not None and t.phase == "update"
    assert t.forward() is None and t.next_phase() is None and t.step() is None
    t.advance_to("backward")  # stops quietly
    assert t.pending is None


def test_update_with_keywords_is_still_a_live_change():
    t = Trainer()
    assert t.update(learning_rate=0.1) is None
    assert t.config.learning_rate == 0.1 and t.step_count == 0
