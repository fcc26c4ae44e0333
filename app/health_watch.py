"""Learning health for a session: every so often while it trains, the engine's findings (dead or
saturated units, a stalled loss, divergence) go to the client as a ``health`` message when they
change, in plain words with what to try (engine.health)."""

from __future__ import annotations

import collections
import math
from collections.abc import Callable
from typing import Any

from engine.health import STALL_WINDOW, check_health
from engine.trainer import Trainer

CHECK_EVERY_S = 3.0  # a full-data backward pass (costly on big data): now and then
SESSIONS_PER_INTERVAL = 50  # n sessions training in one process: every n / 50 intervals instead


class HealthWatch:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.losses: collections.deque[float] = collections.deque(maxlen=STALL_WINDOW)
        self._last_check = -math.inf
        self._said: tuple[Any, ...] = ()

    def clear(self) -> dict[str, Any] | None:
        """A new or reset run: forget the history; a message if findings were on screen."""
        self.losses.clear()
        self._last_check = -math.inf
        if self._said:
            self._said = ()
            return {"type": "health", "findings": []}
        return None

    def check(self, trainer: Trainer, force: bool = False, sharing: int = 1
              ) -> dict[str, Any] | None:
        """The findings when due (or ``force``) and changed since last said; else None.
        ``sharing``: sessions training in this process (200: a check every 12 s, not 3 s)."""
        now = self.clock()
        every_s = CHECK_EVERY_S * max(1.0, sharing / SESSIONS_PER_INTERVAL)
        if not force and now - self._last_check < every_s:
            return None
        self._last_check = now
        findings = check_health(trainer, list(self.losses))
        key = tuple((f.kind, f.units) for f in findings)
        if key == self._said:
            return None
        self._said = key
        return {"type": "health", "findings": [
            {"kind": f.kind, "message": f.message, "advice": f.advice,
             "units": [list(u) for u in f.units]} for f in findings]}
