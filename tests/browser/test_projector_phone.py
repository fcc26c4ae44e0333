"""Projector mode for the back row at 1920 x 1080 (every label, tick and number at least 24 px and
near-black), and the phone layout (390 x 844: the heatmap on the first screen, the explainer
closable)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.pageutil import open_app
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

# Every visible text of the page's panels: its computed size and its contrast against the first
# opaque background behind it (WCAG relative luminance), with its opacity chain applied.
JS_TEXT_STYLES = """() => {
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => [r, g, b].map(lin)
    .reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
  const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const skip = '[hidden], noscript, .toasts, .readout, .inspector, .explainer, option';
    if (!n.textContent.trim() || !el.getClientRects().length || el.closest(skip)) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden') continue;
    let bg = null; let opacity = 1;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      opacity *= Number(s.opacity);
      const c = rgba(s.backgroundColor);
      if (!bg && c.length >= 3 && (c[3] ?? 1) > 0.5) bg = c.slice(0, 3);
    }
    bg = bg || [255, 255, 255];
    const fg = rgba(cs.color);
    const a = (fg[3] ?? 1) * opacity;
    const mixed = [0, 1, 2].map((i) => fg[i] * a + bg[i] * (1 - a));
    const [l1, l2] = [lum(mixed), lum(bg)].sort((x, y) => y - x);
    out.push({ text: n.textContent.trim().slice(0, 30), px: parseFloat(cs.fontSize),
      contrast: (l1 + 0.05) / (l2 + 0.05), where: el.className || el.tagName });
  }
  return out;
}"""


def test_projector_mode_is_readable_from_the_back_row(browser: Browser,
                                                      server: ServerProcess) -> None:
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = ctx.new_page()
        open_app(page, server)
        button = page.get_by_test_id("presentation")
        expect(button).to_have_attribute("aria-pressed", "false")
        plain_bg = button.evaluate("(b) => getComputedStyle(b).backgroundColor")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        assert button.evaluate("(b) => getComputedStyle(b).backgroundColor") != plain_bg
        page.get_by_test_id("step").click()
        expect(page.get_by_test_id("step-counter")).to_have_text("1")
        page.wait_for_timeout(3000)  # the step's animation, then the charts redraw
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "projector-1920x1080.png"))

        texts = page.evaluate(JS_TEXT_STYLES)
        assert len(texts) > 40
        small = [t for t in texts if t["px"] < 24]
        assert not small, small[:10]
        faint = [t for t in texts if t["contrast"] < 7]
        assert not faint, faint[:10]
        # Canvas text: the charts' tick labels and the heatmap's axes use these sizes.
        fonts = page.evaluate("""() => ({
          chart: parseFloat(getComputedStyle(document.querySelector('[data-testid="loss-chart"]'))
            .getPropertyValue('--fs-small')) * 0.92,
          canvas: parseFloat(getComputedStyle(document.body).getPropertyValue('--canvas-small')),
        })""")
        assert fonts["chart"] >= 24 and fonts["canvas"] >= 24
    finally:
        ctx.close()


def test_phone_shows_the_heatmap_first_and_the_explainer_closes(browser: Browser,
                                                                server: ServerProcess) -> None:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True,
                              is_mobile=True, device_scale_factor=2)
    try:
        page: Page = ctx.new_page()
        open_app(page, server)
        heat = page.get_by_test_id("output-heatmap").bounding_box()
        assert heat and heat["y"] + heat["height"] / 2 < 844 and heat["width"] >= 300
        page.get_by_test_id("explain-open").scroll_into_view_if_needed()
        page.get_by_test_id("explain-open").tap()
        explainer = page.get_by_test_id("explainer")
        expect(explainer).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-explainer.png"))
        head = page.locator(".ex-head").bounding_box()
        close = page.get_by_test_id("explain-close").bounding_box()
        assert head and head["y"] >= 0
        assert close and close["y"] >= 0 and close["x"] + close["width"] <= 390
        assert close["width"] >= 44 and close["height"] >= 44
        page.get_by_test_id("explain-close").tap()
        expect(explainer).to_be_hidden()
    finally:
        ctx.close()
