"""The race in the browser: per-frame render time and frames/s with 2..7 lanes in the panel.

    python bench/race_render.py [--frames 200] [--lanes 7]

Starts the server, opens the playground in Debian's headless Chromium at speed max, opens
"Race optimizers", adds lanes up to ``--lanes`` and starts the race, then plays and reads
``window.__bpp.frameRenderTimes`` (each render-loop tick that drew a new frame: the page's own
views plus the race's chart and one heatmap per lane) and the frames received per second.
Target (issue 9): a 7-lane race at >= 20 frames/s; the page's render per frame within the
default network's 8 ms (bench/browser_render.py). A script, not a test: numbers depend on the
machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.browser_render import machine, pct  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from tests.live_server import ServerProcess  # noqa: E402

JS_READY = ("() => window.__bpp && window.__bpp.state().connection === 'open'"
            " && document.querySelector('[data-testid=step]').disabled === false")
FPS_TARGET = 20.0
RENDER_TARGET_MS = 8.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--lanes", type=int, default=7, choices=range(2, 8))
    args = parser.parse_args()
    print(machine())
    server = ServerProcess()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=VIEWPORT).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{server.url}/#speed=max")
            page.wait_for_function(JS_READY)
            page.get_by_test_id("race-button").click()
            while page.get_by_test_id("race-lane-edit").count() < args.lanes:
                page.get_by_test_id("race-add").click()
            while page.get_by_test_id("race-lane-edit").count() > args.lanes:
                page.get_by_test_id("race-remove").last.click()
            page.get_by_test_id("race-start").click()
            page.get_by_test_id("race-heatmap").nth(args.lanes - 1).wait_for()
            page.wait_for_timeout(500)
            page.evaluate("() => window.__bpp.resetTimings()")
            received0 = page.evaluate("() => window.__bpp.frames")
            t0 = time.perf_counter()
            page.get_by_test_id("play").click()
            page.wait_for_function("(n) => window.__bpp.frameRenderTimes.length >= n",
                                   arg=args.frames, timeout=args.frames * 300)
            wall = time.perf_counter() - t0
            fps = (page.evaluate("() => window.__bpp.frames") - received0) / wall
            times = page.evaluate("() => window.__bpp.frameRenderTimes")[:args.frames]
            header = page.evaluate("() => window.__bpp.lastHeader")
            page.get_by_test_id("play").click()
            browser.close()
    finally:
        server.close()
    lanes = len(header["lanes"])
    med, p95 = statistics.median(times), pct(times, 0.95)
    fps_ok = fps >= FPS_TARGET
    print(f"{lanes} lanes, {len(times)} frames at speed max: render median {med:.2f} ms, "
          f"p95 {p95:.2f} ms, max {max(times):.1f} ms (target {RENDER_TARGET_MS:g} ms); "
          f"{fps:.1f} frames/s received ({'ok' if fps_ok else 'UNDER'} {FPS_TARGET:g}); "
          f"{header['step']} steps in {wall:.1f} s")
    if errors:
        print("page errors:", *errors, sep="\n  ")
    return 0 if fps_ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
