"""Round-robin training over all sessions in short slices, yielding to the event loop between.

Training runs on the event loop thread itself: each session gets a slice of a few milliseconds,
then the loop runs other tasks (readers, senders, pings) before the next session's slice. So one
heavy session cannot starve the others or the loop; paused sessions cost nothing.
"""

from __future__ import annotations

import asyncio
import collections
import logging

from app.session import TrainingSession

log = logging.getLogger(__name__)
IDLE_TICK_S = 0.004  # how often paced (slow-speed) sessions are looked at


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
        """Forever: give each session that wants CPU one slice, yielding after each."""
        queue: collections.deque[TrainingSession] = collections.deque()
        while True:
            busy = [s for s in self.sessions if s.wants_cpu]
            if not busy:
                self._wake.clear()
                await self._wake.wait()
                continue
            queue.extend(busy)
            worked = 0
            while queue:
                session = queue.popleft()
                if session.wants_cpu:
                    try:
                        worked += session.run_slice(self.slice_s)
                    except Exception:  # one broken session must never stop everyone's training
                        log.exception("training slice failed; pausing that session")
                        session.fail("training stopped by an internal error; reset or reconfigure")
                    await asyncio.sleep(0)
            self.steps_total += worked
            if not worked:  # only slow, paced sessions: wait for their next step to come due
                await asyncio.sleep(IDLE_TICK_S)
