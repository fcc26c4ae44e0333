// devicePixelRatio-aware canvases: the CSS box decides the size, the backing store matches it.

/**
 * Size the backing store of `canvas` to its CSS box times devicePixelRatio and set a
 * transform so that drawing happens in CSS pixels. Returns {w, h, dpr} in CSS pixels.
 * `box` (from a ResizeObserver) avoids a layout read when given.
 */
export function fitCanvas(canvas, box) {
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  const w = Math.max(1, box ? box.width : canvas.clientWidth);
  const h = Math.max(1, box ? box.height : canvas.clientHeight);
  const bw = Math.round(w * dpr);
  const bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) { canvas.width = bw; canvas.height = bh; }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { w, h, dpr };
}

/** Call `fn(box)` whenever the element's CSS box changes (and once at start). */
export function onResize(el, fn) {
  const ro = new ResizeObserver((entries) => {
    for (const e of entries) {
      const r = e.contentRect;
      fn({ width: r.width, height: r.height });
    }
  });
  ro.observe(el);
  return ro;
}

/** An offscreen canvas with an ImageData of w x h, for drawing small grids scaled up. */
export function gridSurface(w, h) {
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(w, h);
  return { canvas, ctx, image, w, h };
}

/** Pointer position relative to an element, in CSS pixels. */
export function localPoint(el, ev) {
  const r = el.getBoundingClientRect();
  return { x: ev.clientX - r.left, y: ev.clientY - r.top, rect: r };
}

/** The current line-width multiplier (2 in projector mode). */
export function lineScale() {
  return document.body.classList.contains('presentation') ? 2 : 1;
}
