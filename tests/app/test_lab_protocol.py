"""The lab over the wire: surfaces on a grid, paths by the engine's optimizers, and the network's
loss landscape around the current weights; none of it changes the run."""

from __future__ import annotations

import numpy as np

from engine.lab import run_trajectory
from engine.surfaces import make_surface
from tests.app.conftest import Session


def test_a_surface_on_a_grid_is_the_engines_function(session: Session) -> None:
    session.send(type="lab_surface", surface="rosenbrock", size=21)
    answer = session.json("lab_surface")
    assert answer["minima"] == [[1.0, 1.0]] and len(answer["values"]) == 21
    s = make_surface("rosenbrock")
    i, j = 7, 13
    expected = s.value(np.array([answer["xs"][j], answer["ys"][i]]))
    assert abs(answer["values"][i][j] - expected) <= 1e-5 * abs(expected)


def test_lab_paths_equal_the_engines_trajectories(session: Session) -> None:
    runs = [{"optimizer": "sgd", "learning_rate": 0.001},
            {"optimizer": "adam", "learning_rate": 0.05, "hyper": {"betas": [0.8, 0.99]}}]
    session.send(type="lab_run", surface="rosenbrock", start=[-1.5, 2.0], steps=100, runs=runs,
                 id="r")
    answer = session.json("lab_paths")
    assert answer["id"] == "r" and len(answer["runs"]) == 2
    adam = run_trajectory("rosenbrock", "adam", (-1.5, 2.0), 100, 0.05,
                          hyper={"betas": [0.8, 0.99]})
    assert np.array_equal(np.array(answer["runs"][1]["path"]), adam.path)


def test_batch_sizes_on_a_data_surface_count_examples(session: Session) -> None:
    runs = [{"optimizer": "sgd", "learning_rate": 0.05, "batch_size": b} for b in (1, 8)]
    runs.append({"optimizer": "sgd", "learning_rate": 0.05})
    session.send(type="lab_run", surface="linear_regression", start=[-1.0, 1.5], steps=20,
                 runs=runs)
    seen = [r["examples_seen"][-1] for r in session.json("lab_paths")["runs"]]
    n = len(make_surface("linear_regression").data.x)
    assert seen == [20, 160, 20 * n]


def test_a_bad_lab_request_names_the_field(session: Session) -> None:
    error = session.error(type="lab_run", surface="rosenbrock", start=[0, 0], steps=5,
                          runs=[{"optimizer": "warp", "learning_rate": 0.1}])
    assert error["field"].startswith("runs.0")
    assert session.error(type="lab_surface", surface="nope")["code"] == "invalid_value"


def test_the_landscape_centre_is_the_training_loss_and_nothing_changes(session: Session) -> None:
    session.send(type="step", n=40)
    before = session.frame()
    session.send(type="landscape", size=11, span=0.5, directions="pca")
    answer = session.json("landscape")
    assert len(answer["losses"]) == 11 and len(answer["path"]) >= 3
    assert abs(answer["centre_loss"] - before["train_loss"]) <= 1e-12
    assert answer["losses"][5][5] == answer["centre_loss"] or \
        abs(answer["losses"][5][5] - answer["centre_loss"]) <= 1e-6
    session.send(type="step", n=1)
    after = session.frame()
    assert after["step"] == 41
