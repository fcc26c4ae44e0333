"""What a command costs against the rate limit, in commands' worth (>= 1), by the work it makes:
building a run grows with the samples and the parameters, a lab request with its size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.protocol.commands import (
    Command,
    CompareUpdates,
    Configure,
    Explain,
    LabRun,
    LabSurface,
    LandscapeRequest,
    SuggestLearningRate,
)

if TYPE_CHECKING:
    from app.session import TrainingSession


def command_cost(session: TrainingSession, cmd: Command) -> float:
    """Asked after the command ran, so a configure is charged by the run it built."""
    t = session.trainer
    if isinstance(cmd, Configure):  # data, network and the ``ready`` payload
        return 1.0 + (len(t.y_train) + len(t.y_test)) / 100 + t.net.n_params / 50
    if isinstance(cmd, Explain):
        return 1.0 + t.net.n_params / 100
    if isinstance(cmd, LabRun):
        return 1.0 + len(cmd.runs) * cmd.steps / 500
    if isinstance(cmd, LabSurface):
        return 1.0 + cmd.size**2 / 5000
    if isinstance(cmd, LandscapeRequest):
        return 1.0 + cmd.size**2 * len(t.y_train) * t.net.n_params / 2e6
    if isinstance(cmd, SuggestLearningRate):
        return 20.0
    if isinstance(cmd, CompareUpdates):
        return 3.0
    return 1.0
