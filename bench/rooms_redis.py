"""Followers of a room on another process, through Redis, against followers in the teacher's own.

Starts Debian's redis-server and two servers sharing it (as tests/server/test_rooms_redis.py
does), opens a room on server A with the teacher playing, puts ``--followers`` students on A and
as many on B, and reports the frames per second each follower received (median, min) on either
side and each server's CPU seconds over the measurement (B holds followers only: its CPU is the
cost of receiving a frame once and fanning it out).

    python bench/rooms_redis.py --followers 50 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live_server import ServerProcess
from tests.server.redis_server import RedisProcess
from tests.server.wsclient import count_frames, open_session, recv_json, send


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def follow(url: str, code: str) -> object:
    ws, *_ = await open_session(url)
    await send(ws, type="room_join", code=code)
    while (await recv_json(ws))["type"] != "ready":
        pass
    return ws


async def measure(a: ServerProcess, b: ServerProcess, followers: int, seconds: float) -> None:
    teacher, *_ = await open_session(a.ws_url)
    await send(teacher, type="room_open")
    while (room := await recv_json(teacher))["type"] != "room":
        pass
    here = [await follow(a.ws_url, room["code"]) for _ in range(followers)]
    there = [await follow(b.ws_url, room["code"]) for _ in range(followers)]
    await send(teacher, type="play")
    await asyncio.sleep(1.0)  # warm up
    cpu = {name: cpu_seconds(s.pid) for name, s in (("A", a), ("B", b))}
    counts = await asyncio.gather(*(count_frames(ws, seconds)  # type: ignore[arg-type]
                                    for ws in [teacher, *here, *there]))
    used = {name: cpu_seconds(s.pid) - cpu[name] for name, s in (("A", a), ("B", b))}
    rates = [n / seconds for n, _ in counts]
    print(f"teacher on A: {rates[0]:.1f} frames/s")
    for name, part in (("A (teacher's process)", rates[1:1 + followers]),
                       ("B (through Redis)", rates[1 + followers:])):
        print(f"{followers} followers on {name}: median {statistics.median(part):.1f} "
              f"frames/s, min {min(part):.1f}")
    for name, seconds_used in used.items():
        print(f"server {name} CPU: {seconds_used / seconds * 100:.0f} % of one core")
    for ws in [teacher, *here, *there]:
        await ws.close()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=50, help="per server")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    redis = RedisProcess()
    env = {"BPP_REDIS_URL": redis.url, "BPP_MAX_SESSIONS_PER_CLIENT": "1000"}
    servers = [ServerProcess(env) for _ in range(2)]
    try:
        asyncio.run(measure(*servers, args.followers, args.seconds))
    finally:
        for server in servers:
            server.stop()
        redis.stop()


if __name__ == "__main__":
    main()
