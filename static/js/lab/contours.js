// Filled contours of a loss surface on a log scale: the server's grid (values[row = y][col = x])
// is interpolated bilinearly at every device pixel and cut into bands, so band edges are smooth
// at any size. The colour of a band is fixed by its level, and the legend shows the same bands.

const BANDS = 14;
const RAMP = [[255, 251, 228], [200, 226, 214], [139, 178, 196], [78, 104, 142]]; // pale: low loss

/** The log transform of a surface: t(v) = log10(v - floor + delta) (floor: the grid's minimum). */
export function logScale(values) {
  const flat = values.flat().filter((v) => v !== null && Number.isFinite(v));
  const floor = Math.min(...flat);
  const top = Math.max(...flat);
  const delta = Math.max((top - floor) * 1e-6, 1e-12);
  const sorted = flat.map((v) => v - floor + delta).sort((a, b) => a - b);
  const lo = Math.log10(sorted[Math.floor(sorted.length * 0.005)]);
  const hi = Math.log10(top - floor + delta);
  const t = (v) => Math.log10(Math.max(v - floor + delta, delta));
  /** The loss at a band edge k (0..BANDS); band 0 reaches down to the grid's minimum. */
  const edge = (k) => (k === 0 ? floor : 10 ** (lo + ((hi - lo) * k) / BANDS) + floor - delta);
  return { t, lo, hi: hi > lo ? hi : lo + 1, edge, bands: BANDS };
}

/** The colour of band k of BANDS. */
export function bandColor(k) {
  const u = (Math.max(0, Math.min(BANDS - 1, k)) / (BANDS - 1)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u));
  const f = u - i;
  return RAMP[i].map((c, j) => Math.round(c + (RAMP[i + 1][j] - c) * f));
}

/**
 * Paint the surface into an offscreen canvas of w x h device pixels.
 * facts: lab_surface {xs, ys, values, window}. Returns the canvas and the scale used.
 */
export function paintSurface(facts, w, h) {
  const scale = logScale(facts.values);
  const n = facts.xs.length;
  const m = facts.ys.length;
  const T = new Float64Array(n * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      const v = facts.values[r][c];
      T[r * n + c] = v === null || !Number.isFinite(v) ? scale.hi : scale.t(v);
    }
  }
  const canvas = document.createElement('canvas');
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(w, h);
  const px = image.data;
  const lut = Array.from({ length: BANDS }, (_, k) => bandColor(k));
  const band = new Int16Array(w * h);
  const span = scale.hi - scale.lo;
  for (let py = 0; py < h; py++) {
    const gy = (1 - (py + 0.5) / h) * (m - 1); // canvas top is the window's top (largest y)
    const r0 = Math.min(m - 2, Math.floor(gy));
    const fy = gy - r0;
    for (let pxi = 0; pxi < w; pxi++) {
      const gx = ((pxi + 0.5) / w) * (n - 1);
      const c0 = Math.min(n - 2, Math.floor(gx));
      const fx = gx - c0;
      const a = T[r0 * n + c0]; const b = T[r0 * n + c0 + 1];
      const c = T[(r0 + 1) * n + c0]; const d = T[(r0 + 1) * n + c0 + 1];
      const v = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
      band[py * w + pxi] = Math.max(0, Math.min(BANDS - 1, Math.floor(((v - scale.lo) / span) * BANDS)));
    }
  }
  for (let i = 0; i < w * h; i++) {
    const k = band[i];
    const edge = (i % w > 0 && band[i - 1] !== k) || (i >= w && band[i - w] !== k);
    const col = lut[k];
    const dim = edge ? 0.8 : 1; // a thin darker line where the band changes: the contour
    px[i * 4] = col[0] * dim; px[i * 4 + 1] = col[1] * dim; px[i * 4 + 2] = col[2] * dim; px[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  return { canvas, scale };
}
