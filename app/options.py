"""The ``hello`` message: every option the page offers and every limit, from the registries.

The page builds its controls from this, so nothing is listed twice.
"""

from __future__ import annotations

from typing import Any

from app.protocol import PROTOCOL_VERSION
from app.settings import Settings
from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.datasets import DATASETS
from engine.features import FEATURES
from engine.initializers import INITIALIZER_LABELS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS, hyper_spec_json
from engine.regularization import REGULARIZERS


def hello_message(settings: Settings, defaults: dict[str, Any]) -> dict[str, Any]:
    s = settings
    return {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "options": {
            "datasets": [
                {"name": d.name, "label": d.label, "kind": d.kind, "n_classes": d.n_classes,
                 "default_samples": d.default_samples}
                for d in DATASETS.values()
            ],
            "features": [{"name": f.name, "label": f.label} for f in FEATURES.values()],
            "activations": [{"name": a.name, "label": a.label} for a in ACTIVATIONS.values()],
            "output_activations": [{"name": n, "label": ACTIVATIONS[n].label}
                                   for n in OUTPUT_ACTIVATIONS],
            "losses": [{"name": loss.name, "label": loss.label} for loss in LOSSES.values()],
            "regularizations": [{"name": r.name, "label": r.label} for r in REGULARIZERS.values()],
            "initializers": [{"name": n, "label": label}
                             for n, label in INITIALIZER_LABELS.items()],
            "optimizers": [hyper_spec_json(name) for name in OPTIMIZERS],
        },
        "defaults": defaults,
        "limits": {
            "max_hidden_layers": s.max_hidden_layers,
            "max_neurons": s.max_neurons,
            "min_samples": 10,
            "max_samples": s.max_samples,
            "max_batch_size": s.max_batch_size,
            "min_steps_per_second": 0.1,
            "max_steps_per_second": s.max_steps_per_second,
            "max_message_bytes": s.max_message_bytes,
            "commands_per_second": s.commands_per_second,
            "idle_timeout_s": s.idle_timeout_s,
            "noise": [0.0, 0.5],
            "train_ratio": [0.1, 0.9],
            "learning_rate": [0.0, 10.0],
            "regularization_rate": [0.0, 10.0],
        },
        "frame_rate": s.frame_rate,
        "grid_size": s.grid_size,
        "neuron_grid_size": s.neuron_grid_size,
    }
