"""The race in the playground: lanes chosen in a panel, raced in lockstep by the page's own Step,
each lane's losses and output heatmap shown side by side; identical lanes stay identical; leaving
the race gives the normal page back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.pageutil import JS_TWO_RAFS, open_app, settled_step, wait_number
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

# Every lane's numbers as shown ("0.6931", "—") and a pixel digest of each lane's heatmap.
JS_LANES = """() => [...document.querySelectorAll('[data-testid="race-lane"]')].map((card) => {
  const c = card.querySelector('[data-testid="race-heatmap"]');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) { h ^= d[i]; h = Math.imul(h, 0x01000193) >>> 0; }
  const text = (id) => card.querySelector(`[data-testid="${id}"]`).textContent;
  return {train: text('race-train-loss'), test: text('race-test-loss'),
          acc: text('race-train-accuracy'), heatmap: `${c.width}x${c.height}:${h}`};
})"""


def lanes(page: Page) -> list[dict[str, str]]:
    page.evaluate(JS_TWO_RAFS)
    return list(page.evaluate(JS_LANES))


def start_race(page: Page, n_lanes: int) -> None:
    page.get_by_test_id("race-start").click()
    expect(page.get_by_test_id("race-legend-entry")).to_have_count(n_lanes)
    expect(page.get_by_test_id("race-heatmap")).to_have_count(n_lanes)
    expect(page.get_by_test_id("race-button")).to_have_attribute("aria-pressed", "true")


def step(page: Page, clicks: int) -> int:
    for _ in range(clicks):
        page.get_by_test_id("step").click()
    wait_number(page, "step-counter", ">=", clicks)
    return settled_step(page)


def test_three_lanes_race_and_differ_by_optimizer(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("race-button").click()
    expect(page.get_by_test_id("race-panel")).to_be_visible()
    # The default lanes: SGD, SGD with momentum, Adam.
    expect(page.get_by_test_id("race-lane-edit")).to_have_count(3)
    start_race(page, 3)
    legend = page.get_by_test_id("race-legend-entry").all_inner_texts()
    assert "SGD" in legend[0] and "momentum 0.9" in legend[1] and "Adam" in legend[2]
    assert step(page, 3) == 3
    shown = lanes(page)
    assert all(lane["train"] not in ("–", "—") for lane in shown)
    assert shown[0]["train"] != shown[2]["train"]       # SGD and Adam took different steps
    assert shown[0]["heatmap"] != shown[2]["heatmap"]
    # Settled after a step the page asks for no snapshot (a race has none): no refusal is shown.
    page.wait_for_timeout(1_000)
    expect(page.get_by_test_id("toast")).to_have_count(0)
    # The page's Play drives the race too: every lane moves on.
    page.get_by_test_id("play").click()
    wait_number(page, "step-counter", ">=", 300, timeout_ms=30_000)
    page.get_by_test_id("play").click()
    settled_step(page)
    later = lanes(page)
    assert all(now["train"] != then["train"] for now, then in zip(later, shown, strict=True))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "race-three-lanes.png"))


def test_identical_lanes_stay_identical_and_leaving_restores_the_page(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("race-button").click()
    page.get_by_test_id("race-remove").nth(2).click()
    page.get_by_test_id("race-hyper").nth(1).fill("0")    # lane 2: plain SGD, as lane 1
    expect(page.get_by_test_id("race-lane-edit")).to_have_count(2)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "race-setup.png"))
    start_race(page, 2)
    step(page, 2)
    page.get_by_test_id("step-epoch").click()
    settled_step(page)
    first, second = lanes(page)
    assert first == second
    assert first["train"] not in ("–", "—")
    # Reset restarts every lane from the same initial weights: still a race, still identical.
    page.get_by_test_id("reset").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("0")
    settled_step(page)
    expect(page.get_by_test_id("race-heatmap")).to_have_count(2)
    first, second = lanes(page)
    assert first == second

    page.get_by_test_id("race-leave").click()
    expect(page.get_by_test_id("race-start")).to_be_visible()
    expect(page.get_by_test_id("race-heatmap")).to_have_count(0)
    expect(page.get_by_test_id("race-button")).to_have_attribute("aria-pressed", "false")
    expect(page.get_by_test_id("step-counter")).to_have_text("0")
    assert page.evaluate("() => window.__bpp.lastHeader.lanes") is None
    step(page, 1)
    assert page.evaluate("() => window.__bpp.lastHeader.lanes") is None


def test_a_learning_rate_outside_the_schema_is_named_and_nothing_is_sent(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("race-button").click()
    page.get_by_test_id("race-lr").nth(1).fill("11")
    page.get_by_test_id("race-start").click()
    expect(page.get_by_test_id("race-message")).to_contain_text("Lane 2: the learning rate must be")
    expect(page.get_by_test_id("race-button")).to_have_attribute("aria-pressed", "false")
    page.get_by_test_id("race-lr").nth(1).fill("0.1")
    start_race(page, 3)
    expect(page.get_by_test_id("race-legend-entry").nth(1)).to_contain_text("lr 0.1")
