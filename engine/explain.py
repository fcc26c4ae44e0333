"""One training example explained: every term of the chain rule with its real number.

For a mean-over-batch loss, the batch gradient is the average of these per-example gradients,
so a learner can check one row of the sum by hand.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.arrays import Array
from engine.losses import get_loss
from engine.network import MLP


def explain_example(net: MLP, x: Array, y: Any, loss: str) -> dict[str, Any]:
    """Forward values, deltas and dL/dw = a_prev * delta for one example.

    x: (d_in,) features; y: the example's target as the loss takes it ((d_out,) for mse / bce,
    an int class for cross_entropy). Uses a copy of the network's cache, leaving it untouched.
    Silent about overflow, like the trainer: a diverged network's numbers are inf or nan.
    Returns {"loss", "p" (the output as the loss reads it: a value, or probabilities),
    "layers": [{"z", "a", "da_dz", "dL_da", "delta", "a_prev", "dL_dW", "dL_db"}, ...]}, with
    delta = dL_da · da_dz (for the output of bce / cross_entropy, the loss's own link).
    """
    saved = (net.inputs, net.zs, net.activations, net.deltas, net.grad_flat, net.penalty)
    # a diverged network explains itself with inf and nan, without warnings
    with np.errstate(all="ignore"):
        try:
            return _explain(net, x, y, loss)
        finally:
            (net.inputs, net.zs, net.activations, net.deltas, net.grad_flat, net.penalty) = saved


def _explain(net: MLP, x: Array, y: Any, loss: str) -> dict[str, Any]:
    """The work of explain_example, which saves and restores the cache around it."""
    X = np.asarray(x, dtype=np.float64)[None, :]
    Y = np.asarray([y]) if loss == "cross_entropy" else np.asarray(y, np.float64)[None, :]
    net.forward(X)
    value, _ = net.backward(Y, loss)
    link = get_loss(loss)
    out = net.activations[-1]
    _, dL_dout = link.value_and_grad(out, Y)  # dL/da of the output layer
    layers = []
    for layer in range(net.n_layers):
        a_prev = X[0] if layer == 0 else net.activations[layer - 1][0]
        z, a = net.zs[layer][0], net.activations[layer][0]
        delta = net.deltas[layer][0]
        if layer + 1 < net.n_layers:  # dL/da = sum over the next layer of w · delta
            dL_da = net.weights[layer + 1] @ net.deltas[layer + 1][0]
        else:
            dL_da = dL_dout[0]
        layers.append(
            {
                "z": z.copy(),
                "a": a.copy(),
                "da_dz": net.layer_activations[layer].df(z, a),  # f'(z), the activation's slope
                "dL_da": dL_da.copy(),
                "delta": delta.copy(),  # dL/dz = dL/da · da/dz
                "a_prev": a_prev.copy(),
                "dL_dW": np.outer(a_prev, delta),  # the chain rule, edge by edge
                "dL_db": delta.copy(),
            }
        )
    # what the loss predicts: a value (mse) or probabilities (bce: sigmoid, CE: softmax)
    return {"loss": value, "p": link.predict(out)[0].copy(), "layers": layers}
