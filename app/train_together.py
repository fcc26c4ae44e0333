"""Sessions of one network shape trained in lockstep: one stacked forward and backward pass for a
chunk of them (engine.lockstep), each session's own batch, loss, update and bookkeeping.

With many sessions a visit is a step or two, and a lone step of these small networks is mostly
NumPy's per-call cost: stepped together, a default-network session's step costs about half as
much (bench/load.py; docs/performance.md). Every number is the one its own ``step()`` gives
(tests/engine/test_lockstep.py), so this changes only the CPU a step costs.
"""

from __future__ import annotations

import collections
import logging
import math
import time
from collections.abc import Callable, Hashable, Sequence

from app.cpu_share import cpu_clock
from app.frames import refresh_together
from app.session import TrainingSession
from engine.lockstep import step_together
from engine.trace import summarise_together

log = logging.getLogger(__name__)
CHUNK = 32  # sessions stepped together at most, before the loop gets a turn (frames, reads)
SMALL_STEP = 20_000  # batch size x parameters, at most, of a step taken in lockstep
REFRESH_WITH = 0.5  # a chunk's frames refresh together: those at least this far through reuse
# ... and at most about this long together (the rest compute their own): a chunk of default
# networks (about 0.35 ms each together, 0.6 ms alone), not twenty of the largest
REFRESH_S = 0.012

Visit = TrainingSession | list[TrainingSession]


def plan_visits(sessions: Sequence[TrainingSession]) -> list[Visit]:
    """The round's visits: sessions with small steps that may step together, by network shape,
    in chunks of up to ``CHUNK`` (as few as that allows, of equal size); every other session
    (a race, a step taken apart, a shape of its own, a large step) alone."""
    by_shape: dict[Hashable, list[TrainingSession]] = {}
    visits: list[Visit] = []
    for session in sessions:
        if session.steps_together and _small(session):
            by_shape.setdefault(_shape(session), []).append(session)
        else:
            visits.append(session)
    for group in by_shape.values():
        # chunks of equal size, give or take one: a pass's fixed cost is shared by its chunk,
        # and a last chunk of one or two (289 sessions in chunks of 32) paid several times the
        # others' price a step, round after round, so its sessions were over their share of CPU
        # and got a third of the others' frames
        count = -(-len(group) // CHUNK)
        for i in range(count):
            chunk = group[i * len(group) // count : (i + 1) * len(group) // count]
            visits.append(chunk if len(chunk) > 1 else chunk[0])
    return visits


def train_chunk(chunk: Sequence[TrainingSession], budget_s: float,
                charge: Callable[[TrainingSession, float], None],
                later: Callable[[Callable[[], None]], None],
                frame_time: Callable[[float], None] | None = None) -> int:
    """Step the chunk's sessions together for about ``budget_s`` seconds (the sum of their own
    budgets), each as far as its speed allows; ``charge(session, cpu_seconds)`` bills each its part
    of every pass; ``later(work)`` runs each session's health check in a later loop turn (the
    chunk's sessions started together fall due together: sixteen full-data passes of the
    largest network in one turn held the loop for 200 ms). Their frames' costly parts are
    refreshed together when due (``frame_time(seconds)`` records that as frame building).
    Returns the steps done."""
    members = [s for s in chunk if s.wants_cpu and s.steps_together]
    if members:  # a session reconfigured since the round was planned waits for the next one
        shapes = [_shape(s) for s in members]
        planned = collections.Counter(shapes).most_common(1)[0][0]  # most of the chunk
        members = [s for s, shape in zip(members, shapes, strict=True) if shape == planned]
    allowed = {s: s.steps_allowed() or 0 for s in members}
    done = dict.fromkeys(members, 0)
    stepping = [s for s in members if allowed[s] > 0]
    start = time.perf_counter()
    try:
        while stepping:
            pass_start = cpu_clock()
            traces = step_together([s.trainer for s in stepping])
            each = (cpu_clock() - pass_start) / len(stepping)
            for session, trace in zip(stepping, traces, strict=True):
                session.record_trace(trace)
                done[session] += 1
                charge(session, each)
            stepping = [s for s in stepping
                        if done[s] < allowed[s] and s.trainer.divergence is None]
            if time.perf_counter() - start > budget_s:
                break
    except Exception:  # a broken pass must never stop the server: these sessions pause
        log.exception("training sessions together failed; pausing them")
        for session in members:
            if session.trainer.pending is not None:
                session.trainer.drop_step()
            session.fail("training stopped by an internal error; reset or reconfigure")
        return 0
    # what their frames will show: every layer's gradient norm and update ratio, all at once
    shown = [t for s in members if done[s] and (t := s.trainer.last_trace) is not None]
    if len(shown) > 1:
        summarise_together(shown)
    _refresh_frames([s for s in members if done[s]], charge, frame_time)
    for session in members:
        session.finish_slice(done[session], check_health=False)
        if done[session]:
            later(session.check_health)
    return sum(done.values())


def _refresh_frames(trained: Sequence[TrainingSession],
                    charge: Callable[[TrainingSession, float], None],
                    frame_time: Callable[[float], None] | None) -> None:
    """When one of these sessions' frames is due to recompute its full-data metrics and
    heatmaps, every one at least half-way through its reuse recomputes them too, all in one
    pass (app.frames.refresh_together), the most stale first, up to about ``REFRESH_S`` of
    what they cost last time (twenty of the largest network's at once held the loop 100 ms).
    Their counts then run in step: from then on the chunk refreshes together, where one at a
    time each paid a few dozen NumPy calls of its own."""
    parts = {s: s.frame_parts() for s in trained}
    staleness = [builder.staleness(t, s.sharing) for s, (builder, t) in parts.items()]
    if not any(1.0 <= stale < math.inf for stale in staleness):
        return  # (never computed: a session with no frame yet, which may be far off)
    due, cost = [], 0.0
    for stale, session in sorted(zip(staleness, trained, strict=True), key=lambda p: -p[0]):
        session_cost = parts[session][0].cost_s
        if stale < REFRESH_WITH or cost + session_cost > REFRESH_S:
            break
        due.append(session)
        cost += session_cost
    if len(due) < 2:
        return  # each frame computes its own, as alone
    start, cpu_start = time.perf_counter(), cpu_clock()
    refresh_together([parts[s] for s in due])
    cpu_spent = cpu_clock() - cpu_start
    for session in due:
        charge(session, cpu_spent / len(due))
    if frame_time is not None:
        frame_time(time.perf_counter() - start)


def _small(session: TrainingSession) -> bool:
    """A step whose arithmetic is small beside NumPy's per-call cost: stacking saves most of it.
    A big step gains little, and a chunk of them would hold the loop for one long pass."""
    t = session.trainer
    batch = t.config.batch_size or len(t.y_train)
    return batch * t.net.n_params <= SMALL_STEP


def _shape(session: TrainingSession) -> Hashable:
    """Runs that ``engine.lockstep`` can step together have equal keys."""
    return session.trainer.net.shape_key
