"""Browser render cost: per-frame render time in headless Chromium, and the page's weight.

    python bench/browser_render.py [--frames 300] [--dpr 1]

Starts the server (``python -m app``, OPENBLAS_NUM_THREADS=1) on a free port, opens the page in
Debian's Chromium (/usr/bin/chromium, headless, software rendering), plays at max speed and reads
``window.__bpp.frameRenderTimes``: performance.now() around each render-loop tick that drew a
newly received frame (static/js/loop.js). Two networks: (a) the default (2-4-2-1) and (b) six
hidden layers of 8 (``#hidden=8,8,8,8,8,8``). Targets: median and p95 <= 8 ms (a) and <= 16 ms
(b), at the server's 30 frames/s. It also records the gaps between animation frames (which
include the compositor's raster work that the JS timer cannot see) and the frames/s received.

Page weight: the bytes of the HTML and of every JS and CSS file the page loads (target 200 KB).

A script, not a test: numbers depend on the machine. Results go in docs/performance.md, Browser.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from tests.live_server import ServerProcess  # noqa: E402

CASES = [
    ("default 2-4-2-1", "#speed=max", 8.0),
    ("6 hidden layers of 8", "#hidden=8,8,8,8,8,8&speed=max", 16.0),
]
WEIGHT_TARGET_BYTES = 200 * 1024
TEXT_TYPES = ("document", "script", "stylesheet")

# Gaps between animation frames while playing: a janky frame shows as a long gap.
JS_WATCH_RAF = """() => {
  window.__rafGaps = [];
  let last = performance.now();
  const tick = (t) => { window.__rafGaps.push(t - last); last = t;
    if (window.__rafGaps.length < 100000) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


def measure(page: Page, base: str, hash_: str, frames: int) -> dict[str, Any]:
    page.goto(f"{base}/{hash_}")
    page.wait_for_function("() => window.__bpp && window.__bpp.state().connection === 'open'"
                           " && document.querySelector('[data-testid=step]').disabled === false")
    page.wait_for_timeout(500)  # layout and first paints settle
    sizes = page.evaluate("() => window.__bpp.state().topology.sizes")
    speed = page.evaluate("() => window.__bpp.state().speed")
    page.evaluate("() => window.__bpp.resetTimings()")
    page.evaluate(JS_WATCH_RAF)
    received0 = page.evaluate("() => window.__bpp.frames")
    t0 = time.perf_counter()
    page.get_by_test_id("play").click()
    page.wait_for_function("(n) => window.__bpp.frameRenderTimes.length >= n", arg=frames,
                           timeout=frames * 200)
    wall = time.perf_counter() - t0
    received = page.evaluate("() => window.__bpp.frames") - received0
    times = page.evaluate("() => window.__bpp.frameRenderTimes")[:frames]
    gaps = page.evaluate("() => window.__rafGaps")[2:]
    header = page.evaluate("() => window.__bpp.lastHeader")
    page.get_by_test_id("play").click()
    return {
        "sizes": sizes, "speed": speed, "n": len(times),
        "median": statistics.median(times), "p95": pct(times, 0.95), "max": max(times),
        "raf_median": statistics.median(gaps), "raf_p95": pct(gaps, 0.95),
        "fps_received": received / wall, "steps": header["step"], "wall_s": wall,
        "frame_bytes": page.evaluate("() => window.__bpp.lastFrameBytes"),
    }


def page_weight(page: Page, base: str) -> tuple[int, list[tuple[str, str, int]]]:
    loaded: list[tuple[str, str, int]] = []

    def on_response(response: Any) -> None:
        if response.url.startswith(base) and response.request.resource_type != "websocket":
            loaded.append((response.request.resource_type,
                           response.url.removeprefix(base), len(response.body())))

    page.on("response", on_response)
    page.goto(f"{base}/")
    page.wait_for_function("() => window.__bpp && window.__bpp.state().connection === 'open'")
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", on_response)
    text = sum(n for kind, _, n in loaded if kind in TEXT_TYPES)
    return text, sorted(loaded, key=lambda r: -r[2])


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True,
                             check=False).stdout.strip()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return f"nproc {nproc}, {cpu}, {version}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=300, help="frames per case (300)")
    parser.add_argument("--dpr", type=float, default=1.0,
                        help="devicePixelRatio (1; 2 = a retina or projector screen)")
    args = parser.parse_args()
    print(machine())
    print(f"viewport {VIEWPORT['width']}x{VIEWPORT['height']}, devicePixelRatio {args.dpr:g}, "
          f"headless, --disable-gpu (software raster)")
    ok = True
    server = ServerProcess()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=args.dpr)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            print(f"\nper-frame render time, {args.frames} frames at speed max")
            print(f"{'network':<22} {'sizes':<22} {'median':>7} {'p95':>7} {'max':>7} "
                  f"{'target':>7} {'rAF p50':>8} {'rAF p95':>8} {'frames/s':>9} {'steps':>8}")
            for name, hash_, target in CASES:
                r = measure(page, server.url, hash_, args.frames)
                good = r["median"] <= target and r["p95"] <= target
                ok &= good
                print(f"{name:<22} {'-'.join(map(str, r['sizes'])):<22} "
                      f"{r['median']:>5.2f}ms {r['p95']:>5.2f}ms {r['max']:>5.1f}ms "
                      f"{target:>5.0f}ms {r['raf_median']:>6.1f}ms {r['raf_p95']:>6.1f}ms "
                      f"{r['fps_received']:>9.1f} {r['steps']:>8} {'ok' if good else 'OVER'}"
                      f"  (frame {r['frame_bytes']:,} B)")
            text, loaded = page_weight(context.new_page(), server.url)
            good = text <= WEIGHT_TARGET_BYTES
            ok &= good
            print(f"\npage weight (HTML + JS + CSS): {text:,} bytes = {text / 1024:.1f} KB "
                  f"of {WEIGHT_TARGET_BYTES // 1024} KB {'ok' if good else 'OVER'}; "
                  f"{len(loaded)} requests")
            by_kind: dict[str, list[int]] = {}
            for kind, _, n in loaded:
                by_kind.setdefault(kind, []).append(n)
            for kind, ns in sorted(by_kind.items()):
                print(f"  {kind:<11} {len(ns):>3} files {sum(ns):>8,} bytes")
            print("  largest: " + ", ".join(f"{url} {n:,}" for _, url, n in loaded[:5]))
            if errors:
                ok = False
                print("page errors:", *errors, sep="\n  ")
            browser.close()
    finally:
        server.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
