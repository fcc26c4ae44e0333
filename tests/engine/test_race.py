"""A fair race: identical starts and batches, optimizers the only difference."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Trainer, TrainingConfig
from engine.race import Race

CONFIG = TrainingConfig(dataset="xor", hidden=(6, 4), batch_size=7)


def test_two_identical_lanes_stay_bit_identical_for_500_steps() -> None:
    lane = {"optimizer": "adam", "learning_rate": 0.01, "hyper": {"betas": [0.8, 0.99]}}
    race = Race(CONFIG, [lane, dict(lane)])
    for _ in range(500):
        race.step()
    a, b = race.lanes
    assert a.step_count == b.step_count == 500
    assert np.array_equal(a.net.flat, b.net.flat)


def test_lanes_start_equal_and_see_the_same_batches() -> None:
    race = Race(CONFIG, [{"optimizer": "sgd", "learning_rate": 0.1},
                         {"optimizer": "rmsprop", "learning_rate": 0.01}])
    assert np.array_equal(race.lanes[0].net.flat, race.lanes[1].net.flat)
    for _ in range(30):
        traces = race.step()
        assert np.array_equal(traces[0].batch, traces[1].batch)
    # each lane is exactly a lone run with its optimizer
    lone = Trainer(CONFIG, optimizer="rmsprop", learning_rate=0.01)
    lone.run(30)
    assert np.array_equal(lone.net.flat, race.lanes[1].net.flat)


@pytest.mark.parametrize(("lanes", "field"), [
    ([{"optimizer": "sgd", "learning_rate": 0.1}], "lanes"),
    ([{"optimizer": "sgd", "learning_rate": 0.1}, {"optimizer": "warp", "learning_rate": 1}],
     "lanes.1.optimizer"),
    ([{"optimizer": "sgd", "learning_rate": 0.1},
      {"optimizer": "adam", "learning_rate": 0.1, "hyper": {"eps": -1}}], "lanes.1.hyper.eps"),
    ([{"optimizer": "sgd", "learning_rate": 0.1}, {"optimizer": "sgd", "seed": 3}],
     "lanes.1.seed"),
])
def test_a_bad_lane_names_its_field(lanes: list, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}[:.]"):
        Race(CONFIG, lanes)
