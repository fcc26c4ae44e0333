"""Play speed: a session trains at its chosen steps per second, and "max" at the server's cap.

The session is given a fake clock, so these tests count steps per simulated second
and never depend on how fast this machine is.
"""

from __future__ import annotations

import pytest

from app.protocol.commands import Play, SetSpeed
from app.session import TrainingSession
from app.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("speed", "cap", "expected"), [
    (5.0, 1000, 5),  # a narrated lesson: five steps in a second
    (50.0, 1000, 50),
    ("max", 200, 200),  # "max" is the server's cap, not the machine's limit
    (200.0, 200, 200),  # the cap itself is allowed (above it: an error, see test_hostile_input)
])
def test_steps_per_simulated_second(speed: float | str,
                                    cap: int, expected: int) -> None:
    clock = FakeClock()
    session = TrainingSession(Settings(max_steps_per_second=cap), clock=clock)
    session.apply(SetSpeed(type="speed", steps_per_second=speed))
    session.apply(Play(type="play"))
    done = 0
    for _ in range(100):  # one simulated second in slices 10 ms apart
        clock.now += 0.01
        done += session.run_slice(budget_s=1.0)
    assert abs(done - expected) <= 1
    assert session.trainer.step_count == done
