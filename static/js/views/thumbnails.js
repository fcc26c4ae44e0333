// A thumbnail of every dataset, drawn from the few points of it that hello carries
// (options.datasets[].preview: the engine's own data). Orientation matches the output heatmap:
// x1 to the right, x2 up, over [-D, D]^2 with D = ready.grid_domain.

import { CLASS_CSS, diverging, rgbCss, MID } from '../colors.js';

/** Draw dataset `spec` ({kind, preview: {x, y}}) on a canvas of CSS size `size`. */
export function drawThumbnail(canvas, spec, size, D) {
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  canvas.width = Math.round(size * dpr); canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = rgbCss(MID);
  ctx.fillRect(0, 0, size, size);
  const { x, y } = spec.preview;
  // regression targets coloured by value (diverging, scaled to the largest), classes by class
  const top = spec.kind === 'regression' ? Math.max(1e-9, ...y.map(Math.abs)) : 1;
  const rad = Math.max(1.6, size / 34);
  x.forEach(([x1, x2], i) => {
    ctx.beginPath();
    ctx.arc(((x1 + D) / (2 * D)) * size, ((D - x2) / (2 * D)) * size, rad, 0, 2 * Math.PI);
    ctx.fillStyle = spec.kind === 'regression'
      ? rgbCss(diverging(y[i] / top).map(Math.round)) : CLASS_CSS[y[i] % CLASS_CSS.length];
    ctx.fill();
  });
}
