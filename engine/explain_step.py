"""From one example's dL/dw to the update gradient descent applies, for one parameter.

The batch loss is the mean of the examples' losses, so the batch gradient of a weight is the
mean of its per-example gradients; the regularization term is added to that; the optimizer then
turns the gradient (and its state) into the update. ``explain_parameter`` gives each of those
numbers for one weight or bias, for the step in progress after backward (or, on a copy, for the
step that would come next), so the page can show the whole road with the engine's numbers:

    per_example (B,) --mean--> data_gradient --+ regularization--> gradient --optimizer--> update
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from engine.regularization import get_regularizer

if TYPE_CHECKING:
    from engine.trainer import Trainer

# Each optimizer's update as the page shows it (torch's algorithm; g includes weight decay).
FORMULAS = {
    "sgd": "Δw = -lr · g  (with momentum: b ← momentum · b + (1 - dampening) · g, Δw = -lr · b; "
           "Nesterov: Δw = -lr · (g + momentum · b))",
    "adam": "m ← β1 m + (1 - β1) g;  v ← β2 v + (1 - β2) g²;  Δw = -lr · m̂ / (√v̂ + ε), "
            "m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t)",
    "adamw": "w ← w (1 - lr · weight_decay), then Adam's step",
    "rmsprop": "v ← α v + (1 - α) g²;  Δw = -lr · g / (√v + ε)",
    "adagrad": "s ← s + g²;  Δw = -lr_t · g / (√s + ε), lr_t = lr / (1 + (t - 1) · lr_decay)",
}


def parameter_index(trainer: Trainer, layer: int, from_: int | None, to: int | None,
                    neuron: int | None) -> int:
    """Flat index of W[layer][from_, to] or b[layer][neuron]; ValueError naming the field."""
    net = trainer.net
    if not 0 <= layer < net.n_layers:
        raise ValueError(f"layer: must be below {net.n_layers}; got {layer}")
    if neuron is not None:
        b = net.biases[layer]
        if not 0 <= neuron < b.shape[0]:
            raise ValueError(f"neuron: layer {layer} has {b.shape[0]} neurons; got {neuron}")
        bias_index: int = net.n_weights + sum(v.size for v in net.biases[:layer]) + neuron
        return bias_index
    W = net.weights[layer]
    if from_ is None or not 0 <= from_ < W.shape[0]:
        raise ValueError(f"from: layer {layer} has {W.shape[0]} inputs; got {from_}")
    if to is None or not 0 <= to < W.shape[1]:
        raise ValueError(f"to: layer {layer} has {W.shape[1]} neurons; got {to}")
    weight_index: int = sum(w.size for w in net.weights[:layer]) + from_ * W.shape[1] + to
    return weight_index


def explain_parameter(trainer: Trainer, layer: int, from_: int | None = None,
                      to: int | None = None, neuron: int | None = None) -> dict[str, Any]:
    """The road from per-example gradients to the update, for one parameter. Nothing changes.

    Uses the step in progress when it is after backward; otherwise a copy of the run takes the
    next step's forward and backward. Returns {"parameter", "index", "value", "step", "batch"
    (B,), "per_example" (B,): each example's own dL/dw, "data_gradient": their mean,
    "regularization": rate · dpenalty/dw, "gradient": their sum (= the frame's grads[index]),
    "optimizer", "formula", "hyper", "state" (the optimizer's state at this parameter, before
    the update), "update" (= the frame's pending[index])}.
    """
    index = parameter_index(trainer, layer, from_, to, neuron)
    run = trainer
    pending = trainer.pending
    if pending is None or pending.phase != "backward":
        run = trainer.copy()
        if run.pending is None:
            run.forward()
        pending = run.backward()
    net = run.net
    B = len(pending.batch)
    deltas, grad_flat, _ = pending.gradients()
    delta = deltas[layer]  # (B, width): dL/dz of the batch-mean loss
    if neuron is not None:
        per_example = B * delta[:, neuron]
    else:
        a_prev = pending.inputs if layer == 0 else pending.activations[layer - 1]
        per_example = B * a_prev[:, from_] * delta[:, to]
    cfg = run.config
    is_weight = index < net.n_weights
    reg = 0.0
    if is_weight and cfg.regularization != "none":
        w = net.flat[index : index + 1]
        reg = float(cfg.regularization_rate * get_regularizer(cfg.regularization).grad(w)[0])
    with np.errstate(all="ignore"):
        (update,) = run.optimizer.peek([grad_flat])
    state = {name: float(v[index]) for name, v in run.optimizer.state[0].items()
             if isinstance(v, np.ndarray)}
    name = f"b[{layer}][{neuron}]" if neuron is not None else f"W[{layer}][{from_},{to}]"
    return {
        "parameter": name, "index": index, "value": float(net.flat[index]),
        "step": pending.step, "batch": pending.batch.copy(), "per_example": per_example,
        "data_gradient": float(per_example.mean()), "regularization": reg,
        "gradient": float(grad_flat[index]), "optimizer": cfg.optimizer,
        "formula": FORMULAS[cfg.optimizer], "hyper": {"lr": cfg.learning_rate, **cfg.hyper},
        "state": state, "optimizer_steps": run.optimizer.step_count,
        "update": float(update[index]),
    }
