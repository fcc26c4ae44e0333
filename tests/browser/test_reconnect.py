"""A dropped connection: the page says so, reconnects by itself and restores its run."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleLog
from tests.browser.pageutil import location_hash, open_app, state, wait_number
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser


@pytest.fixture
def own_server() -> Iterator[ServerProcess]:
    """This test kills its server: it gets one of its own."""
    s = ServerProcess()
    yield s
    s.close()


def test_lost_connection_reconnects_and_restores_the_run(
        page: Page, own_server: ServerProcess, console: ConsoleLog) -> None:
    # Chromium logs every refused websocket attempt while the server is down.
    console.allow(r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/ws' failed")
    open_app(page, own_server)
    page.get_by_test_id("activation").select_option("relu")
    page.wait_for_function("() => location.hash.includes('activation=relu')")
    page.get_by_test_id("learning-rate").select_option("0.1")
    page.get_by_test_id("play").click()
    wait_number(page, "step-counter", ">=", 50)
    link = location_hash(page)
    config = state(page)["config"]

    own_server.kill()
    status = page.get_by_test_id("connection-status")
    expect(status).not_to_have_attribute("data-state", "open")
    expect(status).to_have_text(re.compile("disconnected|reconnecting"))
    expect(page.get_by_test_id("play")).to_be_disabled()
    # No frames while down: the counter holds; record what it shows from now on.
    at_kill = page.evaluate("""() => {
      const el = document.querySelector('[data-testid="step-counter"]');
      window.__seen = [];
      new MutationObserver(() => window.__seen.push(Number(el.textContent.replace(/,/g, ''))))
        .observe(el, {childList: true, characterData: true, subtree: true});
      return Number(el.textContent.replace(/,/g, ''));
    }""")

    own_server.start()  # the same port
    expect(status).to_have_text("connected", timeout=20_000)
    expect(status).to_have_attribute("data-state", "open")
    # A new session on the new server (its counter starts again), configured as before.
    page.wait_for_function("(k) => window.__seen.some((n) => n < k)", arg=at_kill)
    assert state(page)["config"] == config
    expect(page.get_by_test_id("activation")).to_have_value("relu")
    expect(page.get_by_test_id("learning-rate")).to_have_value("0.1")
    assert location_hash(page) == link
    # It was playing when the connection dropped: it plays again.
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "true")
    wait_number(page, "step-counter", ">=", 30)
