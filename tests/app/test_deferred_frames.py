"""Frames that do not fit in a training visit are deferred, not dropped: each is built in a later
loop turn, a few at a time, so readers and timers get the loop in between; and whoever builds
frames, they share a budget per loop turn."""

from __future__ import annotations

import asyncio
import time

from app.frame_turns import TURN_FRAMES_S, FrameTurns
from app.scheduler import VISIT_FRAMES_S, Scheduler


def test_deferred_frames_are_all_built_spread_over_loop_turns() -> None:
    built: list[int] = []  # which loop turn each frame was built in
    turn = 0

    async def run() -> None:
        nonlocal turn
        scheduler = Scheduler(slice_ms=4.0)

        def heavy_frame() -> None:  # a frame of the largest network: most of a visit's budget
            end = time.perf_counter() + VISIT_FRAMES_S * 0.6
            while time.perf_counter() < end:
                pass
            built.append(turn)

        async def count_turns() -> None:
            nonlocal turn
            while True:
                turn += 1
                await asyncio.sleep(0)

        counter = asyncio.create_task(count_turns())
        scheduler.visit_start = time.perf_counter() - VISIT_FRAMES_S  # this visit's time is up
        assert not scheduler.may_build_frames()
        for _ in range(6):
            scheduler.defer(heavy_frame)
        await scheduler._build_deferred()
        counter.cancel()

    asyncio.run(run())
    assert len(built) == 6  # every frame built
    assert len(set(built)) >= 3  # at most two of these to a loop turn


def test_frame_building_is_shared_out_by_loop_turn() -> None:
    """Twenty senders whose frames fall due together build them over several loop turns."""
    built: list[int] = []
    turn = 0

    async def run() -> None:
        nonlocal turn
        turns = FrameTurns()

        async def count_turns() -> None:
            nonlocal turn
            while True:
                turn += 1
                await asyncio.sleep(0)

        async def sender() -> None:
            await turns.wait_open()
            end = time.perf_counter() + TURN_FRAMES_S * 0.4  # a heavy frame
            while time.perf_counter() < end:
                pass
            turns.record(TURN_FRAMES_S * 0.4)
            built.append(turn)

        counter = asyncio.create_task(count_turns())
        await asyncio.gather(*(sender() for _ in range(20)))
        counter.cancel()

    asyncio.run(run())
    assert len(built) == 20
    assert max(built.count(t) for t in set(built)) <= 3  # about a budget's worth a turn
