"""A fair race: several optimizers on the same network, from identical initial weights, through
the identical sequence of mini-batches, in lockstep.

Every lane is a ``Trainer`` built from the same configuration and seed, so the data, the initial
weights and the batch order are the same by construction; only the optimizer, its learning rate
and its hyperparameters differ. Two lanes with the same settings stay bit identical.

    race = Race(TrainingConfig(dataset="spiral"), [{"optimizer": "sgd", "learning_rate": 0.03},
                                                   {"optimizer": "adam", "learning_rate": 0.01}])
    race.step()                     # one step in every lane that has not diverged
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from engine.config import TrainingConfig
from engine.lockstep import can_step_together, step_together
from engine.trace import StepTrace
from engine.trainer import Trainer

MIN_LANES, MAX_LANES = 2, 7
LANE_KEYS = ("optimizer", "learning_rate", "hyper")


class Race:
    def __init__(self, config: TrainingConfig, lanes: Sequence[Mapping[str, Any]]) -> None:
        """lanes: each {"optimizer", "learning_rate", "hyper"?}; ValueError names the field
        (``lanes.2.hyper.eps``)."""
        if not MIN_LANES <= len(lanes) <= MAX_LANES:
            raise ValueError(f"lanes: {MIN_LANES} to {MAX_LANES} lanes; got {len(lanes)}")
        self.lanes: list[Trainer] = []
        for i, lane in enumerate(lanes):
            unknown = set(lane) - set(LANE_KEYS)
            if unknown:
                raise ValueError(f"lanes.{i}.{sorted(unknown)[0]}: unknown; a lane sets "
                                 f"{', '.join(LANE_KEYS)}")
            try:
                self.lanes.append(Trainer(replace(config, **{"hyper": {}, **lane})))
            except ValueError as exc:
                raise ValueError(f"lanes.{i}.{exc}") from None

    def step(self) -> list[StepTrace | None]:
        """One step in every lane (None for a lane that has diverged). The live lanes step
        together (engine/lockstep.py: one forward and backward pass for all, each lane's
        numbers its own), else one after another."""
        live = [lane.divergence is None for lane in self.lanes]
        movers = [lane for lane, ok in zip(self.lanes, live, strict=True) if ok]
        if can_step_together(movers):
            stepped = iter(step_together(movers))
            return [next(stepped) if ok else None for ok in live]
        return [lane.step() for lane in self.lanes]

    def reset(self) -> None:
        for lane in self.lanes:
            lane.reset()

    @property
    def all_diverged(self) -> bool:
        return all(lane.divergence is not None for lane in self.lanes)

    def describe(self) -> list[dict[str, Any]]:
        return [{"optimizer": t.config.optimizer, "learning_rate": t.config.learning_rate,
                 "hyper": {k: list(v) if isinstance(v, tuple) else v
                           for k, v in t.config.hyper.items()}} for t in self.lanes]
