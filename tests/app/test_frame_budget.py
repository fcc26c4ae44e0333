"""Frames on a budget: while training, the costly full-data metrics and grids are recomputed every
few frames and reused in between (the frame says from which step), a race's lanes with them; a
frame that answers a command is always exact."""

from __future__ import annotations

import numpy as np

from app.frames import EXPENSIVE_EVERY_FRAMES, FrameBuilder, expensive_every
from app.protocol import decode_frame
from app.race_mode import RaceMode
from engine import Trainer
from engine.race import Race

EMPTY = (np.zeros(0, np.int32), np.zeros(0))


def _frame(builder: FrameBuilder, t: Trainer, state: str) -> dict:
    return decode_frame(builder.build(t, state, 500.0, *EMPTY))


def test_running_frames_reuse_metrics_between_recomputations_and_say_so() -> None:
    builder, t = FrameBuilder(48, 16), Trainer()
    t.run(5)
    first = _frame(builder, t, "running")
    assert first["metrics_step"] == first["step"] == 5
    for k in range(1, EXPENSIVE_EVERY_FRAMES):
        t.run(5)
        reused = _frame(builder, t, "running")
        assert reused["step"] == 5 + 5 * k and reused["metrics_step"] == 5  # and labelled
        assert reused["train_loss"] == first["train_loss"]
        assert np.array_equal(reused["output_grid"], first["output_grid"])
        assert not np.array_equal(reused["params"], first["params"])  # the cheap parts are new
    t.run(5)
    again = _frame(builder, t, "running")
    assert again["metrics_step"] == again["step"]
    assert again["train_loss"] == t.evaluate().train_loss


def test_many_sessions_recompute_the_costly_parts_more_rarely() -> None:
    assert expensive_every(1) == expensive_every(48) == EXPENSIVE_EVERY_FRAMES
    assert expensive_every(100) == 7 and expensive_every(200) == 13
    builder, t = FrameBuilder(48, 16), Trainer()
    t.run(1)
    measured = [decode_frame(builder.build(t, "running", "max", *EMPTY, sharing=200))]
    for _ in range(26):
        t.run(1)
        measured.append(decode_frame(builder.build(t, "running", "max", *EMPTY, sharing=200)))
    assert [f["metrics_step"] for f in measured] == [1] * 13 + [14] * 13 + [27]
    assert [f["step"] for f in measured] == list(range(1, 28))  # every frame's own step
    paused = decode_frame(builder.build(t, "paused", "max", *EMPTY, sharing=200))
    assert paused["metrics_step"] == 27 and paused["train_loss"] == t.evaluate().train_loss


def test_a_paused_frame_is_always_exact() -> None:
    builder, t = FrameBuilder(48, 16), Trainer()
    _frame(builder, t, "running")
    t.run(3)
    frame = _frame(builder, t, "paused")  # right after a running frame: still recomputed
    assert frame["metrics_step"] == 3 and frame["train_loss"] == t.evaluate().train_loss
    t.net.weights[0][0, 0] += 0.5  # an edited weight, same step: recomputed too
    edited = _frame(builder, t, "paused")
    assert edited["train_loss"] == t.evaluate().train_loss != frame["train_loss"]


def test_race_lanes_follow_the_frames_budget() -> None:
    race = Race(Trainer().config, [{"optimizer": "sgd", "learning_rate": 0.03},
                                   {"optimizer": "adam", "learning_rate": 0.01}])
    mode, builder, lane0 = RaceMode(race), FrameBuilder(48, 16), race.lanes[0]

    def frame(state: str) -> dict:
        return decode_frame(builder.build(lane0, state, 500.0, *EMPTY,
                                          extra=mode.frame_extra(48)))

    for _ in range(5):
        mode.step()
    first = frame("running")
    for k in range(1, EXPENSIVE_EVERY_FRAMES):
        for _ in range(5):
            mode.step()
        reused = frame("running")
        for i, lane in enumerate(reused["lanes"]):
            assert lane["step"] == 5 + 5 * k and lane["metrics_step"] == 5
            assert lane["train_loss"] == first["lanes"][i]["train_loss"]
            assert np.array_equal(reused[f"lane.{i}.output_grid"], first[f"lane.{i}.output_grid"])
            assert len(reused[f"lane.{i}.losses"]) == 5  # the losses are every frame's own
    mode.step()
    again = frame("running")
    for i, lane in enumerate(again["lanes"]):
        assert lane["metrics_step"] == lane["step"] == again["metrics_step"]
        assert lane["train_loss"] == race.lanes[i].evaluate().train_loss
    paused = frame("paused")
    assert [lane["metrics_step"] for lane in paused["lanes"]] == [paused["step"]] * 2
