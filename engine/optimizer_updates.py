"""The update rules of torch.optim, as pure functions of one parameter.

Each mirrors PyTorch 2.x's single-tensor implementation (``foreach=False``, non-capturable,
``maximize=False``) operation for operation, in the same order and with the same scalar
arithmetic, so a float64 trajectory agrees with PyTorch to rounding error. Each returns the
update to add to ``param`` (the caller adds it, so ``param_new == param_old + update`` holds bit
for bit; a difference ``param_new - param_old`` would not always add back exactly) and leaves
``param`` and ``grad`` alone. State entries are replaced, never changed in place, so a shallow
copy of a state dict is a snapshot of it.

A parameter is a float64 array or a Python float: every operation is element-wise, and
``engine.elementwise`` gives the two the same IEEE results, so the lab can step a 2-D point as
two floats and get the bits the trainer's arrays would. ``engine.optimizers`` wraps the rules in
torch-shaped classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.elementwise import Value, divide, fresh, full_like, maximum, sqrt, zeros_like


def _lerp(start: Value, end: Value, weight: float) -> Value:
    """start.lerp(end, weight), rounded as torch does: small weights step from start, else end."""
    diff = end - start
    if abs(weight) < 0.5:
        return start + diff * weight
    return end + diff * (weight - 1.0)  # weight - 1 == -(1 - weight) exactly


def _addcmul(acc: Value, a: Value, b: Value, value: float) -> Value:
    """acc.addcmul(a, b, value): acc + (value * a) * b, in torch's multiplication order."""
    return acc + (a * value) * b


def _cdiv(a: Value, b: Value, value: float) -> Value:
    """What param.addcdiv_(a, b, value=value) adds: (value * a) / b, in torch's order."""
    return divide(a * value, b)


def _with_weight_decay(grad: Value, param: Value, weight_decay: float) -> Value:
    """grad.add(param, alpha=weight_decay)."""
    if weight_decay == 0:
        return grad
    return param * weight_decay + grad


def sgd_update(
    param: Value,
    grad: Value,
    state: dict[str, Any],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
) -> Value:
    d_p = _with_weight_decay(grad, param, weight_decay)
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            # torch: the first buffer is the gradient itself, not scaled by (1 - dampening)
            buf = fresh(d_p)
        elif dampening == 0:
            buf = buf * momentum + d_p
        else:
            buf = buf * momentum + d_p * (1 - dampening)
        state["momentum_buffer"] = buf
        # nesterov: grad.add(buf, alpha=momentum); otherwise the buffer is the step direction
        d_p = buf * momentum + d_p if nesterov else buf
    return d_p * -lr


def adam_update(
    param: Value,
    grad: Value,
    state: dict[str, Any],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled: bool,
) -> Value:
    if not state:
        state["step"] = 0
        state["exp_avg"] = zeros_like(param)
        state["exp_avg_sq"] = zeros_like(param)
    step = state["step"] = state["step"] + 1
    shrunk: Value | None = None
    if weight_decay != 0:
        if decoupled:
            # AdamW: shrink the weights first, outside the moments
            shrunk = param * (1 - lr * weight_decay)
        else:
            grad = _with_weight_decay(grad, param, weight_decay)
    exp_avg: Value = _lerp(state["exp_avg"], grad, 1 - beta1)
    exp_avg_sq: Value = _addcmul(state["exp_avg_sq"] * beta2, grad, grad, 1 - beta2)
    state["exp_avg"], state["exp_avg_sq"] = exp_avg, exp_avg_sq

    # Python-float scalar math, exactly as torch does it for a float step
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5

    if amsgrad:
        # the max of the raw (uncorrected) second moment
        old_vmax = state.get("max_exp_avg_sq")
        vmax: Value = maximum(zeros_like(param) if old_vmax is None else old_vmax, exp_avg_sq)
        state["max_exp_avg_sq"] = vmax
        denom = sqrt(vmax)
    else:
        denom = sqrt(exp_avg_sq)
    denom = denom / bias_correction2_sqrt + eps  # eps after the square root; the divisor > 0
    update: Value = _cdiv(exp_avg, denom, -step_size)
    if shrunk is None:
        return update
    # AdamW moves the weights twice (shrink, then step); torch's result is formed first and the
    # parameter then moves by its difference from the old value, one addition, so that
    # param_new == param_old + update exactly. That equals torch's result whenever the
    # difference is exact (always, unless a weight crosses zero or more than doubles).
    return (shrunk + update) - param


def rmsprop_update(
    param: Value,
    grad: Value,
    state: dict[str, Any],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
) -> Value:
    if not state:
        state["step"] = 0
        state["square_avg"] = zeros_like(param)
    state["step"] += 1
    grad = _with_weight_decay(grad, param, weight_decay)
    square_avg: Value = _addcmul(state["square_avg"] * alpha, grad, grad, 1 - alpha)
    state["square_avg"] = square_avg
    if centered:
        grad_avg = state.get("grad_avg")
        grad_avg = state["grad_avg"] = _lerp(zeros_like(param) if grad_avg is None else grad_avg,
                                             grad, 1 - alpha)
        # square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_(): a constant gradient can
        # leave a rounding-negative variance: NaN, as torch gives, but without numpy's
        # RuntimeWarning (only this branch pays for the errstate)
        variance = square_avg - grad_avg * grad_avg
        with np.errstate(invalid="ignore"):
            avg = sqrt(variance)
    else:
        avg = sqrt(square_avg)
    avg = avg + eps
    if momentum > 0:
        old_buf = state.get("momentum_buffer")  # zeros first, unlike SGD's
        buf: Value = ((zeros_like(param) if old_buf is None else old_buf) * momentum
                      + divide(grad, avg))
        state["momentum_buffer"] = buf
        return buf * -lr
    return _cdiv(grad, avg, -lr)


def adagrad_update(
    param: Value,
    grad: Value,
    state: dict[str, Any],
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    initial_accumulator_value: float,
    eps: float,
) -> Value:
    if not state:
        state["step"] = 0
        state["sum"] = full_like(param, initial_accumulator_value)
    step = state["step"] = state["step"] + 1
    grad = _with_weight_decay(grad, param, weight_decay)
    clr = lr / (1 + (step - 1) * lr_decay)  # the first step uses the full rate
    state_sum: Value = _addcmul(state["sum"], grad, grad, 1.0)
    state["sum"] = state_sum
    return _cdiv(grad, sqrt(state_sum) + eps, -clr)
