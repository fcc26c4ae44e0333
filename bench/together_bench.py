"""What a session's step and its frame's costly parts cost alone and done together with others.

    OPENBLAS_NUM_THREADS=1 python bench/together_bench.py [--lanes 16]

The server steps sessions of one network shape together (engine.lockstep) and refreshes their
frames' full-data metrics and heatmaps together (engine.evaluate_together, engine.grid): this
prints microseconds per session for each, alone and together, default network, for lanes on the
same data (a classroom's default runs, each at its own learning rate) and on other data (each
its own seed). Medians of 9 repeats, alone and together alternating repeat by repeat (the
machines are shared and noisy: compare the ratios).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from engine import Trainer, TrainingConfig
from engine.evaluate_together import metrics_together
from engine.grid import evaluate_grid, evaluate_grids
from engine.lockstep import step_together

GRID = 48  # the server's default heatmap size


def per_lane(work: Callable[[], object], lanes: int, repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        work()
    return (time.perf_counter() - start) / repeats / lanes * 1e6


def compare(name: str, alone: Callable[[], object], together: Callable[[], object],
            lanes: int, repeats: int) -> None:
    a, t = [], []
    for _ in range(9):
        a.append(per_lane(alone, lanes, repeats))
        t.append(per_lane(together, lanes, repeats))
    ma, mt = statistics.median(a), statistics.median(t)
    print(f"{name:<34} alone {ma:7.1f} µs   together {mt:7.1f} µs   ratio {mt / ma:.2f}")


def bench(data: str, runs: list[Trainer], twins: list[Trainer]) -> None:
    """``runs`` done together, ``twins`` (the same runs) alone."""
    lanes = len(runs)
    for t in (*runs, *twins):
        t.step()
    nets = [t.net for t in runs]
    compare(f"step, {lanes} lanes, {data}", lambda: [t.step() for t in twins],
            lambda: step_together(runs), lanes, 40)
    compare(f"full-data metrics, {data}", lambda: [t.evaluate() for t in runs],
            lambda: metrics_together(runs), lanes, 10)
    compare(f"heatmap grid pass, {data}",
            lambda: [evaluate_grid(n, ("x1", "x2"), GRID, dtype=np.float32) for n in nets],
            lambda: evaluate_grids(nets, ("x1", "x2"), GRID, dtype=np.float32), lanes, 10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lanes", type=int, default=16)
    lanes = parser.parse_args().lanes
    for data, config in (("same data", lambda i: TrainingConfig(learning_rate=0.01 + i * 1e-3)),
                         ("other data", lambda i: TrainingConfig(seed=i))):
        bench(data, [Trainer(config(i)) for i in range(lanes)],
              [Trainer(config(i)) for i in range(lanes)])


if __name__ == "__main__":
    main()
