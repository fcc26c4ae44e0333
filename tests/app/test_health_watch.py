"""The health watch checks every few seconds while a run trains, less often when many sessions
share the process (each check is a full-data backward pass), and says only what changed."""

from __future__ import annotations

from app.health_watch import CHECK_EVERY_S, HealthWatch
from engine import Trainer, TrainingConfig
from tests.app.test_pacing import FakeClock


def test_checks_are_spaced_by_the_load() -> None:
    clock = FakeClock()
    trainer = Trainer(TrainingConfig(activation="relu", learning_rate=10.0))
    trainer.run(30)  # so large a rate kills units: there is something to say
    alone, crowded = HealthWatch(clock), HealthWatch(clock)
    assert alone.check(trainer) is not None and crowded.check(trainer, sharing=200) is not None
    clock.now += CHECK_EVERY_S
    trainer.reset()  # healthy again: a change to say
    assert alone.check(trainer) is not None  # due again after the interval
    assert crowded.check(trainer, sharing=200) is None  # 200 sessions: every 4 intervals
    clock.now += 3 * CHECK_EVERY_S
    assert crowded.check(trainer, sharing=200) is not None
