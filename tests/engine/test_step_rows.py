"""``step_rows``: optimizers that keep no state update as rows of one array, each row the bits of
its own ``step``; any other set is left to step one by one."""

from __future__ import annotations

import numpy as np

from engine.optimizers import make_optimizer, step_rows


def _set(name: str, hypers: list[dict], seed: int = 0) -> tuple[list, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = rng.normal(size=(len(hypers), 7))
    grads = rng.normal(size=(len(hypers), 7))
    optimizers = [make_optimizer(name, [params[i].copy()], **h) for i, h in enumerate(hypers)]
    return optimizers, params, grads


def test_plain_sgd_rows_are_each_optimizers_own_step() -> None:
    hypers = [{"lr": 0.05, "weight_decay": 0.1}] * 3
    together, params, grads = _set("sgd", hypers)
    alone, _, _ = _set("sgd", hypers)
    for _ in range(3):
        rows = step_rows(together, params, grads)
        assert rows is not None
        for i, (mine, theirs) in enumerate(zip(together, alone, strict=True)):
            (update,) = theirs.step([grads[i]])
            assert np.array_equal(rows[i], update)
            assert np.array_equal(mine.params[0], theirs.params[0])
            assert mine.step_count == theirs.step_count
        params = np.stack([o.params[0] for o in together])


def test_optimizers_with_state_or_other_settings_step_alone() -> None:
    for name, hypers in [("sgd", [{"lr": 0.05, "momentum": 0.9}] * 2),
                         ("sgd", [{"lr": 0.05}, {"lr": 0.1}]),
                         ("adam", [{"lr": 0.05}] * 2)]:
        optimizers, params, grads = _set(name, hypers)
        before = [o.params[0].copy() for o in optimizers]
        assert step_rows(optimizers, params, grads) is None
        assert all(np.array_equal(o.params[0], b) for o, b in zip(optimizers, before, strict=True))
        assert all(o.step_count == 0 for o in optimizers)
