"""One schema: every config key's bounds agree between the engine and the server, hello carries
the schema, docs/protocol.md's table is generated from it, and null or a huge integer changes
nothing."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.limits import engine_limits
from app.protocol.docs import config_table, render
from app.settings import Settings
from engine.config import TrainingConfig
from engine.schema import SETTINGS
from tests.app.conftest import Session

LIMITS = engine_limits(Settings())
DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def _context(key: str, value: Any) -> dict[str, Any]:
    """A config that makes ``value`` for ``key`` meaningful on its own (e.g. sigmoid needs mse)."""
    if key == "output_activation" and value not in ("auto", "linear"):
        return {"loss": "mse", key: value}
    if key == "loss" and value == "cross_entropy":
        return {"dataset": "spiral3", key: value}
    return {key: value}


def _edge_cases() -> list[tuple[str, Any, bool]]:
    """(key, value, accepted) at and just past every bound and for every choice, from the schema."""
    cases: list[tuple[str, Any, bool]] = []
    for key, s in SETTINGS.items():
        lo, hi = s.bounds(LIMITS)
        if s.kind == "choice":
            cases += [(key, c, True) for c in s.choices] + [(key, "nope", False)]
        elif s.kind in ("int", "batch"):
            cases += [(key, lo, True), (key, hi, True), (key, lo - 1, False), (key, hi + 1, False)]
        elif s.kind == "float":
            cases += [(key, lo, True), (key, hi, True), (key, math.nextafter(lo, -math.inf), False),
                      (key, math.nextafter(hi, math.inf), False)]
        elif s.kind == "names":
            cases += [(key, list(s.choices[:1]), True), (key, list(s.choices), True),
                      (key, [], False), (key, [*s.choices, s.choices[0]], False)]
        elif s.kind == "widths":
            most = s.items_bound(LIMITS)
            cases += [(key, [], True), (key, [hi] * most, True), (key, [lo] * (most + 1), False),
                      (key, [hi + 1], False), (key, [lo - 1], False)]
    return cases


def _engine_field(key: str, value: Any) -> str | None:
    values = _context(key, value)
    if isinstance(values.get(key), list):
        values[key] = tuple(values[key])
    if values.get("batch_size") == "all":
        values["batch_size"] = None
    try:
        TrainingConfig(**values).normalized(LIMITS)
    except ValueError as exc:
        return str(exc).split(":", 1)[0]
    return None


@pytest.mark.parametrize(("key", "value", "accepted"), _edge_cases())
def test_engine_and_server_agree_on_every_bound(session: Session, key: str, value: Any,
                                                accepted: bool) -> None:
    engine_field = _engine_field(key, value)
    session.send(type="configure", config=_context(key, value))
    answer = session.json()
    if accepted:
        assert engine_field is None
        assert answer["type"] == "ready", answer
        assert answer["config"][key] == value or key in ("loss", "output_activation")
        session.frame()
    else:
        assert answer["type"] == "error", answer
        assert engine_field is not None
        assert answer["field"] == f"config.{engine_field}", (answer, engine_field)
        assert key in answer["message"]


def test_hello_carries_the_schema_with_every_bound(session: Session) -> None:
    schema = session.hello["config_schema"]
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert list(props) == list(SETTINGS)
    for key, prop in props.items():
        assert "default" in prop and prop["description"], key
        kind = SETTINGS[key].kind
        if kind == "choice":
            assert prop["enum"] == list(SETTINGS[key].choices)
        elif kind == "names":
            assert prop["items"]["enum"] and prop["maxItems"] == len(SETTINGS[key].choices)
        elif kind == "hyper":
            by_optimizer = prop["x-by-optimizer"]
            assert set(by_optimizer) == set(SETTINGS["optimizer"].choices)
            for hyper in by_optimizer.values():
                for p in hyper["properties"].values():
                    assert "default" in p and p["description"]
        else:
            assert [prop["minimum"], prop["maximum"]] == list(SETTINGS[key].bounds(LIMITS))
    # the host's caps, not the engine's widest
    assert props["hidden"]["maxItems"] == Settings().max_hidden_layers
    assert props["samples"]["maximum"] == Settings().max_samples
    assert session.hello["limits"]["min_samples"] == props["samples"]["minimum"]


def test_the_protocol_doc_table_is_the_schema() -> None:
    text = DOC.read_text()
    assert config_table(LIMITS) in text
    assert render(text, LIMITS) == text, "run: python -m app.protocol.docs"


# ---- null and huge integers: an error, and nothing changes ---------------------------------------

NOTHING_CHANGES = [
    ({"type": "configure", "config": {"dataset": None}}, "config.dataset"),
    ({"type": "configure", "config": None}, "config"),
    ({"type": "step", "n": None}, "n"),
    ({"type": "set", "learning_rate": None}, "learning_rate"),
    ({"type": "speed", "steps_per_second": None}, "steps_per_second"),
    ({"type": "configure", "config": {"hidden": [4, None]}}, "config.hidden.1"),
    ({"type": "configure", "config": {"optimizer": "adam", "hyper": {"eps": 10**309}}},
     "config.hyper.eps"),
    ({"type": "set", "hyper": {"eps": 10**309}}, "hyper.eps"),
    ({"type": "set", "learning_rate": 10**309}, "learning_rate"),
    ({"type": "step", "n": -(10**400)}, "n"),
]


def _trained(session: Session) -> dict[str, Any]:
    session.send(type="configure", config={"dataset": "spiral", "activation": "relu",
                                           "optimizer": "adam", "hidden": [8, 8]})
    session.json("ready")
    session.frame()
    session.send(type="step", n=50)
    return session.frame()


@pytest.mark.parametrize(("command", "field"), NOTHING_CHANGES)
def test_null_and_huge_integers_are_refused_and_nothing_changes(
        session: Session, command: dict[str, Any], field: str) -> None:
    before = _trained(session)
    error = session.error(**command)
    assert error["code"] == "invalid_value"
    assert error["field"] == field, error
    if "null" in error["message"]:
        assert "omit a key to get its default" in error["message"]
    session.assert_quiet()
    session.send(type="step", n=1)
    after = session.frame()
    assert after["step"] == 51 and after["run"] == before["run"]
    # the same run went on: one more adam step from the state the error left alone
    assert not np.array_equal(after["params"], before["params"])
    session.send(type="step", n=1)
    assert session.frame()["step"] == 52


# ---- ids: the answer echoes the command's id ---------------------------------------------------


def test_answers_echo_the_command_id(session: Session) -> None:
    session.send(type="configure", config={"dataset": "xor"}, id="c1")
    assert session.json("ready")["id"] == "c1"
    assert session.frame()["ack"] == "c1"
    session.send(type="step", n=5, id=7)
    frame = session.frame()
    assert frame["ack"] == 7 and frame["step"] == 5
    session.send(type="pause", id="q")
    assert session.json("status")["id"] == "q"
    assert session.frame()["ack"] == "q"
    session.send(type="set", learning_rate=2.0, id="lr")
    assert session.json("status")["id"] == "lr"
    assert session.frame()["ack"] == "lr"
    assert session.error(type="set", learning_rate=-1, id="bad")["id"] == "bad"
    assert session.error(type="warp", id=9)["id"] == 9
    session.send(type="explain", index=0, id="x")
    assert session.json("explanation")["id"] == "x"
    session.send(type="step", n=1)  # no id: no ack
    assert "ack" not in session.frame()


@pytest.mark.parametrize("bad_id", [True, 1.5, "", "x" * 65, [1], {"a": 1}, 2**60])
def test_a_bad_id_is_an_error_naming_it(session: Session, bad_id: Any) -> None:
    error = session.error(type="step", id=bad_id)
    assert error["field"] == "id" and "id" not in error


def test_dataset_thumbnails_are_the_engines_points(session: Session) -> None:
    from engine.datasets import make_dataset

    for spec in session.hello["options"]["datasets"]:
        X, y = make_dataset(spec["name"], 60, 0.0, 7)
        assert np.allclose(spec["preview"]["x"], X, atol=0.005)
        assert np.allclose(spec["preview"]["y"], y, atol=0.0005)
