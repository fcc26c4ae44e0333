"""Matt Mazur's "A Step by Step Backpropagation Example" (2015), recomputed in float64.

2-2-2 network, sigmoid hidden and output units, E = sum over outputs of 1/2 (target - out)^2,
which is exactly the mean squared error over one example's two outputs. Biases are fixed: the
optimizer is given the weights only. Reference values: /work/shared/REFERENCE_VALUES.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import MLP, make_optimizer

X = np.array([[0.05, 0.10]])
Y = np.array([[0.01, 0.99]])


@pytest.fixture
def net() -> MLP:
    net = MLP([2, 2, 2], activation="sigmoid", output_activation="sigmoid")
    W0, b0, W1, b1 = net.params  # W (fan_in, fan_out): W[i, j] is the edge from i to j
    W0[...] = [[0.15, 0.25],  # w1: i1->h1, w3: i1->h2
               [0.20, 0.30]]  # w2: i2->h1, w4: i2->h2
    W1[...] = [[0.40, 0.50],  # w5: h1->o1, w7: h1->o2
               [0.45, 0.55]]  # w6: h2->o1, w8: h2->o2
    b0[...] = 0.35
    b1[...] = 0.60
    return net


def mazur_step(net: MLP) -> float:
    """One gradient-descent step on the weights (lr 0.5); returns E before the step."""
    W0, _, W1, _ = net.params
    opt = make_optimizer("sgd", [W0, W1], lr=0.5)
    net.forward(X)
    E, grads = net.backward(Y, loss="mse")
    opt.step([grads[0], grads[2]])
    return E


def test_forward_pass(net):
    out = net.forward(X)
    np.testing.assert_allclose(net.activations[0], [[0.593269992, 0.596884378]], atol=1e-9)
    np.testing.assert_allclose(out, [[0.75136507, 0.772928465]], atol=1e-8)


def test_error_is_his_half_sum(net):
    net.forward(X)
    error, _ = net.backward(Y, loss="mse")
    assert error == pytest.approx(0.298371109, abs=1e-9)


def test_one_step_updates_every_weight(net):
    mazur_step(net)
    W0, b0, W1, b1 = net.params
    w5, w6, w7, w8 = W1[0, 0], W1[1, 0], W1[0, 1], W1[1, 1]
    w1, w2, w3, w4 = W0[0, 0], W0[1, 0], W0[0, 1], W0[1, 1]
    np.testing.assert_allclose([w5, w6, w7, w8], [0.35891648, 0.408666186, 0.511301270,
                                                  0.561370121], atol=1e-8)
    np.testing.assert_allclose([w1, w2, w3, w4], [0.149780716, 0.19956143, 0.24975114,
                                                  0.29950229], atol=1e-8)
    np.testing.assert_array_equal(b0, [0.35, 0.35])  # biases are not trained here
    np.testing.assert_array_equal(b1, [0.60, 0.60])


def test_error_after_the_step(net):
    E_before = mazur_step(net)
    net.forward(X)
    E_after, _ = net.backward(Y, loss="mse")
    assert E_before == pytest.approx(0.298371109, abs=1e-9)
    assert E_after == pytest.approx(0.291027774, abs=1e-9)
