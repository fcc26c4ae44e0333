"""A fault while applying a command is an ``internal`` error: training pauses, the run and the
connection stay (only the documented close codes end a session)."""

from __future__ import annotations

import pytest

from engine.trainer import Trainer
from tests.app.conftest import Session


def test_a_failing_command_pauses_and_keeps_the_run(session: Session,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    session.send(type="step", n=4)
    before = session.frame()

    def broken(self: Trainer) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(Trainer, "reset", broken)
    session.send(type="reset", id="r")
    error = session.json("error")
    assert error["code"] == "internal"
    assert session.json("status")["state"] == "paused"
    monkeypatch.undo()
    after = session.frame()
    assert after["step"] == before["step"] == 4  # the trained run is still there
    session.send(type="step", n=1)
    assert session.frame()["step"] == 5
