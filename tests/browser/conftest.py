"""Headless Chromium (Debian's, never Playwright's download) against the real server.

- ``browser``: one per session. ``server``: one per module (every page gets its own websocket
  session, so tests on one server do not share training state).
- ``new_page()`` / ``page``: a fresh context per test; console errors and page errors are
  collected for every page it opens and asserted empty at teardown (``console.allow(regex)``
  for the few a test provokes on purpose, e.g. a refused websocket while the server is down).
- On failure a screenshot of every open page goes to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.live_server import ROOT, ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1440, "height": 900}

_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def _failed(item: pytest.Item) -> bool:
    return any(r.failed for r in item.stash.get(_reports, {}).values())


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (Playwright's own "
                    "browser download is not used)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    s = ServerProcess()
    yield s
    s.close()


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors of every page a test opened."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console.error: {m.text} ({m.location.get('url', '')}:"
            f"{m.location.get('lineNumber', '')})"))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def new_page(context: BrowserContext, console: ConsoleLog, request: pytest.FixtureRequest
             ) -> Iterator[Callable[[], Page]]:
    pages: list[Page] = []

    def make() -> Page:
        p = context.new_page()
        console.watch(p)
        pages.append(p)
        return p

    yield make
    bad = console.unexpected()
    if _failed(request.node) or bad:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        for i, p in enumerate(pages):
            if not p.is_closed():
                p.screenshot(path=str(ARTIFACTS / f"{name}-{i}.png"), full_page=True)
    assert not bad, "console or page errors:\n" + "\n".join(bad)


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()
