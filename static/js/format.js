// Number formatting. Everything on show gets 4 significant digits; the exact float64 value
// (fmtFull) goes in titles and on a click.

/** A loss or other summary: 4 significant digits, exponent for very small or large values. */
export function fmtNum(x, digits = 4) {
  if (x === null || x === undefined) return '–';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e6) return minus(x.toExponential(digits - 1).replace(/\.?0+e/, 'e'));
  return minus(trimZeros(x.toPrecision(digits)));
}

/** What a loss that is not a finite number (null in a frame: NaN or Inf) is shown as, everywhere. */
export const NOT_FINITE = '—';

/** A loss to 4 significant digits; a non-finite one (null, NaN, Inf) as NOT_FINITE. */
export function fmtLoss(x, digits = 4) {
  if (x === null || x === undefined || !Number.isFinite(x)) return NOT_FINITE;
  return fmtNum(x, digits);
}

/** A loss, exact; a non-finite one as NOT_FINITE. */
export function fmtLossFull(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return NOT_FINITE;
  return fmtFull(x);
}

/** Exact float64 value: the shortest string that reads back to the same double. */
export function fmtFull(x) {
  if (x === null || x === undefined) return '–';
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

/** A float32 value (from an f4 array) shown with the 7-9 digits it really has. */
export function fmtF32(x) {
  if (!Number.isFinite(x)) return fmtFull(x);
  return trimZeros(Math.fround(x).toPrecision(8));
}

export function fmtInt(n) {
  if (n === null || n === undefined) return '–';
  return Math.round(n).toLocaleString('en-US');
}

export function fmtPct(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 1) return '100%';
  return `${(100 * x).toFixed(digits)}%`;
}

/** Short tick labels for chart axes. */
export function fmtTick(x) {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(0).replace('e+', 'e');
  if (a >= 1) return Number.isInteger(x) ? x.toLocaleString('en-US') : trimZeros(x.toFixed(1));
  return trimZeros(x.toPrecision(2));
}

function trimZeros(s) {
  if (!s.includes('.') || s.includes('e')) return s;
  return s.replace(/\.?0+$/, '');
}

function minus(s) { return s.replace(/^-/, '−'); }
