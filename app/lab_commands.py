"""The gradient-descent lab and the network's loss landscape, as session commands
(docs/protocol.md, "The lab"): ``lab_surface``, ``lab_run`` and ``landscape``.

Each answer is computed by the engine (engine.surfaces, engine.lab, engine.landscape) and
changes nothing in the session's run; each is charged by its size (``command_cost``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from app import json_values
from app.engine_errors import engine_error
from app.protocol.codes import ErrorCode
from app.protocol.commands import LabRun, LabSurface, LandscapeRequest, ProtocolError
from engine.lab import run_trajectory
from engine.landscape import loss_landscape
from engine.surfaces import make_surface

if TYPE_CHECKING:
    from app.session import TrainingSession

DIGITS = 6  # significant digits of grid values: plenty for contours, a third of the bytes


def _engine(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except ValueError as exc:
        raise engine_error(exc) from None


def surface(session: TrainingSession, cmd: LabSurface) -> None:
    s = _engine(make_surface, cmd.surface, **cmd.params)
    (x0, x1), (y0, y1) = s.window
    xs, ys = np.linspace(x0, x1, cmd.size), np.linspace(y0, y1, cmd.size)
    X, Y = np.meshgrid(xs, ys)  # row i is y = ys[i], column j is x = xs[j]
    with np.errstate(all="ignore"):
        values = s.value(np.stack([X, Y], axis=-1))
    session.say({"type": "lab_surface", **s.describe(), "size": cmd.size, "xs": _round(xs),
                 "ys": _round(ys), "values": [_round(row) for row in values]})


def run(session: TrainingSession, cmd: LabRun) -> None:
    s = _engine(make_surface, cmd.surface, **cmd.params)
    runs = []
    for i, spec in enumerate(cmd.runs):
        try:
            t = run_trajectory(s, spec.optimizer, (cmd.start[0], cmd.start[1]), cmd.steps,
                               spec.learning_rate, hyper=spec.hyper,
                               batch_size=spec.batch_size, seed=cmd.seed,
                               record_state=cmd.state)
        except ValueError as exc:
            raise engine_error(ValueError(f"runs.{i}.{exc}"), "", f"runs.{i}") from None
        runs.append({
            "optimizer": spec.optimizer, "learning_rate": spec.learning_rate,
            "batch_size": spec.batch_size, "path": _rows(t.path), "losses": _round(t.losses),
            "grads": _rows(t.grads),
            "examples_seen": None if t.examples_seen is None else t.examples_seen.tolist(),
            "diverged_at": t.diverged_at,
            "state": {name: _rows(rows) for name, rows in t.state.items()},
        })
    session.say({"type": "lab_paths", "surface": s.name, "start": cmd.start,
                 "steps": cmd.steps, "runs": runs})


def landscape(session: TrainingSession, cmd: LandscapeRequest) -> None:
    path = session.parameter_path()
    if cmd.directions == "pca" and len(path) < 3:
        raise ProtocolError(ErrorCode.INVALID_VALUE, "directions: 'pca' needs a path: train "
                            "a few steps first", "directions")
    result = _engine(loss_landscape, session.trainer, size=cmd.size, span=cmd.span,
                     directions=cmd.directions, path=np.array(path) if len(path) >= 2 else None,
                     seed=cmd.seed)
    session.say({
        "type": "landscape", "size": cmd.size, "span": cmd.span, "directions": result.directions,
        "step": session.trainer.step_count,
        "alphas": _round(result.alphas), "betas": _round(result.betas),
        "losses": [_round(row) for row in result.losses],
        "centre_loss": _num(result.centre_loss),
        "d1": result.d1.tolist(), "d2": result.d2.tolist(),
        "path": None if result.path is None else _rows(result.path),
        "explained_variance": result.explained_variance,
    })


_num = json_values.num


def _round(a: np.ndarray) -> list[float | None]:
    return [float(f"{x:.{DIGITS}g}") if math.isfinite(x) else None for x in a.tolist()]


def _rows(a: np.ndarray) -> list[list[float | None]]:
    return [[x if math.isfinite(x) else None for x in row] for row in a.tolist()]
