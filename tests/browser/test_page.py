"""The page as a learner and a teacher use it: load, play, step, settings, edges, heatmap, keys.

One server for the module; every test has its own page, hence its own websocket session.
Numbers are read from the DOM as shown; canvases through getImageData.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pageutil import (
    canvas_sample,
    open_app,
    settled_step,
    shown_number,
    stable_canvas_digest,
    state,
    wait_number,
)
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

CONTRACT_TESTIDS = ["play", "step", "reset", "step-counter", "epoch-counter", "train-loss",
                    "test-loss", "learning-rate", "optimizer", "edge-mode", "output-heatmap",
                    "loss-chart", "connection-status"]


def test_loads_connected_with_every_control(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_text("connected")
    for testid in CONTRACT_TESTIDS:
        expect(page.get_by_test_id(testid)).to_be_visible()
    expect(page.get_by_test_id("step-counter")).to_have_text("0")
    expect(page.get_by_test_id("epoch-counter")).to_have_text("0")
    # Step 0 of the default run: the engine's losses are shown, not a placeholder.
    assert 0 < shown_number(page, "train-loss") < 2
    assert 0 < shown_number(page, "test-loss") < 2
    expect(page.get_by_test_id("learning-rate")).to_have_value("0.03")
    expect(page.get_by_test_id("divergence-banner")).to_be_hidden()
    expect(page.get_by_test_id("url-notice")).to_be_hidden()


def test_play_trains_circle(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    assert state(page)["config"]["dataset"] == "circle"
    loss0 = shown_number(page, "train-loss")
    page.get_by_test_id("play").click()
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "true")
    wait_number(page, "step-counter", ">=", 100)
    # The default run (100 steps/s) drops the train loss by a tenth within a few seconds.
    wait_number(page, "train-loss", "<", 0.9 * loss0, timeout_ms=20_000)
    assert shown_number(page, "epoch-counter") >= 1
    page.get_by_test_id("play").click()
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "false")
    settled_step(page)


def test_step_advances_exactly_one(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    counter = page.get_by_test_id("step-counter")
    for n in (1, 2, 3):
        page.get_by_test_id("step").click()
        expect(counter).to_have_text(str(n))
        assert settled_step(page) == n
    # From a step reached by playing, too.
    page.get_by_test_id("play").click()
    wait_number(page, "step-counter", ">=", 20)
    page.get_by_test_id("play").click()
    n = settled_step(page)
    page.get_by_test_id("step").click()
    expect(counter).to_have_text(f"{n + 1:,}")
    assert settled_step(page) == n + 1


def test_learning_rate_change_keeps_the_step_count(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    counter = page.get_by_test_id("step-counter")
    lr = page.get_by_test_id("learning-rate")
    # Paused: one epoch (25 steps), a new learning rate, one more step -> 26, not 1.
    page.get_by_test_id("step-epoch").click()
    expect(counter).to_have_text("25")
    lr.select_option("0.1")
    page.get_by_test_id("step").click()
    expect(counter).to_have_text("26")
    assert settled_step(page) == 26
    # Running: the counter never goes backwards across the change.
    page.evaluate("""() => {
      const el = document.querySelector('[data-testid="step-counter"]');
      window.__seen = [];
      new MutationObserver(() => window.__seen.push(Number(el.textContent.replace(/,/g, ''))))
        .observe(el, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_test_id("play").click()
    before = wait_number(page, "step-counter", ">=", 60)
    lr.select_option("0.3")
    wait_number(page, "step-counter", ">=", before + 50)
    page.get_by_test_id("play").click()
    settled_step(page)
    seen = page.evaluate("() => window.__seen")
    assert seen == sorted(seen), f"the step counter went backwards: {seen}"
    assert min(seen) >= 26
    expect(lr).to_have_value("0.3")  # not reverted: the server accepted it
    assert state(page)["config"]["learning_rate"] == 0.3
    expect(page.get_by_test_id("toasts")).to_be_empty()


def test_edge_mode_switch_redraws_the_edges(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    # One epoch (no single-step animation), so gradients and updates are not zero.
    page.get_by_test_id("step-epoch").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("25")
    settled_step(page)
    digests = {}
    for mode in ("weight", "gradient", "update", "weight"):
        page.get_by_test_id(f"edge-mode-{mode}").click()
        expect(page.get_by_test_id(f"edge-mode-{mode}")).to_have_attribute("aria-checked", "true")
        page.wait_for_function(f"() => location.hash.includes('edges={mode}')")
        digest = stable_canvas_digest(page, "network")
        if mode in digests:
            assert digest == digests[mode], "switching back to weights did not restore the edges"
        digests[mode] = digest
    assert len(set(digests.values())) == 3, f"edge modes draw the same picture: {digests}"
    expect(page.get_by_test_id("edge-legend")).to_contain_text("weight")
    page.get_by_test_id("edge-mode-gradient").click()
    expect(page.get_by_test_id("edge-legend")).to_contain_text("dL/dw")


def _distinct(pixels: list[list[int]]) -> int:
    return len({tuple(p[:3]) for p in pixels})


def test_output_heatmap_is_not_blank_and_follows_training(page: Page,
                                                         server: ServerProcess) -> None:
    open_app(page, server)
    before = canvas_sample(page, "output-heatmap", 40)
    assert all(p[3] == 255 for p in before), "the heatmap has transparent holes"
    assert _distinct(before) >= 40, f"only {_distinct(before)} colours: a blank heatmap"
    empty = sum(1 for p in before if tuple(p[:3]) == (0xEE, 0xF1, 0xF4))  # the no-frame fill
    assert empty < len(before) // 10
    for epoch in range(1, 9):
        page.get_by_test_id("step-epoch").click()
        expect(page.get_by_test_id("step-counter")).to_have_text(str(25 * epoch))
    settled_step(page)
    after = canvas_sample(page, "output-heatmap", 40)
    assert _distinct(after) >= 40
    # The points do not move: what changes is the network's output under them.
    changed = sum(1 for a, b in zip(before, after, strict=True) if a[:3] != b[:3])
    assert changed > len(before) // 5, f"only {changed} of {len(before)} pixels changed"


def test_keyboard_space_right_arrow_r(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    play = page.get_by_test_id("play")
    counter = page.get_by_test_id("step-counter")
    page.evaluate("() => document.activeElement?.blur()")  # keys go to the page, not a control
    page.keyboard.press("ArrowRight")
    expect(counter).to_have_text("1")
    assert settled_step(page) == 1
    page.keyboard.press(" ")
    expect(play).to_have_attribute("aria-pressed", "true")
    wait_number(page, "step-counter", ">=", 30)
    page.keyboard.press(" ")
    expect(play).to_have_attribute("aria-pressed", "false")
    n = settled_step(page)
    page.keyboard.press("ArrowRight")
    expect(counter).to_have_text(f"{n + 1:,}")
    assert settled_step(page) == n + 1
    page.keyboard.press("r")
    expect(counter).to_have_text("0")
    assert settled_step(page) == 0
    # A teacher who clicked Play with the mouse and then uses the space bar (focus on the button):
    # exactly one toggle, not a click plus a key press.
    play.click()
    expect(play).to_have_attribute("aria-pressed", "true")
    page.keyboard.press(" ")
    expect(play).to_have_attribute("aria-pressed", "false")
    settled_step(page)
    page.wait_for_timeout(300)  # a second, late toggle would show up here
    assert not state(page)["running"]


def test_divergence_is_explained_and_offers_a_way_out(page: Page, server: ServerProcess) -> None:
    open_app(page, server, "#dataset=plane&activation=relu&learning_rate=10&speed=max")
    banner = page.get_by_test_id("divergence-banner")
    expect(banner).to_be_hidden()
    page.get_by_test_id("play").click()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("learning rate")
    expect(page.get_by_test_id("play")).to_have_attribute("data-state", "diverged")
    # The frame's null losses (NaN or Inf) read the same everywhere, and the banner says how.
    for testid in ("train-loss", "test-loss"):
        expect(page.get_by_test_id(testid)).to_have_text("\u2014")
    expect(banner).to_contain_text("show as \u2014")
    expect(page.get_by_test_id("phase-caption")).not_to_contain_text("NaN")
    banner.get_by_role("button", name="Lower learning rate and reset").click()
    expect(banner).to_be_hidden()
    expect(page.get_by_test_id("learning-rate")).to_have_value("1")
    expect(page.get_by_test_id("step-counter")).to_have_text("0")
    assert state(page)["config"]["learning_rate"] == 1
    assert 0 < shown_number(page, "train-loss") < 1e6
