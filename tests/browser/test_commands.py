"""Commands are acknowledged: a refused one shows its message at its control and the control
shows the server's value again; the page's protocol names mirror the server's."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.protocol import PROTOCOL_VERSION, CloseCode, ErrorCode
from app.protocol.commands import COMMAND_TYPES
from tests.browser.pageutil import open_app, settled_step, state
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

JS_PENDING_NONE = "() => window.__bpp.state().pending === 0"


def error_at(page: Page, testid: str, field: str, *words: str) -> None:
    """The error bubble shows `words` for `field`, just under the control `testid`."""
    bubble = page.get_by_test_id("control-error")
    expect(bubble).to_be_visible()
    expect(bubble).to_have_attribute("data-field", field)
    for word in words:
        expect(bubble).to_contain_text(word)
    control = page.get_by_test_id(testid)
    expect(control).to_have_attribute("aria-invalid", "true")
    c, b = control.bounding_box(), bubble.bounding_box()
    assert c and b
    assert c["y"] + c["height"] <= b["y"] <= c["y"] + c["height"] + 20, (c, b)
    assert b["x"] <= c["x"] + c["width"] and c["x"] <= b["x"] + b["width"], (c, b)
    expect(page.get_by_test_id("toasts")).to_be_empty()


def test_a_refused_command_shows_at_its_control_and_the_servers_value_returns(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    # Nesterov needs momentum > 0: a rule of the optimizer's, not of the schema. The page sends
    # it; the server refuses it (hyper.nesterov) and the box shows the server's value again.
    nesterov = page.get_by_test_id("hyper-nesterov")
    expect(nesterov).not_to_be_checked()
    nesterov.click()
    error_at(page, "hyper-nesterov", "hyper.nesterov", "nesterov", "momentum > 0")
    expect(nesterov).not_to_be_checked()
    page.wait_for_function(JS_PENDING_NONE)
    assert state(page)["config"]["hyper"]["nesterov"] is False
    assert "nesterov" not in page.evaluate("() => location.hash")

    # The next command clears the message; an accepted value stays.
    page.get_by_test_id("hyper-momentum").fill("0.5")
    page.get_by_test_id("hyper-momentum").press("Enter")
    expect(page.get_by_test_id("control-error")).to_be_hidden()
    page.wait_for_function("() => window.__bpp.state().config.hyper.momentum === 0.5")
    nesterov.click()
    page.wait_for_function("() => window.__bpp.state().config.hyper.nesterov === true")
    expect(nesterov).to_be_checked()
    expect(page.get_by_test_id("control-error")).to_be_hidden()
    assert "h.nesterov=1" in page.evaluate("() => location.hash")


def test_a_refused_configure_leaves_the_run_and_the_link_as_they_were(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server, "#dataset=spiral3")
    link = page.evaluate("() => location.hash")
    loss = page.get_by_test_id("loss")
    expect(loss).to_have_value("auto")
    # Three classes need cross-entropy: a rule of the engine's that the schema cannot state.
    loss.select_option("mse")
    error_at(page, "loss", "config.loss", "3 classes", "cross_entropy")
    expect(loss).to_have_value("auto")
    page.wait_for_function(JS_PENDING_NONE)
    assert state(page)["config"]["loss"] == "cross_entropy"
    assert state(page)["run"] == 1  # no new run
    assert page.evaluate("() => location.hash") == link


def test_a_value_outside_the_schema_is_refused_before_it_is_sent(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    momentum = page.get_by_test_id("hyper-momentum")
    momentum.fill("2")
    momentum.press("Enter")
    # x-by-optimizer says momentum is at most 0.999: the page says so and keeps the server's 0.
    error_at(page, "hyper-momentum", "hyper.momentum", "momentum", "0.999")
    expect(momentum).to_have_value("0")
    assert state(page)["config"]["hyper"]["momentum"] == 0
    assert state(page)["pending"] == 0


def test_the_speed_shown_is_the_answered_one(page: Page, server: ServerProcess) -> None:
    open_app(page, server, "#speed=100")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__bpp.lastHeader.state === 'running'")
    speed = page.get_by_test_id("speed")
    stops = int(speed.get_attribute("max") or 0)
    # Every speed the slider offers, while frames of the old speed are still arriving.
    for i in [*range(stops, 0, -3), 0]:
        page.evaluate("(i) => { const s = document.querySelector('[data-testid=\"speed\"]');"
                      " s.value = String(i); s.dispatchEvent(new Event('change')); }", i)
        expect(speed).to_have_value(str(i))
    page.wait_for_function(JS_PENDING_NONE)
    expect(speed).to_have_value("0")
    assert state(page)["speed"] == 0.25
    page.wait_for_function("() => location.hash.includes('speed=0.25')")
    page.get_by_test_id("play").click()
    settled_step(page, timeout_ms=15_000)


def test_protocol_js_mirrors_app_protocol(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    js = page.evaluate("""async () => {
      const p = await import('/static/js/protocol.js');
      return {version: p.PROTOCOL_VERSION, commands: Object.values(p.COMMAND),
              errors: p.ERROR, close: p.CLOSE};
    }""")
    assert js["version"] == PROTOCOL_VERSION
    assert sorted(js["commands"]) == sorted(COMMAND_TYPES)
    assert js["errors"] == {c.name: c.value for c in ErrorCode}
    assert js["close"] == {c.name: c.value for c in CloseCode}
