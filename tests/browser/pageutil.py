"""What the browser tests read from the page: numbers as shown, canvas pixels, settled state.

The page's CSP forbids eval, so every predicate passed to ``wait_for_function`` is a function
expression (Playwright calls it without eval). ``window.__bpp`` is the page's read-only debug hook
(static/js/debug.js).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.live_server import ServerProcess

# Numbers are shown as the user reads them: "1,031", "0.19213", "−0.5" (U+2212).
JS_NUMBER = """(id) => {
  const t = document.querySelector(`[data-testid="${id}"]`).textContent;
  return Number(t.replace(/,/g, '').replace('\\u2212', '-'));
}"""

JS_TWO_RAFS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"

# FNV-1a of a canvas's backing store: equal digests mean equal pixels.
JS_CANVAS_DIGEST = """(id) => {
  const c = document.querySelector(`[data-testid="${id}"]`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0x811c9dc5;
  for (let i = 0; i < d.length; i++) { h ^= d[i]; h = Math.imul(h, 0x01000193) >>> 0; }
  return `${c.width}x${c.height}:${h}`;
}"""

# An n x n grid of pixel colours (cell centres) of a canvas, as [r, g, b] lists.
JS_CANVAS_SAMPLE = """([id, n]) => {
  const c = document.querySelector(`[data-testid="${id}"]`);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const out = [];
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < n; k++) {
      const x = Math.floor((k + 0.5) * c.width / n);
      const y = Math.floor((r + 0.5) * c.height / n);
      const o = (y * c.width + x) * 4;
      out.push([d[o], d[o + 1], d[o + 2], d[o + 3]]);
    }
  }
  return out;
}"""

# Paused, and the counter shows the server's last step: {step} (an object: step 0 is falsy).
JS_SETTLED = """() => {
  const b = window.__bpp;
  if (!b) return null;
  const s = b.state();
  const h = b.lastHeader;
  // Frames sent while running say 'running'; the one after a pause or a step says 'paused'.
  if (s.connection !== 'open' || s.running || !h || h.state !== 'paused') return null;
  const shown = Number(document.querySelector('[data-testid="step-counter"]').textContent
    .replace(/,/g, ''));
  return shown === h.step ? {step: h.step} : null;
}"""


def open_app(page: Page, server: ServerProcess, hash_: str = "") -> None:
    """Load the page and wait until it is connected and shows a run (the link's, if any)."""
    page.goto(f"{server.url}/{hash_}")
    wait_connected(page)


def wait_connected(page: Page, timeout_ms: float = 10_000) -> None:
    status = page.get_by_test_id("connection-status")
    expect(status).to_have_text("connected", timeout=timeout_ms)
    expect(status).to_have_attribute("data-state", "open")
    # Transport buttons are enabled once a run (a ready) is there.
    expect(page.get_by_test_id("step")).to_be_enabled(timeout=timeout_ms)
    settled_step(page)


def shown_number(page: Page, testid: str) -> float:
    return float(page.evaluate(JS_NUMBER, testid))


def settled_step(page: Page, timeout_ms: float = 10_000) -> int:
    """Wait until training is paused and the counter shows the last frame; that step."""
    handle = page.wait_for_function(JS_SETTLED, timeout=timeout_ms)
    return int(handle.json_value()["step"])


def wait_number(page: Page, testid: str, op: str, value: float,
                timeout_ms: float = 15_000) -> float:
    """Wait until the number shown in ``testid`` satisfies ``op`` (one of > >= < <= ==)."""
    predicate = f"""([id, v]) => {{
      const t = document.querySelector(`[data-testid="${{id}}"]`).textContent;
      const x = Number(t.replace(/,/g, '').replace('\\u2212', '-'));
      return Number.isFinite(x) && x {op} v;
    }}"""
    page.wait_for_function(predicate, arg=[testid, value], timeout=timeout_ms)
    return shown_number(page, testid)


def canvas_digest(page: Page, testid: str) -> str:
    """Pixel digest after the render loop has had two animation frames to draw."""
    page.evaluate(JS_TWO_RAFS)
    return str(page.evaluate(JS_CANVAS_DIGEST, testid))


def stable_canvas_digest(page: Page, testid: str, tries: int = 20) -> str:
    """A digest that two consecutive reads agree on (nothing is animating)."""
    last = canvas_digest(page, testid)
    for _ in range(tries):
        now = canvas_digest(page, testid)
        if now == last:
            return now
        last = now
    raise AssertionError(f"{testid} keeps changing while paused")


def canvas_sample(page: Page, testid: str, n: int = 32) -> list[list[int]]:
    page.evaluate(JS_TWO_RAFS)
    return page.evaluate(JS_CANVAS_SAMPLE, [testid, n])


def state(page: Page) -> dict[str, Any]:
    return page.evaluate("() => window.__bpp.state()")


def location_hash(page: Page) -> str:
    return str(page.evaluate("() => location.hash"))
