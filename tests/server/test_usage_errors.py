"""Bad settings stop the server with a short usage error naming the flag or the variable and what
is allowed (exit status 2, no traceback); --help says what every flag means; lists ignore spaces.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from app import settings_doc
from app.settings import field_info, flag_name, setting_names
from tests.server.conftest import ROOT, free_port
from tests.server.wsclient import open_session, run_async

pytestmark = pytest.mark.server

APP = [sys.executable, "-m", "app"]


def run_cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BPP_")}
    return subprocess.run([*APP, *args], cwd=ROOT, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=30)


def assert_usage_error(args: list[str], env: dict[str, str], names: str, says: str) -> None:
    done = run_cli(args, env)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("backprop-playground: error: "), done.stderr
    assert names in last and says in last, last
    assert len(done.stderr.strip().splitlines()) <= 3, done.stderr


@pytest.mark.parametrize(("args", "env", "names", "says"), [
    (["--frame-rate", "100"], {}, "--frame-rate", "a number from 1 to 60"),
    (["--log-level", "verbose"], {}, "--log-level", "one of: critical, error, warning, info"),
    (["--max-sessions", "many"], {}, "--max-sessions", "an integer >= 1"),
    (["--workers", "0"], {}, "--workers", "an integer from 1 to 64"),
    (["--forwarded-allow-ips", "10.0.0.1, proxy.local"], {}, "--forwarded-allow-ips",
     "'proxy.local' is not an IP address"),
    ([], {"BPP_FRAME_RATE": "100"}, "BPP_FRAME_RATE", "a number from 1 to 60"),
    ([], {"BPP_MAX_SESSIONS": "lots"}, "BPP_MAX_SESSIONS", "an integer >= 1"),
    ([], {"BPP_LOG_FORMAT": "xml"}, "BPP_LOG_FORMAT", "one of: text, json"),
    ([], {"BPP_SCHEDULER_SLICE_MS": "0"}, "BPP_SCHEDULER_SLICE_MS", "a number > 0 and <= 50"),
    (["--redis-url", "http://cache:6379"], {}, "--redis-url", "is not a Redis URL"),
    # Nothing listens on port 1: the server says so instead of starting without its rooms' broker.
    ([], {"BPP_REDIS_URL": "redis://127.0.0.1:1/0"}, "BPP_REDIS_URL", "cannot use Redis at"),
    # A good flag does not excuse a bad variable for another setting.
    (["--frame-rate", "20"], {"BPP_PORT": "80000"}, "BPP_PORT", "from 0 to 65535"),
])
def test_a_refused_value_is_a_usage_error(args, env, names, says) -> None:
    assert_usage_error(args, env, names, says)


def test_help_says_what_every_flag_means() -> None:
    done = run_cli(["--help"])
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    for name in setting_names():
        description = " ".join((field_info(name).description or "").split())
        assert description, f"{name} has no description"
        assert f"{flag_name(name)} " in text
        assert description in text, f"{name}: {description!r} missing from --help"


def test_the_settings_table_in_the_docs_is_up_to_date() -> None:
    text = settings_doc.DOC.read_text()
    assert settings_doc.BEGIN in text and settings_doc.END in text
    assert settings_doc.with_table(text) == text, "run: python -m app.settings_doc"
    for name in setting_names():
        assert re.search(rf"\| `{flag_name(name)}` \|", text)


def test_allowed_origins_ignore_spaces_around_commas(start_server) -> None:
    port = free_port()
    server = start_server(command=[*APP, "--port", str(port), "--log-level", "warning",
                                   "--allowed-origins", "https://a.example, https://b.example"],
                          port=port)

    async def run() -> None:
        for origin in ("https://a.example", "https://b.example"):
            ws, *_ = await open_session(server.ws_url, origin)
            await ws.close()

    run_async(run())
