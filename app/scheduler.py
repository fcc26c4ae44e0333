"""Round-robin training over all sessions in short slices, yielding to the event loop between.

Training runs on the event loop thread itself. Every session that wants CPU gets one slice per
round, and a round lasts about ``ROUND_S`` however many sessions there are: a frame shows the
state after the session's last slice, so a session visited less often than its frame rate would
get fewer frames (with a fixed 4 ms slice, 100 sessions meant one visit, so one frame, every
400 ms). Slices shrink as sessions are added: ``slice_ms`` alone, ``ROUND_S / n`` with many.
The loop is yielded to (readers, senders, pings) after at most ``slice_ms`` of training, so one
heavy session cannot starve the others or the loop; paused sessions cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time

from app.session import TrainingSession

log = logging.getLogger(__name__)
IDLE_TICK_S = 0.004  # how often paced (slow-speed) sessions are looked at
ROUND_S = 0.025  # every busy session gets a slice at least this often (when the CPU allows)
MIN_SLICE_S = 0.0001  # with very many sessions: still a step or so per visit


class Scheduler:
    def __init__(self, slice_ms: float) -> None:
        self.slice_s = slice_ms / 1000.0
        self.sessions: set[TrainingSession] = set()
        self._wake = asyncio.Event()
        self.steps_total = 0

    def add(self, session: TrainingSession) -> None:
        self.sessions.add(session)

    def remove(self, session: TrainingSession) -> None:
        self.sessions.discard(session)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Forever: give each session that wants CPU one slice per round, yielding to the loop
        whenever ``slice_ms`` of training has run since the last yield."""
        while True:
            busy = [s for s in self.sessions if s.wants_cpu]
            if not busy:
                self._wake.clear()
                await self._wake.wait()
                continue
            budget = max(MIN_SLICE_S, min(self.slice_s, ROUND_S / len(busy)))
            worked = 0
            since_yield = time.perf_counter()
            for session in busy:
                if not session.wants_cpu:  # paused or closed while we were away
                    continue
                try:
                    worked += session.run_slice(budget)
                except Exception:  # one broken session must never stop everyone's training
                    log.exception("training slice failed; pausing that session")
                    session.fail("training stopped by an internal error; reset or reconfigure")
                if time.perf_counter() - since_yield >= self.slice_s:
                    await asyncio.sleep(0)
                    since_yield = time.perf_counter()
            self.steps_total += worked
            # End of a round: always let the loop run (senders, readers) before the next one.
            await asyncio.sleep(0 if worked else IDLE_TICK_S)
