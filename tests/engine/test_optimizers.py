"""engine.optimizers against simple scalar references written from the PyTorch docs pseudocode.

The references below loop over elements with Python floats, in the order the docs write the
algorithms (not torch's operation order), so they check the algorithm, not the implementation.
Agreement with torch itself, operation for operation, is checked outside the suite (torch is not a
project dependency).
"""

from __future__ import annotations

import json
import math
import re
from functools import partial
from typing import Any

import numpy as np
import pytest

from engine.optimizers import OPTIMIZERS, Optimizer, hyper_spec_json, make_optimizer

RTOL = 1e-12
ATOL = 1e-15  # floor for elements that happen to land near zero
STEPS = 5
SHAPES = [(3,), (2, 2)]  # two params, to check alignment of params, grads, state and updates


# -- reference algorithms: one scalar element, its state dict s, step number t (from 1) ----------


def ref_sgd(theta, g, s, t, *, lr, momentum, dampening, weight_decay, nesterov):
    if weight_decay != 0:
        g = g + weight_decay * theta
    if momentum != 0:
        s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return theta - lr * g


def ref_adam(theta, g, s, t, *, lr, betas, eps, weight_decay, amsgrad, decoupled=False):
    beta1, beta2 = betas
    if weight_decay != 0:
        if decoupled:
            theta = theta - lr * weight_decay * theta
        else:
            g = g + weight_decay * theta
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * g
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * g * g
    m_hat = s["m"] / (1 - beta1**t)
    if amsgrad:
        s["v_max"] = max(s.get("v_max", 0.0), s["v"])
        v_hat = s["v_max"] / (1 - beta2**t)
    else:
        v_hat = s["v"] / (1 - beta2**t)
    return theta - lr * m_hat / (math.sqrt(v_hat) + eps)


def ref_rmsprop(theta, g, s, t, *, lr, alpha, eps, weight_decay, momentum, centered):
    if weight_decay != 0:
        g = g + weight_decay * theta
    s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
    v_tilde = s["v"]
    if centered:
        s["g_ave"] = alpha * s.get("g_ave", 0.0) + (1 - alpha) * g
        v_tilde = v_tilde - s["g_ave"] ** 2
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0.0) + g / (math.sqrt(v_tilde) + eps)
        return theta - lr * s["b"]
    return theta - lr * g / (math.sqrt(v_tilde) + eps)


def ref_adagrad(theta, g, s, t, *, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
    clr = lr / (1 + (t - 1) * lr_decay)
    if weight_decay != 0:
        g = g + weight_decay * theta
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return theta - clr * g / (math.sqrt(s["sum"]) + eps)


REFERENCES = {
    "sgd": ref_sgd,
    "adam": ref_adam,
    "adamw": partial(ref_adam, decoupled=True),
    "rmsprop": ref_rmsprop,
    "adagrad": ref_adagrad,
}

# PyTorch 2.x defaults (shared/REFERENCE_VALUES.md), by torch name
TORCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False),
    "adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False),
    "adamw": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False),
    "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False),
    "adagrad": dict(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10),
}


# -- helpers --------------------------------------------------------------------------------------


def problem(seed: int = 0) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """Start params and STEPS rounds of random gradients, one array per shape."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    return params, grads


def reference(name, hyper, params, grads, lr_at=None) -> list[list[np.ndarray]]:
    """Params after each step; lr_at = {step: new_lr} changes lr before that step."""
    h = {**TORCH_DEFAULTS[name], **hyper}
    thetas = [p.ravel().tolist() for p in params]
    states = [[{} for _ in th] for th in thetas]
    history = []
    for t, gs in enumerate(grads, start=1):
        h["lr"] = (lr_at or {}).get(t, h["lr"])
        for th, g, st in zip(thetas, gs, states, strict=True):
            for i, gi in enumerate(g.ravel().tolist()):
                th[i] = REFERENCES[name](th[i], gi, st[i], t, **h)
        history.append(
            [np.array(th).reshape(p.shape) for th, p in zip(thetas, params, strict=True)]
        )
    return history


def engine(name, hyper, params, grads, lr_at=None):
    """Params after each step and the updates step() returned, for the engine optimizer."""
    ps = [p.copy() for p in params]
    opt = make_optimizer(name, ps, **hyper)
    history, updates = [], []
    for t, gs in enumerate(grads, start=1):
        if lr_at and t in lr_at:
            opt.set_hyper(lr=lr_at[t])
        updates.append(opt.step(gs))
        history.append([p.copy() for p in ps])
    return opt, history, updates


def assert_close(actual, expected):
    for a_step, e_step in zip(actual, expected, strict=True):
        for a, e in zip(a_step, e_step, strict=True):
            np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL)


# -- trajectories against the references ---------------------------------------------------

CASES = [
    ("sgd", {}),
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.3}),
    ("adam", {}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "betas": (0.3, 0.9)}),
    ("adam", {"lr": 0.05, "betas": (0.0, 0.5), "eps": 1e-3}),
    ("adam", {"lr": 0.05, "amsgrad": True}),
    ("adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("adam", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True, "betas": (0.5, 0.6)}),
    ("adamw", {}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.5}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True, "betas": (0.2, 0.5)}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.3}),
    ("rmsprop", {"lr": 0.01, "centered": True}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.3}),
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "weight_decay": 0.2}),
    ("adagrad", {"lr": 0.1, "eps": 1e-3, "lr_decay": 0.01}),
]
CASE_IDS = [f"{n}-{h}" for n, h in CASES]


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_trajectory_matches_reference(name, hyper):
    params, grads = problem()
    _, history, _ = engine(name, hyper, params, grads)
    assert_close(history, reference(name, hyper, params, grads))


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_returned_updates_add_up_exactly_to_the_new_params(name, hyper):
    params, grads = problem(seed=1)
    _, history, updates = engine(name, hyper, params, grads)
    before = [params, *history[:-1]]
    for old, new, upd in zip(before, history, updates, strict=True):
        for o, n, u in zip(old, new, upd, strict=True):
            np.testing.assert_array_equal(n, o + u)  # what the page shows is what moved


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_step_leaves_the_gradients_alone(name, hyper):
    params, grads = problem(seed=2)
    kept = [[g.copy() for g in gs] for gs in grads]
    engine(name, {**hyper, "weight_decay": 0.1}, params, grads)
    for gs, ks in zip(grads, kept, strict=True):
        for g, k in zip(gs, ks, strict=True):
            np.testing.assert_array_equal(g, k)


LR_CHANGE_CASES = [
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("adam", {"lr": 0.05, "amsgrad": True}),
    ("adamw", {"lr": 0.05}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.2}),
]


@pytest.mark.parametrize(("name", "hyper"), LR_CHANGE_CASES, ids=[n for n, _ in LR_CHANGE_CASES])
def test_lr_change_mid_run_keeps_state(name, hyper):
    params, grads = problem(seed=3)
    opt, history, _ = engine(name, hyper, params, grads, lr_at={3: 0.02})
    assert_close(history, reference(name, hyper, params, grads, lr_at={3: 0.02}))
    assert opt.hyper["lr"] == 0.02
    assert opt.step_count == STEPS
    if name != "sgd":
        assert opt.state[0]["step"] == STEPS


# -- the specific rules -------------------------------------------------------------------------


def test_first_sgd_momentum_buffer_is_the_gradient_unscaled_by_dampening():
    p, g = np.array([1.0, -2.0]), np.array([0.3, 0.7])
    opt = make_optimizer("sgd", [p], lr=0.1, momentum=0.9, dampening=0.5)
    assert opt.state == [{}]  # lazy
    opt.step([g])
    np.testing.assert_array_equal(opt.state[0]["momentum_buffer"], g)
    assert opt.state[0]["momentum_buffer"] is not g
    np.testing.assert_array_equal(p, np.array([1.0, -2.0]) - 0.1 * g)
    opt.step([g])  # afterwards: buf * momentum + (1 - dampening) * grad
    np.testing.assert_allclose(opt.state[0]["momentum_buffer"], 0.9 * g + 0.5 * g, rtol=RTOL)


def test_adam_adds_eps_after_the_square_root():
    # at t = 1 the bias-corrected moments are g and g^2, so the step is lr * g / (|g| + eps)
    g, eps, lr = np.array([0.5, -2.0]), 1.0, 0.1
    p = np.zeros(2)
    make_optimizer("adam", [p], lr=lr, eps=eps).step([g])
    np.testing.assert_allclose(p, -lr * g / (np.abs(g) + eps), rtol=RTOL)
    assert not np.allclose(p, -lr * g / np.sqrt(g * g + eps))


def test_amsgrad_keeps_the_max_of_the_raw_second_moment():
    # beta2 = 0.5, g = 1 then 0.8: raw v goes 0.5 -> 0.57 (up), corrected v goes 1 -> 0.76 (down).
    # The max of the raw moment is the new v; a max of corrected moments would keep 1.
    lr, b1, b2 = 0.1, 0.0, 0.5
    p = np.zeros(1)
    opt = make_optimizer("adam", [p], lr=lr, betas=(b1, b2), eps=0.0, amsgrad=True)
    opt.step([np.array([1.0])])
    before = p.copy()
    (update,) = opt.step([np.array([0.8])])
    v2 = 0.5 * 0.5 + 0.5 * 0.64
    assert opt.state[0]["exp_avg_sq"][0] == pytest.approx(v2, rel=RTOL)
    np.testing.assert_array_equal(opt.state[0]["max_exp_avg_sq"], opt.state[0]["exp_avg_sq"])
    # m_hat = 0.8 (beta1 = 0); denominator from the raw max, corrected afterwards
    assert update[0] == pytest.approx(-lr * 0.8 / math.sqrt(v2 / (1 - b2**2)), rel=RTOL)
    assert p[0] == before[0] + update[0]


def test_amsgrad_switched_on_mid_run_starts_its_max_from_the_current_moment():
    p = np.zeros(2)
    opt = make_optimizer("adam", [p], lr=0.1)
    opt.step([np.array([1.0, 2.0])])
    opt.set_hyper(amsgrad=True)
    opt.step([np.array([0.5, 0.5])])
    np.testing.assert_array_equal(opt.state[0]["max_exp_avg_sq"], opt.state[0]["exp_avg_sq"])


def test_adagrad_starts_from_initial_accumulator_and_decays_by_t_minus_1():
    lr, decay, init, eps = 0.1, 0.5, 0.25, 1e-10
    g1, g2 = np.array([0.6]), np.array([-0.2])
    p = np.zeros(1)
    opt = make_optimizer(
        "adagrad", [p], lr=lr, lr_decay=decay, initial_accumulator_value=init, eps=eps
    )
    (u1,) = opt.step([g1])  # t = 1: full lr
    np.testing.assert_allclose(opt.state[0]["sum"], init + g1**2, rtol=RTOL)
    np.testing.assert_allclose(u1, -lr * g1 / (np.sqrt(init + g1**2) + eps), rtol=RTOL)
    (u2,) = opt.step([g2])  # t = 2: lr / (1 + decay)
    total = init + g1**2 + g2**2
    np.testing.assert_allclose(u2, -lr / (1 + decay) * g2 / (np.sqrt(total) + eps), rtol=RTOL)


def test_adamw_shrinks_the_weights_before_the_moment_update():
    lr, wd, b1 = 0.1, 0.5, 0.9
    p0, g = np.array([2.0, -1.0]), np.array([0.3, 0.4])
    p = p0.copy()
    opt = make_optimizer("adamw", [p], lr=lr, weight_decay=wd, eps=0.0)
    opt.step([g])
    # the decay never enters the moments (Adam's L2 would put wd * p into the gradient)
    np.testing.assert_allclose(opt.state[0]["exp_avg"], (1 - b1) * g, rtol=RTOL)
    np.testing.assert_allclose(p, p0 * (1 - lr * wd) - lr * np.sign(g), rtol=RTOL)

    q = p0.copy()
    adam = make_optimizer("adam", [q], lr=lr, weight_decay=wd, eps=0.0)
    adam.step([g])
    np.testing.assert_allclose(adam.state[0]["exp_avg"], (1 - b1) * (g + wd * p0), rtol=RTOL)


@pytest.mark.parametrize(
    ("beta1", "expected"),
    [
        (0.9, lambda m, g, w: m + w * (g - m)),  # weight 0.1 < 0.5: step from the start
        (0.2, lambda m, g, w: g - (g - m) * (1 - w)),  # weight 0.8: step back from the end
    ],
    ids=["small-weight", "large-weight"],
)
def test_first_moment_is_rounded_like_torch_lerp(beta1, expected):
    g1, g2 = np.array([0.3, -1.7, 2.9]), np.array([1.1, 0.4, -0.6])
    opt = make_optimizer("adam", [np.zeros(3)], betas=(beta1, 0.999))
    opt.step([g1])
    m1 = opt.state[0]["exp_avg"].copy()
    opt.step([g2])
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], expected(m1, g2, 1 - beta1))


def test_centered_rmsprop_constant_gradient_does_not_warn():
    # square_avg - grad_avg^2 can round below zero; torch gives NaN there, and so may we, silently
    opt = make_optimizer("rmsprop", [np.zeros(8)], centered=True)
    g = np.full(8, 0.3)
    for _ in range(50):
        opt.step([g])


LAZY_STATE = [
    ("sgd", {}, set()),
    ("sgd", {"momentum": 0.9}, {"momentum_buffer"}),
    ("adam", {}, {"step", "exp_avg", "exp_avg_sq"}),
    ("adam", {"amsgrad": True}, {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
    ("adamw", {}, {"step", "exp_avg", "exp_avg_sq"}),
    ("rmsprop", {}, {"step", "square_avg"}),
    (
        "rmsprop",
        {"momentum": 0.5, "centered": True},
        {"step", "square_avg", "momentum_buffer", "grad_avg"},
    ),
    ("adagrad", {}, {"step", "sum"}),
]


@pytest.mark.parametrize(("name", "hyper", "keys"), LAZY_STATE)
def test_state_is_created_lazily_with_torch_names(name, hyper, keys):
    params, grads = problem()
    opt = make_optimizer(name, params, **hyper)
    assert opt.state == [{}, {}]
    assert opt.step_count == 0
    opt.step(grads[0])
    assert [set(s) for s in opt.state] == [keys, keys]
    assert opt.step_count == 1


@pytest.mark.parametrize(("name", "hyper"), LR_CHANGE_CASES, ids=[n for n, _ in LR_CHANGE_CASES])
def test_reset_forgets_all_state(name, hyper):
    params, grads = problem(seed=4)
    opt = make_optimizer(name, params, **hyper)
    opt.step(grads[0])
    opt.reset()
    assert opt.state == [{}, {}]
    assert opt.step_count == 0
    fresh_params = [p.copy() for p in params]
    fresh = make_optimizer(name, fresh_params, **hyper)
    for a, b in zip(opt.step(grads[1]), fresh.step(grads[1]), strict=True):
        np.testing.assert_array_equal(a, b)


# -- hyperparameters ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TORCH_DEFAULTS))
def test_defaults_equal_torch(name):
    hyper = make_optimizer(name, [np.zeros(2)]).hyper
    if "beta1" in hyper:  # torch's betas pair, split for the UI
        hyper["betas"] = (hyper.pop("beta1"), hyper.pop("beta2"))
    assert hyper == TORCH_DEFAULTS[name]


def test_betas_and_beta_keywords_are_interchangeable():
    a = make_optimizer("adam", [np.zeros(1)], betas=(0.8, 0.99))
    b = make_optimizer("adam", [np.zeros(1)], beta1=0.8, beta2=0.99)
    assert a.hyper == b.hyper
    assert (a.hyper["beta1"], a.hyper["beta2"]) == (0.8, 0.99)
    a.set_hyper(betas=(0.7, 0.9))
    assert (a.hyper["beta1"], a.hyper["beta2"]) == (0.7, 0.9)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_hyper_merged_with_changes_builds_a_valid_optimizer(name):
    # the server validates a change by building {**opt.hyper, **change} on a probe optimizer
    opt = make_optimizer(name, [np.zeros(1)])
    assert list(opt.hyper) == list(OPTIMIZERS[name].HYPER)
    key = next(k for k in opt.hyper if k != "lr" and not isinstance(opt.hyper[k], bool))
    probe = make_optimizer(name, [np.zeros(1)], **{**opt.hyper, key: 0.5})
    assert probe.hyper[key] == 0.5


INVALID = [
    ("sgd", {"lr": -1.0}, "Invalid lr: -1.0 (must be >= 0 and <= 10)"),
    ("sgd", {"lr": 11}, "Invalid lr: 11 (must be >= 0 and <= 10)"),
    ("sgd", {"lr": float("nan")}, "Invalid lr: nan (must be a finite number)"),
    ("sgd", {"lr": float("inf")}, "Invalid lr: inf (must be a finite number)"),
    ("sgd", {"lr": "0.1"}, "Invalid lr: '0.1' (must be a number)"),
    ("sgd", {"lr": True}, "Invalid lr: True (must be a number)"),
    ("sgd", {"momentum": -0.1}, "Invalid momentum: -0.1 (must be >= 0"),
    ("sgd", {"dampening": -0.5}, "Invalid dampening: -0.5 (must be >= 0"),
    ("sgd", {"weight_decay": -1e-3}, "Invalid weight_decay: -0.001 (must be >= 0"),
    ("sgd", {"nesterov": True}, "Invalid nesterov: True (requires momentum > 0 and dampening == 0"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "Invalid nesterov: True"),
    ("sgd", {"nesterov": "yes"}, "Invalid nesterov: 'yes' (must be true or false)"),
    ("sgd", {"betas": (0.9, 0.99)}, "Unknown hyperparameter 'betas' for SGD (allowed: lr, "),
    ("adam", {"eps": -1e-8}, "Invalid eps: -1e-08 (must be >= 0"),
    ("adam", {"betas": (1.0, 0.999)}, "Invalid beta1: 1.0 (must be >= 0 and <= 0.9999)"),
    ("adam", {"betas": (0.9, -0.1)}, "Invalid beta2: -0.1 (must be >= 0"),
    ("adam", {"beta2": 1.0}, "Invalid beta2: 1.0"),
    ("adam", {"betas": (0.9,)}, "Invalid betas: (0.9,) (must be a pair (beta1, beta2))"),
    ("adam", {"betas": 0.9}, "Invalid betas: 0.9"),
    ("adam", {"betas": (0.9, 0.99), "beta1": 0.8}, "Invalid betas: (0.9, 0.99) (conflicts with"),
    ("adam", {"amsgrad": 1}, "Invalid amsgrad: 1 (must be true or false)"),
    ("adam", {"weight_decay": -0.1}, "Invalid weight_decay: -0.1"),
    ("adam", {"momentum": 0.9}, "Unknown hyperparameter 'momentum' for Adam (allowed: lr, beta1"),
    ("adamw", {"weight_decay": -0.1}, "Invalid weight_decay: -0.1"),
    ("adamw", {"lr": -1}, "Invalid lr: -1 (must be >= 0"),
    ("rmsprop", {"alpha": -0.5}, "Invalid alpha: -0.5 (must be >= 0"),
    ("rmsprop", {"momentum": -0.5}, "Invalid momentum: -0.5"),
    ("rmsprop", {"eps": -1.0}, "Invalid eps: -1.0"),
    ("rmsprop", {"centered": None}, "Invalid centered: None"),
    ("adagrad", {"lr_decay": -0.1}, "Invalid lr_decay: -0.1 (must be >= 0"),
    ("adagrad", {"initial_accumulator_value": -0.1}, "Invalid initial_accumulator_value: -0.1"),
    ("adagrad", {"eps": float("-inf")}, "Invalid eps: -inf"),
    ("adagrad", {"weight_decay": float("nan")}, "Invalid weight_decay: nan"),
]


@pytest.mark.parametrize("via", ["constructor", "set_hyper"])
@pytest.mark.parametrize(("name", "hyper", "message"), INVALID)
def test_invalid_hyperparameters_are_rejected_by_name(name, hyper, message, via):
    if via == "constructor":
        with pytest.raises(ValueError, match=re.escape(message)):
            make_optimizer(name, [np.zeros(2)], **hyper)
        return
    opt = make_optimizer(name, [np.zeros(2)], lr=0.5)
    before = opt.hyper
    with pytest.raises(ValueError, match=re.escape(message)):
        opt.set_hyper(**hyper)
    assert opt.hyper == before


def test_set_hyper_is_all_or_nothing_and_keeps_state():
    p = np.zeros(2)
    opt = make_optimizer("sgd", [p], lr=0.1, momentum=0.9)
    opt.step([np.ones(2)])
    state = opt.state[0]
    with pytest.raises(ValueError, match="momentum"):
        opt.set_hyper(lr=0.5, momentum=-1.0)
    assert opt.hyper["lr"] == 0.1
    opt.set_hyper(lr=0.5, momentum=0.5)
    assert (opt.hyper["lr"], opt.hyper["momentum"]) == (0.5, 0.5)
    assert opt.state[0] is state


def test_unknown_optimizer_lists_the_names():
    with pytest.raises(ValueError, match=re.escape("'lbfgs' (allowed: sgd, adam, adamw, rmsprop")):
        make_optimizer("lbfgs", [np.zeros(1)])
    with pytest.raises(ValueError, match="lbfgs"):
        hyper_spec_json("lbfgs")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ([], ValueError),
        ([np.zeros(2, dtype=np.float32)], TypeError),
        ([[0.0, 1.0]], TypeError),
    ],
    ids=["empty", "float32", "list"],
)
def test_params_must_be_float64_arrays(params, error):
    with pytest.raises(error):
        make_optimizer("sgd", params)


def test_step_needs_one_gradient_per_param():
    p = np.zeros(2)
    opt = make_optimizer("sgd", [p, np.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match="1 gradients for 2 params"):
        opt.step([np.ones(2)])
    np.testing.assert_array_equal(p, 0.0)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_registry_and_hyper_spec_json(name):
    cls = OPTIMIZERS[name]
    assert issubclass(cls, Optimizer)
    assert cls.name == name
    spec = json.loads(json.dumps(hyper_spec_json(name)))
    assert spec["name"] == name
    assert spec["label"] == cls.label
    assert next(iter(spec["hyper"])) == "lr"
    for key, entry in spec["hyper"].items():
        assert entry["kind"] in {"float", "bool", "int"}, key
        assert entry["description"], key
        if entry["kind"] == "bool":
            assert isinstance(entry["default"], bool), key
            continue
        assert entry["min"] is not None and entry["max"] is not None, key
        assert entry["min"] <= entry["default"] <= entry["max"], key
    assert spec["hyper"]["lr"]["max"] == 10
