"""CPU instructions a session's step and frame cost when many sessions share the process: a
measure that does not move with the machine's speed.

    python bench/frame_instructions.py [--sessions 200] [--rounds 48] [--tree DIR] [--time]
                                       [--setup "app.frames.SESSIONS_PER_RECOMPUTATION = 25"]

The timing benchmarks (bench/load.py) vary by 20-40 % from one minute to the next on a shared
machine, more than most changes to the frame pipeline. This counts instructions instead, with
valgrind (Debian's ``valgrind``; cachegrind without its cache simulation): ``--sessions``
default-network sessions at full speed go through the scheduler's training path
(app.train_together: one visit per chunk a round) and each builds its frame, round after round,
on a fake clock advancing 1/30 s a round. Run once with 8 rounds and once with 8 + ``--rounds``
after the same warm-up; the difference divided by the extra session-rounds is the cost of one
session's step and frame, without start-up. Identical runs agree to the instruction.

What it leaves out: the websocket (framing, the socket write), the event loop, and cache misses
(instructions are not time: a change that only moves data, e.g. a smaller stacked pass, shows
only in bench/load.py). Under valgrind everything runs about 50 times slower, so the limits that
are measured in seconds (how long a chunk's refresh may take) are lifted.

``--tree`` measures another checkout (e.g. a ``git worktree`` of an earlier commit), for an A/B.
``--setup`` runs Python before the sessions are made (``app`` and ``engine`` modules by name).
``--time`` times the same loop natively instead (what a step and a frame take without the
websocket and the event loop; as noisy as the machine).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 16  # rounds before counting: every session's frames have refreshed at least once
BASE_ROUNDS = 8


def simulate(sessions: int, rounds: int, setup: str, timed: bool = False) -> None:
    """The measured program (run inside valgrind, from the tree under test). ``timed``: run
    natively instead, the time limits as they are, and print the wall time a session-round
    takes (medians of 5 windows of ``rounds`` // 5 rounds)."""
    import gc
    import statistics
    import time

    import app.frames
    import app.train_together
    from app.protocol.commands import Play, SetSpeed
    from app.session import TrainingSession
    from app.settings import Settings
    from app.train_together import plan_visits, train_chunk

    if not timed:
        app.train_together.REFRESH_S = float("inf")  # a time limit: lifted (see above)
    exec(setup, {"app": app, "engine": sys.modules["engine"]})

    class Clock:
        now = 1000.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    everyone = []
    for _ in range(sessions):
        session = TrainingSession(Settings(), clock=clock)
        session.apply(SetSpeed(type="speed", steps_per_second="max"))
        session.apply(Play(type="play"))
        everyone.append(session)
    gc.freeze()

    def one_round() -> None:
        clock.now += 1 / 30
        for session in everyone:
            session.sharing = sessions
        for visit in plan_visits(everyone):
            if isinstance(visit, list):
                train_chunk(visit, 0.0, lambda s, seconds: None, lambda work: work())
            else:
                visit.run_slice(0.0)
        for session in everyone:
            session.build_frame()

    if not timed:
        for _ in range(WARM_UP + rounds):
            one_round()
        return
    for _ in range(WARM_UP):
        one_round()
    windows = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds // 5):
            one_round()
        windows.append((time.perf_counter() - start) / (rounds // 5 * sessions))
    print(f"{statistics.median(windows) * 1e6:.0f} µs per session-round (a step and a frame), "
          f"timed: {sessions} sessions, 5 windows of {rounds // 5} rounds "
          f"(min {min(windows) * 1e6:.0f}, max {max(windows) * 1e6:.0f})")


def count(tree: Path, sessions: int, rounds: int, setup: str) -> int:
    """Instructions of the whole program, ``rounds`` counted rounds."""
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=str(tree))
    code = (f"import sys; sys.path.insert(0, {str(tree)!r}); import engine; "
            f"sys.path.insert(0, {str(ROOT / 'bench')!r}); import frame_instructions as f; "
            f"f.simulate({sessions}, {rounds}, {setup!r})")
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", code],
        env=env, cwd=tree, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=48,
                        help="counted rounds (48: a multiple of every refresh period up to 16)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--setup", default="", help="Python run before the sessions are made")
    parser.add_argument("--time", action="store_true",
                        help="time the same loop natively instead (no valgrind; noisy)")
    args = parser.parse_args()
    if args.time:
        sys.path.insert(0, str(args.tree.resolve()))
        simulate(args.sessions, args.rounds, args.setup, timed=True)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    tree = args.tree.resolve()
    base = count(tree, args.sessions, BASE_ROUNDS, args.setup)
    more = count(tree, args.sessions, BASE_ROUNDS + args.rounds, args.setup)
    per = (more - base) / (args.rounds * args.sessions)
    print(f"{per / 1000:.1f} k instructions per session-round (a step and a frame): "
          f"{args.sessions} sessions, {args.rounds} rounds, tree {tree}"
          + (f", setup {args.setup!r}" if args.setup else ""))


if __name__ == "__main__":
    main()
