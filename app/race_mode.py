"""A session in race mode (``race``): 2 to 7 lanes of the same network in lockstep, each with its
own optimizer (engine.race). Lane 0 is the session's trainer (the frame's usual arrays); every
lane adds its metrics to the frame header and its losses and output heatmap as arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from app.engine_errors import engine_error
from app.frames import NamedArray, output_grid
from app.loss_history import thin
from app.protocol.codes import ErrorCode
from app.protocol.commands import Command, ProtocolError, StartRace
from engine.grid import evaluate_grid
from engine.race import Race
from engine.trace import StepTrace
from engine.trainer import Trainer

if TYPE_CHECKING:
    from app.session import TrainingSession

MAX_LOSS_POINTS = 200  # per lane and frame, as the session's own
# What a race cannot do: one lane's phases, edits or copies would break the lockstep.
REFUSED = frozenset({"phase", "set_weight", "set_bias", "compare_updates", "gradcheck",
                     "snapshot", "suggest_learning_rate"})
LANE_OWN_KEYS = ("learning_rate", "hyper")  # set per lane by `race`, not by `set`


class RaceMode:
    def __init__(self, race: Race) -> None:
        self.race = race
        self._steps: list[list[int]] = [[] for _ in race.lanes]
        self._losses: list[list[float]] = [[] for _ in race.lanes]
        # each lane's (metrics, heatmap), measured at the frame that last recomputed lane 0's
        self._measured: list[tuple[dict[str, Any], NamedArray]] = []

    @property
    def lanes(self) -> int:
        return len(self.race.lanes)

    def step(self) -> StepTrace | None:
        """One step in every live lane; the first live lane's trace (None once all diverged)."""
        first = None
        for i, trace in enumerate(self.race.step()):
            if trace is not None:
                self._steps[i].append(trace.step)
                self._losses[i].append(trace.loss)
                first = first or trace
        return first

    def clear_losses(self) -> None:
        for steps in self._steps:
            steps.clear()
        for losses in self._losses:
            losses.clear()

    def frame_extra(self, grid_size: int) -> Any:
        """``FrameBuilder.build``'s ``extra``: every lane's metrics, losses and heatmap.

        The lanes' full-data metrics and heatmaps, the costly part, follow the frame's own
        budget: recomputed when the frame recomputed lane 0's (its ``metrics_step`` is its
        ``step``), reused in between; each lane's ``metrics_step`` says which step they are from.
        The losses, cheap, go in every frame."""
        def extra(header: dict[str, Any], arrays: list[Any]) -> None:
            described = self.race.describe()
            reuse = header["metrics_step"] != header["step"] and len(self._measured) == self.lanes
            if not reuse:
                self._measured = [self._measure(t, grid_size) for t in self.race.lanes]
            lanes = []
            for i, t in enumerate(self.race.lanes):
                metrics, grid = self._measured[i]
                lanes.append({**described[i], "step": t.step_count, **metrics,
                              "diverged": t.divergence is not None})
                steps, losses = thin(self._steps[i], self._losses[i], MAX_LOSS_POINTS)
                arrays.append((f"lane.{i}.loss_steps", steps.astype(np.int32), {}))
                arrays.append((f"lane.{i}.losses", losses.astype(np.float32), {}))
                name, values, lo_hi = grid
                arrays.append((f"lane.{i}.{name}", values, lo_hi))
            header["lanes"] = lanes
            self.clear_losses()
        return extra

    @staticmethod
    def _measure(t: Trainer, grid_size: int) -> tuple[dict[str, Any], NamedArray]:
        """One lane's full-data metrics (header fields) and output heatmap, now."""
        m = t.evaluate()
        metrics = {"metrics_step": t.step_count,
                   "train_loss": _num(m.train_loss), "test_loss": _num(m.test_loss),
                   "train_accuracy": m.train_accuracy, "test_accuracy": m.test_accuracy}
        out = evaluate_grid(t.net, t.config.features, grid_size, dtype=np.float32)[-1]
        return metrics, output_grid(t.config, out)


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def start(session: TrainingSession, cmd: StartRace) -> None:
    """``race``: the current configuration in 2 to 7 lanes, counted one session per lane."""
    lanes = [lane.model_dump() for lane in cmd.lanes]
    refusal = session.capacity_check(len(lanes))
    if refusal is not None:
        raise ProtocolError(ErrorCode.INVALID_VALUE, f"lanes: {refusal}", "lanes")
    try:
        race = Race(session.trainer.config, lanes)
    except ValueError as exc:
        raise engine_error(exc, "", "lanes") from None
    session.start_run(race.lanes[0], RaceMode(race))


def check_allows(cmd: Command) -> None:
    """A race refuses what one lane cannot take alone (``in_race``)."""
    if cmd.type in REFUSED or (cmd.type == "set" and any(
            k in cmd.values for k in LANE_OWN_KEYS)):  # type: ignore[attr-defined]
        raise ProtocolError(ErrorCode.IN_RACE, f"{cmd.type}: not in a race, where the lanes move "
                            "in lockstep; send configure to leave the race", "type")
