"""Keys that cannot be stolen (a clicker's keys with a slider or select focused), and a trained
network that survives a server restart (the page restores the snapshot it kept)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ConsoleLog
from tests.browser.pageutil import open_app, settled_step, state, wait_connected
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

JS_FOCUS = "(id) => document.querySelector(`[data-testid=\"${id}\"]`).focus()"
JS_VALUE = "(id) => document.querySelector(`[data-testid=\"${id}\"]`).value"


@pytest.mark.parametrize(("control", "key"), [
    ("speed", "ArrowRight"),         # → used to change the speed
    ("noise", "PageDown"),           # PageDown used to regenerate the data (step 0)
    ("learning-rate", "ArrowRight"),
    ("batch-size", "PageDown"),
])
def test_clicker_keys_step_with_a_control_focused(page: Page, server: ServerProcess,
                                                  control: str, key: str) -> None:
    open_app(page, server)
    before = page.evaluate(JS_VALUE, control)
    seed = state(page)["config"]["seed"]
    page.evaluate(JS_FOCUS, control)
    page.keyboard.press(key)
    expect(page.get_by_test_id("step-counter")).to_have_text("1")
    assert page.evaluate(JS_VALUE, control) == before
    page.keyboard.press(key)  # the control lost focus: the next press steps too
    expect(page.get_by_test_id("step-counter")).to_have_text("2")
    assert page.evaluate(JS_VALUE, control) == before
    assert state(page)["config"]["seed"] == seed


def test_typing_in_a_text_field_keeps_its_keys(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("explain-open").click()
    # the first explanation (of point 0) sets the field: type after it has come
    expect(page.get_by_test_id("explain-formula")).not_to_be_empty()
    field = page.get_by_test_id("explain-index")
    field.fill("")
    field.type("12")
    page.keyboard.press("ArrowRight")
    expect(field).to_have_value("12")
    assert settled_step(page) == 0


@pytest.fixture
def own_server() -> Iterator[ServerProcess]:
    s = ServerProcess()
    yield s
    s.close()


def test_a_server_restart_brings_the_trained_network_back(
        page: Page, own_server: ServerProcess, console: ConsoleLog) -> None:
    console.allow(r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/ws' failed")
    open_app(page, own_server, "#hidden=5,3&learning_rate=0.1&seed=9")
    page.get_by_test_id("step-epoch").click()  # 25 steps
    page.wait_for_function("() => window.__bpp.lastHeader.step === 25")
    page.wait_for_function("() => window.__classroom.keptStep() === 25")
    loss = page.get_by_test_id("train-loss").text_content()

    own_server.kill()
    expect(page.get_by_test_id("connection-status")).not_to_have_attribute("data-state", "open")
    own_server.start()
    expect(page.get_by_test_id("restored-notice")).to_contain_text("restored at step 25",
                                                                   timeout=20_000)
    wait_connected(page)
    page.wait_for_function("() => window.__bpp.lastHeader.step === 25")
    assert settled_step(page) == 25
    assert state(page)["config"]["hidden"] == [5, 3]
    expect(page.get_by_test_id("train-loss")).to_have_text(loss or "")
    page.get_by_test_id("step").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("26")
