"""The full-data metrics of several same-shaped runs at once: a server's sessions on one dataset.

``Trainer.evaluate()`` runs the whole training and test set through the network, some forty
NumPy calls on a few hundred points: mostly each call's own cost. Runs of one network shape on the
same data (a classroom or a public demo opens the default run hundreds of times) go through as
one: their weights stacked along a lane axis (as ``engine.lockstep`` does for a step), one
forward pass, and for binary cross-entropy, the usual loss, one set of loss and accuracy calls.
Each run's numbers are those its own ``evaluate()`` gives, bit for bit.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from engine.losses import get_loss
from engine.network import forward_layers, stack_networks
from engine.trainer import Metrics, Trainer


def metrics_together(runs: Sequence[Trainer]) -> list[Metrics]:
    """``[run.evaluate() for run in runs]``, the runs that share a network shape and data
    evaluated together."""
    groups: dict[Hashable, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(_same_pass(run), []).append(i)
    metrics: list[Metrics] = [None] * len(runs)  # type: ignore[list-item]
    for members in groups.values():
        if len(members) == 1:
            metrics[members[0]] = runs[members[0]].evaluate()
            continue
        for i, m in zip(members, _evaluate([runs[i] for i in members]), strict=True):
            metrics[i] = m
    return metrics


def _same_pass(run: Trainer) -> Hashable:
    """Runs with equal keys have the same network shape and the same data."""
    return run.net.shape_key, run.data_key


def _evaluate(runs: Sequence[Trainer]) -> list[Metrics]:
    first = runs[0]
    _, weights, biases = stack_networks([run.net for run in runs])
    with np.errstate(all="ignore"):
        _, acts = forward_layers(first._F_eval, weights, biases, first.net.layer_functions[0])
    out = acts[-1]  # (runs, train + test, d_out)
    n = len(first.y_train)
    if first.config.chosen_loss == "bce":  # the usual one: every run's loss in one set of calls
        train, test = _bce_metrics(first, out[:, :n], out[:, n:])
    else:  # each run's own loss on its rows of the one forward pass
        train = [first._loss_and_accuracy(o[:n], first.Y_train, first.y_train) for o in out]
        test = [first._loss_and_accuracy(o[n:], first.Y_test, first.y_test) for o in out]
    return [Metrics(tl, vl, ta, va, run.penalty())
            for run, (tl, ta), (vl, va) in zip(runs, train, test, strict=True)]


def _bce_metrics(first: Trainer, train_out: np.ndarray, test_out: np.ndarray
                 ) -> tuple[list[tuple[float, float | None]], list[tuple[float, float | None]]]:
    """Each run's (loss, accuracy) on the training and the test set, as ``_loss_and_accuracy``
    gives them: the loss of stacked outputs sums each run's terms as its own sum does, and an
    accuracy is a count over a count, exactly what a mean of booleans is."""
    values = get_loss("bce").values
    halves: list[list[tuple[float, float | None]]] = []
    for out, Y, y in ((train_out, first.Y_train, first.y_train),
                      (test_out, first.Y_test, first.y_test)):
        with np.errstate(all="ignore"):
            losses = values(out, Y).tolist()
        if first.spec.kind == "regression":
            halves.append([(loss, None) for loss in losses])
            continue
        right = np.count_nonzero(first.classify(out) == y, axis=-1).tolist()
        halves.append([(loss, r / len(y)) for loss, r in zip(losses, right, strict=True)])
    return halves[0], halves[1]
