"""The scheduler gives each visit time in proportion to the session's fair share: a user beside one
address's many heavy sessions gets half the round, not a step or two per visit."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from app.cpu_share import CpuAccount
from app.scheduler import MIN_SLICE_S, Scheduler


class FakeSession:
    """What the scheduler sees of a training session: a client address, a CPU account, and
    slices that step until the budget is spent (a heavy step costs more than a whole budget)."""

    def __init__(self, client: str, step_s: float) -> None:
        self.client, self.step_s = client, step_s
        self.cpu = CpuAccount()
        self.wants_cpu = True
        self.steps_together = False  # each trains alone (its own network shape)
        self.budgets: list[float] = []
        self.steps = 0
        self.visits: list[int] = []  # steps per visit

    def run_slice(self, budget_s: float) -> int:
        self.budgets.append(budget_s)
        deadline, done = time.perf_counter() + budget_s, 0
        while True:
            end = time.perf_counter() + self.step_s
            while time.perf_counter() < end:  # the step's CPU
                pass
            done += 1
            if time.perf_counter() > deadline:
                break
        self.steps += done
        self.visits.append(done)
        return done

    def fail(self, message: str) -> None:
        raise AssertionError(message)


def run_beside(sessions: list[FakeSession],
               other_work: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
               seconds: float) -> None:
    """The scheduler trains ``sessions`` for ``seconds`` while ``other_work(stop)`` (the loop's
    other work: frames) runs beside it until ``stop`` is set."""
    async def run() -> None:
        scheduler = Scheduler(slice_ms=4.0)
        for s in sessions:
            scheduler.add(s)  # type: ignore[arg-type]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(scheduler.run()), asyncio.create_task(other_work(stop))]
        await asyncio.sleep(seconds)
        stop.set()
        for task in tasks:
            task.cancel()

    asyncio.run(run())


def test_a_visits_time_follows_the_sessions_share() -> None:
    heavy = [FakeSession("10.0.0.2", 0.002) for _ in range(10)]  # one address, 10 heavy tabs
    light = FakeSession("10.0.0.1", 0.0001)  # one user with one light session

    async def run() -> None:
        scheduler = Scheduler(slice_ms=4.0)
        for s in (*heavy, light):
            scheduler.add(s)  # type: ignore[arg-type]
        task = asyncio.create_task(scheduler.run())
        await asyncio.sleep(0.6)
        task.cancel()

    asyncio.run(run())
    light_budget = statistics.median(light.budgets)
    heavy_budget = statistics.median(b for s in heavy for b in s.budgets)
    # half the loop against a twentieth each (the light one's capped at the 4 ms slice); with a
    # round shared by turns both would get an eleventh
    assert light_budget > 2 * heavy_budget >= 2 * MIN_SLICE_S
    heavy_cpu = statistics.mean(s.steps for s in heavy) * 0.002
    assert light.steps * 0.0001 > 1.5 * heavy_cpu  # the user gets more CPU than any one tab


def test_a_session_short_of_its_share_catches_up_when_others_work_eats_the_round() -> None:
    # One address: equal shares. The loop's other work (neighbours' frames, here a task that
    # holds the loop 5 ms whenever it gets it) leaves no training time in the round, so every
    # visit would be a step or two; the light session, far under its share, gets more.
    heavy = [FakeSession("10.0.0.1", 0.002) for _ in range(6)]
    light = FakeSession("10.0.0.1", 0.0001)

    async def busy_frames(stop: asyncio.Event) -> None:
        while not stop.is_set():
            end = time.perf_counter() + 0.005
            while time.perf_counter() < end:
                pass
            await asyncio.sleep(0)

    run_beside([*heavy, light], busy_frames, seconds=1.2)
    late = light.budgets[len(light.budgets) // 2:]  # once the accounts have measured a round
    assert statistics.median(late) > 10 * MIN_SLICE_S
    heavy_cpu = statistics.mean(s.steps for s in heavy) * 0.002
    assert light.steps * 0.0001 > 0.5 * heavy_cpu  # near its equal part, not a step per visit


def test_when_frames_fill_the_round_each_visit_is_one_step() -> None:
    # Many equal sessions whose frames (4 ms each, charged to their session as the server does:
    # 32 ms a round, more than a round) leave no training time: each visit is a single step,
    # so the frames keep their rate instead of paying for a second step per visit.
    sessions = [FakeSession("10.0.0.1", 0.0003) for _ in range(8)]

    async def frames(stop: asyncio.Event) -> None:
        while not stop.is_set():
            for s in sessions:
                start = time.perf_counter()
                while time.perf_counter() < start + 0.004:
                    pass
                s.cpu.charge(time.perf_counter() - start, time.perf_counter())
                await asyncio.sleep(0)

    run_beside(sessions, frames, seconds=1.5)
    late = [b for s in sessions for b in s.budgets[len(s.budgets) // 2:]]  # accounts measured
    assert late and statistics.median(late) == 0.0  # a budget of 0: one step, then the next
    steps = [n for s in sessions for n in s.visits[len(s.visits) // 2:]]
    assert sum(steps) < 1.1 * len(steps)


def test_when_frames_fill_the_round_only_a_session_behind_its_neighbours_catches_up() -> None:
    # pool <= 0: frames fill the round. Equal sessions each a little under their share (the
    # loop's own work is in no one's account) take one step a visit; a session as far under
    # while a neighbour is over its share (one address's heavy tabs) makes up what it is short.
    scheduler = Scheduler(slice_ms=4.0)
    a, b = FakeSession("10.0.0.1", 0.0001), FakeSession("10.0.0.1", 0.0001)
    scheduler.shares = {a: 0.4, b: 0.4}  # type: ignore[dict-item]
    scheduler.round_s = 0.05
    scheduler.rates = {a: 0.35, b: 0.35}  # type: ignore[dict-item]
    scheduler.someone_over = False
    assert scheduler._budget(a, pool=-0.01, now=0.0) == 0.0  # type: ignore[arg-type]
    scheduler.rates = {a: 0.35, b: 0.45}  # type: ignore[dict-item]
    scheduler.typical_rate = 0.4  # the median session's rate
    scheduler.someone_over = True
    assert scheduler._budget(a, pool=-0.01, now=0.0) > 0.002  # type: ignore[arg-type]
    # ... but only up to what the others get: at the median, no catch-up, whoever is over
    scheduler.typical_rate = 0.35
    assert scheduler._budget(a, pool=-0.01, now=0.0) == 0.0  # type: ignore[arg-type]
    scheduler.rates = {a: 0.1, b: 0.35}  # type: ignore[dict-item]
    scheduler.someone_over = False  # starved: under half its share
    assert scheduler._budget(a, pool=-0.01, now=0.0) == 0.004  # type: ignore[arg-type]  # slice


def test_a_pool_too_small_for_everyones_floor_is_shared_out_instead() -> None:
    # 200 sessions and 1 ms of training time left in a round: a floor of MIN_SLICE_S each
    # would be 10 ms (two steps a visit, and a round longer than a frame's interval); each gets
    # its part of the pool instead, which is a single step.
    scheduler = Scheduler(slice_ms=4.0)
    sessions = [FakeSession("10.0.0.1", 0.0001) for _ in range(200)]
    scheduler.active = len(sessions)
    scheduler.shares = dict.fromkeys(sessions, 0.85 / 200)  # type: ignore[arg-type]
    scheduler.rates = dict.fromkeys(sessions, 0.85 / 200)  # type: ignore[arg-type]
    budget = scheduler._budget(sessions[0], pool=0.001, now=0.0)  # type: ignore[arg-type]
    assert budget == pytest.approx(0.001 / 200)
    assert budget < MIN_SLICE_S
    # with room for everyone's floor, each gets it again
    assert scheduler._budget(sessions[0], pool=0.0101, now=0.0) >= MIN_SLICE_S  # type: ignore[arg-type]


class InterruptedSession(FakeSession):
    """A session whose visits the OS interrupts to run another process (a client on the same
    core, a neighbour on the host): the thread stops for ``pause_s`` and uses no CPU meanwhile."""

    def __init__(self, client: str, step_s: float, pause_s: float) -> None:
        super().__init__(client, step_s)
        self.pause_s = pause_s

    def run_slice(self, budget_s: float) -> int:
        time.sleep(self.pause_s)
        return super().run_slice(budget_s)


def test_time_the_os_gives_to_other_processes_is_not_charged_to_a_session() -> None:
    # Charged as wall time, the interrupted session would look several shares over and sit out
    # rounds; it is charged the CPU it used, like its neighbours, and trains as much as they do.
    steady = [FakeSession("10.0.0.1", 0.0005) for _ in range(7)]
    interrupted = InterruptedSession("10.0.0.1", 0.0005, pause_s=0.015)

    async def nothing_else(stop: asyncio.Event) -> None:
        await stop.wait()

    run_beside([*steady, interrupted], nothing_else, seconds=1.5)
    assert interrupted.steps > 0.8 * statistics.median(s.steps for s in steady)
