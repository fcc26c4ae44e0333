"""Lab benchmark: surface grids, optimizer trajectories and the network's loss landscape.

    OPENBLAS_NUM_THREADS=1 python bench/lab_bench.py [--repeats 25]

A script, not a test. Every figure is a median over the repeats (the machine is shared, so
single runs vary); the targets are issue 9's:

- each surface's ``value`` over a 200 x 200 grid of its window: < 5 ms;
- the seven optimizer variants x 1,000 steps on Rosenbrock (``run_trajectory``): < 50 ms total;
- a 41 x 41 landscape of the default network (TrainingConfig(): circle, [4, 2] tanh, 250
  training points), random and pca directions: < 150 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_bench import machine

from engine import SURFACES, Trainer, loss_landscape, make_optimizer, run_trajectory

TARGET_SURFACE_MS, TARGET_TRAJECTORIES_MS, TARGET_LANDSCAPE_MS = 5.0, 50.0, 150.0
VARIANTS = {  # (optimizer, hyper, lr) as the lab's race on Rosenbrock would set them
    "sgd": ("sgd", {}, 5e-4),
    "sgd momentum 0.9": ("sgd", {"momentum": 0.9}, 5e-4),
    "sgd nesterov": ("sgd", {"momentum": 0.9, "nesterov": True}, 5e-4),
    "rmsprop": ("rmsprop", {}, 1e-2),
    "adagrad": ("adagrad", {}, 0.5),
    "adam": ("adam", {}, 0.05),
    "adamw": ("adamw", {}, 0.05),
}
STEPS = 1000


@dataclass(frozen=True)
class Timing:
    """Medians in ms: wall clock, and CPU time of this thread (what the work costs when no
    neighbour takes the core away)."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:8.2f} ms (cpu {self.cpu:7.2f})"


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    w0, c0 = time.perf_counter(), time.thread_time()
    fn()
    return (time.perf_counter() - w0) * 1e3, (time.thread_time() - c0) * 1e3


def median_ms(fn: Callable[[], object], repeats: int) -> Timing:
    fn()  # warm up (caches, lazy imports)
    walls, cpus = zip(*(timed(fn) for _ in range(repeats)), strict=True)
    return Timing(statistics.median(walls), statistics.median(cpus))


def paired_ms(fn: Callable[[], object], floor: Callable[[], object],
              repeats: int) -> tuple[Timing, Timing, float]:
    """fn and floor run alternately (a noisy neighbour slows both alike): their medians and
    the median of their per-repeat (wall) ratios."""
    fn(), floor()  # warm up
    runs = [(timed(fn), timed(floor)) for _ in range(repeats)]
    (fn_wall, fn_cpu), (floor_wall, floor_cpu) = (zip(*column, strict=True)
                                                  for column in zip(*runs, strict=True))
    ratio = statistics.median(a / b for a, b in zip(fn_wall, floor_wall, strict=True))
    return (Timing(statistics.median(fn_wall), statistics.median(fn_cpu)),
            Timing(statistics.median(floor_wall), statistics.median(floor_cpu)), ratio)


def window_grid(name: str, n: int = 200) -> np.ndarray:
    (x0, x1), (y0, y1) = SURFACES[name].window
    x, y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([x, y], axis=-1)  # (n, n, 2)


def race(names: list[str]) -> Callable[[], None]:
    start = SURFACES["rosenbrock"].start

    def run() -> None:
        for name in names:
            optimizer, hyper, lr = VARIANTS[name]
            run_trajectory("rosenbrock", optimizer, start, STEPS, lr, hyper)

    return run


def optimizer_floor(names: list[str]) -> Callable[[], None]:
    """The same Optimizer.step calls alone (a fixed gradient, no surface, nothing recorded):
    what the engine's optimizer classes cost, below which no lab trajectory can go."""
    grad = np.array([1e-3, -1e-3])

    def run() -> None:
        for name in names:
            optimizer, hyper, lr = VARIANTS[name]
            p = np.array(SURFACES["rosenbrock"].start)
            step = make_optimizer(optimizer, [p], lr=lr, **hyper).step
            for _ in range(STEPS):
                step([grad])

    return run


def trained_default(steps: int = 300, every: int = 10) -> tuple[Trainer, np.ndarray]:
    trainer = Trainer()
    path = [trainer.net.flat.copy()]
    for _ in range(steps // every):
        trainer.run(every)
        path.append(trainer.net.flat.copy())
    return trainer, np.array(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    print(machine())
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {args.repeats} repeats; medians; load "
          f"average {os.getloadavg()[0]:.1f}\n")
    checks = []

    print("surface value over a 200 x 200 grid of its window (grad for comparison):")
    for name in SURFACES:
        P = window_grid(name)
        surface = SURFACES[name]
        value = median_ms(lambda s=surface, P=P: s.value(P), args.repeats)
        grad = median_ms(lambda s=surface, P=P: s.grad(P), args.repeats)
        print(f"  {name:22} value {value}   grad {grad}")
        checks.append((f"{name} < {TARGET_SURFACE_MS:g} ms", value.wall < TARGET_SURFACE_MS))

    print(f"\ntrajectories on Rosenbrock, {STEPS:,} steps each:")
    for name in VARIANTS:
        print(f"  {name:22} {median_ms(race([name]), args.repeats)}")
    total, floor, ratio = paired_ms(race(list(VARIANTS)), optimizer_floor(list(VARIANTS)),
                                    args.repeats)
    print(f"  {'all seven':22} {total}  ({total.wall / (7 * STEPS) * 1e3:.2f} us per step)")
    print(f"  {'floor: step() alone':22} {floor}  (the same 7,000 Optimizer.step calls, "
          f"a fixed gradient, nothing else)")
    print(f"  {'trajectories / floor':22} {ratio:8.2f}     (median of per-repeat ratios)")
    checks.append((f"7 x {STEPS:,} steps < {TARGET_TRAJECTORIES_MS:g} ms",
                   total.wall < TARGET_TRAJECTORIES_MS))

    trainer, path = trained_default()
    print(f"\nloss landscape, 41 x 41, default network ({len(trainer.F_train)} training points, "
          f"{trainer.net.n_params} parameters; pca over a {len(path)}-point path):")
    for directions in ("random", "pca"):
        land = median_ms(lambda d=directions: loss_landscape(trainer, 41, 1.0, d, path=path),
                         args.repeats)
        print(f"  {directions:22} {land}")
        checks.append((f"landscape {directions} < {TARGET_LANDSCAPE_MS:g} ms",
                       land.wall < TARGET_LANDSCAPE_MS))

    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    verdicts = "; ".join(f"{c}: {'met' if ok else 'MISSED'}" for c, ok in checks)
    print(f"targets (wall medians): {verdicts}")


if __name__ == "__main__":
    main()
