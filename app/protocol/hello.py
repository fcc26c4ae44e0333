"""The ``hello`` message: every option the page offers, every limit and the config schema.

The page builds its controls from this, so nothing is listed twice.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from app.limits import engine_limits
from app.protocol.codes import PROTOCOL_VERSION
from app.protocol.commands import MIN_STEPS_PER_SECOND
from app.protocol.config_model import config_json_schema
from app.settings import Settings
from engine.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from engine.datasets import DATASETS, make_dataset
from engine.features import FEATURES
from engine.initializers import INITIALIZER_LABELS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS, hyper_spec_json
from engine.regularization import REGULARIZERS
from engine.schema import SETTINGS


def hello_message(settings: Settings, defaults: dict[str, Any]) -> dict[str, Any]:
    s = settings
    limits = engine_limits(s)

    def bounds(key: str) -> list[float]:
        return list(SETTINGS[key].bounds(limits))

    return {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "options": {
            "datasets": [
                {"name": d.name, "label": d.label, "kind": d.kind, "n_classes": d.n_classes,
                 "default_samples": d.default_samples, "preview": _preview(d.name)}
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
        # Every config key's type, default, range or choices: the page builds its controls,
        # its link parser and its checks from this (docs/protocol.md).
        "config_schema": config_json_schema(limits),
        "limits": {
            "max_hidden_layers": s.max_hidden_layers,
            "max_neurons": s.max_neurons,
            "min_samples": SETTINGS["samples"].bounds(limits)[0],
            "max_samples": s.max_samples,
            "max_batch_size": s.max_batch_size,
            "min_steps_per_second": MIN_STEPS_PER_SECOND,
            "max_steps_per_second": s.max_steps_per_second,
            "max_message_bytes": s.max_message_bytes,
            "commands_per_second": s.commands_per_second,
            "idle_timeout_s": s.idle_timeout_s,
            "noise": bounds("noise"),
            "train_ratio": bounds("train_ratio"),
            "learning_rate": bounds("learning_rate"),
            "regularization_rate": bounds("regularization_rate"),
        },
        "frame_rate": s.frame_rate,
        "grid_size": s.grid_size,
        "neuron_grid_size": s.neuron_grid_size,
    }


PREVIEW_POINTS = 60  # enough to recognise a dataset on its thumbnail


@functools.cache
def _preview(name: str) -> dict[str, Any]:
    """A few of the dataset's own points (noise 0, a fixed seed): the page draws thumbnails
    from the engine's data instead of generators of its own."""
    X, y = make_dataset(name, PREVIEW_POINTS, 0.0, 7)
    labels: list[Any] = y.tolist() if y.dtype.kind in "iu" else np.round(y, 3).tolist()
    return {"x": np.round(X, 2).tolist(), "y": labels}
