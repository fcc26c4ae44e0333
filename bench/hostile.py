"""A bystander beside hostile or heavy neighbours: does it keep its frames and its speed?

    python bench/hostile.py --case heavy      # 20 sessions, largest network, max speed
    python bench/hostile.py --case flood      # 8 clients send the largest configure, never read
    python bench/hostile.py --case heavy --neighbour-address 127.0.0.1   # all from one address

Starts one server process (``python -m app`` on a free port), connects the neighbours (from
``--neighbour-address``, by default another loopback address than the bystander's 127.0.0.1: the
server shares the loop between client addresses first), then one default-network bystander that
asks for ``--speed`` steps/s, and measures over ``--duration`` seconds: the bystander's frames/s
and steps/s (against what it asked for), the server's loop lag p99 and its memory growth from
before the neighbours came. A script, not a test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load

MIN_BYSTANDER_FPS = 25.0
MIN_SPEED_SHARE = 0.90
MAX_MEMORY_GROWTH_MB = 100.0
LARGEST = {"hidden": [8] * 6, "samples": 2000, "features": ["x1", "x2", "x1sq", "x2sq", "x1x2",
                                                              "sinx1", "sinx2"]}


async def heavy(url: str, stop: asyncio.Event, address: str) -> None:
    async with connect(url, max_size=None, compression=None, local_addr=(address, 0)) as ws:
        await load.opening(ws)
        for command in ({"type": "configure", "config": LARGEST},
                        {"type": "speed", "steps_per_second": "max"}, {"type": "play"}):
            await ws.send(json.dumps(command))
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.5)


async def flood(url: str, stop: asyncio.Event, address: str) -> None:
    """Sends the largest configure as fast as the server accepts them and never reads."""
    with contextlib.suppress(Exception):
        async with connect(url, max_size=None, compression=None, max_queue=1,
                           local_addr=(address, 0)) as ws:
            text = json.dumps({"type": "configure", "config": LARGEST})
            while not stop.is_set():
                await ws.send(text)
                await asyncio.sleep(1 / 55)  # under the 60/s command limit, as in the issue


async def bystander(url: str, speed: float, go: asyncio.Event, stop: asyncio.Event,
                    out: dict[str, Any]) -> None:
    async with connect(url, max_size=None, compression=None) as ws:
        await load.opening(ws)
        await ws.send(json.dumps({"type": "speed", "steps_per_second": speed}))
        await ws.send(json.dumps({"type": "play"}))
        frames, first, last = 0, None, None
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            if isinstance(message, bytes) and go.is_set():
                frames += 1
                h = load.header(message)
                first = first or (time.monotonic(), h["step"])
                last = (time.monotonic(), h["step"])
        out["frames"] = frames
        if first and last and last[0] > first[0]:
            out["steps_per_s"] = (last[1] - first[1]) / (last[0] - first[0])


async def run(url: str, base: str, pid: int | None, case: str, speed: float,
              duration: float, address: str) -> dict[str, Any]:
    stop, go = asyncio.Event(), asyncio.Event()
    rss0 = load.memory_mb(pid)[0] if pid else 0.0
    neighbours = [asyncio.create_task(heavy(url, stop, address)) for _ in range(20)] \
        if case == "heavy" else [asyncio.create_task(flood(url, stop, address)) for _ in range(8)]
    await asyncio.sleep(3.0)
    out: dict[str, Any] = {}
    rss: list[float] = []
    poll = asyncio.create_task(load.poll_memory(pid, stop, rss))
    task = asyncio.create_task(bystander(url, speed, go, stop, out))
    await asyncio.sleep(2.0)
    go.set()
    await asyncio.sleep(duration)
    go.clear()
    final = load.get_json(base + "/healthz")
    stop.set()
    await asyncio.gather(task, poll, *neighbours, return_exceptions=True)
    return {"case": case, "neighbours_from": address, "asked_steps_per_s": speed,
            "bystander_fps": out.get("frames", 0) / duration,
            "bystander_steps_per_s": out.get("steps_per_s", 0.0),
            "lag_p99_ms": final.get("loop_lag_ms_p99"),
            "memory_growth_mb": (max(rss) - rss0) if rss else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=("heavy", "flood"), default="heavy")
    parser.add_argument("--speed", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--neighbour-address", default="127.0.0.2",
                        help="the neighbours' client address (the bystander's is 127.0.0.1): "
                             "another one, a hostile client or a second user; the same one, "
                             "every session from one address")
    args = parser.parse_args()
    port = load.free_port()
    server = load.start_server(port, 30.0, 40, 1)
    url, base = f"ws://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}"
    load.wait_healthy(base)
    try:
        r = asyncio.run(run(url, base, server.pid, args.case, args.speed, args.duration,
                            args.neighbour_address))
    finally:
        server.terminate()
        server.wait(10)
    print(f"machine: {load.cpu_model()}, {os.cpu_count()} cores, load average "
          f"{load.load_average():.2f}")
    print(json.dumps(r, indent=2))
    print(load.check("bystander frames/s", r["bystander_fps"], MIN_BYSTANDER_FPS, True))
    print(load.check("bystander steps/s share", r["bystander_steps_per_s"] / args.speed,
                     MIN_SPEED_SHARE, True))
    if r["memory_growth_mb"] is not None:
        print(load.check("server memory growth MB", r["memory_growth_mb"], MAX_MEMORY_GROWTH_MB,
                         False))


if __name__ == "__main__":
    main()
