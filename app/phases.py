"""The step taken apart, as session commands: ``phase``, ``compare_updates``, ``gradcheck`` and
``suggest_learning_rate`` (docs/protocol.md, "The step in phases").

Forward, backward and update run one at a time and hold; between backward and update the
gradient and the pending update exist and nothing has changed. Each answer is computed by the
engine (engine.trainer, engine.compare, engine.gradcheck, engine.health) on the session's run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from app import json_values
from app.engine_errors import engine_error
from app.protocol.codes import ErrorCode
from app.protocol.commands import CompareUpdates, Explain, GradCheck, PhaseStep, ProtocolError
from engine.compare import compare_updates, track_alternatives
from engine.explain import explain_example
from engine.explain_step import explain_parameter
from engine.gradcheck import check_bias, check_weight
from engine.health import suggest_learning_rate

if TYPE_CHECKING:
    from app.session import TrainingSession
    from engine.trainer import Trainer


def phase(session: TrainingSession, cmd: PhaseStep) -> None:
    """One phase (or up to ``to``); training pauses; exactly one frame answers."""
    t = session.trainer
    if t.divergence is not None:
        raise ProtocolError(ErrorCode.DIVERGED, t.divergence.message
                            + " (send reset or configure to go on)")
    session.hold()
    track_alternatives(t)  # from the first phase on, compare_updates has a shared history
    steps_before = t.step_count
    if cmd.to is None:
        t.next_phase()
    else:
        t.advance_to(cmd.to)
    if t.step_count != steps_before and t.last_trace is not None:
        session.record_step(t.last_trace.step, t.last_trace.loss)
        session.path.on_step(t.step_count, t.net.flat)
        session.health.losses.append(t.last_trace.loss)
        session.check_health(force=True)  # a step narrated by phases: the findings now
    session.after_training()
    session.frame_wanted = True


def compare(session: TrainingSession, cmd: CompareUpdates) -> None:
    t = session.trainer
    pending = t.pending
    if pending is None or pending.phase != "backward":
        raise ProtocolError(ErrorCode.WRONG_PHASE, "compare_updates needs the gradient: run the "
                            "step to its backward phase first ({\"type\": \"phase\", \"to\": "
                            "\"backward\"})")
    result = compare_updates(t)
    entries = [{**e, "update": _floats(e["update"]), "hyper": _jsonable(e["hyper"]),
                **{k: _num(e[k]) for k in ("batch_loss", "train_loss", "penalty")}}
               for e in result["entries"]]
    before = {k: _num(v) for k, v in result["before"].items()}
    session.say({"type": "updates_compared", **{k: result[k] for k in (
        "step", "learning_rate", "running", "history_from_step")}, "before": before,
        "entries": entries})


def gradcheck(session: TrainingSession, cmd: GradCheck) -> None:
    t = session.trainer
    try:
        if cmd.neuron is not None:
            result = check_bias(t, cmd.layer, cmd.neuron)
        else:
            assert cmd.from_ is not None and cmd.to is not None  # the model checked
            result = check_weight(t, cmd.layer, cmd.from_, cmd.to)
    except ValueError as exc:
        raise engine_error(exc) from None
    where = ({"neuron": cmd.neuron} if cmd.neuron is not None
             else {"from": cmd.from_, "to": cmd.to})
    session.say({"type": "gradcheck", "layer": cmd.layer, **where,
                 "parameter": result.parameter, "value": _num(result.value),
                 "backprop": _num(result.backprop), "numeric": _num(result.numeric),
                 "relative_error": _num(result.relative_error), "h": result.h,
                 "batch_size": result.batch_size, "crosses_kink": result.crosses_kink})


def suggest(session: TrainingSession, cmd: Any) -> None:
    """(Over a connection this runs in a thread: app/connection.py.)"""
    session.say(suggestion_message(session.trainer))


def suggestion_message(trainer: Trainer) -> dict[str, Any]:
    """Copies of the run trained with a few learning rates; the run is not touched."""
    return {"type": "learning_rate_suggestion", **_jsonable(suggest_learning_rate(trainer))}


def explain(session: TrainingSession, cmd: Explain) -> None:
    """One training example through the chain rule (engine.explain); with a parameter, its
    road from this example to the step's update too."""
    t = session.trainer
    if cmd.index >= len(t.y_train):
        raise ProtocolError(ErrorCode.INVALID_VALUE,
                            f"index: must be below {len(t.y_train)}", "index")
    x, target = t.F_train[cmd.index], t.Y_train[cmd.index]
    with np.errstate(all="ignore"):
        result = explain_example(t.net, x, target, t.config.chosen_loss)
    message = {
        "type": "explanation", "index": cmd.index, "x": x.tolist(),
        "target": target.tolist(), "loss": json_values.num(result["loss"]),
        "p": json_values.array(result["p"]),
        "layers": [{k: json_values.array(v) for k, v in layer.items()}
                   for layer in result["layers"]],
    }
    if cmd.layer is not None:
        message["to_step"] = road_to_step(session, cmd)
    session.say(message)


def road_to_step(session: TrainingSession, cmd: Explain) -> dict[str, Any]:
    """One parameter from per-example gradients to the update (engine.explain_step), with the
    explained example's place in the batch (``example_in_batch``, or null)."""
    assert cmd.layer is not None
    t = session.trainer
    if t.divergence is not None:
        raise ProtocolError(ErrorCode.DIVERGED, t.divergence.message)
    try:
        road = explain_parameter(t, cmd.layer, cmd.from_, cmd.to, cmd.neuron)
    except ValueError as exc:
        raise engine_error(exc) from None
    batch = road["batch"].tolist()
    return {**_jsonable(road), "batch": batch,
            "example_in_batch": batch.index(cmd.index) if cmd.index in batch else None}


def _floats(a: np.ndarray) -> list[float | None]:
    return [x if math.isfinite(x) else None for x in a.tolist()]


_num = json_values.num
_jsonable = json_values.jsonable
