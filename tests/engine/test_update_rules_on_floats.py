"""An optimizer's update rule stepped on Python floats (how the lab steps a point) gives the bits
its arrays give (how the trainer steps), also where floats alone would raise or differ: a zero
divisor, a negative variance, overflow, inf and NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.optimizers import make_optimizer

CONFIGS = {  # name: (optimizer, hyperparameters)
    "sgd": ("sgd", {"lr": 0.1}),
    "sgd momentum dampened, weight decay": ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3,
                                                    "weight_decay": 0.01}),
    "sgd nesterov": ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "adam eps 0": ("adam", {"lr": 0.1, "eps": 0.0}),
    "adam amsgrad, weight decay": ("adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    "adamw": ("adamw", {"lr": 0.1}),
    "rmsprop centered momentum eps 0": ("rmsprop", {"lr": 0.1, "centered": True,
                                                    "momentum": 0.5, "eps": 0.0}),
    "rmsprop": ("rmsprop", {"lr": 0.1, "alpha": 0.5}),
    "adagrad lr decay, eps 0": ("adagrad", {"lr": 0.1, "lr_decay": 0.5, "eps": 0.0}),
}
GRADIENTS = {  # per step, one gradient for each of the two coordinates
    "ordinary": [(0.3, -2.0), (0.1, 0.5), (-1.5, 0.25), (0.0, 1e-3)],
    "zeros (0 / 0 with eps 0)": [(0.0, -0.0), (0.0, 0.0), (0.0, 0.0)],
    "constant (a rounding-negative variance)": [(0.1, 0.3)] * 6,
    "overflow": [(1e200, -1e300), (1e300, 1e200), (1.0, 1.0)],
    "inf and nan": [(math.inf, 1.0), (1.0, math.nan), (-math.inf, 2.0)],
}


def same_float(a: float, b: float) -> bool:
    """Equal, with -0.0 told from 0.0; any NaN equals any NaN (NumPy and Python make NaNs with
    different sign bits, which no arithmetic can observe)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize("grads", list(GRADIENTS.values()), ids=list(GRADIENTS))
@pytest.mark.parametrize("config", list(CONFIGS.values()), ids=list(CONFIGS))
def test_a_rule_on_floats_gives_the_bits_of_the_rule_on_arrays(config, grads):
    name, hyper = config
    start = (0.5, -1.25)
    p = np.array(start)
    opt = make_optimizer(name, [p], **hyper)
    rule = opt.update_rule()
    coords, states = list(start), [{}, {}]
    with np.errstate(all="ignore"):
        for g in grads:
            (update,) = opt.step([np.array(g)])
            for i in (0, 1):
                u = rule(coords[i], g[i], states[i])
                coords[i] += u
                assert type(u) is float and same_float(u, float(update[i])), (i, u, update[i])
                assert same_float(coords[i], float(p[i]))
                for key, value in opt.state[0].items():
                    expected = value if isinstance(value, int) else float(value[i])
                    assert same_float(states[i][key], expected), key
            assert set(states[0]) == set(opt.state[0])
