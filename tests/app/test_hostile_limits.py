"""What one client can make the server do is bounded: a `step` obeys the speed cap and a cap on
total steps, its loss history is thinned as it grows, a busy session is not idle, an unread newer
`ready` replaces an older one, and a configure of a big network costs many commands' worth."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from app.protocol.commands import MAX_STEPS_PER_COMMAND, parse_command
from app.session import MAX_LOSS_HISTORY, TrainingSession
from app.settings import Settings
from tests.app.conftest import Session
from tests.app.test_pacing import FakeClock


def _session(clock: FakeClock, **settings: object) -> TrainingSession:
    return TrainingSession(Settings(**settings), clock=clock)  # type: ignore[arg-type]


def _cmd(session: TrainingSession, text: str) -> None:
    session.apply(parse_command(text, 4096, session.limits))


def test_step_obeys_the_speed_cap() -> None:
    clock = FakeClock()
    session = _session(clock, max_steps_per_second=100)
    _cmd(session, '{"type": "step", "n": 1000}')
    done = 0
    for _ in range(100):  # one simulated second
        clock.now += 0.01
        done += session.run_slice(budget_s=1.0)
    assert 99 <= done <= 101
    assert session.wants_cpu  # the rest still to come, at the cap


def test_a_step_too_long_for_one_command_is_refused(session: Session) -> None:
    session.send(type="set", batch_size=1)
    session.json("status")
    session.frame()
    error = session.error(type="step", epochs=10_000)
    assert error["field"] == "epochs" and str(MAX_STEPS_PER_COMMAND) in error["message"]
    session.send(type="step", epochs=1)
    assert session.frame()["epoch"] == 1


def test_the_loss_history_of_a_long_step_stays_bounded() -> None:
    clock = FakeClock()
    session = _session(clock, max_steps_per_second=50_000)
    _cmd(session, '{"type": "step", "n": 20000}')
    while session.wants_cpu:
        clock.now += 0.2
        session.run_slice(budget_s=10.0)
        assert len(session._losses) <= MAX_LOSS_HISTORY
    assert session.trainer.step_count == 20_000
    frame_steps = session._loss_steps
    assert frame_steps[-1] == 20_000 and frame_steps == sorted(frame_steps)


def test_a_session_busy_with_a_step_is_not_idle() -> None:
    clock = FakeClock()
    session = _session(clock, max_steps_per_second=10)
    _cmd(session, '{"type": "step", "n": 100000}')
    clock.now += 3600
    assert session.idle_for(clock.now) == 0.0


def test_a_newer_ready_replaces_an_unsent_one() -> None:
    session = _session(FakeClock())
    session.outbox.clear()
    for seed in range(5):
        _cmd(session, f'{{"type": "configure", "config": {{"seed": {seed}}}}}')
    readies = [m for m in session.outbox if m["type"] == "ready"]
    assert len(readies) == 1 and readies[0]["config"]["seed"] == 4


def test_a_big_configure_costs_more_than_a_set() -> None:
    settings = Settings(commands_per_second=1.0, command_burst=40)
    big = {"samples": 2000, "hidden": [8] * 6}
    with TestClient(create_app(settings)) as client, client.websocket_connect("/ws") as ws:
        session = Session(ws)
        session.send(type="configure", config=big)
        assert session.json("ready")
        session.frame()
        session.send(type="configure", config=big)
        assert session.json()["type"] == "ready"
        session.frame()
        session.send(type="configure", config=big)  # two cost more than the whole burst
        assert session.json()["code"] == "rate_limited"
        assert client.get("/healthz").json()["sessions"] == 1
