"""Snapshots: JSON that restores a run bit for bit (also mid-step, with shadows, diverged);
every tampered field is a ValueError naming it, never another exception; exact copies."""

from __future__ import annotations

import base64
import copy
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Trainer, TrainingConfig, compare_updates, restore, snapshot, track_alternatives
from engine.optimizers import copy_state

OPTIMIZERS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9}),
    ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", {}),
    ("rmsprop", {"centered": True, "momentum": 0.5}),
    ("adagrad", {}),
    ("adam", {}),
    ("adam", {"amsgrad": True}),
    ("adamw", {}),
]
IDS = [f"{name}-{hyper}" for name, hyper in OPTIMIZERS]


def through_json(t: Trainer) -> Trainer:
    text = json.dumps(snapshot(t), allow_nan=False)  # strict JSON: no NaN or inf numbers
    return restore(json.loads(text))


def assert_identical(a: Trainer, b: Trainer) -> None:
    np.testing.assert_array_equal(a.net.flat, b.net.flat)
    sa, sb = a.optimizer.state[0], b.optimizer.state[0]
    assert sa.keys() == sb.keys()
    for key in sa:
        np.testing.assert_array_equal(sa[key], sb[key])
    assert (a.step_count, a.epoch, a.optimizer.step_count, a.phase, a.config) == (
        b.step_count, b.epoch, b.optimizer.step_count, b.phase, b.config)
    oa, ca, ra = a.shuffle_state()
    ob, cb, rb = b.shuffle_state()
    np.testing.assert_array_equal(oa, ob)
    assert (ca, ra) == (cb, rb)


def check_continues(optimizer: str, hyper: dict, batch_size: int | None) -> None:
    config = TrainingConfig(optimizer=optimizer, hyper=hyper, batch_size=batch_size,
                            learning_rate=0.02, regularization="l2", regularization_rate=1e-3)
    original = Trainer(config)
    original.run(50)
    restored = through_json(original)
    assert_identical(original, restored)
    assert original.run(50) == restored.run(50)  # the same losses, step for step
    assert_identical(original, restored)


@pytest.mark.parametrize("batch_size", [30, 7, None])  # 250 points: partial last batches
@pytest.mark.parametrize(("optimizer", "hyper"), OPTIMIZERS, ids=IDS)
def test_restored_run_continues_bit_for_bit(optimizer, hyper, batch_size):
    check_continues(optimizer, hyper, batch_size)


@pytest.mark.parametrize("phases", [["forward"], ["forward", "backward"]])
def test_a_half_done_step_is_restored_in_its_phase(phases):
    original = Trainer(optimizer="adam", batch_size=10)
    original.run(25)  # the next forward starts a new pass: a reshuffle
    for name in phases:
        getattr(original, name)()
    restored = through_json(original)
    assert restored.phase == phases[-1]
    a, b = original.pending, restored.pending
    np.testing.assert_array_equal(a.batch, b.batch)
    assert a.loss == b.loss
    if a.grad_flat is not None:
        np.testing.assert_array_equal(a.grad_flat, b.grad_flat)
        np.testing.assert_array_equal(original.pending_update(), restored.pending_update())
    assert original.run(30) == restored.run(30)
    assert_identical(original, restored)


def test_shadow_optimizers_come_along():
    original = Trainer(optimizer="sgd", batch_size=30)
    original.run(5)
    track_alternatives(original)
    original.run(20)
    original.forward()
    original.backward()
    restored = through_json(original)
    assert restored.shadows.since_step == 5
    for a, b in zip(compare_updates(original)["entries"], compare_updates(restored)["entries"],
                    strict=True):
        np.testing.assert_array_equal(a["update"], b["update"])
        assert (a["state"], a["batch_loss"]) == (b["state"], b["batch_loss"])


def test_a_diverged_run_is_restored_diverged():
    original = Trainer(dataset="plane", activation="relu", learning_rate=10.0)
    original.run(1000)
    assert original.divergence is not None
    restored = through_json(original)
    assert restored.divergence == original.divergence
    np.testing.assert_array_equal(restored.net.flat, original.net.flat)  # NaN where NaN
    assert restored.step() is None


def test_float64_values_round_trip_exactly():
    t = Trainer()
    special = [5e-324, -0.0, 1.7976931348623157e308, 0.1, -1 / 3, 2.0**-1074 * 3]
    t.net.flat[: len(special)] = special
    restored = through_json(t)
    assert restored.net.flat.view(np.int64).tolist() == t.net.flat.view(np.int64).tolist()


def test_format_is_documented_json():
    t = Trainer(optimizer="adam")
    t.run(3)
    data = snapshot(t)
    assert data["format"] == "backprop-playground/snapshot" and data["version"] == 1
    assert data["config"]["hidden"] == [4, 2] and data["step_count"] == 3
    assert set(data["optimizer"]) == {"step", "exp_avg", "exp_avg_sq"}
    raw = base64.b64decode(data["params"])
    np.testing.assert_array_equal(np.frombuffer(raw, "<f8"), t.net.flat)
    assert int(data["shuffle"]["rng"]["state"], 16) == t.shuffle_state()[2]["state"]["state"]


# ---- validation: every field is checked and named ------------------------------------------------


def base_snapshot() -> dict:
    t = Trainer(optimizer="adam", hyper={"amsgrad": True}, samples=40, hidden=(3,), batch_size=7)
    t.run(8)
    return snapshot(t)


def _set(path: str, value):
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    return mutate


def _delete(path: str):
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[key]
        del target[last]
    return mutate


def _b64(values, dtype="<f8") -> str:
    return base64.b64encode(np.asarray(values, dtype=dtype).tobytes()).decode()


P, N = 2 * 3 + 3 + 3 * 1 + 1, 20  # circle, 40 points, x1 x2, hidden (3,): 13 params, 20 to train
TAMPERED = [
    (_set("format", "other"), "snapshot.format"),
    (_set("version", 2), "snapshot.version"),
    (_set("version", True), "snapshot.version"),
    (_delete("epoch"), "snapshot.epoch"),
    (_set("extra", 1), "snapshot"),
    (_set("config", [1]), "snapshot.config"),
    (_set("config.hidden", [5]), "snapshot.params"),  # a valid config, another network
    (_set("config.hidden", [2, "x"]), "snapshot.config.hidden"),
    (_set("config.hidden", [1024] * 4), "snapshot.config"),  # too many parameters
    (_set("config.features", [["x1"]]), "snapshot.config.features"),
    (_set("config.learning_rate", 99), "snapshot.config.learning_rate"),
    (_set("config.hyper", {"beta1": 2}), "snapshot.config.hyper"),
    (_set("config.samples", 60), "snapshot.shuffle.order"),
    (_set("config.nope", 1), "snapshot.config"),
    (_delete("config.seed"), "snapshot.config.seed"),
    (_set("step_count", -1), "snapshot.step_count"),
    (_set("step_count", 2**60), "snapshot.step_count"),
    (_set("step_count", 7), "snapshot.optimizer.step"),
    (_set("epoch", 9), "snapshot.epoch"),
    (_set("phase", "update"), "snapshot.phase"),
    (_set("params", "AAAA"), "snapshot.params"),
    (_set("params", _b64([np.nan] * P)), "snapshot.params"),
    (_set("params", "!" * len(_b64([0.0] * P))), "snapshot.params"),
    (_set("params", 3.5), "snapshot.params"),
    (_set("optimizer", []), "snapshot.optimizer"),
    (_set("optimizer.momentum_buffer", _b64([0.0] * P)), "snapshot.optimizer"),
    (_delete("optimizer.exp_avg"), "snapshot.optimizer.exp_avg"),
    (_set("optimizer.step", "8"), "snapshot.optimizer.step"),
    (_set("optimizer.exp_avg_sq", _b64([-1.0] * P)), "snapshot.optimizer.exp_avg_sq"),
    (_set("optimizer.exp_avg", _b64([np.inf] * P)), "snapshot.optimizer.exp_avg"),
    (_set("shuffle.order", _b64([0] * N, "<i4")), "snapshot.shuffle.order"),
    (_set("shuffle.cursor", N + 1), "snapshot.shuffle.cursor"),
    (_set("shuffle.rng.bit_generator", "MT19937"), "snapshot.shuffle.rng.bit_generator"),
    (_set("shuffle.rng.inc", "2"), "snapshot.shuffle.rng.inc"),
    (_set("shuffle.rng.state", "0x1f"), "snapshot.shuffle.rng.state"),
    (_set("shuffle.rng.state", "f" * 33), "snapshot.shuffle.rng.state"),
    (_set("shuffle.rng.has_uint32", 2), "snapshot.shuffle.rng.has_uint32"),
    (_delete("shuffle.rng.uinteger"), "snapshot.shuffle.rng.uinteger"),
    (_set("divergence", {"step": 3, "what": "loss", "value": "NaN"}), "snapshot.divergence"),
    (_set("divergence", {"step": 3, "what": "x", "value": "NaN", "message": ""}),
     "snapshot.divergence.what"),
    (_set("divergence", {"step": 30, "what": "loss", "value": "NaN", "message": ""}),
     "snapshot.divergence.step"),
    (_set("shadows", {"since_step": 0, "states": {}}), "snapshot.shadows.states"),
    (_set("shadows", {"since_step": 9, "states": {}}), "snapshot.shadows.since_step"),
]


@pytest.mark.parametrize(("mutate", "field"), TAMPERED)
def test_tampered_snapshots_are_refused_naming_the_field(mutate, field):
    data = base_snapshot()
    mutate(data)
    with pytest.raises(ValueError) as info:
        restore(data)
    assert str(info.value).startswith(field), str(info.value)


def test_the_callers_limits_are_applied_first():
    def no_wide_layers(config: dict) -> None:
        if max(config["hidden"]) > 2:
            raise ValueError("hidden: at most 2 units per layer here")

    with pytest.raises(ValueError, match=r"^snapshot\.config: hidden: at most 2"):
        restore(base_snapshot(), check_config=no_wide_layers)
    with pytest.raises(ValueError, match=r"^snapshot\.config: the network has 13 parameters"):
        restore(base_snapshot(), max_params=12)


# ---- fuzzing: random damage is a ValueError or a working trainer, never anything else ---------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats()
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=5,
)


def _bases() -> list[dict]:
    mid = Trainer(optimizer="rmsprop", hyper={"centered": True, "momentum": 0.5}, samples=40,
                  hidden=(3,), batch_size=7, regularization="l1", regularization_rate=0.01)
    track_alternatives(mid)
    mid.run(6)
    mid.forward()
    mid.backward()
    diverged = Trainer(dataset="plane", samples=30, hidden=(3,), activation="relu",
                       learning_rate=10.0)
    diverged.run(500)
    assert diverged.divergence is not None
    return [base_snapshot(), snapshot(mid), snapshot(diverged)]


BASES = _bases()


def _paths(node, prefix=()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def damaged(draw) -> dict:
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.sampled_from([1, 1, 2, 3]))):
        paths = _paths(data)[1:]
        # often the arrays and counters, or the first check to fail (the config) hides the rest
        focus = draw(st.sampled_from(["any", "arrays", "numbers"]))
        if focus == "arrays":
            paths = [p for p in paths if isinstance(_at(data, p), str) and len(_at(data, p)) > 40]
        elif focus == "numbers":
            paths = [p for p in paths if p[0] != "config" and type(_at(data, p)) is int]
        path = draw(st.sampled_from(paths))
        *parents, last = path
        parent = data
        for key in parents:
            parent = parent[key]
        old = parent[last]
        how = draw(st.sampled_from(["replace", "delete", "add", "character", "bytes"]))
        if how == "delete" and isinstance(parent, dict):
            del parent[last]
        elif how == "add" and isinstance(old, dict):
            old[draw(st.text(max_size=6))] = draw(JSON)
        elif how == "character" and isinstance(old, str) and old:
            at = draw(st.integers(0, len(old) - 1))
            parent[last] = old[:at] + draw(st.sampled_from("A/+=-_0fz ")) + old[at + 1 :]
        elif how == "bytes" and isinstance(old, str) and len(old) % 4 == 0:
            size = len(base64.b64decode(old)) if _is_b64(old) else 8
            parent[last] = base64.b64encode(draw(st.binary(min_size=size, max_size=size))
                                            ).decode()
        else:
            parent[last] = draw(JSON)
    return data


def _at(data, path: tuple):
    for key in path:
        data = data[key]
    return data


def _is_b64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_snapshots_are_a_value_error_or_a_working_run(data):
    try:
        trainer = restore(data)
    except ValueError as exc:
        assert str(exc).startswith("snapshot")
        return
    trainer.run(3)  # whatever was accepted can be trained on
    json.dumps(snapshot(trainer), allow_nan=False)


@pytest.mark.parametrize("data", [None, [], "text", 3, {"format": None}])
def test_not_a_snapshot_at_all(data):
    with pytest.raises(ValueError, match=r"^snapshot"):
        restore(data)


# ---- copies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("optimizer", "hyper"), OPTIMIZERS[::2])
def test_a_copy_is_exact_and_independent(optimizer, hyper):
    original = Trainer(optimizer=optimizer, hyper=hyper, batch_size=30)
    track_alternatives(original)
    original.run(40)
    twin = original.copy()
    assert_identical(original, twin)
    assert twin.last_trace.loss == original.last_trace.loss
    np.testing.assert_array_equal(twin.last_trace.weights[0], original.net.weights[0])
    state = copy_state(original.optimizer.state[0])
    flat = original.net.flat.copy()
    twin.run(15)  # stepping the copy leaves the original alone
    np.testing.assert_array_equal(original.net.flat, flat)
    for key, value in state.items():
        np.testing.assert_array_equal(original.optimizer.state[0][key], value)
    assert twin.last_trace.weights[0] is twin.net.weights[0]
    original.run(15)
    assert_identical(original, twin)
    for kind, opt in original.shadows.optimizers.items():
        twin_state = twin.shadows.optimizers[kind].state[0]
        assert opt.state[0].keys() == twin_state.keys()
        for key, value in opt.state[0].items():
            np.testing.assert_array_equal(value, twin_state[key])


def test_a_copy_mid_step_continues_the_same_step():
    original = Trainer(batch_size=10)
    original.run(25)
    original.forward()
    twin = original.copy()
    assert twin.pending is not original.pending and twin.phase == "forward"
    twin.drop_step()  # dropping in the copy leaves the original's step alone
    assert original.phase == "forward"
    a, b = original.step(), twin.step()
    np.testing.assert_array_equal(a.batch, b.batch)
    assert_identical(original, twin)
