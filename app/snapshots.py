"""``snapshot`` and ``restore``: the whole run out to the client and back, exactly.

The page keeps the latest snapshot of its run and restores it after an idle close, a dropped
connection or a server restart. A snapshot is untrusted input: the engine checks every field
(engine.snapshot) and the server's caps apply to its config as to a ``configure``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.engine_errors import engine_error
from app.protocol.commands import Restore
from engine.config import TrainingConfig
from engine.snapshot import restore as restore_trainer
from engine.snapshot import snapshot as take_snapshot

if TYPE_CHECKING:
    from app.session import TrainingSession


def take(session: TrainingSession, cmd: Any) -> None:
    session.say({"type": "snapshot", "run": session.run,
                 "snapshot": take_snapshot(session.trainer)})


def restore(session: TrainingSession, cmd: Restore) -> None:
    """A new run (like ``configure``) in exactly the snapshot's state: ``ready``, then a frame."""

    def within_caps(config: dict[str, Any]) -> None:
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in config.items()}
        TrainingConfig(**values).normalized(session.limits)

    try:
        trainer = restore_trainer(cmd.snapshot, check_config=within_caps)
    except ValueError as exc:
        raise engine_error(exc, "", "snapshot") from None
    session.start_run(trainer)
