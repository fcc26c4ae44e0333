"""The race on the server: a 7-lane race's frames/s and each lane's steps/s, against lone sessions.

    python bench/race_steps.py [--lanes 7] [--seconds 6] [--repeats 3]

Starts the server (``python -m app``, one process, as bench/load.py does), then measures one
client at a time at speed max on the default network, alternately so that a noisy neighbour
slows all alike (steps/s from the first and last frame's ``step`` in the window, after 1 s of
warm-up):

- a lone session (the default optimizer, SGD);
- a race of ``--lanes`` SGD lanes at different learning rates (the lesson "too large, too small"):
  each lane costs what the lone session costs, so lane / lone against 1/7 is like for like;
- a race of the lab's variants (sgd, momentum, nesterov, rmsprop, adagrad, adam, adamw), and a
  lone session with each variant's optimizer: Adam's update costs more than SGD's, so this race's
  lane / lone is also given against the harmonic mean of the matching lone sessions (what seven
  sessions with those optimizers would each get from one seventh of the CPU).

Every lane steps in lockstep, so a lane's steps/s is the race's. Targets (issue 9): the race at
>= 20 frames/s, each lane >= 1/7 of a lone session's steps/s. Reports medians over the repeats
and the median of the per-repeat ratios. A script, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import asyncio
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_bench import machine
from load import free_port, header, load_average, start_server, wait_healthy

FPS_TARGET = 20.0
RATES = [0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5]  # SGD lanes: none diverges on the default data
VARIANTS = [  # (optimizer, learning_rate, hyper): the lab's seven variants
    ("sgd", 0.03, {}),
    ("sgd", 0.03, {"momentum": 0.9}),
    ("sgd", 0.03, {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", 0.01, {}),
    ("adagrad", 0.1, {}),
    ("adam", 0.01, {}),
    ("adamw", 0.01, {}),
]


Lane = tuple[str, float, dict[str, Any]]


async def measure(url: str, lanes: list[Lane], seconds: float) -> tuple[float, float]:
    """(frames/s, steps/s) of one client at speed max: a race of ``lanes`` (two or more), or a
    lone session with the one lane's optimizer, learning rate and hyperparameters."""
    async with connect(url, compression=None, max_size=2**23, ping_interval=None) as ws:
        while not isinstance(await ws.recv(), bytes):  # hello, ready, the first frame
            pass
        described = [{"optimizer": o, "learning_rate": lr, "hyper": h} for o, lr, h in lanes]
        if len(lanes) == 1:
            await ws.send(json.dumps({"type": "configure", "config": described[0]}))
        else:
            await ws.send(json.dumps({"type": "race", "lanes": described}))
        if lanes:
            while True:
                message = await ws.recv()
                answer = json.loads(message) if isinstance(message, str) else {}
                if answer.get("type") == "error":
                    raise SystemExit(f"race refused: {answer}")
                if answer.get("type") == "ready":
                    break
        await ws.send('{"type":"speed","steps_per_second":"max"}')
        await ws.send('{"type":"play"}')
        loop = asyncio.get_running_loop()
        warm_until = loop.time() + 1.0
        first: tuple[float, int] | None = None
        last: tuple[float, int] | None = None
        frames = 0
        while True:
            message = await ws.recv()
            now = loop.time()
            if not isinstance(message, bytes) or now < warm_until:
                continue
            frame = header(message)
            if any(lane["diverged"] for lane in frame.get("lanes", [])):
                raise SystemExit("a lane diverged: the race would be cheaper than it should")
            step = int(frame["step"])
            if first is None:
                first = (now, step)
                continue
            frames += 1
            last = (now, step)
            if now - first[0] >= seconds:
                break
        assert last is not None
        elapsed = last[0] - first[0]
        return frames / elapsed, (last[1] - first[1]) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lanes", type=int, default=7, choices=range(2, 8))
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    server = start_server(port, 30.0, 1, 1)
    n, seconds = args.lanes, args.seconds
    sgd_rates: list[Lane] = [("sgd", lr, {}) for lr in RATES[:n]]
    runs: list[dict[str, float]] = []
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        url = f"ws://127.0.0.1:{port}/ws"
        for _ in range(args.repeats):
            run: dict[str, float] = {}
            _, run["lone"] = asyncio.run(measure(url, [], seconds))
            run["rates_fps"], run["rates"] = asyncio.run(measure(url, sgd_rates, seconds))
            run["variants_fps"], run["variants"] = asyncio.run(measure(url, VARIANTS[:n], seconds))
            matched = [asyncio.run(measure(url, [lane], seconds))[1] for lane in VARIANTS[:n]]
            run["matched"] = len(matched) / sum(1 / m for m in matched)  # harmonic mean
            run["rates_ratio"] = run["rates"] / run["lone"]
            run["variants_ratio"] = run["variants"] / run["lone"]
            run["variants_matched_ratio"] = run["variants"] / run["matched"]
            runs.append(run)
            print("  " + ", ".join(f"{k} {v:.3f}" if v < 10 else f"{k} {v:.0f}"
                                   for k, v in run.items()))
    finally:
        server.terminate()
        server.wait(10)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    share = 1 / 7
    print(machine())
    print(f"load average at the end: {load_average():.1f}")
    print(f"lone session (default network, SGD, speed max): {med('lone'):.0f} steps/s")
    print(f"{n} SGD lanes (learning rates {RATES[:n]}): {med('rates'):.0f} steps/s per lane, "
          f"{med('rates_fps'):.1f} frames/s; lane / lone {med('rates_ratio'):.3f}")
    print(f"{n} variant lanes: {med('variants'):.0f} steps/s per lane, "
          f"{med('variants_fps'):.1f} frames/s; lane / lone SGD {med('variants_ratio'):.3f}; "
          f"lane / harmonic mean of lone sessions with the same optimizers "
          f"({med('matched'):.0f} steps/s) {med('variants_matched_ratio'):.3f}")

    def verdict(value: float, target: float) -> str:
        return f"{'met' if value >= target else 'MISSED'} ({value:.3f} vs {target:.3f})"

    print(f"targets (medians of {args.repeats}): race >= {FPS_TARGET:.0f} frames/s: "
          f"{verdict(min(med('rates_fps'), med('variants_fps')), FPS_TARGET)}; lane >= 1/7 of "
          f"lone: SGD lanes {verdict(med('rates_ratio'), share)}, variants against the same "
          f"optimizers {verdict(med('variants_matched_ratio'), share)}, variants against SGD "
          f"{verdict(med('variants_ratio'), share)}")


if __name__ == "__main__":
    main()
