// Every run's loss against the step (or, on the cost axis, against the examples its gradients
// have read): one coloured line per run, log scale when every loss is positive, the step shown
// as a vertical line, a cross where a run diverged.

import { fitCanvas, onResize, lineScale } from '../canvas.js';
import { fmtTick } from '../format.js';
import { lab, RUN_COLORS, niceNumber } from './state.js';

let canvas; let box = null;
const PAD = { l: 52, r: 10, t: 10, b: 30 };

export function initLossChart(el, redraw) {
  canvas = el;
  onResize(canvas, (b) => { box = b; redraw(); });
}

export function drawLossChart() {
  if (!canvas) return;
  const { w, h } = fitCanvas(canvas, box);
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const runs = lab.paths?.runs ?? [];
  const useCost = lab.costAxis && runs.some((r) => r.examples_seen);
  const xsOf = (r) => (useCost && r.examples_seen ? r.examples_seen : r.losses.map((_, k) => k));
  let yMin = Infinity; let yMax = -Infinity; let xMax = 1;
  for (const r of runs) {
    const xs = xsOf(r);
    r.losses.forEach((v, k) => {
      if (v === null || !Number.isFinite(v) || Math.abs(v) > 1e12) return;
      yMin = Math.min(yMin, v); yMax = Math.max(yMax, v); xMax = Math.max(xMax, xs[k]);
    });
  }
  if (!Number.isFinite(yMin)) { canvas.dataset.lines = '0'; return; }
  const log = yMin > 0;
  const f = (v) => (log ? Math.log10(v) : v);
  let lo = f(yMin); let hi = f(yMax);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  // The cost axis is logarithmic: one example per step and the whole set per step differ by n.
  const X = useCost
    ? (x) => PAD.l + (Math.log10(Math.max(x, 1)) / Math.log10(Math.max(xMax, 10))) * (w - PAD.l - PAD.r)
    : (x) => PAD.l + (x / xMax) * (w - PAD.l - PAD.r);
  const Y = (v) => PAD.t + (1 - (f(v) - lo) / (hi - lo)) * (h - PAD.t - PAD.b);
  axes(ctx, w, h, lo, hi, log, xMax, X, useCost);
  const lw = lineScale();
  const signature = [];
  runs.forEach((r, i) => {
    const xs = xsOf(r);
    ctx.strokeStyle = RUN_COLORS[i % RUN_COLORS.length]; ctx.lineWidth = 2 * lw;
    ctx.beginPath();
    let open = false;
    r.losses.forEach((v, k) => {
      if (v === null || !Number.isFinite(v) || Math.abs(v) > 1e12) { open = false; return; }
      const y = Math.max(PAD.t, Math.min(h - PAD.b, Y(v)));
      if (open) ctx.lineTo(X(xs[k]), y); else { ctx.moveTo(X(xs[k]), y); open = true; }
    });
    ctx.stroke();
    if (r.diverged_at !== null && r.diverged_at !== undefined) {
      const x = X(xs[Math.min(r.diverged_at, xs.length - 1)]);
      ctx.fillStyle = ctx.strokeStyle; ctx.font = `600 ${13 * lw}px system-ui, sans-serif`;
      ctx.fillText('✕ diverged', Math.min(x, w - 80), PAD.t + 12 + 14 * i);
    }
    signature.push(r.losses.at(-1));
  });
  // The step shown (the same step on every run; on the cost axis each run is at its own cost).
  ctx.strokeStyle = 'rgba(29,39,51,0.45)'; ctx.lineWidth = 1; ctx.setLineDash([4, 3]);
  if (!useCost) {
    const x = X(Math.min(lab.t, lab.steps));
    ctx.beginPath(); ctx.moveTo(x, PAD.t); ctx.lineTo(x, h - PAD.b); ctx.stroke();
  }
  ctx.setLineDash([]);
  canvas.dataset.lines = String(runs.length);
  canvas.dataset.axis = useCost ? 'examples' : 'steps';
  canvas.dataset.xMax = String(xMax);
  canvas.dataset.last = signature.map((v) => (v === null ? 'NaN' : Number(v).toPrecision(6))).join(',');
}

function axes(ctx, w, h, lo, hi, log, xMax, X, useCost) {
  ctx.strokeStyle = '#d5dbe1'; ctx.fillStyle = '#4b5866'; ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  const ticks = 4;
  for (let k = 0; k <= ticks; k++) {
    const v = lo + ((hi - lo) * k) / ticks;
    const y = PAD.t + (1 - k / ticks) * (h - PAD.t - PAD.b);
    ctx.beginPath(); ctx.moveTo(PAD.l, y); ctx.lineTo(w - PAD.r, y); ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText(fmtTick(log ? 10 ** v : v), PAD.l - 4, y + 4);
  }
  ctx.textAlign = 'center';
  const xs = useCost ? Array.from({ length: Math.floor(Math.log10(xMax)) + 1 }, (_, k) => 10 ** k)
    : Array.from({ length: Math.floor(xMax / niceNumber(xMax / 4)) + 1 }, (_, k) => k * niceNumber(xMax / 4));
  for (const x of xs) ctx.fillText(fmtTick(x), X(x), h - PAD.b + 14);
  ctx.fillText(useCost ? 'examples seen, log (gradients computed: the cost)' : 'step', (PAD.l + w - PAD.r) / 2, h - 3);
  ctx.textAlign = 'left';
  ctx.save(); ctx.translate(11, h / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = 'center';
  ctx.fillText(log ? 'loss (log)' : 'loss', 0, 0); ctx.restore();
}
