"""Round-robin training over all sessions in short slices, yielding to the event loop between.

Training runs on the event loop thread itself. Every session that wants CPU gets one slice per
round, and a frame shows the state after a session's slice, so a session visited less often
than its frame rate gets fewer frames: with a fixed 4 ms slice, 100 sessions meant one visit
(one frame) every 400 ms. So a round aims to last ``ROUND_S`` however many sessions there are:
what the rest of the loop needed during the last round (frames, sends, commands) is taken off
first, and the remainder is shared as slices in proportion to each session's fair share (equal
between client addresses, then between an address's sessions), each from ``MIN_SLICE_S`` (a step
or two; a single step when the other work fills the round) to ``slice_ms``. Frames thus win
over training speed when the CPU is short, which is the right order for a page that is watched.

Sessions of one network shape are visited together, in chunks (app/train_together.py): one
stacked pass steps them all, each on its own batch, for the sum of their slices.

The loop is yielded to (readers, senders, pings) after every visit that trained, so one heavy
session cannot starve the others or the loop; paused sessions cost nothing.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import statistics
import time
from collections.abc import Callable

from app import metrics
from app.cpu_share import LOOP_SHARE, OVER_SHARE, cpu_clock, fair_share, shares_by_address
from app.frame_turns import FrameTurns
from app.session import TrainingSession
from app.train_together import plan_visits, train_chunk

log = logging.getLogger(__name__)
IDLE_TICK_S = 0.004  # how often paced (slow-speed) sessions are looked at
ROUND_S = 0.025  # every busy session gets a slice this often, when the CPU allows
MIN_SLICE_S = 0.00005  # with very many sessions: still a step or two per visit, when the round
# has that much training time for every one of them; else each its part of what there is (200
# sessions' floors took 10 ms of a round, two steps a visit, while frames fell to 22/s) ...
# ... and when the loop's other work (mostly frames) fills the whole round, a visit is a single
# step, so the frames keep their rate; a session catches up only when under this part of its
# share, or, when another is over its own, up to the median session's CPU rate
STARVED = 0.5
VISIT_FRAMES_S = 0.006  # frames built inside one visit, right after training: this long at most
SMOOTHING = 0.3  # weight of the newest round in the estimate of the loop's other work


class Scheduler:
    def __init__(self, slice_ms: float) -> None:
        self.slice_s = slice_ms / 1000.0
        self.sessions: set[TrainingSession] = set()
        self._wake = asyncio.Event()
        self.steps_total = 0
        self.other_s = 0.0  # per round: what the loop did besides training (frames, I/O)
        self.round_s = ROUND_S  # how long the last round took (wall)
        self.active = 1  # sessions that wanted CPU in the last round (for fair shares)
        self.shares: dict[TrainingSession, float] = {}  # each busy session's share, last round
        self.rates: dict[TrainingSession, float] = {}  # ... and its CPU rate at the round's start
        self.someone_over = False  # whether a busy session was over its share then
        self.typical_rate = 0.0  # ... and the median busy session's CPU rate
        self.visit_start = 0.0  # when the current visit began (perf_counter)
        self.frames = FrameTurns()  # frame building, shared out by loop turn
        self._deferred: collections.deque[Callable[[], None]] = collections.deque()

    def add(self, session: TrainingSession) -> None:
        self.sessions.add(session)

    def remove(self, session: TrainingSession) -> None:
        self.sessions.discard(session)
        self.shares.pop(session, None)
        self.rates.pop(session, None)

    def share_of(self, session: TrainingSession) -> float:
        """The session's fair share of the loop (CPU seconds per second)."""
        return self.shares.get(session) or fair_share(self.active)

    def wake(self) -> None:
        self._wake.set()

    def may_build_frames(self) -> bool:
        """Whether a session just trained may build its frame inside this visit: until the
        visit has lasted ``VISIT_FRAMES_S`` and while the loop turn's frame budget lasts. Later
        ones are ``defer``red to the next loop turns (sixteen of the largest network's frames
        in one turn would hold the loop for 60 ms)."""
        return (time.perf_counter() - self.visit_start < VISIT_FRAMES_S
                and self.frames.open())

    def defer(self, work: Callable[[], None]) -> None:
        """Do ``work`` (a frame to build, a health check) after this visit, in a loop turn of
        its own (with others, up to ``VISIT_FRAMES_S``)."""
        self._deferred.append(work)

    async def _build_deferred(self) -> None:
        while self._deferred:
            self.visit_start = time.perf_counter()
            while self._deferred and self.may_build_frames():
                self._deferred.popleft()()
            await asyncio.sleep(0)

    def _budget(self, session: TrainingSession, pool: float, now: float) -> float:
        """A visit's time follows the session's share: one user beside one address's 20 heavy
        sessions gets half the round, not a 21st of it (a step or two per visit). And a session
        using less than its share (its neighbours' frames ate the pool) may catch up by what it
        is short of over a round as long as the last one."""
        share = self.share_of(session)  # (gone mid-round: any share, it will not train)
        rate = self.rates.get(session)
        if rate is None:
            rate = session.cpu.rate(now)
        short = (share - rate) * self.round_s
        if pool > 0:
            # a step or two a visit, when the pool has room for everyone's; else its share
            floor = MIN_SLICE_S if pool >= self.active * MIN_SLICE_S else 0.0
        else:  # frames fill the round: one step a visit, and catching up only when behind
            # others: starved, or short while a neighbour is over its share. 200 equal
            # sessions are each a little short, as the loop's own work is in no one's account:
            # making that up would cost a fifth of their frames.
            floor = 0.0
            if rate >= STARVED * share:
                # not starved: catching up to what the others get, not to the share itself
                short = (min(share, self.typical_rate) - rate) * self.round_s \
                    if self.someone_over else 0.0
        return min(self.slice_s, max(floor, pool * share / LOOP_SHARE, short))

    @staticmethod
    def _train_alone(session: TrainingSession, budget_s: float) -> int:
        if not session.wants_cpu:  # paused or closed while we were away
            return 0
        start = cpu_clock()
        try:
            done = session.run_slice(budget_s)
        except Exception:  # one broken session must never stop everyone's training
            log.exception("training slice failed; pausing that session")
            session.fail("training stopped by an internal error; reset or reconfigure")
            done = 0
        _charge(session, cpu_clock() - start)
        return done

    async def run(self) -> None:
        """Forever: give each session that wants CPU one slice per round, yielding to the loop
        after each slice that trained."""
        while True:
            busy = [s for s in self.sessions if s.wants_cpu]
            if not busy:
                self._wake.clear()
                await self._wake.wait()
                continue
            pool = ROUND_S - self.other_s  # this round's training time, shared by cost below
            worked, training_s = 0, 0.0
            round_start = time.perf_counter()
            self.active = len(busy)
            for session in busy:  # the frames' and health checks' budgets follow the load
                session.sharing = self.active
            now = time.perf_counter()
            # Fair by cost: the loop is shared between client addresses, then between an
            # address's sessions; a session over its share of CPU time (training and frames)
            # sits out this round, unless every session is over (then all share what there is).
            self.shares = dict(zip(busy, shares_by_address([s.client for s in busy]),
                                   strict=True))
            self.rates = {s: s.cpu.rate(now) for s in busy}
            self.someone_over = any(rate > self.shares[s] for s, rate in self.rates.items())
            self.typical_rate = statistics.median(self.rates.values())
            under = [s for s in busy if self.rates[s] <= OVER_SHARE * self.shares[s]] or busy
            for visit in plan_visits(under):
                start = self.visit_start = time.perf_counter()
                frames_before = self.frames.total_s
                if isinstance(visit, list):  # one network shape: stepped together
                    # their slices together, but no longer than one slice: the loop's turn
                    budget = min(self.slice_s, sum(self._budget(s, pool, now) for s in visit))
                    done = train_chunk(visit, budget, _charge, self.defer, self.frames.record)
                else:
                    done = self._train_alone(visit, self._budget(visit, pool, now))
                # frames built in the visit, right after training, are the loop's other work
                training_s += time.perf_counter() - start - (self.frames.total_s - frames_before)
                worked += done
                if done:
                    # Yield after every visit that trained: the senders it woke build their
                    # frames now, so frames are spread over the round instead of piling up
                    # into one long loop iteration (which is what loop lag sees).
                    await asyncio.sleep(0)
                    await self._build_deferred()
            self.round_s = time.perf_counter() - round_start
            self.steps_total += worked
            metrics.record_steps(worked)
            if not worked:  # only slow, paced sessions: wait for their next step to come due
                await asyncio.sleep(IDLE_TICK_S)
                continue
            other = time.perf_counter() - round_start - training_s
            self.other_s += SMOOTHING * (other - self.other_s)


def _charge(session: TrainingSession, cpu_seconds: float) -> None:
    session.cpu.charge(cpu_seconds, time.perf_counter())
