"""Steps/s of the default and a deep trainer, for an A/B between two versions of the engine.

    for v in OLD NEW; do OPENBLAS_NUM_THREADS=1 PYTHONPATH=$v python bench/engine_ab.py; done

where OLD is e.g. ``git archive 7377dd4 engine | tar -x -C /tmp/old`` and NEW this checkout:
run the pair a few times, alternating, and compare medians (the machines are shared and noisy).
Prints: default steps/s, deep steps/s (best of 5 x 1,500 steps after 300 to warm up).
"""

from __future__ import annotations

import time

from engine import Trainer


def rate(config: dict[str, object]) -> float:
    t = Trainer(**config)
    t.run(300)
    best = []
    for _ in range(5):
        start = time.perf_counter()
        t.run(1500)
        best.append(1500 / (time.perf_counter() - start))
    return max(best)


if __name__ == "__main__":
    print(rate({}), rate({"hidden": (8,) * 6, "optimizer": "adam", "batch_size": 30}))
