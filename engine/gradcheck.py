"""Gradient check: backprop's dL/dw for one weight (or dL/db for one bias) beside a central
finite difference of the same loss.

The loss is the one actually minimised: the batch's mean data loss plus the regularization term
``rate * penalty(weights)``. The batch is the one in play (``Trainer.current_batch``: the
half-done step's, else the one the next step will draw) at the current weights, so during a
step taken apart the backprop value is exactly the gradient ``backward()`` computed.

Step size: a central difference errs by about h^2 |L'''| / 6 (truncation) plus about
eps |L| / h (rounding, eps = 2^-52); h = eps^(1/3) * max(1, |w|) ~ 6.1e-6 * max(1, |w|) balances
the two, leaving a relative error near 1e-10 for gradients that are not tiny. The quotient
divides by the step actually taken, (w + h) - (w - h), not by 2h.

Kinks: ReLU's slope jumps from 0 to 1 at z = 0 (leaky ReLU's from 0.01 to 1), and backprop takes
the slope at exactly 0 to be 0 (torch's convention). If nudging the parameter by +-h moves some
example's pre-activation across 0, the difference quotient straddles the kink and measures a
mixture of the two slopes: it disagrees with backprop by design, and ``crosses_kink`` says so.
The same holds for L1's |w| at w = 0 (backprop uses sign(0) = 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.arrays import Array, BoolArray
from engine.losses import get_loss
from engine.network import MLP
from engine.regularization import get_regularizer

if TYPE_CHECKING:
    from engine.trainer import Trainer


# Activations whose slope jumps at z = 0 (every other one has a continuous derivative).
KINKED = frozenset({"relu", "leaky_relu"})
H_SCALE = float(np.finfo(np.float64).eps) ** (1 / 3)


@dataclass(frozen=True)
class GradCheck:
    parameter: str  # "W[layer][from,to]" or "b[layer][neuron]"
    index: int  # position in the network's flat parameter vector
    value: float  # the parameter now
    backprop: float  # dL/dparam by the chain rule, regularization included
    numeric: float  # (L(w + h) - L(w - h)) / ((w + h) - (w - h))
    relative_error: float  # |backprop - numeric| / max(|backprop|, |numeric|); 0 if both are 0
    h: float
    batch_size: int
    crosses_kink: bool  # the nudge crossed a ReLU kink or L1's kink: disagreement expected


def check_weight(trainer: Trainer, layer: int, from_: int, to: int) -> GradCheck:
    """dL/dW[layer][from_, to]: the edge from unit ``from_`` of the layer below (an input
    feature for layer 0) to unit ``to`` of ``layer``. ValueError naming a bad field."""
    net = trainer.net
    W = net.weights[_index("layer", layer, net.n_layers)]
    _index("from", from_, W.shape[0])
    _index("to", to, W.shape[1])
    offset = sum(w.size for w in net.weights[:layer])
    return _check(trainer, offset + from_ * W.shape[1] + to, f"W[{layer}][{from_},{to}]")


def check_bias(trainer: Trainer, layer: int, neuron: int) -> GradCheck:
    """dL/db[layer][neuron]. ValueError naming a bad field."""
    net = trainer.net
    b = net.biases[_index("layer", layer, net.n_layers)]
    _index("neuron", neuron, b.shape[0])
    offset = net.n_weights + sum(v.size for v in net.biases[:layer])
    return _check(trainer, offset + neuron, f"b[{layer}][{neuron}]")


def _index(name: str, value: object, size: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not (
        0 <= value < size
    ):
        raise ValueError(f"{name}: must be an integer from 0 to {size - 1}; got {value!r}")
    return int(value)


def _check(trainer: Trainer, index: int, name: str) -> GradCheck:
    cfg = trainer.config
    batch = trainer.current_batch()
    X, Y = trainer.F_train[batch], trainer.Y_train[batch]
    net = trainer.net.copy()  # the run's network and its caches stay as they are
    with np.errstate(all="ignore"):
        net.forward(X)
        net.backward(Y, cfg.chosen_loss, cfg.regularization, cfg.regularization_rate)
        if net.grad_flat is None:  # backward() always sets it; this tells the type checker
            raise RuntimeError("backward() left no gradient")
        backprop = float(net.grad_flat[index])
        w = float(net.flat[index])
        h = H_SCALE * max(1.0, abs(w))
        w_plus, w_minus = w + h, w - h
        loss_plus, kinks_plus = _loss(net, trainer, index, w_plus, X, Y)
        loss_minus, kinks_minus = _loss(net, trainer, index, w_minus, X, Y)
    numeric = (loss_plus - loss_minus) / (w_plus - w_minus)
    scale = max(abs(backprop), abs(numeric))
    l1_kink = (cfg.regularization == "l1" and cfg.regularization_rate > 0
               and index < net.n_weights and w_minus <= 0 <= w_plus)
    crosses = l1_kink or any(
        not np.array_equal(a, b) for a, b in zip(kinks_plus, kinks_minus, strict=True)
    )
    return GradCheck(
        parameter=name, index=index, value=w, backprop=backprop, numeric=numeric,
        relative_error=abs(backprop - numeric) / scale if scale > 0 else 0.0,
        h=h, batch_size=len(batch), crosses_kink=bool(crosses),
    )


def _loss(net: MLP, trainer: Trainer, index: int, value: float, X: Array, Y: Array
          ) -> tuple[float, list[BoolArray]]:
    """The minimised loss with flat[index] = value, and which side of 0 every pre-activation of
    a kinked layer is on, (B, width) booleans per such layer."""
    cfg = trainer.config
    net.flat[index] = value
    net.forward(X)
    data_loss = get_loss(cfg.chosen_loss).value_and_grad(net.activations[-1], Y)[0]
    penalty = cfg.regularization_rate * get_regularizer(cfg.regularization).value(
        net.flat[: net.n_weights]
    )
    sides = [z > 0 for z, a in zip(net.zs, net.layer_activations, strict=True)
             if a.name in KINKED]
    return data_loss + penalty, sides
