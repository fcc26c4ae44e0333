"""The console script: ``backprop-playground --help`` lists every setting; flags beat env vars."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields

import pytest

from app.settings import Settings
from tests.server.conftest import ROOT, console_script, free_port
from tests.server.wsclient import open_session, run_async

pytestmark = pytest.mark.server


def help_text(command: list[str]) -> str:
    done = subprocess.run([*command, "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout


def test_help_lists_every_setting_as_a_flag() -> None:
    text = help_text(console_script())
    assert text.startswith("usage: backprop-playground")
    flags = ["--" + f.name.replace("_", "-") for f in fields(Settings)]
    for flag in [*flags, "--workers", "--log-level"]:
        assert f"{flag} " in text or f"{flag}\n" in text, f"{flag} missing from --help"
    for essential in ("--host", "--port", "--max-sessions", "--frame-rate", "--send-timeout-s",
                      "--shutdown-grace-s", "--allowed-origins", "--frame-ancestors"):
        assert essential in flags
    assert help_text([sys.executable, "-m", "app"]) == text


def test_a_flag_wins_over_its_environment_variable(start_server) -> None:
    port = free_port()
    server = start_server(env={"BPP_FRAME_RATE": "10"},
                          command=[*console_script(), "--port", str(port), "--frame-rate", "20",
                                   "--log-level", "warning"],
                          port=port)

    async def run() -> float:
        ws, hello, *_ = await open_session(server.ws_url)
        await ws.close()
        return hello["frame_rate"]

    assert run_async(run()) == 20
