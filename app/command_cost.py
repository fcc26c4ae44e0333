"""What a command costs against the rate limit, in commands' worth (>= 1), by the work it makes:
building a run grows with the samples and the parameters, a lab request with its size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.protocol.commands import Command

if TYPE_CHECKING:
    from app.session import TrainingSession


def command_cost(session: TrainingSession, cmd: Command) -> float:
    """What a command costs in commands' worth (>= 1), by the work it makes: building a run
    (data, network, the ``ready`` payload) grows with the samples and the parameters."""
    if cmd.type == "configure":
        return 1.0 + session.trainer.config.samples / 100 + session.trainer.net.n_params / 50
    if cmd.type == "explain":
        return 1.0 + session.trainer.net.n_params / 100
    if cmd.type == "lab_run":
        return 1.0 + len(cmd.runs) * cmd.steps / 500  # type: ignore[attr-defined]
    if cmd.type == "lab_surface":
        return 1.0 + cmd.size**2 / 5000  # type: ignore[attr-defined]
    if cmd.type == "landscape":
        n = len(session.trainer.y_train) * session.trainer.net.n_params
        return 1.0 + cmd.size**2 * n / 2e6  # type: ignore[attr-defined]
    if cmd.type in ("compare_updates", "suggest_learning_rate"):
        return 20.0 if cmd.type == "suggest_learning_rate" else 3.0
    return 1.0
