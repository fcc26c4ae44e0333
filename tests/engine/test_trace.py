"""StepTrace: what one step did, with per-layer views and summaries computed on demand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import LOSSES, Trainer


def traced_step(**overrides):
    t = Trainer(**overrides)
    t.run(5)
    before = t.net.flat.copy()
    trace = t.step()
    return t, trace, before


CONFIGS = [
    {},
    {"hidden": (8, 8, 8), "activation": "relu", "optimizer": "adam"},
    {"dataset": "blobs3", "hidden": (5,), "optimizer": "rmsprop"},
    {"dataset": "plane", "hidden": (), "regularization": "l1", "regularization_rate": 0.01},
]


def check_views(overrides) -> None:
    t, trace, _ = traced_step(**overrides)
    gW, gb = t.net.split(trace.grad_flat)
    uW, ub = t.net.split(trace.update_flat)
    for got, want in [(trace.grad_weights, gW), (trace.grad_biases, gb),
                      (trace.update_weights, uW), (trace.update_biases, ub)]:
        assert len(got) == len(want) == t.net.n_layers
        for a, b in zip(got, want, strict=True):
            assert a.shape == b.shape
            np.testing.assert_array_equal(a, b)
    assert [W.shape for W in trace.grad_weights] == [W.shape for W in t.net.weights]


def check_summaries(overrides) -> None:
    t, trace, _ = traced_step(**overrides)
    gW, _ = t.net.split(trace.grad_flat)
    uW, _ = t.net.split(trace.update_flat)
    norms = [math.sqrt(sum(float(g) ** 2 for g in G.ravel())) for G in gW]
    ratios = [np.linalg.norm(U) / np.linalg.norm(W) for U, W in zip(uW, t.net.weights,
                                                                     strict=True)]
    np.testing.assert_allclose(trace.grad_norms(), norms, rtol=1e-12)
    np.testing.assert_allclose(trace.update_ratios(), ratios, rtol=1e-12)


def check_record(overrides) -> None:
    t, trace, before = traced_step(**overrides)
    np.testing.assert_array_equal(t.net.flat, before + trace.update_flat)  # what moved, exactly
    np.testing.assert_array_equal(trace.inputs, t.F_train[trace.batch])
    loss, dout = LOSSES[t.config.loss].value_and_grad(trace.activations[-1],
                                                      t.Y_train[trace.batch])
    assert trace.loss == loss
    assert trace.step == t.step_count == 6
    assert [z.shape for z in trace.zs] == [(len(trace.batch), w) for w in t.net.sizes[1:]]
    assert [d.shape for d in trace.deltas] == [z.shape for z in trace.zs]
    np.testing.assert_array_equal(trace.deltas[-1], dout)  # linear output: delta = dL/dout
    assert trace.weights is t.net.weights and trace.n_weights == t.net.n_weights


@pytest.mark.parametrize("overrides", CONFIGS)
def test_per_layer_views_match_net_split(overrides):
    check_views(overrides)


@pytest.mark.parametrize("overrides", CONFIGS)
def test_grad_norms_and_update_ratios(overrides):
    check_summaries(overrides)


@pytest.mark.parametrize("overrides", CONFIGS)
def test_trace_records_the_step(overrides):
    check_record(overrides)


def test_update_ratio_of_all_zero_weights():
    t = Trainer(init="zeros")
    trace = t.step()  # zero weights get zero gradients: symmetry never breaks, ratios are 0
    assert trace.grad_norms() == [0.0, 0.0, 0.0]
    assert trace.update_ratios() == [0.0, 0.0, 0.0]
    assert np.any(trace.update_flat[t.net.n_weights :] != 0)  # only the biases move


def test_an_old_trace_keeps_its_batch_and_gradients():
    t = Trainer()
    first = t.step()
    batch, grad, deltas = first.batch.copy(), first.grad_flat.copy(), first.deltas[0].copy()
    t.run(60)  # several reshuffles of the batch order
    np.testing.assert_array_equal(first.batch, batch)
    np.testing.assert_array_equal(first.grad_flat, grad)
    np.testing.assert_array_equal(first.deltas[0], deltas)
