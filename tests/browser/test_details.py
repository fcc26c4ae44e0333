"""Smaller contracts of the page: metrics never cut off, lesson hiding, chart ticks, the server's
feature thumbnails, and frames of a run the page has left never shown."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pageutil import open_app, settled_step, state
from tests.live_server import ServerProcess

pytestmark = pytest.mark.browser

# Every metric number fully inside its panel: no clipping, no ellipsis.
JS_METRICS_CLIPPED = """() => {
  const panel = document.querySelector('.output-panel').getBoundingClientRect();
  const box = document.querySelector('[data-testid="metrics"]');
  const bad = [];
  if (box.scrollWidth > box.clientWidth + 1) bad.push('metrics wider than their box');
  for (const el of box.querySelectorAll('output, .metric-label')) {
    if (el.closest('[hidden]')) continue;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.right > panel.right - 2 || r.left < panel.left) bad.push(`${el.textContent} outside`);
    const cell = el.closest('.metric, .acc-item, .metric-acc').getBoundingClientRect();
    if (r.right > cell.right + 1) bad.push(`${el.textContent} overflows its cell`);
    if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth)
      bad.push(`${el.textContent} ellipsis`);
    if (parseFloat(style.fontSize) < 11) bad.push(`${el.textContent} font ${style.fontSize}`);
  }
  return bad;
}"""


@pytest.mark.parametrize(("width", "height", "projector"), [
    (1280, 720, False), (1280, 720, True), (1024, 768, False), (1024, 768, True),
    (1440, 900, False), (1920, 1080, False), (1920, 1080, True),
])
def test_metrics_are_never_cut_off(browser: Browser, server: ServerProcess, width: int, height: int,
                                   projector: bool) -> None:
    ctx = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = ctx.new_page()
        # A fast learner, so accuracy reaches 100% and the losses have their widest digits.
        link = "#dataset=gauss&learning_rate=0.3" + ("&projector=1" if projector else "")
        open_app(page, server, link)
        for _ in range(4):
            page.get_by_test_id("step-epoch").click()
        page.wait_for_function("() => window.__bpp.lastHeader.step === 100")
        expect(page.get_by_test_id("train-accuracy")).to_have_text("100%")
        expect(page.get_by_test_id("test-accuracy")).to_contain_text("%")
        expect(page.get_by_test_id("accuracy-box")).to_be_visible()
        assert page.evaluate(JS_METRICS_CLIPPED) == []
        for testid in ("train-loss", "test-loss", "train-accuracy", "test-accuracy"):
            expect(page.get_by_test_id(testid)).to_be_visible()
    finally:
        ctx.close()


def test_hiding_the_optimizer_hides_its_hyperparameters(page: Page, server: ServerProcess) -> None:
    open_app(page, server, "#optimizer=adam&hide=optimizer")
    expect(page.get_by_test_id("optimizer")).to_be_hidden()
    expect(page.get_by_test_id("hyper")).to_be_hidden()
    expect(page.get_by_test_id("learning-rate")).to_be_visible()
    assert state(page)["config"]["optimizer"] == "adam"
    expect(page.get_by_test_id("url-notice")).to_be_hidden()
    # Without the lesson flag both are there.
    page.goto(f"{server.url}/#optimizer=adam")
    page.reload()
    expect(page.get_by_test_id("hyper")).to_be_visible()
    expect(page.get_by_test_id("optimizer")).to_be_visible()


JS_TICKS = """(step) => {
  const t = window.__bpp.chartTicks();
  const h = window.__bpp.lastHeader;
  return h && h.step === step && t.grad && t.grad.x.length && t.loss.x.length ? t : null;
}"""


def test_chart_step_ticks_are_whole_numbers(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    for button, step in (("step", 1), ("step-epoch", 26), ("step", 27)):
        page.get_by_test_id(button).click()
        expect(page.get_by_test_id("step-counter")).to_have_text(str(step))
        settled_step(page)
        ticks = page.wait_for_function(JS_TICKS, arg=step).json_value()
        for chart in ("grad", "loss"):
            xs = ticks[chart]["x"]
            assert xs == [round(x) for x in xs], f"{chart} chart at step {step}: {xs}"
            assert xs == sorted(set(xs))


def diverging(v: float) -> tuple[float, float, float]:
    """static/js/colors.js: light grey at 0, orange at -1, blue at +1."""
    mid, neg, pos = (232, 234, 235), (245, 147, 34), (8, 119, 189)
    t = max(-1.0, min(1.0, v))
    end = neg if t < 0 else pos
    return tuple(m + (e - m) * abs(t) for m, e in zip(mid, end, strict=True))  # type: ignore[return-value]


def test_feature_thumbnails_are_the_servers_grids(page: Page, server: ServerProcess) -> None:
    open_app(page, server)
    grids = page.evaluate("() => window.__bpp.featureGrids()")
    names = page.evaluate("() => [...document.querySelectorAll('[data-feature]')]"
                          ".map((b) => b.dataset.feature)")
    assert len(names) == 7 and sorted(grids) == sorted(names)
    for name in names:
        pixels = page.evaluate("""(name) => {
          const c = document.querySelector(`[data-feature="${name}"] canvas`);
          return {w: c.width, h: c.height,
                  d: [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]};
        }""", name)
        g = grids[name]
        assert (pixels["h"], pixels["w"]) == (len(g), len(g[0]))
        for r in range(len(g)):
            for c in range(len(g[0])):
                o = (r * pixels["w"] + c) * 4
                want = diverging(g[r][c])
                got = pixels["d"][o:o + 3]
                assert all(abs(a - b) <= 1.01 for a, b in zip(got, want, strict=True)), \
                    (name, r, c, got, want)


def test_frames_of_a_left_run_are_never_shown(page: Page, server: ServerProcess,
                                              new_page: Callable[[], Page]) -> None:
    open_app(page, server)
    assert state(page)["run"] == 0
    # Watch every animation frame: the frame shown belongs to the run and topology shown.
    page.evaluate("""() => {
      window.__mismatch = [];
      const tick = () => {
        const h = window.__bpp.lastHeader; const s = window.__bpp.state();
        const sizes = s.topology && JSON.stringify(s.topology.sizes);
        if (h && sizes && (h.run !== s.run || JSON.stringify(h.sizes) !== sizes))
          window.__mismatch.push([h.run, s.run, h.sizes, s.topology.sizes]);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }""")
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__bpp.lastHeader.step > 50")
    changes = [("add-layer", "hidden=4,2,2"), ("add-neuron-1", "hidden=5,2,2"),
               ("remove-layer", "hidden=5,2&"), ("feature-x1x2", "features=x1,x2,x1x2")]
    for run, (testid, in_hash) in enumerate(changes, start=1):
        page.get_by_test_id(testid).click()
        page.wait_for_function("(p) => location.hash.includes(p)", arg=in_hash)
        page.wait_for_function("(run) => window.__bpp.state().run === run", arg=run)
        page.get_by_test_id("play").click()
        page.wait_for_function("(run) => { const h = window.__bpp.lastHeader;"
                               " return h.run === run && h.step > 20; }", arg=run)
    assert page.evaluate("() => window.__mismatch") == []
