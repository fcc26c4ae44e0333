"""Connection storm: N clients connect at once and play; how long the event loop stalls, with and
without ``gc.freeze()`` after start-up (app/main.py's lifespan).

    python bench/connection_storm.py --clients 100 --rounds 5

Each round starts a fresh server (``python -m app``; for "no freeze" the same entry point with
``gc.freeze`` replaced by a no-op) and lets N clients connect at the same moment, read hello,
ready and a first frame, and play at the default speed for ``--seconds``. Reported per variant,
medians over the rounds: the time until every client had its first frame, the loop lag (p99 and
max from /healthz, and how many of the monitor's 50 ms ticks woke more than 25 ms late, from the
/metrics histogram), and the generation-2 collections the storm caused. Rounds alternate between
the variants so that drift in the machine's load affects both alike.

First, in this process, what one full (generation-2) collection costs with N sessions built, with
the start-up objects (modules, the app) tracked by the collector and frozen out of it: the cost
gc.freeze() takes off every full collection. A script, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_server import free_port, wait_for_healthz  # noqa: E402

# The server's own entry point, with a gc callback that times every generation-2 collection and
# prints the durations at exit; "no freeze" also turns gc.freeze into a no-op.
TIME_GEN2 = """
import atexit, gc, json, sys, time
started, durations = [0.0], []
def time_gen2(phase, info):
    if info["generation"] == 2:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            durations.append(time.perf_counter() - started[0])
gc.callbacks.append(time_gen2)
atexit.register(lambda: print("GEN2 " + json.dumps(durations), file=sys.stderr))
"""
LAUNCH = {
    "freeze": TIME_GEN2 + "from app.cli import main; main()",
    "no freeze": TIME_GEN2 + "gc.freeze = lambda: None\nfrom app.cli import main; main()",
}


GEN2 = "python_gc_collections_total{generation=2}"


def scrape(base: str) -> dict[str, float]:
    with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
        text = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
    return samples


def healthz(base: str) -> dict[str, float]:
    with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
        return json.loads(r.read())


async def one_client(url: str, go: asyncio.Event, seconds: float) -> float:
    await go.wait()
    start = time.perf_counter()
    async with connect(url, compression=None, max_size=2**22, open_timeout=60) as ws:
        while not isinstance(await ws.recv(), bytes):
            pass
        first_frame = time.perf_counter() - start
        await ws.send('{"type":"play"}')
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            try:
                await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
    return first_frame


async def storm(url: str, clients: int, seconds: float) -> float:
    go = asyncio.Event()
    tasks = [asyncio.create_task(one_client(url, go, seconds)) for _ in range(clients)]
    await asyncio.sleep(0.2)
    go.set()
    return max(await asyncio.gather(*tasks))


def late_ticks(samples: dict[str, float], threshold: str = "0.025") -> float:
    return samples["bpp_loop_lag_seconds_count"] - \
        samples[f"bpp_loop_lag_seconds_bucket{{le={threshold}}}"]


def one_round(variant: str, clients: int, seconds: float) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BPP_")}
    env.update(OPENBLAS_NUM_THREADS="1", BPP_MAX_SESSIONS=str(max(300, clients)),
               BPP_MAX_SESSIONS_PER_CLIENT=str(max(250, clients)))
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH[variant], "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT, env=env,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_healthz(base, proc, 30)
        time.sleep(1.0)
        before = scrape(base)
        all_framed = asyncio.run(storm(f"ws://127.0.0.1:{port}/ws", clients, seconds))
        after, health = scrape(base), healthz(base)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    durations = next((json.loads(line[5:]) for line in err.splitlines()
                      if line.startswith("GEN2 ")), [])
    # Start-up's own collections are before `before`; count only the storm's.
    storm_gen2 = durations[-int(after[GEN2] - before[GEN2]):] if after[GEN2] > before[GEN2] else []
    return {"all first frames s": all_framed,
            "lag p99 ms": health["loop_lag_ms_p99"], "lag max ms": health["loop_lag_ms_max"],
            "ticks > 25 ms late": late_ticks(after) - late_ticks(before),
            "gen-2 collections": len(storm_gen2),
            "longest gen-2 ms": 1000 * max(storm_gen2, default=0.0)}


def full_collection_ms(sessions: int, freeze: bool, repeats: int = 5) -> float:
    """Median time of ``gc.collect()`` with ``sessions`` sessions (each has built a frame)."""
    import gc

    from app.main import create_app
    from app.session import TrainingSession
    from app.settings import Settings

    create_app()
    gc.collect()
    if freeze:
        gc.freeze()
    built = [TrainingSession(Settings(), "bench") for _ in range(sessions)]
    for session in built:
        session.build_frame()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - start) * 1000)
    tracked = len(gc.get_objects())
    del built
    gc.unfreeze()
    gc.collect()
    print(f"  full collection, {sessions} sessions, start-up objects "
          f"{'frozen' if freeze else 'tracked'}: {statistics.median(times):.1f} ms "
          f"(median of {repeats}; {tracked} objects tracked)")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6.0, help="play after connecting")
    args = parser.parse_args()
    for freeze in (False, True):
        full_collection_ms(args.clients, freeze)
    results: dict[str, list[dict[str, float]]] = {v: [] for v in LAUNCH}
    for i in range(args.rounds):
        for variant in LAUNCH:
            result = one_round(variant, args.clients, args.seconds)
            results[variant].append(result)
            print(f"round {i + 1} {variant:9s} " + "  ".join(
                f"{k} {v:.3g}" for k, v in result.items()), flush=True)
    if not args.rounds:
        return
    print(f"\n{args.clients} clients at once, {args.rounds} rounds, medians "
          f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}):")
    for variant, rounds in results.items():
        print(f"  {variant:9s} " + "  ".join(
            f"{k} {statistics.median(r[k] for r in rounds):.3g}" for k in rounds[0]))


if __name__ == "__main__":
    main()
