"""Every server setting in one typed object, read from ``BPP_*`` environment variables.

The engine never reads the environment; the server reads it once, here. ``docs/settings.md``
lists the variables; ``backprop-playground --help`` lists the matching flags.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    # Capacity and fairness.
    max_sessions: int = 300  # per process
    max_sessions_per_client: int = 250  # per client address (a classroom often shares one)
    max_steps_per_second: int = 50000  # per session, the "max" speed
    frame_rate: float = 30.0  # frames per second per session, at most 60
    # Network and data size caps.
    max_hidden_layers: int = 6
    max_neurons: int = 8
    max_samples: int = 2000
    max_batch_size: int = 2000
    # Abuse limits.
    max_message_bytes: int = 4096
    commands_per_second: float = 60.0  # sustained, per connection
    command_burst: int = 120
    idle_timeout_s: float = 600.0  # paused and silent this long: closed
    send_timeout_s: float = 10.0  # a client that does not read for this long is dropped
    shutdown_grace_s: float = 3.0
    # Pages and websocket security.
    allowed_origins: tuple[str, ...] = ()  # besides the page's own host
    frame_ancestors: str = "'self'"  # CSP frame-ancestors: who may embed the page
    # Frame contents.
    grid_size: int = 48
    neuron_grid_size: int = 16
    scheduler_slice_ms: float = 4.0

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.frame_rate <= 60:
            problems.append(f"frame_rate must be from 1 to 60, got {self.frame_rate}")
        for name in ("max_sessions", "max_sessions_per_client", "max_steps_per_second",
                     "max_hidden_layers", "max_neurons", "max_samples", "max_batch_size",
                     "max_message_bytes", "command_burst", "grid_size", "neuron_grid_size"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.scheduler_slice_ms <= 50:
            problems.append("scheduler_slice_ms must be in (0, 50]")
        if problems:
            raise ValueError("; ".join(problems))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``BPP_<NAME>`` variables, then explicit overrides (the CLI flags)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"BPP_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _parse(f.name, raw, cls.__dataclass_fields__[f.name].default)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


def _parse(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, tuple):
            return tuple(s.strip() for s in raw.split(",") if s.strip())
        return raw
    except ValueError:
        raise ValueError(f"BPP_{name.upper()}: cannot read {raw!r} as {type(default).__name__}")\
            from None
