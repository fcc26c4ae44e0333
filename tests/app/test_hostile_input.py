"""Generated junk never crashes a session and never changes it: every bad command is answered
with an error naming the field, and the session goes on exactly as before."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.protocol.commands import CONFIG_KEYS, ProtocolError, parse_command
from app.session import TrainingSession
from app.settings import Settings
from tests.app.conftest import Session

COMMAND_TYPES = ["configure", "play", "pause", "step", "reset", "set", "speed", "set_weight",
                 "set_bias", "explain", "bogus"]
FIELDS = ["n", "epochs", "config", "learning_rate", "hyper", "speed", "steps_per_second", "layer",
          "from", "to", "value", "neuron", "index", "batch_size", *CONFIG_KEYS]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["max", "all", "adam", "relu", "circle", "x1", "NaN", "-1", ""]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(st.sampled_from(FIELDS), inner, max_size=5)),
    max_leaves=12)
commands = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(COMMAND_TYPES),
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=4),
)
raw_texts = st.one_of(
    commands.map(lambda c: json.dumps(c, allow_nan=True)),
    st.text(max_size=60),
    st.sampled_from(["", "null", "[]", "{}", '{"type": 1}', "1e999", '{"type":"step","n":1e999}',
                     '{"type":"set","learning_rate":NaN}', "{" * 5000]),
)


def _fingerprint(session: TrainingSession) -> tuple[Any, ...]:
    t = session.trainer
    return (t.net.flat.tobytes(), t.step_count, t.config, session.state, session.speed,
            t.optimizer.hyper)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_texts, min_size=1, max_size=5))
def test_junk_is_refused_with_a_named_field_or_applied_cleanly(texts: list[str]) -> None:
    session = TrainingSession(Settings())
    for text in texts:
        before = _fingerprint(session)
        try:
            command = parse_command(text, 4096)
            session.apply(command)
        except ProtocolError as exc:
            message = exc.to_message()
            assert message["code"] and message["message"]
            assert message["field"] is None or isinstance(message["field"], str)
            assert _fingerprint(session) == before, f"an error changed the session: {text!r}"
        # whatever happened, the session can still train and draw
        session.run_slice(0.002)
        json.dumps(session.status_message(), allow_nan=False)
        session.build_frame()


ERROR_CASES = [  # (command, the field the error must name)
    ({"type": "step", "n": 0}, "n"),
    ({"type": "step", "n": "7"}, "n"),
    ({"type": "step", "n": 1.5}, "n"),
    ({"type": "speed", "steps_per_second": -3}, "steps_per_second"),
    ({"type": "speed", "steps_per_second": 10**9}, "steps_per_second"),
    ({"type": "set", "learning_rate": -1}, "learning_rate"),
    ({"type": "set", "hidden": [3]}, "hidden"),
    ({"type": "set", "hyper": {"momentum": -0.5}}, "hyper.momentum"),
    ({"type": "set", "hyper": {"warp": 1}}, "hyper"),
    ({"type": "set", "batch_size": 0}, "batch_size"),
    ({"type": "configure", "config": {"hidden": [4] * 50}}, "config.hidden"),
    ({"type": "configure", "config": {"hidden": [400]}}, "config.hidden.0"),
    ({"type": "configure", "config": {"dataset": "mnist"}}, "config.dataset"),
    ({"type": "configure", "config": {"features": []}}, "config.features"),
    ({"type": "configure", "config": {"samples": 10**7}}, "config.samples"),
    ({"type": "configure", "config": {"noise": 3}}, "config.noise"),
    ({"type": "configure", "config": {"activation": "gelu"}}, "config.activation"),
    ({"type": "configure", "config": {"optimizer": "adam", "hyper": {"betas": [1.5, 0.9]}}},
     "config.hyper.beta1"),
    ({"type": "configure", "config": {"dataset": "plane", "loss": "bce"}}, "config.loss"),
    ({"type": "configure", "config": {"extra": 1}}, "config.extra"),
    ({"type": "set_weight", "layer": 9, "from": 0, "to": 0, "value": 1}, "layer"),
    ({"type": "set_weight", "layer": 0, "from": 0, "to": 99, "value": 1}, "from"),
    ({"type": "set_bias", "layer": 0, "neuron": 0}, "value"),
    ({"type": "explain", "index": 10**6}, "index"),
    ({"type": "warp"}, "type"),
]


def test_each_bad_command_names_its_field_and_the_session_goes_on(session: Session) -> None:
    for command, field in ERROR_CASES:
        error = session.error(**command)
        assert error["field"] == field, (command, error)
        assert error["message"], command
    session.send(type="step", n=3)
    assert session.frame()["step"] == 3


def test_non_json_and_binary_messages_get_errors(session: Session) -> None:
    session.ws.send_text("not json {")
    assert session.json("error")["code"] == "bad_json"
    session.ws.send_bytes(b"\x00\x01")
    assert session.json("error")["code"] == "bad_message"
    session.ws.send_text("x" * 10_000)
    assert session.json("error")["code"] == "bad_message"
    session.ws.send_text('{"type": "step", "n": NaN}')
    assert session.json("error")["code"] == "bad_json"
    session.send(type="step", n=1)
    assert session.frame()["step"] == 1
