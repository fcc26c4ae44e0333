"""The step taken apart on the page: forward, backward (the gradient, nothing moved) and update,
each held and captioned; the seven optimizers compared; the live gradient check; readable numbers.

Screenshots of each held phase go to test-artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import LocatorAssertions, Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.pageutil import JS_TWO_RAFS, open_app
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

# The output layer's first edge (few edges there: one click pins it).
OUT_EDGE = (2, 0, 0)


def caption(page: Page) -> LocatorAssertions:
    return expect(page.get_by_test_id("phase-caption"))


def held(page: Page, phase: str) -> None:
    """Wait until the page holds `phase` of a step taken apart (its caption says so)."""
    caption(page).to_have_attribute("data-phase", f"held-{phase}")


def pin_edge(page: Page, layer: int, i: int, j: int) -> None:
    page.evaluate(JS_TWO_RAFS)  # the network has drawn its newest layout
    p = page.evaluate("([l, i, j]) => window.__bpp.edgePoint(l, i, j)", [layer, i, j])
    page.mouse.click(p["x"], p["y"])
    expect(page.get_by_test_id("inspector")).to_contain_text("Edge")


def exact(page: Page, testid: str) -> float:
    """An inspector value, exact (its title starts with the float64 value)."""
    title = page.get_by_test_id(testid).get_attribute("title") or ""
    return float(title.split(" ")[0].replace("\u2212", "-"))


def significant_digits(text: str) -> int:
    mantissa = re.sub(r"[eE].*$", "", text.replace("\u2212", "").replace("-", "").replace(",", ""))
    return len(mantissa.replace(".", "").lstrip("0"))


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phases-{name}.png"))


def test_step_by_phase_shows_the_gradient_before_the_weights_move(page: Page,
                                                                   server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("step-phase").click()
    held(page, "forward")
    caption(page).to_contain_text("Forward pass: the network makes a prediction")
    pin_edge(page, *OUT_EDGE)
    w0 = exact(page, "inspect-params")
    assert exact(page, "inspect-grads") == 0  # nothing computed yet
    train_loss = page.get_by_test_id("train-loss").text_content()
    shoot(page, "1-forward")

    page.keyboard.press("n")  # the clicker's "next" is the phase key
    held(page, "backward")
    caption(page).to_contain_text("Backpropagation: the chain rule")
    caption(page).to_contain_text("Nothing has changed yet")
    expect(page.get_by_test_id("gradient-legend")).to_be_visible()
    expect(page.get_by_test_id("edge-mode-pending")).to_be_visible()
    g = exact(page, "inspect-grads")
    pending = exact(page, "inspect-pending")
    assert g != 0 and pending != 0
    assert exact(page, "inspect-params") == w0  # the gradient is there, the weight has not moved
    expect(page.get_by_test_id("step-counter")).to_have_text("0")
    expect(page.get_by_test_id("train-loss")).to_have_text(train_loss or "")
    grads = page.evaluate("() => window.__bpp.frameArray('grads')")
    shoot(page, "2-backward")

    page.get_by_test_id("step-phase").click()
    held(page, "update")
    caption(page).to_contain_text("Gradient descent: every weight moves against its gradient")
    expect(page.get_by_test_id("step-counter")).to_have_text("1")
    w1 = exact(page, "inspect-params")
    assert w1 == w0 + pending  # the pending update, applied bit for bit
    assert exact(page, "inspect-updates") == pending
    assert page.evaluate("() => window.__bpp.frameArray('grads')") == grads
    shoot(page, "3-update")


def test_compare_panel_lists_the_seven_optimizers(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    expect(page.get_by_test_id("compare-panel")).to_be_hidden()
    page.keyboard.press("n")
    held(page, "forward")
    page.keyboard.press("n")
    held(page, "backward")
    panel = page.get_by_test_id("compare-panel")
    expect(panel).to_be_visible()
    panel.get_by_test_id("compare-run").click()
    rows = panel.get_by_test_id("compare-row")
    expect(rows).to_have_count(7)
    kinds = [rows.nth(k).get_attribute("data-kind") for k in range(7)]
    assert kinds == ["gd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw"]
    expect(panel.locator("tr.running")).to_have_count(1)
    shoot(page, "2-backward-compare")
    page.keyboard.press("n")
    held(page, "update")
    expect(panel).to_be_hidden()  # the comparison belongs to the gradient before the update


def test_gradient_check_agrees_with_backprop(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("step-phase").click()
    held(page, "forward")
    page.get_by_test_id("step-phase").click()
    held(page, "backward")
    pin_edge(page, *OUT_EDGE)
    page.get_by_test_id("gradcheck-run").click()
    err = page.get_by_test_id("gradcheck-error")
    expect(err).to_be_visible()
    relative_error = float(err.get_attribute("title") or "nan")
    assert relative_error < 1e-6
    expect(page.get_by_test_id("gradcheck")).to_contain_text("they agree")


# Every change of the caption's phase, with its time (the page's clock).
JS_RECORD_PHASES = """() => {
  window.__phases = [];
  const c = document.querySelector('[data-testid="phase-caption"]');
  new MutationObserver(() => {
    const last = window.__phases.at(-1);
    const p = c.dataset.phase;
    if (!last || last.p !== p) window.__phases.push({p, t: performance.now()});
  }).observe(c, {attributes: true, attributeFilter: ['data-phase']});
}"""


def test_play_by_phases_holds_every_phase_for_the_dwell(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("phase-dwell").select_option("0.5")
    page.evaluate(JS_RECORD_PHASES)
    page.get_by_test_id("phase-play").click()
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(
        "() => window.__phases.filter((x) => x.p.startsWith('held-')).length >= 6", timeout=20_000)
    page.get_by_test_id("phase-play").click()
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "false")
    seen = [x for x in page.evaluate("() => window.__phases") if x["p"].startswith("held-")][:6]
    assert [x["p"] for x in seen] == ["held-forward", "held-backward", "held-update"] * 2
    held_ms = [b["t"] - a["t"] for a, b in itertools.pairwise(seen)]
    assert min(held_ms) >= 480, held_ms  # each phase stays on show for the dwell (0.5 s)
    expect(page.get_by_test_id("step-counter")).to_have_text("2")


def test_a_whole_step_shows_its_numbers_at_the_update(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("step").click()
    cap = page.get_by_test_id("phase-caption")
    expect(cap).to_have_attribute("data-phase", "forward")
    assert page.get_by_test_id("step-counter").text_content() == "0"  # the step has not landed
    expect(cap).to_have_attribute("data-phase", "backward", timeout=5_000)
    assert page.get_by_test_id("step-counter").text_content() == "0"
    expect(cap).to_have_attribute("data-phase", "update", timeout=5_000)
    expect(page.get_by_test_id("step-counter")).to_have_text("1")


def test_numbers_are_readable_and_the_heatmap_has_a_legend(page: Page,
                                                            server: ServerProcess) -> None:
    open_app(page, server, "#regularization=l2&regularization_rate=0.01")
    page.get_by_test_id("step-epoch").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("25")
    legend = page.get_by_test_id("heatmap-legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text("probability of class 1")
    expect(page.get_by_test_id("penalty")).to_be_visible()
    for testid in ["train-loss", "test-loss", "penalty"]:
        text = page.get_by_test_id(testid).text_content() or ""
        assert significant_digits(text) <= 4, (testid, text)
    pin_edge(page, *OUT_EDGE)
    for testid in ["inspect-params", "inspect-grads", "inspect-updates"]:
        text = page.get_by_test_id(testid).text_content() or ""
        assert significant_digits(text) <= 4, (testid, text)
    cell = page.get_by_test_id("inspect-params")
    cell.click()  # a click shows the exact value
    shown = float((cell.text_content() or "").replace("\u2212", "-"))
    assert shown == exact(page, "inspect-params")
    box = page.get_by_test_id("output-heatmap").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1)
    readout = re.compile(r"p\(class 1\) ≈ \d\.\d\d → class [01]")
    expect(page.get_by_test_id("heatmap-readout")).to_contain_text(readout)


def test_dead_units_are_reported_and_the_fix_is_a_tried_learning_rate(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server, "#activation=relu&learning_rate=10")
    page.get_by_test_id("step-epoch").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("25")
    notice = page.get_by_test_id("health-notice")
    expect(notice).to_be_visible()
    expect(notice.locator('[data-kind="dead_units"]')).to_contain_text("dead")
    shoot(page, "health-dead-units")
    page.get_by_test_id("health-fix").click()
    suggestion = page.get_by_test_id("lr-suggestion")
    expect(suggestion).to_contain_text("the training loss fell", timeout=30_000)
    rate = page.evaluate("() => window.__bpp.answers.learning_rate_suggestion.learning_rate")
    assert rate is not None and rate < 10
    page.get_by_test_id("health-apply").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("0")
    page.wait_for_function("(r) => window.__bpp.state().config.learning_rate === r", arg=rate)
    expect(notice).to_be_hidden()  # the findings were about the run before the reset


JS_ROAD = """() => {
  const m = window.__bpp.explanation;
  return m && m.to_step && document.querySelector('[data-testid="explain-update"]') ? m : null;
}"""


def test_the_explainer_leads_from_one_example_to_the_pending_update(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server, "#regularization=l2&regularization_rate=0.01&optimizer=adam"
             "&learning_rate=0.01")
    page.get_by_test_id("step-epoch").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("25")
    page.keyboard.press("n")
    held(page, "forward")
    page.keyboard.press("n")
    held(page, "backward")
    page.get_by_test_id("explain-open").click()
    m = page.wait_for_function(JS_ROAD).json_value()
    road = m["to_step"]
    grads = page.evaluate("() => window.__bpp.frameArray('grads')")
    pending = page.evaluate("() => window.__bpp.frameArray('pending')")
    k = road["index"]
    per_example = road["per_example"]
    assert abs(sum(per_example) / len(per_example) - road["data_gradient"]) < 1e-12
    assert road["regularization"] != 0
    assert abs(road["data_gradient"] + road["regularization"] - grads[k]) < 1e-12
    assert abs(road["gradient"] - grads[k]) < 1e-12
    assert abs(road["update"] - pending[k]) < 1e-12
    # The page shows those numbers (exact in the titles).
    shown = {"explain-mean": road["data_gradient"], "explain-reg": road["regularization"],
             "explain-gradient": road["gradient"], "explain-update": road["update"]}
    for testid, value in shown.items():
        assert float(page.get_by_test_id(testid).get_attribute("title") or "nan") == value, testid
    # The chain rule for the chosen edge, and this example's own entry in the batch.
    f = page.get_by_test_id("explain-formula")
    n, i, j = (int(f.get_attribute(f"data-{c}") or -1) for c in "lij")
    layer = m["layers"][n]
    assert float(page.get_by_test_id("explain-chain").get_attribute("title") or "nan") == \
        layer["dL_dW"][i][j]
    chain = layer["dL_da"][j] * layer["da_dz"][j] * layer["a_prev"][i]
    assert abs(chain - layer["dL_dW"][i][j]) < 1e-12
    if road["example_in_batch"] is not None:
        assert abs(per_example[road["example_in_batch"]] - layer["dL_dW"][i][j]) < 1e-12
        expect(page.locator(".ex-this")).to_have_count(1)
    shoot(page, "2-backward-explained")
