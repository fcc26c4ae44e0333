"""One example, explained: the engine's chain rule for one training point, with its numbers."""

from __future__ import annotations

import math
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pageutil import open_app, settled_step
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

JS_EXPLANATION = """(index) => {
  const m = window.__bpp.explanation;
  const shown = document.querySelector('[data-testid="explain-loss"]');
  return m && (index === null || m.index === index) && shown ? m : null;
}"""


def explanation(page: Page, index: int | None = None) -> dict[str, Any]:
    return page.wait_for_function(JS_EXPLANATION, arg=index).json_value()


def shown(page: Page, testid: str) -> tuple[float, float]:
    """(the number as shown, its exact value from the title) of an element."""
    loc = page.get_by_test_id(testid).first
    text = loc.text_content() or ""
    return float(text.replace("\u2212", "-")), float(loc.get_attribute("title") or "nan")


def check(page: Page, testid: str, value: float) -> None:
    """Shown to 4 significant digits, exact in the title: both the engine's number."""
    text_value, exact = shown(page, testid)
    assert exact == value, f"{testid}: title {exact} != engine {value}"
    assert math.isclose(text_value, value, rel_tol=6e-4, abs_tol=1e-12), (testid, text_value, value)


def test_explainer_shows_the_engines_numbers(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    page.get_by_test_id("step-epoch").click()
    expect(page.get_by_test_id("step-counter")).to_have_text("25")
    settled_step(page)
    page.get_by_test_id("explain-open").click()
    dialog = page.get_by_test_id("explainer")
    expect(dialog).to_be_visible()
    m = explanation(page)
    expect(page.get_by_test_id("explain-index")).to_have_value(str(m["index"]))
    expect(page.get_by_test_id("explain-summary")).to_contain_text(f"point {m['index']}")
    expect(page.get_by_test_id("explain-summary")).to_contain_text("step 25")

    # Inputs, every neuron's z, a and delta, the loss.
    for i, v in enumerate(m["x"]):
        check(page, f"explain-x-{i}", v)
    for n, layer in enumerate(m["layers"]):
        for j in range(len(layer["z"])):
            check(page, f"explain-z-{n}-{j}", layer["z"][j])
            check(page, f"explain-a-{n}-{j}", layer["a"][j])
            check(page, f"explain-delta-{n}-{j}", layer["delta"][j])
    check(page, "explain-loss", m["loss"])

    # The chosen edge: dL/dw = a_prev x delta, each factor and the product the engine's.
    def check_formula() -> tuple[int, int, int]:
        f = page.get_by_test_id("explain-formula")
        n, i, j = (int(f.get_attribute(f"data-{k}") or -1) for k in "lij")
        layer = m["layers"][n]
        a_prev, delta, dw = layer["a_prev"][i], layer["delta"][j], layer["dL_dW"][i][j]
        assert dw == a_prev * delta  # the engine's product, bit for bit
        check(page, "explain-a-prev", a_prev)
        check(page, "explain-delta", delta)
        check(page, "explain-dw", dw)
        expect(f).to_contain_text("dL/dw")
        return n, i, j

    assert check_formula()[0] == len(m["layers"]) - 1  # starts at the edges into the output
    # Click a first-layer neuron, then hover one of its edges: that edge is written out.
    page.get_by_test_id("explain-neuron-1-2").click()
    expect(page.get_by_test_id("explain-edges")).to_contain_text("Every edge into layer 1")
    page.get_by_test_id("explain-edge-0-1-2").hover()
    expect(page.get_by_test_id("explain-formula")).to_have_attribute("data-l", "0")
    expect(page.get_by_test_id("explain-formula")).to_have_attribute("data-i", "1")
    expect(page.get_by_test_id("explain-formula")).to_have_attribute("data-j", "2")
    assert check_formula() == (0, 1, 2)
    expect(page.get_by_test_id("explain-edges")).to_contain_text("Every edge into layer 1")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_click_a_training_point_to_explain_it_and_step_updates_it(
        page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    points = page.evaluate("() => window.__bpp.trainPoints()")

    # The most isolated training point, so the click is unambiguous.
    def gap(k: int) -> float:
        x, y = points[k]
        return min(math.hypot(x - p[0], y - p[1]) for n, p in enumerate(points) if n != k)

    k = max(range(len(points)), key=gap)
    box = page.get_by_test_id("output-heatmap").bounding_box()
    assert box
    x1, x2 = points[k]
    page.mouse.click(box["x"] + (x1 + 6) / 12 * box["width"],
                     box["y"] + (6 - x2) / 12 * box["height"])
    expect(page.get_by_test_id("explainer")).to_be_visible()
    first = explanation(page, k)
    expect(page.get_by_test_id("explain-index")).to_have_value(str(k))
    expect(page.get_by_test_id("explain-summary")).to_contain_text("step 0")

    # One step while it is open (the right arrow, as a clicker would): new weights, new numbers.
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("step-counter")).to_have_text("1")
    expect(page.get_by_test_id("explain-summary")).to_contain_text("step 1")
    second = explanation(page, k)
    assert second["loss"] != first["loss"]
    _, exact = shown(page, "explain-loss")
    assert exact == second["loss"]

    page.get_by_test_id("explain-next").click()
    explanation(page, (k + 1) % len(points))
    page.get_by_test_id("explain-close").click()
    expect(page.get_by_test_id("explainer")).to_be_hidden()
