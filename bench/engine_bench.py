"""Engine benchmark: traced training steps vs a bare NumPy loop, grid evaluation, memory.

    OPENBLAS_NUM_THREADS=1 python bench/engine_bench.py [--repeats 15] [--steps 2000]

A script, not a test. Each trainer measurement (``trainer.step()`` in a loop, as the server's
scheduler calls it, every step keeping its full trace) is paired with a bare loop written below:
the same data, initial weights, batch order and formulas (forward, loss, backward, update, batch
slicing), so its losses equal the trainer's bit for bit, but with no trace objects, divergence
checks, error-state handling or configurability. That loop is the floor; the trainer/bare ratio
is what the engine's bookkeeping costs. The two alternate, repeat after repeat, so a noisy
neighbour slows both alike; every figure is a median over the repeats.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
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

from engine import Trainer, TrainingConfig, evaluate_grid

Array = np.ndarray

DEFAULT = "default: x1 x2, [4,2] tanh, B=10, sgd"
CASES = {
    DEFAULT: TrainingConfig(),
    "deep: 6 x 8 tanh, B=30, adam": TrainingConfig(
        hidden=(8,) * 6, batch_size=30, optimizer="adam", learning_rate=0.01
    ),
}
TARGET_STEPS, TARGET_RATIO, TARGET_GRID_MS, TARGET_MB = 15_000, 1.5, 1.0, 1.0


# ---- the floor: the same arithmetic with nothing else ----------------------------------------


def bare_loop(trainer: Trainer) -> Callable[[int], list[float]]:
    """A closure running n steps of the trainer's configuration (tanh hidden, bce, sgd | adam).

    The engine's formulas in the engine's order (overflow-free bce, torch's Adam), so the losses
    equal the trainer's bit for bit. Starts from the trainer's current weights and batch order
    (its shuffle seed) and leaves the trainer alone.
    """
    cfg = trainer.config
    assert cfg.loss == "bce" and cfg.activation == "tanh" and cfg.optimizer in ("sgd", "adam")
    F, Y = trainer.F_train, trainer.Y_train
    n, B = len(F), trainer.batch_size
    flat = trainer.net.flat.copy()
    grad = np.empty_like(flat)
    Ws, bs = trainer.net.split(flat)
    gWs, gbs = trainer.net.split(grad)
    L = len(Ws)
    lr = cfg.learning_rate
    adam = cfg.optimizer == "adam"
    m, v = np.zeros_like(flat), np.zeros_like(flat)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    rng = np.random.default_rng(trainer._shuffle_seq)
    order = np.arange(n)
    state = {"cursor": n, "t": 0}

    def run(steps: int) -> list[float]:
        nonlocal flat, m, v  # updated in place
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
            # binary cross-entropy on the logit z, overflow-free with e = exp(-|z|)
            e = np.exp(-np.abs(z))
            losses.append(float((np.maximum(z, 0.0) - z * Yb + np.log1p(e)).sum()) / z.size)
            delta = (np.where(z >= 0, 1.0, e) / (1.0 + e) - Yb) / z.size  # sigmoid(z) - y
            for layer in range(L - 1, -1, -1):
                np.matmul(acts[layer].T, delta, out=gWs[layer])
                np.add.reduce(delta, axis=0, out=gbs[layer])
                if layer:
                    a = acts[layer]
                    delta = delta @ Ws[layer].T
                    delta *= 1.0 - a * a
            if adam:  # torch's operation order
                t += 1
                d = grad - m
                d *= 1 - beta1
                m += d
                v *= beta2
                g2 = grad * (1 - beta2)
                g2 *= grad
                v += g2
                denom = np.sqrt(v)
                denom /= (1 - beta2**t) ** 0.5
                denom += eps
                step = m * -(lr / (1 - beta1**t))
                step /= denom
                flat += step
            else:
                flat -= lr * grad
        state["cursor"], state["t"] = cursor, t
        return losses

    return run


def stepper(trainer: Trainer) -> Callable[[int], None]:
    """n calls of trainer.step(), as the server's scheduler makes them."""
    step = trainer.step

    def run(steps: int) -> None:
        for _ in range(steps):
            step()

    return run


def phased_stepper(trainer: Trainer) -> Callable[[int], None]:
    """n steps taken apart: forward(), backward(), pending_update(), update(), as a page stepping
    by phase asks for them (each phase its own call, the pending update computed once)."""
    forward, backward, pending, update = (trainer.forward, trainer.backward,
                                          trainer.pending_update, trainer.update)

    def run(steps: int) -> None:
        for _ in range(steps):
            forward()
            backward()
            pending()
            update()

    return run


# ---- measurements ------------------------------------------------------------------------------


def per_second(fn: Callable[[int], object], steps: int) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn(steps)
    return steps / (time.perf_counter() - t0)


def bench_steps(config: TrainingConfig, steps: int, repeats: int) -> dict[str, float]:
    trainer = Trainer(config)
    bare_losses = bare_loop(trainer)(500)
    trainer_losses = trainer.run(500)
    err = max(abs(a - b) for a, b in zip(bare_losses, trainer_losses, strict=True))
    trainer.reset()
    bare, traced = bare_loop(trainer), stepper(trainer)
    traced(steps // 5)  # warm up both
    bare(steps // 5)
    t_rates, b_rates, ratios = [], [], []
    for _ in range(repeats):
        tr = per_second(traced, steps)
        br = per_second(bare, steps)
        t_rates.append(tr)
        b_rates.append(br)
        ratios.append(br / tr)  # time per step, trainer over bare
    return {
        "trainer": statistics.median(t_rates),
        "bare": statistics.median(b_rates),
        "ratio": statistics.median(ratios),
        "ratio_lo": min(ratios),
        "ratio_hi": max(ratios),
        "loss_err": err,
    }


def bench_phases(steps: int, repeats: int) -> tuple[float, float]:
    """Median steps/s of the default run stepped by phases, and its time per step over
    step()'s (alternating, like bench_steps)."""
    whole, phased = Trainer(), Trainer()
    by_step, by_phase = stepper(whole), phased_stepper(phased)
    by_step(steps // 5)
    by_phase(steps // 5)
    rates, ratios = [], []
    for _ in range(repeats):
        sr = per_second(by_step, steps)
        pr = per_second(by_phase, steps)
        rates.append(pr)
        ratios.append(sr / pr)
    return statistics.median(rates), statistics.median(ratios)


def bench_grid(repeats: int, calls: int = 200, n: int = 64) -> float:
    """Median ms per evaluate_grid call: every neuron of the default network on an n x n grid."""
    trainer = Trainer()
    trainer.run(100)
    features = trainer.config.features
    evaluate_grid(trainer.net, features, n)  # fills the cached grid features, as a session does
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(calls):
            evaluate_grid(trainer.net, features, n)
        times.append((time.perf_counter() - t0) / calls * 1e3)
    return statistics.median(times)


def bench_memory(steps: int = 1000) -> tuple[float, float, float]:
    """MB: (held after construction + steps, peak meanwhile) by tracemalloc; sum of nbytes."""
    gc.collect()
    tracemalloc.start()
    trainer = Trainer()
    trainer.run(steps)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nbytes = sum(a.nbytes for a in _arrays(trainer))
    return held / 1e6, peak / 1e6, nbytes / 1e6


def _arrays(root: object) -> list[Array]:
    """Every distinct array buffer reachable from ``root`` (views counted once, by their base)."""
    found: dict[int, Array] = {}

    def visit(obj: object, depth: int) -> None:
        if isinstance(obj, np.ndarray):
            while isinstance(obj.base, np.ndarray):
                obj = obj.base
            found[id(obj)] = obj
        elif depth > 4:
            return
        elif isinstance(obj, list | tuple):
            for item in obj:
                visit(item, depth + 1)
        elif isinstance(obj, dict):
            for item in obj.values():
                visit(item, depth + 1)
        elif dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                visit(getattr(obj, f.name), depth + 1)
        elif hasattr(obj, "__dict__"):
            for item in vars(obj).values():
                visit(item, depth + 1)

    visit(root, 0)
    return list(found.values())


# ---- report --------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines()
                  if ln.startswith("model name")]
        cpu = models[0] if models else cpu
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    return (
        f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}, "
        f"NumPy {np.__version__}; OPENBLAS_NUM_THREADS={threads}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=2000, help="steps per timed repeat")
    args = parser.parse_args()
    print(machine())
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {args.repeats} repeats x {args.steps} steps; "
          f"medians\n")
    print(f"{'case':38} {'trainer steps/s':>15} {'bare steps/s':>13} {'trainer/bare':>13} "
          f"{'(min..max)':>12} {'max |dloss|':>11}")
    results = {}
    for name, config in CASES.items():
        r = results[name] = bench_steps(config, args.steps, args.repeats)
        print(f"{name:38} {r['trainer']:15,.0f} {r['bare']:13,.0f} {r['ratio']:13.2f} "
              f"{r['ratio_lo']:6.2f}..{r['ratio_hi']:<4.2f} {r['loss_err']:11.1e}")
    phase_rate, phase_ratio = bench_phases(args.steps, args.repeats)
    print(f"\ndefault, stepped by phases (forward, backward, pending_update, update): "
          f"{phase_rate:,.0f} steps/s, {phase_ratio:.2f} x the time of step()")
    grid_ms = bench_grid(args.repeats)
    held, peak, nbytes = bench_memory()
    print(f"evaluate_grid, default network, 64x64 grid, every neuron: {grid_ms:.3f} ms")
    print(f"default trainer, constructed + 1000 steps: {held:.3f} MB held, {peak:.3f} MB peak "
          f"(tracemalloc); {nbytes:.3f} MB in its arrays (sum of nbytes)")
    default = results[DEFAULT]
    checks = [
        (f"default >= {TARGET_STEPS:,} steps/s", default["trainer"] >= TARGET_STEPS),
        (f"default trainer/bare <= {TARGET_RATIO}", default["ratio"] <= TARGET_RATIO),
        (f"64x64 grid < {TARGET_GRID_MS:g} ms", grid_ms < TARGET_GRID_MS),
        (f"trainer < {TARGET_MB:g} MB", held < TARGET_MB),
    ]
    print("\ntargets: " + "; ".join(f"{c}: {'met' if ok else 'MISSED'}" for c, ok in checks))


if __name__ == "__main__":
    main()
