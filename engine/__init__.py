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
from engine.losses import LOSSES
from engine.network import MLP
from engine.optimizers import OPTIMIZERS, make_optimizer
from engine.phases import PHASES
from engine.regularization import REGULARIZERS
from engine.snapshot import restore, snapshot
from engine.trace import Divergence, PendingStep, PhaseError, StepTrace
from engine.trainer import Metrics, Trainer

__all__ = [
    "ACTIVATIONS",
    "ALTERNATIVES",
    "DATASETS",
    "FEATURES",
    "INITIALIZERS",
    "LOSSES",
    "MLP",
    "OPTIMIZERS",
    "PHASES",
    "REGULARIZERS",
    "Divergence",
    "Finding",
    "GradCheck",
    "Metrics",
    "PendingStep",
    "PhaseError",
    "StepTrace",
    "Trainer",
    "TrainingConfig",
    "check_bias",
    "check_health",
    "check_weight",
    "compare_updates",
    "evaluate_grid",
    "explain_example",
    "featurize",
    "make_dataset",
    "make_optimizer",
    "restore",
    "snapshot",
    "stopped_units",
    "suggest_learning_rate",
    "track_alternatives",
]
