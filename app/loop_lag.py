"""Measures event-loop lag: how late a short sleep wakes up. A busy loop means late frames."""

from __future__ import annotations

import asyncio
import collections
import time

import numpy as np

from app import metrics


class LoopLagMonitor:
    def __init__(self, interval_s: float = 0.05, window: int = 400) -> None:
        self.interval_s = interval_s
        self.samples: collections.deque[float] = collections.deque(maxlen=window)

    async def run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(self.interval_s)
            lag_s = max(0.0, time.perf_counter() - start - self.interval_s)
            self.samples.append(lag_s * 1000)
            metrics.record_loop_lag(lag_s)

    def p99_ms(self) -> float:
        return round(float(np.percentile(self.samples, 99)), 3) if self.samples else 0.0

    def max_ms(self) -> float:
        return round(max(self.samples), 3) if self.samples else 0.0
