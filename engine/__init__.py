"""Backprop Playground's training engine: pure NumPy, float64, no web.

    from engine import Trainer, TrainingConfig
    trainer = Trainer(TrainingConfig(dataset="xor", hidden=(8, 8)))
    trace = trainer.step()          # one update and every intermediate quantity

    trainer.forward(); trainer.backward()    # or the step taken apart (engine.phases)
    pending = trainer.pending_update()       # what the update will add; nothing changed yet
    trainer.update()

    data = snapshot(trainer)        # the whole run as JSON; restore(data) continues it exactly
"""

from engine.activations import ACTIVATIONS
from engine.compare import ALTERNATIVES, compare_updates, track_alternatives
from engine.config import TrainingConfig
from engine.datasets import DATASETS, make_dataset
from engine.explain import explain_example
from engine.features import FEATURES, featurize
from engine.gradcheck import GradCheck, check_bias, check_weight
from engine.grid import evaluate_grid
from engine.health import Finding, check_health, stopped_units, suggest_learning_rate
from engine.initializers import INITIALIZERS
from engine.lab import Trajectory, run_trajectory, trajectory
from engine.landscape import DIRECTIONS, Landscape, loss_landscape
from engine.losses import LOSSES
from engine.network import MLP
from engine.optimizers import OPTIMIZERS, make_optimizer
from engine.phases import PHASES
from engine.regularization import REGULARIZERS
from engine.snapshot import restore, snapshot
from engine.surfaces import (
    SURFACE_PARAMS,
    SURFACES,
    ExampleSet,
    Surface,
    make_surface,
    surface_params_json,
)
from engine.trace import Divergence, PendingStep, PhaseError, StepTrace
from engine.trainer import Metrics, Trainer

__all__ = [
    "ACTIVATIONS",
    "ALTERNATIVES",
    "DATASETS",
    "DIRECTIONS",
    "FEATURES",
    "INITIALIZERS",
    "LOSSES",
    "MLP",
    "OPTIMIZERS",
    "PHASES",
    "REGULARIZERS",
    "SURFACES",
    "SURFACE_PARAMS",
    "Divergence",
    "ExampleSet",
    "Finding",
    "GradCheck",
    "Landscape",
    "Metrics",
    "PendingStep",
    "PhaseError",
    "StepTrace",
    "Surface",
    "Trainer",
    "TrainingConfig",
    "Trajectory",
    "check_bias",
    "check_health",
    "check_weight",
    "compare_updates",
    "evaluate_grid",
    "explain_example",
    "featurize",
    "loss_landscape",
    "make_dataset",
    "make_optimizer",
    "make_surface",
    "restore",
    "run_trajectory",
    "snapshot",
    "stopped_units",
    "suggest_learning_rate",
    "surface_params_json",
    "track_alternatives",
    "trajectory",
]
