"""Sessions of one network shape stepped together by the scheduler train exactly as each would
alone: the same weights, the same batch losses in their frames, each at its own speed; sessions
that cannot step together (a race, another shape, a step taken apart) are visited alone."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from app.frames import GRID_LANES, expensive_every, refresh_together
from app.protocol import decode_frame
from app.protocol.commands import Configure, PhaseStep, Play, SetSpeed, Step, parse_command
from app.session import TrainingSession
from app.settings import Settings
from app.train_together import CHUNK, REFRESH_S, plan_visits, train_chunk
from tests.app.test_pacing import FakeClock

CONFIGS = [{}, {"dataset": "xor", "seed": 4}, {"optimizer": "adam", "learning_rate": 0.01},
           {"dataset": "spiral", "batch_size": 3}]


def _sessions(clock: FakeClock) -> list[TrainingSession]:
    sessions = []
    for config in CONFIGS:
        session = TrainingSession(Settings(max_steps_per_second=1000), clock=clock)
        session.apply(Configure(type="configure", config=config))
        session.apply(SetSpeed(type="speed", steps_per_second="max"))
        session.apply(Play(type="play"))
        sessions.append(session)
    return sessions


def _no_charge(session: TrainingSession, seconds: float) -> None:
    pass


def _now(work: Callable[[], None]) -> None:
    work()


def test_stepped_together_each_session_trains_as_it_would_alone() -> None:
    clock_a, clock_b = FakeClock(), FakeClock()
    together, alone = _sessions(clock_a), _sessions(clock_b)
    # one at a slower speed: it takes its own number of steps, not the chunk's
    for s in (together[1], alone[1]):
        s.apply(SetSpeed(type="speed", steps_per_second=200))
    assert plan_visits(together) == [together]  # one shape: one visit
    for _ in range(20):
        clock_a.now += 0.01
        clock_b.now += 0.01
        train_chunk(together, budget_s=10.0, charge=_no_charge, later=_now)
        for s in alone:
            s.run_slice(budget_s=10.0)
    for mine, theirs in zip(together, alone, strict=True):
        assert mine.trainer.step_count == theirs.trainer.step_count
        assert np.array_equal(mine.trainer.net.flat, theirs.trainer.net.flat)
        a, b = decode_frame(mine.build_frame()), decode_frame(theirs.build_frame())
        assert np.array_equal(a["losses"], b["losses"]) and len(a["losses"]) > 0
        assert a["train_loss"] == b["train_loss"]
    # "max" at the cap, 1,000 steps/s, for 0.2 s; the slower one at its own 200 steps/s
    assert abs(together[0].trainer.step_count - 200) <= 1
    assert abs(together[1].trainer.step_count - 40) <= 1


def test_a_chunk_honours_a_pending_step_count_and_its_budget() -> None:
    clock = FakeClock()
    sessions = _sessions(clock)
    sessions[2].apply(Step(type="step", n=3))  # paused, three steps at the cap, then stop
    clock.now += 0.01
    done = train_chunk(sessions, budget_s=10.0, charge=_no_charge, later=_now)
    counts = [s.trainer.step_count for s in sessions]
    assert counts[2] == 3 and counts[0] == counts[1] == counts[3] in (9, 10)  # 0.01 s at 1,000/s
    assert done == sum(counts)
    assert not sessions[2].wants_cpu and sessions[2].frame_wanted  # its step is over: a frame
    clock.now += 0.01
    # no time left: one pass, not more
    train_chunk(sessions, budget_s=0.0, charge=_no_charge, later=_now)
    assert [s.trainer.step_count for s in sessions] == [counts[0] + 1, counts[0] + 1, 3,
                                                        counts[0] + 1]


def test_what_cannot_step_together_is_visited_alone() -> None:
    clock = FakeClock()
    sessions = _sessions(clock)
    other_shape, taken_apart, race = _sessions(clock)[:3]
    other_shape.apply(Configure(type="configure", config={"hidden": [3]}))
    taken_apart.apply(PhaseStep(type="phase", to="forward"))
    race.apply(parse_command('{"type": "race", "lanes": [{"optimizer": "sgd", '
                             '"learning_rate": 0.03}, {"optimizer": "adam", '
                             '"learning_rate": 0.01}]}', max_bytes=4096))
    big_steps = _sessions(clock)[:2]  # the largest network on full batches: alone
    for s in big_steps:
        s.apply(Configure(type="configure", config={"hidden": [8] * 6, "samples": 2000,
                                                     "batch_size": "all"}))
    visits = plan_visits([*sessions, other_shape, taken_apart, race, *big_steps])
    assert sessions in visits
    assert other_shape in visits and taken_apart in visits and race in visits
    assert all(s in visits for s in big_steps)
    many = [TrainingSession(Settings()) for _ in range(2 * CHUNK + 1)]
    for s in many:
        s.apply(Play(type="play"))
    chunks = plan_visits(many)
    # as few chunks as CHUNK allows, of equal size: no session is left in a chunk of one, whose
    # steps cost several times the others' (CHUNK + CHUNK + 1 made it pay that every round)
    sizes = [len(v) for v in chunks]  # type: ignore[arg-type]
    assert len(sizes) == 3 and max(sizes) - min(sizes) <= 1
    assert sorted(id(s) for v in chunks for s in v) == sorted(map(id, many))  # type: ignore[union-attr]


def test_a_session_reconfigured_after_planning_waits_and_the_others_train() -> None:
    clock = FakeClock()
    sessions = _sessions(clock)
    (chunk,) = plan_visits(sessions)
    sessions[0].apply(Configure(type="configure", config={"hidden": [5, 5]}))
    sessions[0].apply(Play(type="play"))
    clock.now += 0.01
    train_chunk(chunk, budget_s=10.0, charge=_no_charge, later=_now)  # type: ignore[arg-type]
    assert sessions[0].trainer.step_count == 0 and sessions[0].state == "running"
    assert all(s.trainer.step_count > 0 and s.state == "running" for s in sessions[1:])



def test_a_chunks_full_data_metrics_and_heatmaps_fall_in_step_and_refresh_together() -> None:
    # 200 sessions share the process: each frame's full-data metrics and heatmaps are reused
    # for 13 frames. Sessions that started apart recompute them at different frames; once one
    # of a chunk is due, the chunk recomputes together (one pass for all) and stays in step.
    clock = FakeClock()
    sessions = _sessions(clock)
    spent: list[float] = []
    steps_seen: list[list[int]] = []
    for rnd in range(72):
        clock.now += 0.01
        for s in sessions:
            s.sharing = 200
        train_chunk(sessions, budget_s=10.0, charge=_no_charge, later=_now,
                    frame_time=spent.append)
        watching = sessions if rnd >= 5 else sessions[:1]  # the first one's frames start early
        steps_seen.append([decode_frame(s.build_frame())["metrics_step"] for s in watching])
    assert spent  # refreshed together, recorded as frame building
    late = steps_seen[-39:]
    assert all(len(set(at)) == 1 for at in late)  # every session's from the same step
    runs = [len(list(same)) for _, same in itertools.groupby(at[0] for at in late)]
    assert runs[1:-1] and all(n == 13 for n in runs[1:-1])  # every 13th frame, not more often


def test_costly_parts_computed_together_are_each_sessions_own() -> None:
    # What a chunk installs is byte for byte what each session's frame computes alone: runs on
    # other data, other features and other losses included (each evaluated with its group), and
    # more runs of one kind than one grid pass takes.
    configs = [*CONFIGS, {"features": ["x1", "x2"], "dataset": "xor"},
               {"features": ["x1sq", "x2sq"]}, {"loss": "mse"},
               *({"learning_rate": 0.01 * (i + 1)} for i in range(GRID_LANES))]
    together, alone = [], []
    for config in configs:
        for group in (together, alone):
            session = TrainingSession(Settings())
            session.apply(Configure(type="configure", config=config))
            for _ in range(7):
                session.trainer.step()
            group.append(session)
    refresh_together([s.frame_parts() for s in together])
    for mine, theirs in zip(together, alone, strict=True):
        assert mine.build_frame() == theirs.build_frame()  # paused: theirs computes it now


def test_a_chunk_refreshes_together_only_as_much_as_a_visit_may_hold() -> None:
    # Twenty of the largest network's full-data passes at once held the loop 100 ms: sessions
    # whose costly parts took long last time (here each more than half the cap) compute their
    # own.
    clock = FakeClock()
    sessions = _sessions(clock)
    spent: list[float] = []
    every = expensive_every(200)
    for rnd in range(4 * every):
        clock.now += 0.01
        for s in sessions:
            s.sharing = 200
            s._frames.cost_s = 0.6 * REFRESH_S if rnd >= 2 * every else s._frames.cost_s
        train_chunk(sessions, budget_s=10.0, charge=_no_charge, later=_now,
                    frame_time=spent.append)
        if rnd == 2 * every - 1:
            assert spent  # cheap ones refreshed together
            spent.clear()
        for s in sessions:
            s.build_frame()
    assert not spent  # the costly ones never together: each frame computed its own
