// Colours: TF Playground's diverging scale (orange negative, light grey zero, blue positive)
// and one colour per class. Lookup tables map a quantised byte straight to RGBA.

export const NEG = [245, 147, 34];   // #f59322
export const MID = [232, 234, 235];  // #e8eaeb
export const POS = [8, 119, 189];    // #0877bd
const CLASS_RGB = [NEG, POS, [26, 158, 119], [154, 72, 196], [200, 60, 60]];
export const CLASS_CSS = CLASS_RGB.map((c) => rgbCss(c));

export function rgbCss([r, g, b], a = 1) {
  return a >= 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${a})`;
}

/** RGB of a value in [-1, 1] on the diverging scale (clamped). */
export function diverging(v) {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const end = t < 0 ? NEG : POS;
  const k = Math.abs(t);
  return [
    MID[0] + (end[0] - MID[0]) * k,
    MID[1] + (end[1] - MID[1]) * k,
    MID[2] + (end[2] - MID[2]) * k,
  ];
}

const lutCache = new Map();

/**
 * 256 x RGBA table for a u1 array quantised over [lo, hi]: entry q is the colour of
 * lo + (hi - lo) * q / 255. `discrete` snaps every value to -1 / +1 (sign).
 */
export function divergingLut(lo, hi, discrete = false, strength = 1) {
  const key = `${lo}|${hi}|${discrete}|${strength}`;
  let lut = lutCache.get(key);
  if (lut) return lut;
  lut = new Uint8ClampedArray(256 * 4);
  for (let q = 0; q < 256; q++) {
    let v = lo + ((hi - lo) * q) / 255;
    if (discrete) v = v > 0 ? 1 : v < 0 ? -1 : 0;
    const [r, g, b] = diverging(v * strength);
    lut.set([r, g, b, 255], q * 4);
  }
  lutCache.set(key, lut);
  return lut;
}

/**
 * Fill RGBA `out` (w*h*4) from a quantised grid `q` of shape (h, w, C).
 * C = 1: the diverging scale. C = K classes: the most likely class's colour, faded toward
 * grey by how unsure the network is (uniform probabilities give grey).
 */
export function paintGrid(out, q, C, lo, hi, discrete, channel = -1, strength = 1) {
  const n = out.length >> 2;
  if (channel >= 0) return paintClassChannel(out, q, C, channel, lo, hi, discrete);
  if (C === 1) {
    const lut = divergingLut(lo, hi, discrete, strength);
    for (let i = 0; i < n; i++) {
      const k = q[i] << 2;
      out[i * 4] = lut[k]; out[i * 4 + 1] = lut[k + 1]; out[i * 4 + 2] = lut[k + 2]; out[i * 4 + 3] = 255;
    }
    return;
  }
  const floor = 1 / C;
  for (let i = 0; i < n; i++) {
    let best = 0; let bq = -1;
    for (let c = 0; c < C; c++) { const v = q[i * C + c]; if (v > bq) { bq = v; best = c; } }
    const p = lo + ((hi - lo) * bq) / 255;
    let t = discrete ? 1 : Math.max(0, (p - floor) / (1 - floor));
    t = Math.min(1, t) * 0.9 * strength;
    const col = CLASS_RGB[best % CLASS_RGB.length];
    out[i * 4] = MID[0] + (col[0] - MID[0]) * t;
    out[i * 4 + 1] = MID[1] + (col[1] - MID[1]) * t;
    out[i * 4 + 2] = MID[2] + (col[2] - MID[2]) * t;
    out[i * 4 + 3] = 255;
  }
}

/** One class's probability as white -> class colour. */
function paintClassChannel(out, q, C, c, lo, hi, discrete) {
  const n = out.length >> 2;
  const col = CLASS_RGB[c % CLASS_RGB.length];
  for (let i = 0; i < n; i++) {
    let t = (lo + ((hi - lo) * q[i * C + c]) / 255);
    if (discrete) t = t > 0.5 ? 1 : 0;
    out[i * 4] = 250 + (col[0] - 250) * t;
    out[i * 4 + 1] = 250 + (col[1] - 250) * t;
    out[i * 4 + 2] = 250 + (col[2] - 250) * t;
    out[i * 4 + 3] = 255;
  }
}

/** Colour of a training point: class colour, or the diverging scale for a regression target. */
export function pointColor(y, kind) {
  if (kind === 'regression') return rgbCss(diverging(y).map(Math.round));
  return CLASS_CSS[y % CLASS_CSS.length];
}

/** Layer colours for the gradient-norm chart: first layer dark purple ... output yellow-green. */
const LAYER_RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [190, 210, 40], [235, 160, 30], [200, 60, 60]];
export function layerColor(l, L) {
  if (L <= 1) return rgbCss(LAYER_RAMP[1]);
  const t = (l / (L - 1)) * (LAYER_RAMP.length - 1);
  const i = Math.min(LAYER_RAMP.length - 2, Math.floor(t));
  const f = t - i;
  const a = LAYER_RAMP[i]; const b = LAYER_RAMP[i + 1];
  return rgbCss([0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)));
}
