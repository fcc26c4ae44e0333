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
import statistics
import sys
import time
from collections.abc import Callable
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


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up (caches, lazy imports)
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def paired_ms(fn: Callable[[], object], floor: Callable[[], object],
              repeats: int) -> tuple[float, float, float]:
    """Medians of fn and floor run alternately (a noisy neighbour slows both alike), and the
    median of their per-repeat ratio."""
    fn_ms, floor_ms = [], []
    for _ in range(repeats):
        fn_ms.append(median_ms(fn, 1))
        floor_ms.append(median_ms(floor, 1))
    ratios = [a / b for a, b in zip(fn_ms, floor_ms, strict=True)]
    return statistics.median(fn_ms), statistics.median(floor_ms), statistics.median(ratios)


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
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {args.repeats} repeats; medians\n")
    checks = []

    print("surface value over a 200 x 200 grid of its window (and grad, for comparison):")
    for name in SURFACES:
        P = window_grid(name)
        surface = SURFACES[name]
        value_ms = median_ms(lambda s=surface, P=P: s.value(P), args.repeats)
        grad_ms = median_ms(lambda s=surface, P=P: s.grad(P), args.repeats)
        print(f"  {name:22} value {value_ms:7.3f} ms   grad {grad_ms:7.3f} ms")
        checks.append((f"{name} 200x200 < {TARGET_SURFACE_MS:g} ms", value_ms < TARGET_SURFACE_MS))

    print(f"\ntrajectories on Rosenbrock, {STEPS:,} steps each:")
    for name in VARIANTS:
        print(f"  {name:22} {median_ms(race([name]), args.repeats):7.2f} ms")
    total, floor, ratio = paired_ms(race(list(VARIANTS)), optimizer_floor(list(VARIANTS)),
                                    args.repeats)
    print(f"  {'all seven':22} {total:7.2f} ms  ({total / (7 * STEPS) * 1e3:.2f} us per step)")
    print(f"  {'floor: step() alone':22} {floor:7.2f} ms  (the same 7,000 Optimizer.step calls, "
          f"a fixed gradient, nothing else)")
    print(f"  {'trajectories / floor':22} {ratio:7.2f}     (median of per-repeat ratios)")
    checks.append((f"7 x {STEPS:,} steps < {TARGET_TRAJECTORIES_MS:g} ms",
                   total < TARGET_TRAJECTORIES_MS))

    trainer, path = trained_default()
    print(f"\nloss landscape, 41 x 41, default network ({len(trainer.F_train)} training points, "
          f"{trainer.net.n_params} parameters; pca over a {len(path)}-point path):")
    for directions in ("random", "pca"):
        ms = median_ms(lambda d=directions: loss_landscape(trainer, 41, 1.0, d, path=path),
                       args.repeats)
        print(f"  {directions:22} {ms:7.2f} ms")
        checks.append((f"landscape {directions} < {TARGET_LANDSCAPE_MS:g} ms",
                       ms < TARGET_LANDSCAPE_MS))

    print("\ntargets: " + "; ".join(f"{c}: {'met' if ok else 'MISSED'}" for c, ok in checks))


if __name__ == "__main__":
    main()
