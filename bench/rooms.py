"""Rooms under a classroom's load: one teacher training at full speed, N followers in one room.

    python bench/rooms.py --followers 300 --duration 20 [--teacher-speed max]

Starts the server (``python -m app`` on a free port, one process) unless ``--url`` is given,
opens a room with a teacher client that plays at "max", joins ``--followers`` students (each only
counts frames and checks, for the first and last frame of the window, that the frame's bytes are
the teacher's for that step by comparing headers), and reports frames/s per follower (median, 5th
percentile, min), the server's loop lag p99, its memory, its CPU use, and the fan-out cost per
follower per frame (server CPU seconds over the window / frames delivered to followers; the
teacher's training is in it too, so run with a low ``--teacher-speed``, e.g. 50, to read the
fan-out alone). The teacher's steps/s shows that followers cost no training CPU. A script, not a
test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load

MIN_FPS = 20.0
MAX_LAG_P99_MS = 50.0
MAX_RSS_MB = 400.0


async def teacher(url: str, info: asyncio.Future[dict[str, Any]], steps: list[int],
                  stop: asyncio.Event, speed: str) -> None:
    async with connect(url, max_size=None, compression=None) as ws:
        await load.opening(ws)
        await ws.send(json.dumps({"type": "room_open"}))
        while True:
            message = await ws.recv()
            if isinstance(message, str) and json.loads(message)["type"] == "room":
                info.set_result(json.loads(message))
                break
        await ws.send(json.dumps({"type": "speed", "steps_per_second":
                                  speed if speed == "max" else float(speed)}))
        await ws.send(json.dumps({"type": "play"}))
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                message = await asyncio.wait_for(ws.recv(), 0.5)
                if isinstance(message, bytes):
                    steps.append(load.header(message)["step"])


async def follower(url: str, code: str, stats: load.ClientStats, joined: asyncio.Semaphore,
                   go: asyncio.Event, stop: asyncio.Event) -> None:
    try:
        async with connect(url, max_size=None, compression=None, open_timeout=60) as ws:
            await load.opening(ws)
            await ws.send(json.dumps({"type": "room_join", "code": code}))
            joined.release()
            while not stop.is_set():
                try:
                    async with asyncio.timeout(0.5):  # no task per message (wait_for makes one)
                        message = await ws.recv()
                except TimeoutError:
                    continue
                if not isinstance(message, bytes) or not go.is_set():
                    continue
                now = time.monotonic()
                stats.frames += 1
                if stats.first is None:
                    stats.first, stats.first_t = message, now
                stats.last, stats.last_t = message, now
    except Exception as exc:  # reported, not raised: one failed client must not end the run
        stats.error = repr(exc)


async def run(url: str, base: str, pid: int | None, n: int, duration: float, speed: str
              ) -> dict[str, Any]:
    stop, go = asyncio.Event(), asyncio.Event()
    info: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    steps: list[int] = []
    tasks = [asyncio.create_task(teacher(url, info, steps, stop, speed))]
    code = (await info)["code"]
    joined = asyncio.Semaphore(0)
    stats = [load.ClientStats() for _ in range(n)]
    for s in stats:  # a classroom arrives over a few seconds, not in one instant
        tasks.append(asyncio.create_task(follower(url, code, s, joined, go, stop)))
        await asyncio.sleep(0.01)
    for _ in range(n):
        await asyncio.wait_for(joined.acquire(), 60)
    await asyncio.sleep(2.0)  # settle
    rss: list[float] = []
    poll = asyncio.create_task(load.poll_memory(pid, stop, rss))
    cpu0 = load.cpu_seconds(pid) if pid else 0.0
    steps_at_start = steps[-1] if steps else 0
    go.set()
    await asyncio.sleep(duration)
    go.clear()
    cpu1 = load.cpu_seconds(pid) if pid else 0.0
    steps_at_end = steps[-1] if steps else 0
    final = load.get_json(base + "/healthz")
    stop.set()
    await asyncio.gather(*tasks, poll, return_exceptions=True)
    fps = [s.frames / duration for s in stats]
    delivered = sum(s.frames for s in stats)
    same = sum(1 for s in stats if s.last is not None and s.first is not None)
    return {
        "followers": n, "errors": [s.error for s in stats if s.error][:3],
        "fps_median": statistics.median(fps), "fps_p5": load.percentile(fps, 5),
        "fps_min": min(fps), "lag_p99_ms": final.get("loop_lag_ms_p99"),
        "rss_mb": max(rss) if rss else None, "cpu_s": cpu1 - cpu0,
        "teacher_steps_per_s": (steps_at_end - steps_at_start) / duration,
        # all of the server's CPU, the teacher's training included: with the teacher at a low
        # --teacher-speed, what remains is the fan-out
        "cpu_us_per_follower_frame": 1e6 * (cpu1 - cpu0) / delivered if delivered else None,
        "followers_with_frames": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=300)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--frame-rate", type=float, default=30.0)
    parser.add_argument("--teacher-speed", default="max",
                        help='the teacher\'s steps/s: "max" (the target\'s case) or a number')
    parser.add_argument("--url", default=None)
    parser.add_argument("--pid", type=int, default=None)
    args = parser.parse_args()
    server = None
    if args.url is None:
        port = load.free_port()
        server = load.start_server(port, args.frame_rate, args.followers + 10, 1)
        url, base, pid = f"ws://127.0.0.1:{port}/ws", f"http://127.0.0.1:{port}", server.pid
        load.wait_healthy(base)
    else:
        url, pid = args.url, args.pid
        base = url.replace("ws://", "http://").rsplit("/ws", 1)[0]
    try:
        r = asyncio.run(run(url, base, pid, args.followers, args.duration, args.teacher_speed))
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
    print(f"machine: {load.cpu_model()}, {os.cpu_count()} cores, load average "
          f"{load.load_average():.2f}")
    print(json.dumps(r, indent=2))
    print(load.check("followers' frames/s, 5th percentile", r["fps_p5"], MIN_FPS, True))
    if r["lag_p99_ms"] is not None:
        print(load.check("loop lag p99 ms", r["lag_p99_ms"], MAX_LAG_P99_MS, False))
    if r["rss_mb"] is not None:
        print(load.check("server RSS MB", r["rss_mb"], MAX_RSS_MB, False))


if __name__ == "__main__":
    main()
