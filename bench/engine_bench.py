"""Engine benchmark: traced training steps vs a bare NumPy loop, grid evaluation, memory.

    OPENBLAS_NUM_THREADS=1 python bench/engine_bench.py [--repeats 7] [--steps 3000]

A script, not a test. Each trainer measurement is paired with a bare loop written below: the
same data, initial weights, batch order and arithmetic (forward, loss, backward, update, batch
slicing) with no trace objects, divergence checks or configurability. That loop is the floor;
the trainer/bare ratio says what the engine's bookkeeping costs. The two alternate, repeat after
repeat, so a noisy neighbour slows both alike; the figures are medians.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import Trainer, TrainingConfig, evaluate_grid  # noqa: E402

Array = np.ndarray

CASES = {
    "default [4,2] tanh, B=10, sgd": TrainingConfig(),
    "6x8 tanh, B=30, adam": TrainingConfig(
        hidden=(8,) * 6, batch_size=30, optimizer="adam", learning_rate=0.01
    ),
}
TARGETS = {"steps_per_s": 15_000, "ratio": 1.5, "grid_ms": 1.0, "memory_mb": 1.0}


# ---- the floor: the same arithmetic with nothing else ----------------------------------------


def bare_loop(trainer: Trainer) -> Callable[[int], list[float]]:
    """A closure running n steps of the trainer's configuration (tanh hidden, bce, sgd | adam).

    Starts from the trainer's current weights and batch order and leaves the trainer alone.
    """
    cfg = trainer.config
    assert cfg.loss == "bce" and cfg.activation == "tanh" and cfg.optimizer in ("sgd", "adam")
    F, Y = trainer.F_train, trainer.Y_train
    n, B = len(F), trainer.batch_size
    net = trainer.net
    flat = net.flat.copy()
    grad = np.empty_like(flat)
    Ws, bs = net.split(flat)
    gWs, gbs = net.split(grad)
    L = len(Ws)
    lr = cfg.learning_rate
    adam = cfg.optimizer == "adam"
    m, v = np.zeros_like(flat), np.zeros_like(flat)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    rng = np.random.default_rng(trainer._shuffle_seq)  # the trainer's batch order
    order = np.arange(n)
    state = {"cursor": n, "t": 0}

    def run(steps: int) -> list[float]:
        losses = []
        cursor, t = state["cursor"], state["t"]
        for _ in range(steps):
            if cursor >= n:
                rng.shuffle(order)
                cursor = 0
            idx = order[cursor : cursor + B]
            cursor += B
            X, Yb = F[idx], Y[idx]
            acts = [X]
            a = X
            for layer in range(L):
                z = a @ Ws[layer]
                z += bs[layer]
                a = np.tanh(z) if layer < L - 1 else z
                acts.append(a)
            # binary cross-entropy on the logit z
            k = len(z)
            loss = float((np.maximum(z, 0.0) - z * Yb + np.log1p(np.exp(-np.abs(z)))).sum()) / k
            delta = (1.0 / (1.0 + np.exp(-z)) - Yb) / k  # sigmoid(z) - y, over the batch
            for layer in range(L - 1, -1, -1):
                np.matmul(acts[layer].T, delta, out=gWs[layer])
                delta.sum(axis=0, out=gbs[layer])
                if layer:
                    a = acts[layer]
                    delta = delta @ Ws[layer].T
                    delta *= 1.0 - a * a
            if adam:
                t += 1
                m *= beta1
                m += (1 - beta1) * grad
                v *= beta2
                v += (1 - beta2) * grad * grad
                denom = np.sqrt(v)
                denom /= math.sqrt(1 - beta2**t)
                denom += eps
                flat -= (lr / (1 - beta1**t)) * m / denom
            else:
                flat -= lr * grad
            losses.append(loss)
        state["cursor"], state["t"] = cursor, t
        return losses

    return run


# ---- measurements ------------------------------------------------------------------------------


def per_second(fn: Callable[[int], object], steps: int) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn(steps)
    return steps / (time.perf_counter() - t0)


def bench_steps(config: TrainingConfig, steps: int, repeats: int) -> dict[str, float]:
    trainer = Trainer(config)
    check = bare_loop(trainer)(200)
    same = trainer.run(200)
    err = max(abs(a - b) for a, b in zip(check, same, strict=True))
    trainer.reset()
    bare = bare_loop(trainer)
    trainer.run(steps // 10)  # warm up both
    bare(steps // 10)
    t_rates, b_rates, ratios = [], [], []
    for _ in range(repeats):
        tr = per_second(trainer.run, steps)
        br = per_second(bare, steps)
        t_rates.append(tr)
        b_rates.append(br)
        ratios.append(br / tr)
    return {
        "trainer": statistics.median(t_rates),
        "bare": statistics.median(b_rates),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "loss_err": err,
    }


def bench_grid(repeats: int, calls: int = 200, n: int = 64) -> float:
    """Median ms per evaluate_grid call (every neuron of the default network, n x n)."""
    trainer = Trainer()
    trainer.run(100)
    features = trainer.config.features
    evaluate_grid(trainer.net, features, n)  # fills the cached grid features
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(calls):
            evaluate_grid(trainer.net, features, n)
        times.append((time.perf_counter() - t0) / calls * 1e3)
    return statistics.median(times)


def bench_memory(steps: int = 1000) -> tuple[float, float, float]:
    """(traced bytes held, traced peak, sum of nbytes of the trainer's arrays) in MB."""
    gc.collect()
    tracemalloc.start()
    trainer = Trainer()
    trainer.run(steps)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nbytes = sum(a.nbytes for a in _arrays(trainer))
    return held / 1e6, peak / 1e6, nbytes / 1e6


def _arrays(trainer: Trainer) -> list[Array]:
    """Every distinct array base the trainer holds (views counted once)."""
    found: dict[int, Array] = {}

    def visit(obj: object, depth: int = 0) -> None:
        if isinstance(obj, np.ndarray):
            base = obj
            while isinstance(base.base, np.ndarray):
                base = base.base
            found[id(base)] = base
        elif depth < 4 and isinstance(obj, list | tuple):
            for item in obj:
                visit(item, depth + 1)
        elif depth < 4 and isinstance(obj, dict):
            for item in obj.values():
                visit(item, depth + 1)
        elif depth < 4 and hasattr(obj, "__dict__"):
            for item in vars(obj).values():
                visit(item, depth + 1)

    visit(trainer)
    return list(found.values())


# ---- report --------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}, NumPy {np.__version__}; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=3000, help="steps per timed repeat")
    args = parser.parse_args()
    print(machine())
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {args.repeats} repeats x {args.steps} steps\n")
    print(f"{'case':32} {'trainer steps/s':>16} {'bare steps/s':>13} "
          f"{'trainer/bare time':>18} {'(min..max)':>12} {'max |dloss|':>12}")
    results = {}
    for name, config in CASES.items():
        r = results[name] = bench_steps(config, args.steps, args.repeats)
        print(f"{name:32} {r['trainer']:16,.0f} {r['bare']:13,.0f} {r['ratio']:18.2f} "
              f"{r['ratio_min']:5.2f}..{r['ratio_max']:<5.2f} {r['loss_err']:12.1e}")
    grid_ms = bench_grid(args.repeats)
    held, peak, nbytes = bench_memory()
    print(f"\nevaluate_grid, default network, 64x64, every neuron: {grid_ms:.3f} ms (median)")
    print(f"default trainer after 1000 steps: {held:.3f} MB held (tracemalloc), "
          f"{peak:.3f} MB peak, {nbytes:.3f} MB in arrays (sum of nbytes)")
    default = results["default [4,2] tanh, B=10, sgd"]
    checks = [
        ("default steps/s >= 15,000", default["trainer"] >= TARGETS["steps_per_s"]),
        ("default trainer/bare <= 1.5", default["ratio"] <= TARGETS["ratio"]),
        ("64x64 grid < 1 ms", grid_ms < TARGETS["grid_ms"]),
        ("trainer < 1 MB", held < TARGETS["memory_mb"]),
    ]
    print("\ntargets: " + "; ".join(f"{c}: {'met' if ok else 'MISSED'}" for c, ok in checks))


if __name__ == "__main__":
    main()
