"""Load test: N websocket clients, each training at full speed, against one server process.

    python bench/load.py --clients 100 --duration 20
    python bench/load.py --clients 1 --frame-rate 60
    python bench/load.py --clients 50 --url ws://127.0.0.1:8000/ws --pid 1234
    python bench/load.py --clients 200 --workers 2
    python bench/load.py --clients 200 --duration 15 --at-once
    python bench/load.py --clients 300 --cores 1    # one worker, its clients on its own core

Starts the server itself (``python -m app`` on a free port, OPENBLAS_NUM_THREADS=1,
BPP_FRAME_RATE=--frame-rate, ``--workers N``) unless ``--url`` points at a running one (``--pid``
then lets it read that server's memory). A server's memory and CPU are those of its process and
its children (the workers), summed. Each client reads hello/ready/frame, sends
``{"type":"speed","steps_per_second":"max"}`` and ``{"type":"play"}``, and all clients then count
frames over the same window. A client reads only the frame's length and, for the first and last
frame of the window, its JSON header; once playing, every client's socket is read in one sweep
each 0.1 s (two or three frames a read): the clients share the server's cores and must stay
cheap (a read and a wake-up per frame cost a quarter of a core at 8,000 frames/s).

Reports frames/s per client (median, 5th percentile, min), steps/s per session (from the frames'
``step``) and in total, against a plain ``Trainer.step()`` loop in this process (default config,
measured before the load starts), the server's loop lag p99 (``/healthz`` read at the end of the
window: it keeps the last 20 s), its memory (VmRSS polled from /proc, and VmHWM), its CPU use, the
median frame size, and each figure against its target. A script, not a test: the numbers depend
on the machine (and on whatever else runs on it: the load average is printed too).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads, for the bare loop

import argparse
import asyncio
import contextlib
import json
import platform
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lean_client import OPCODE_BINARY, LeanClient, connect_lean
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Targets (docs/performance.md, "Server").
MIN_FPS_MANY = 20.0  # every one of 100 sessions
MAX_LAG_P99_MS = 50.0
MAX_RSS_MB = 300.0
MIN_FPS_ALONE_AT_60 = 55.0
MIN_SPEED_RATIO_ALONE = 0.70  # of a plain Trainer.step() loop in this process
MAX_FRAME_BYTES = 12 * 1024

SWEEP_S = 0.1  # how often the lean clients' sockets are read while frames are counted


@dataclass
class ClientStats:
    frames: int = 0
    sizes: list[int] = field(default_factory=list)
    first: bytes | None = None
    last: bytes | None = None
    first_t: float = 0.0  # when they arrived (loop time)
    last_t: float = 0.0
    error: str = ""


def header(frame: bytes) -> dict[str, Any]:
    (length,) = struct.unpack_from("<I", frame)
    return json.loads(frame[4 : 4 + length])


def bare_engine_steps_per_second(seconds: float) -> float:
    """Trainer.step() in a plain loop, default config: the speed a session cannot beat."""
    from engine.config import TrainingConfig
    from engine.trainer import Trainer

    t = Trainer(TrainingConfig())
    for _ in range(500):  # warm up caches and allocator
        t.step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            t.step()
        n += 100
    return n / (time.perf_counter() - start)


# ---- the server -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, frame_rate: float, clients: int, workers: int
                 ) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BPP_")}
    env.update(OPENBLAS_NUM_THREADS="1", BPP_FRAME_RATE=str(frame_rate),
               BPP_MAX_SESSIONS=str(max(300, clients)),
               BPP_MAX_SESSIONS_PER_CLIENT=str(max(250, clients)))
    return subprocess.Popen([sys.executable, "-m", "app", "--port", str(port),
                             "--log-level", "warning", "--workers", str(workers)],
                            cwd=ROOT, env=env)


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def wait_healthy(base: str, workers: int = 1, timeout_s: float = 60.0) -> None:
    """Until ``workers`` different processes have answered /healthz: all of them serve."""
    deadline = time.monotonic() + timeout_s
    answered: set[int] = set()
    while time.monotonic() < deadline:
        try:
            answered.add(get_json(base + "/healthz")["pid"])
            if len(answered) >= workers:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{base}/healthz: {len(answered)} of {workers} workers answered "
                     f"within {timeout_s} s")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a supervisor's workers), from /proc (Linux)."""
    tree = [pid]
    for tid in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            for child in (tid / "children").read_text().split():
                tree += process_tree(int(child))
    return tree


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB of a process and its children, summed (the peaks' sum is an upper
    bound of the tree's peak: the workers need not peak at the same moment)."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    for member in process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] += int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def cpu_times(pid: int) -> tuple[float, float]:
    """(user, system) CPU time so far of a process and its children, from /proc/<pid>/stat."""
    user = system = 0
    for member in process_tree(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        user += int(fields[11])
        system += int(fields[12])
    return user / os.sysconf("SC_CLK_TCK"), system / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its children."""
    return sum(cpu_times(pid))


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# ---- the clients ----------------------------------------------------------------------------
class Gate:
    """Opens when all ``n`` clients have arrived (connected and playing, or failed)."""

    def __init__(self, n: int) -> None:
        self.left = n
        self.open = asyncio.Event()

    def arrive(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.open.set()


async def client(url: str, stats: ClientStats, gate: Gate, go: asyncio.Event,
                 window: list[float]) -> None:
    arrived = False
    try:
        async with connect(url, compression=None, max_size=2**22, ping_interval=None,
                           open_timeout=60) as ws:
            await opening(ws)
            await ws.send('{"type":"speed","steps_per_second":"max"}')
            await ws.send('{"type":"play"}')
            gate.arrive()
            arrived = True
            await go.wait()
            start, end = window
            loop = asyncio.get_running_loop()
            while (left := end - loop.time()) > 0:
                try:
                    async with asyncio.timeout(left):  # no task per message (wait_for makes one)
                        message = await ws.recv()
                except TimeoutError:
                    break
                now = loop.time()
                if isinstance(message, bytes) and now >= start:
                    stats.frames += 1
                    stats.sizes.append(len(message))
                    if stats.first is None:
                        stats.first, stats.first_t = message, now
                    stats.last, stats.last_t = message, now
    except Exception as exc:  # a client that fails is reported, not fatal to the run
        stats.error = f"{type(exc).__name__}: {exc}"
        if not arrived:
            gate.arrive()


async def lean_client(url: str, stats: ClientStats, gate: Gate, go: asyncio.Event,
                      window: list[float], swept: list[LeanClient]) -> None:
    """``client``'s behaviour through bench/lean_client.py: a fraction of its CPU per frame.
    Once playing, its socket is read by ``sweep_clients``."""
    loop = asyncio.get_running_loop()
    first_frame = loop.create_future()
    arrived = False

    def on_message(opcode: int, payload: bytes | memoryview) -> None:
        if opcode != OPCODE_BINARY:
            return
        if not first_frame.done():
            first_frame.set_result(None)
        now = loop.time()
        if go.is_set() and window[0] <= now < window[1]:
            stats.frames += 1
            stats.sizes.append(len(payload))
            (length,) = struct.unpack_from("<I", payload)
            kept = bytes(payload[: 4 + length])  # the header: all that is read of it
            if stats.first is None:
                stats.first, stats.first_t = kept, now
            stats.last, stats.last_t = kept, now

    try:
        lean = await asyncio.wait_for(connect_lean(url, on_message), 60)
        try:
            await asyncio.wait_for(first_frame, 60)  # hello, ready, then the first frame
            lean.send_text('{"type":"speed","steps_per_second":"max"}')
            lean.send_text('{"type":"play"}')
            lean.take_socket()  # read by ``sweep_clients`` from now on
            swept.append(lean)
            gate.arrive()
            arrived = True
            await go.wait()
            await asyncio.sleep(max(0.0, window[1] - loop.time()))
        finally:
            lean.close()
    except Exception as exc:  # a client that fails is reported, not fatal to the run
        stats.error = f"{type(exc).__name__}: {exc}"
        if not arrived:
            gate.arrive()


async def sweep_clients(swept: list[LeanClient], go: asyncio.Event, window: list[float],
                        spread: bool) -> None:
    """Read every lean client's socket each ``SWEEP_S`` until the window ends: each read takes
    the two or three frames that came meanwhile, where the event loop would wake for every
    frame (a read and a wake-up per frame made the clients a quarter of a core at 8,000
    frames/s, which two workers on two cores then did not get). A frame is counted when it
    is read, so the window counted is ``SWEEP_S`` earlier, and as long. With ``spread``, the
    sweeps take the machine's cores in turn (left to the kernel, they stay on one core, and with
    two workers the worker on that core got 91 % of it, the other 99.5 %)."""
    loop = asyncio.get_running_loop()
    cores = sorted(os.sched_getaffinity(0))
    sweeps = 0
    try:
        while not go.is_set() or loop.time() < window[1]:
            if spread:  # each sweep on the next core: every worker's core carries an equal part
                os.sched_setaffinity(0, {cores[sweeps % len(cores)]})
            for lean in swept:
                lean.sweep()
            sweeps += 1
            await asyncio.sleep(SWEEP_S)
    finally:
        os.sched_setaffinity(0, cores)


async def opening(ws: ClientConnection) -> None:
    """hello, ready, then the first frame (binary)."""
    while not isinstance(await ws.recv(), bytes):
        pass


async def poll_memory(pid: int | None, stop: asyncio.Event, rss: list[float]) -> None:
    while not stop.is_set():
        if pid:
            rss.append(memory_mb(pid)[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def run_load(url: str, base: str, pid: int | None, n: int, duration: float,
                   at_once: bool = False, lean: bool = True, spread: bool = False
                   ) -> dict[str, Any]:
    stats = [ClientStats() for _ in range(n)]
    gate, go = Gate(n), asyncio.Event()
    window = [0.0, 0.0]
    tasks = []
    swept: list[LeanClient] = []
    sweeper = asyncio.create_task(sweep_clients(swept, go, window, spread))
    for i in range(n):  # in small waves (a burst of handshakes is measured with --at-once)
        tasks.append(asyncio.create_task(
            lean_client(url, stats[i], gate, go, window, swept) if lean
            else client(url, stats[i], gate, go, window)))
        if i % 10 == 9 and not at_once:
            await asyncio.sleep(0.05)
    await gate.open.wait()
    split = health_of_every_worker(base)["sessions_per_worker"]  # all connected, not yet counting
    loop = asyncio.get_running_loop()
    settle = 2.0  # let every session reach its pace before counting
    window[:] = [loop.time() + settle, loop.time() + settle + duration]
    go.set()
    await asyncio.sleep(settle)
    stop, rss = asyncio.Event(), []
    load_before, own_before = load_average(), time.process_time()
    server_before = cpu_times(pid) if pid else (0.0, 0.0)
    poller = asyncio.create_task(poll_memory(pid, stop, rss))
    await asyncio.gather(*tasks, sweeper)
    stop.set()
    await poller
    final = health_of_every_worker(base)
    result = summarise(stats, duration, final, rss, pid)
    result["sessions_per_worker"] = split
    result["client_cpu_percent"] = 100 * (time.process_time() - own_before) / duration
    if pid:
        user, system = (after - before for after, before
                        in zip(cpu_times(pid), server_before, strict=True))
        server_cpu = user + system
        result["server_cpu_percent"] = 100 * server_cpu / duration
        result["server_system_cpu_percent"] = 100 * system / duration
        frames = sum(s.frames for s in stats)
        result["server_cpu_ms_per_frame"] = 1000 * server_cpu / frames if frames else 0.0
    result["load_average"] = [load_before, load_average()]
    return result


def health_of_every_worker(base: str, attempts: int = 100) -> dict[str, Any]:
    """/healthz, asked until no new worker answers for a while (the kernel picks one per
    connection): the worst loop lag of any worker, and each worker's sessions."""
    seen: dict[int, dict[str, Any]] = {}
    quiet = 0
    while quiet < 20 and attempts > 0:
        health = get_json(base + "/healthz")
        quiet = quiet + 1 if health["pid"] in seen else 0
        seen[health["pid"]] = health
        attempts -= 1
    worst = max(seen.values(), key=lambda h: h["loop_lag_ms_p99"])
    return {**worst, "sessions_per_worker": sorted(h["sessions"] for h in seen.values())}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else float("nan")


def summarise(stats: list[ClientStats], duration: float, final: dict[str, Any],
              rss: list[float], pid: int | None) -> dict[str, Any]:
    errors = [s.error for s in stats if s.error]
    fps = [s.frames / duration for s in stats]
    steps = []
    for s in stats:
        if s.first is not None and s.last is not None and s.last_t > s.first_t:
            steps.append((header(s.last)["step"] - header(s.first)["step"])
                         / (s.last_t - s.first_t))
    sizes = [size for s in stats for size in s.sizes]
    result: dict[str, Any] = {
        "clients": len(stats),
        "errors": errors[:5],
        "n_errors": len(errors),
        "fps_median": statistics.median(fps),
        "fps_p5": percentile(fps, 5),
        "fps_min": min(fps),
        "steps_per_s_median": statistics.median(steps) if steps else 0.0,
        "steps_per_s_p5": percentile(steps, 5) if steps else 0.0,
        "steps_per_s_total": sum(steps),
        "frame_bytes_median": statistics.median(sizes) if sizes else 0,
        # /healthz keeps the last 400 samples (one per 50 ms: 20 s): read at the end of a
        # 20 s window, it covers the run and not the connection storm before it.
        "loop_lag_p99_ms": final["loop_lag_ms_p99"],
        "loop_lag_max_ms": final["loop_lag_ms_max"],
    }
    if pid:
        now, peak = memory_mb(pid)
        result["rss_mb"] = max([now, *rss])
        result["rss_peak_mb"] = peak
    return result


# ---- main -----------------------------------------------------------------------------------
def check(label: str, value: float, target: float, higher_is_better: bool) -> str:
    ok = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    fmt = ",.2f" if target < 10 else ",.1f"
    return (f"  {'PASS' if ok else 'MISS'}  {label}: {value:{fmt}} "
            f"(target {sign} {target:{fmt}})")


def report(r: dict[str, Any], bare: float, frame_rate: float) -> list[str]:
    lines = [
        f"clients {r['clients']}, frame rate {frame_rate:g}/s, errors {r['n_errors']} "
        f"{r['errors'] if r['errors'] else ''}".rstrip(),
        f"frames/s per client: median {r['fps_median']:.1f}, p5 {r['fps_p5']:.1f}, "
        f"min {r['fps_min']:.1f}",
        f"steps/s per session: median {r['steps_per_s_median']:,.0f}, "
        f"p5 {r['steps_per_s_p5']:,.0f}; total {r['steps_per_s_total']:,.0f}; in-process "
        f"Trainer.step() loop {bare:,.0f} (session/loop {r['steps_per_s_median'] / bare:.2f})",
        f"loop lag p99 {r['loop_lag_p99_ms']:.1f} ms (max {r['loop_lag_max_ms']:.1f} ms; "
        "the last 20 s; the worst worker)",
        f"sessions per worker: {r['sessions_per_worker']}",
        f"bytes/frame median {r['frame_bytes_median']:,.0f}",
    ]
    if "rss_mb" in r:
        lines.append(f"server memory: RSS {r['rss_mb']:.1f} MB (peak {r['rss_peak_mb']:.1f} MB)")
        lines.append(f"CPU: server {r['server_cpu_percent']:.0f} % of a core "
                     f"({r['server_system_cpu_percent']:.0f} % in the kernel; "
                     f"{r['server_cpu_ms_per_frame']:.3f} ms per frame sent, training "
                     f"included), clients "
                     f"{r['client_cpu_percent']:.0f} %; load average {r['load_average'][0]:.1f} "
                     f"-> {r['load_average'][1]:.1f} on {os.cpu_count()} cores")
    lines.append("targets:")
    if r["clients"] >= 100:
        lines.append(check("frames/s, slowest client", r["fps_min"], MIN_FPS_MANY, True))
        lines.append(check("loop lag p99 ms", r["loop_lag_p99_ms"], MAX_LAG_P99_MS, False))
        if "rss_mb" in r:
            lines.append(check("server RSS MB", r["rss_mb"], MAX_RSS_MB, False))
    if r["clients"] == 1 and frame_rate >= 60:
        lines.append(check("frames/s alone at 60", r["fps_median"], MIN_FPS_ALONE_AT_60, True))
        lines.append(check("session steps/s over the plain loop's", r["steps_per_s_median"] / bare,
                           MIN_SPEED_RATIO_ALONE, True))
    lines.append(check("bytes/frame", r["frame_bytes_median"], MAX_FRAME_BYTES, False))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds counted")
    parser.add_argument("--frame-rate", type=float, default=30.0,
                        help="BPP_FRAME_RATE of the server this script starts")
    parser.add_argument("--url", help="ws://host:port/ws of a running server (not started here)")
    parser.add_argument("--pid", type=int, help="with --url: the server's pid, for its memory")
    parser.add_argument("--workers", type=int, default=1,
                        help="--workers of the server this script starts")
    parser.add_argument("--bare-seconds", type=float, default=3.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--at-once", action="store_true",
                        help="every client connects at the same moment (the connection storm); "
                             "with --duration 15 the loop lag's window (the last 400 ticks of "
                             "50 ms, or more when late) holds the storm too")
    parser.add_argument("--client", choices=("lean", "websockets"), default="lean",
                        help="lean: bench/lean_client.py, a fraction of the CPU per frame of the "
                             "websockets package (the clients share the server's cores)")
    parser.add_argument("--spread-clients", action="store_true",
                        help="lean clients: read their sockets on each core in turn, so that "
                             "every worker's core carries an equal part of them (for --workers "
                             "N on N cores; with one worker, its core then carries part too)")
    parser.add_argument("--cores", type=int,
                        help="run the server (all its workers) and the clients on the first N "
                             "cores only: --workers 1 --cores 1 is one worker on one core that "
                             "carries its clients too, as two workers on two cores do")
    args = parser.parse_args()
    if args.cores:  # inherited by the server this script starts, and by its workers
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[: args.cores])

    bare = bare_engine_steps_per_second(args.bare_seconds)
    server = None
    if args.url:
        url, pid = args.url, args.pid
    else:
        port = free_port()
        server = start_server(port, args.frame_rate, args.clients, args.workers)
        url, pid = f"ws://127.0.0.1:{port}/ws", server.pid
    base = url.replace("ws://", "http://").replace("wss://", "https://").rsplit("/ws", 1)[0]
    try:
        wait_healthy(base, 1 if args.url else args.workers)
        result = asyncio.run(run_load(url, base, pid, args.clients, args.duration,
                                      args.at_once, args.client == "lean",
                                      args.spread_clients))
    finally:
        if server is not None:
            server.terminate()
            server.wait(15)
    result.update(bare_steps_per_s=bare, frame_rate=args.frame_rate, duration=args.duration,
                  workers=args.workers, cores=sorted(os.sched_getaffinity(0)),
                  machine=f"{cpu_model()}, {os.cpu_count()} cores, "
                          f"Python {platform.python_version()}")
    print(f"machine: {result['machine']}"
          + (f"; server and clients on cores {result['cores']}" if args.cores else ""))
    print("\n".join(report(result, bare, args.frame_rate)))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
