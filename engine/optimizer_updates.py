"""The update rules of torch.optim, as pure NumPy functions on one parameter array.

Each mirrors PyTorch 2.x's single-tensor implementation (``foreach=False``, non-capturable,
``maximize=False``) operation for operation, in the same order and with the same scalar
arithmetic, so a float64 trajectory agrees with PyTorch to rounding error. Each mutates ``param``
and ``state`` in place and returns the update applied: the very vector added to ``param``, so
``param_new == param_old + update`` holds bit for bit (a difference ``param_new - param_old``
would not always add back exactly). ``grad`` belongs to the caller and is never written to.
``engine.optimizers`` wraps them in torch-shaped classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.arrays import Array


def _lerp_(start: Array, end: Array, weight: float) -> None:
    """start.lerp_(end, weight), rounded as torch does: small weights step from start, else end."""
    diff = np.subtract(end, start)
    if abs(weight) < 0.5:
        diff *= weight
        start += diff
    else:
        diff *= weight - 1.0  # == -(1 - weight) exactly
        np.add(end, diff, out=start)


def _addcmul_(acc: Array, a: Array, b: Array, value: float) -> None:
    """acc.addcmul_(a, b, value): acc + (value * a) * b, in torch's multiplication order."""
    t = np.multiply(a, value)
    t *= b
    acc += t


def _addcdiv_(param: Array, a: Array, b: Array, value: float) -> Array:
    """param.addcdiv_(a, b, value=value): param + (value * a) / b, in torch's order.

    Returns the vector added, (value * a) / b."""
    t = np.multiply(a, value)
    t /= b
    param += t
    return t


def _zeros_state(state: dict[str, Any], name: str, like: Array) -> Array:
    """A state buffer that starts at zeros when first needed (also when switched on mid-run)."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.zeros_like(like)
    return buf


def _with_weight_decay(grad: Array, param: Array, weight_decay: float) -> Array:
    """grad.add(param, alpha=weight_decay): a new array, the caller's grad is left alone."""
    if weight_decay == 0:
        return grad
    g = np.multiply(param, weight_decay)
    g += grad
    return g


def sgd_update(
    param: Array,
    grad: Array,
    state: dict[str, Any],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
) -> Array:
    d_p = _with_weight_decay(grad, param, weight_decay)
    if momentum != 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            # torch: the first buffer is the gradient itself, not scaled by (1 - dampening)
            buf = state["momentum_buffer"] = d_p.copy()
        else:
            buf *= momentum
            if dampening == 0:
                buf += d_p
            else:
                buf += np.multiply(d_p, 1 - dampening)
        # nesterov: grad.add(buf, alpha=momentum); otherwise the buffer is the step direction
        d_p = np.multiply(buf, momentum) + d_p if nesterov else buf
    update = np.multiply(d_p, -lr)
    param += update
    return update


def adam_update(
    param: Array,
    grad: Array,
    state: dict[str, Any],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled: bool,
) -> Array:
    if not state:
        state["step"] = 0
        state["exp_avg"] = np.zeros_like(param)
        state["exp_avg_sq"] = np.zeros_like(param)
    step = state["step"] = state["step"] + 1
    shrunk = None
    if weight_decay != 0:
        if decoupled:
            # AdamW: shrink the weights first, outside the moments
            shrunk = np.multiply(param, 1 - lr * weight_decay)
        else:
            grad = _with_weight_decay(grad, param, weight_decay)
    exp_avg = state["exp_avg"]
    exp_avg_sq = state["exp_avg_sq"]
    _lerp_(exp_avg, grad, 1 - beta1)
    exp_avg_sq *= beta2
    _addcmul_(exp_avg_sq, grad, grad, 1 - beta2)

    # Python-float scalar math, exactly as torch does it for a float step
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5

    if amsgrad:
        vmax = _zeros_state(state, "max_exp_avg_sq", param)
        np.maximum(vmax, exp_avg_sq, out=vmax)  # max of the raw (uncorrected) second moment
        denom = np.sqrt(vmax)
    else:
        denom = np.sqrt(exp_avg_sq)
    denom /= bias_correction2_sqrt
    denom += eps  # eps after the square root
    if shrunk is None:
        return _addcdiv_(param, exp_avg, denom, -step_size)
    # AdamW moves the weights twice (shrink, then step); torch's result is formed first and the
    # parameter then moves by its difference from the old value, one addition, so that
    # param_new == param_old + update exactly. That equals torch's result whenever the
    # difference is exact (always, unless a weight crosses zero or more than doubles).
    _addcdiv_(shrunk, exp_avg, denom, -step_size)
    update = np.subtract(shrunk, param)
    param += update
    return update


def rmsprop_update(
    param: Array,
    grad: Array,
    state: dict[str, Any],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
) -> Array:
    if not state:
        state["step"] = 0
        state["square_avg"] = np.zeros_like(param)
    state["step"] += 1
    grad = _with_weight_decay(grad, param, weight_decay)
    square_avg = state["square_avg"]
    square_avg *= alpha
    _addcmul_(square_avg, grad, grad, 1 - alpha)
    if centered:
        grad_avg = _zeros_state(state, "grad_avg", param)
        _lerp_(grad_avg, grad, 1 - alpha)
        # square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        avg = np.multiply(grad_avg, grad_avg)
        np.subtract(square_avg, avg, out=avg)
        # a constant gradient can leave a rounding-negative variance: NaN, as torch gives, but
        # without numpy's RuntimeWarning (only this branch pays for the errstate)
        with np.errstate(invalid="ignore"):
            np.sqrt(avg, out=avg)
    else:
        avg = np.sqrt(square_avg)
    avg += eps
    if momentum > 0:
        buf = _zeros_state(state, "momentum_buffer", param)  # zeros first, unlike SGD's
        buf *= momentum
        buf += np.divide(grad, avg)
        update = np.multiply(buf, -lr)
        param += update
        return update
    return _addcdiv_(param, grad, avg, -lr)


def adagrad_update(
    param: Array,
    grad: Array,
    state: dict[str, Any],
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    initial_accumulator_value: float,
    eps: float,
) -> Array:
    if not state:
        state["step"] = 0
        state["sum"] = np.full_like(param, initial_accumulator_value)
    step = state["step"] = state["step"] + 1
    grad = _with_weight_decay(grad, param, weight_decay)
    clr = lr / (1 + (step - 1) * lr_decay)  # the first step uses the full rate
    state_sum = state["sum"]
    _addcmul_(state_sum, grad, grad, 1.0)
    std = np.sqrt(state_sum)
    std += eps
    return _addcdiv_(param, grad, std, -clr)
