"""Backprop Playground's training engine: pure NumPy, float64, no web.

    from engine import Trainer, TrainingConfig
    trainer = Trainer(TrainingConfig(dataset="xor", hidden=(8, 8)))
    trace = trainer.step()          # one update and every intermediate quantity
"""

from engine.activations import ACTIVATIONS
from engine.config import TrainingConfig
from engine.datasets import DATASETS, make_dataset
from engine.explain import explain_example
from engine.features import FEATURES, featurize
from engine.grid import evaluate_grid
from engine.initializers import INITIALIZERS
from engine.lab import Trajectory, run_trajectory, trajectory
from engine.landscape import DIRECTIONS, Landscape, loss_landscape
from engine.losses import LOSSES
from engine.network import MLP
from engine.optimizers import OPTIMIZERS, make_optimizer
from engine.regularization import REGULARIZERS
from engine.surfaces import (
    SURFACE_PARAMS,
    SURFACES,
    ExampleSet,
    Surface,
    make_surface,
    surface_params_json,
)
from engine.trace import Divergence, StepTrace
from engine.trainer import Metrics, Trainer

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "DIRECTIONS",
    "FEATURES",
    "INITIALIZERS",
    "LOSSES",
    "MLP",
    "OPTIMIZERS",
    "REGULARIZERS",
    "SURFACES",
    "SURFACE_PARAMS",
    "Divergence",
    "ExampleSet",
    "Landscape",
    "Metrics",
    "StepTrace",
    "Surface",
    "Trainer",
    "TrainingConfig",
    "Trajectory",
    "evaluate_grid",
    "explain_example",
    "featurize",
    "loss_landscape",
    "make_dataset",
    "make_optimizer",
    "make_surface",
    "run_trajectory",
    "surface_params_json",
    "trajectory",
]
