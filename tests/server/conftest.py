"""Fixtures that run the real server (tests/live_server.py) in a subprocess, one per test (or
per module), reached over loopback with real HTTP and websocket clients.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from tests.live_server import ROOT, ServerProcess, console_script, free_port

__all__ = ["ROOT", "ServerProcess", "console_script", "free_port"]


@pytest.fixture
def start_server() -> Iterator[Any]:
    """A factory: ``start_server(env={...})`` -> a running ServerProcess, killed at teardown."""
    started: list[ServerProcess] = []

    def start(env: Mapping[str, str] | None = None, command: Sequence[str] | None = None,
              port: int | None = None) -> ServerProcess:
        server = ServerProcess(env, command, port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    """A server with default settings, shared by the tests of one module."""
    s = ServerProcess()
    yield s
    s.stop()
