"""The server's caps as the engine's ``Limits``: what every config range is narrowed to."""

from __future__ import annotations

from app.settings import Settings
from engine.schema import Limits


def engine_limits(s: Settings) -> Limits:
    return Limits(max_samples=s.max_samples, max_hidden_layers=s.max_hidden_layers,
                  max_neurons=s.max_neurons, max_batch_size=s.max_batch_size)
