"""An idle close (1001): the page does not reconnect by itself; it says why and waits for the
learner, then restores the run it kept (a snapshot): the same configuration, the same step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pageutil import location_hash, open_app, settled_step, state, wait_connected
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

JS_SOCKET = "() => window.__bpp.socket()"


@pytest.fixture
def idle_server() -> Iterator[ServerProcess]:
    """A server that closes a session after 2 s paused and silent."""
    s = ServerProcess(env={"BPP_IDLE_TIMEOUT_S": "2"})
    yield s
    s.close()


def wait_idle(page: Page) -> None:
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_attribute("data-state", "idle", timeout=15_000)
    expect(status).to_contain_text("idle")
    notice = page.get_by_test_id("idle-notice")
    expect(notice).to_be_visible()
    # The server's reason, and what a reconnect does.
    expect(notice).to_contain_text("paused and silent")
    expect(notice).to_contain_text("goes on from where it was")
    expect(page.get_by_test_id("reconnect")).to_be_visible()
    expect(page.get_by_test_id("play")).to_be_disabled()


def test_idle_close_waits_for_the_learner_then_restores_the_trained_network(
        page: Page, idle_server: ServerProcess) -> None:
    open_app(page, idle_server, "#activation=relu&learning_rate=0.1&hidden=5,3")
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("1")
    config = state(page)["config"]
    link = location_hash(page)
    assert config["hidden"] == [5, 3]

    wait_idle(page)
    # No socket and no reconnect scheduled: the page waits (a 1006 or 1012 would retry).
    assert page.evaluate(JS_SOCKET) == {"socket": False, "retryScheduled": False, "idle": True,
                                         "connections": 1}
    # The numbers of the closed run stay on screen until the learner comes back.
    expect(page.get_by_test_id("step-counter")).to_have_text("1")

    page.get_by_test_id("reconnect").click()
    wait_connected(page)
    expect(page.get_by_test_id("idle-notice")).to_be_hidden()
    expect(page.get_by_test_id("restored-notice")).to_contain_text("restored at step 1")
    page.wait_for_function("() => window.__bpp.lastHeader.step === 1")
    assert settled_step(page) == 1
    assert state(page)["config"] == config
    assert location_hash(page) == link
    assert page.evaluate(JS_SOCKET)["connections"] == 2

    # Idle again; this time a key (a presentation clicker's PageDown) brings it back, and does
    # nothing else: no step is taken.
    wait_idle(page)
    page.evaluate("() => document.activeElement?.blur()")
    page.keyboard.press("PageDown")
    wait_connected(page)
    page.wait_for_function("() => window.__bpp.lastHeader.step === 1")
    assert settled_step(page) == 1
    assert state(page)["config"] == config
    assert page.evaluate(JS_SOCKET)["connections"] == 3
