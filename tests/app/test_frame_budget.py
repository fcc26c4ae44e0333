"""Frames on a budget: while training, the costly full-data metrics and grids are reused for a
short while (the frame says from which step); a frame that answers a command is always exact."""

from __future__ import annotations

import numpy as np

from app.frames import EXPENSIVE_EVERY_S, FrameBuilder
from app.protocol import decode_frame
from engine import Trainer
from tests.app.test_pacing import FakeClock

EMPTY = (np.zeros(0, np.int32), np.zeros(0))


def _frame(builder: FrameBuilder, t: Trainer, state: str) -> dict:
    return decode_frame(builder.build(t, state, 500.0, *EMPTY))


def test_running_frames_reuse_metrics_within_the_budget_and_say_so() -> None:
    clock = FakeClock()
    builder, t = FrameBuilder(48, 16, clock=clock), Trainer()
    t.run(5)
    first = _frame(builder, t, "running")
    assert first["metrics_step"] == first["step"] == 5
    t.run(5)
    clock.now += EXPENSIVE_EVERY_S / 3
    second = _frame(builder, t, "running")
    assert second["step"] == 10 and second["metrics_step"] == 5  # reused, and labelled
    assert second["train_loss"] == first["train_loss"]
    assert not np.array_equal(second["params"], first["params"])  # the cheap parts are new
    clock.now += EXPENSIVE_EVERY_S
    third = _frame(builder, t, "running")
    assert third["metrics_step"] == 10
    assert third["train_loss"] == t.evaluate().train_loss


def test_a_paused_frame_is_always_exact() -> None:
    clock = FakeClock()
    builder, t = FrameBuilder(48, 16, clock=clock), Trainer()
    _frame(builder, t, "running")
    t.run(3)
    frame = _frame(builder, t, "paused")  # no time has passed: still recomputed
    assert frame["metrics_step"] == 3 and frame["train_loss"] == t.evaluate().train_loss
    t.net.weights[0][0, 0] += 0.5  # an edited weight, same step: recomputed too
    edited = _frame(builder, t, "paused")
    assert edited["train_loss"] == t.evaluate().train_loss != frame["train_loss"]
