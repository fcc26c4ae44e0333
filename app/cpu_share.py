"""Fair by cost: each session's CPU time (training slices and frame building), decayed over a
second or so, against an equal share of the loop. A heavy network and a light one get the same
time, not the same number of turns: a session over its share skips training rounds and spaces
its frames out until it is back under."""

from __future__ import annotations

import math
import time

# What a session is charged: this thread's CPU time, not wall time. The OS may run another
# process in the middle of a frame (10-20 ms of a time slice); charged as wall time, that frame
# cost dozens of times its price and its session skipped frames for a second or two, so whichever
# sessions the interruptions happened to hit fell behind the rest (two workers' clients' reads,
# one core each, did that several times a second). A call costs about 0.7 us (a system call).
cpu_clock = time.thread_time

TAU_S = 1.0  # how long spent time is remembered (exponential decay)
OVER_SHARE = 1.2  # above this many shares a session waits for the others
LOOP_SHARE = 0.85  # of the loop's time for sessions; the rest for reading, sending, the OS


class CpuAccount:
    def __init__(self) -> None:
        self._spent = 0.0  # decayed seconds
        self._at = 0.0

    def charge(self, seconds: float, now: float) -> None:
        self._decay(now)
        self._spent += seconds

    def rate(self, now: float) -> float:
        """CPU seconds per second, lately."""
        self._decay(now)
        return self._spent / TAU_S

    def _decay(self, now: float) -> None:
        if now > self._at:
            self._spent *= math.exp(-(now - self._at) / TAU_S)
            self._at = now


def fair_share(active: int) -> float:
    """Each of ``active`` sessions' share of the loop, in CPU seconds per second."""
    return LOOP_SHARE / max(1, active)


def overuse(rate: float, active: int) -> float:
    """How many fair shares a session uses (1.0 = exactly its share)."""
    return rate / fair_share(active)


def shares_by_address(clients: list[str]) -> list[float]:
    """Each session's share when the loop is split equally between client addresses first,
    then between an address's sessions: one address with 250 tabs gets what one user gets."""
    counts: dict[str, int] = {}
    for client in clients:
        counts[client] = counts.get(client, 0) + 1
    per_address = LOOP_SHARE / max(1, len(counts))
    return [per_address / counts[client] for client in clients]
