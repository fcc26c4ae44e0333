// A small line chart on a canvas for columnar data (one typed array per column), with a
// linear or log y axis, decimation to the pixel width, and a hover/tap readout.

import { fitCanvas, onResize, localPoint, lineScale } from '../canvas.js';
import { fmtTick } from '../format.js';



export class LineChart {
  /** readout(xValue) -> text lines for the hover readout; onChange() asks for a redraw. */
  constructor(canvas, readoutEl, { readout, onChange }) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.readoutEl = readoutEl;
    this.readout = readout;
    this.onChange = onChange;
    this.size = { w: 0, h: 0 };
    this.hoverPx = null;
    this.xr = [0, 1];
    this.ticks = { x: [], y: [] };   // the values last drawn as tick labels
    this.fontPx = 10;
    this.pad = { left: 40, right: 6, top: 6, bottom: 15 };
    onResize(canvas, (box) => { this.size = fitCanvas(canvas, box); this.refreshFont(); onChange(); });
    const move = (e) => { this.hoverPx = localPoint(canvas, e).x; onChange(); };
    canvas.addEventListener('pointermove', move);
    canvas.addEventListener('pointerdown', move);
    canvas.addEventListener('pointerleave', (e) => {
      if (e.pointerType === 'touch') return; // a tap keeps its readout until the next tap
      this.hoverPx = null; this.readoutEl.hidden = true; onChange();
    });
  }

  /** Tick labels follow the page's type scale (--fs-small: larger in projector mode). */
  refreshFont() {
    const fs = parseFloat(getComputedStyle(this.canvas).getPropertyValue('--fs-small'));
    this.fontPx = Number.isFinite(fs) && fs > 0 ? Math.max(10, fs * 0.92) : 10;
    const f = this.fontPx;
    this.pad = { left: Math.round(f * 3.4 + 6), right: 6, top: 6, bottom: Math.round(f * 1.25 + 3) };
  }

  /** series: [{x, y, color, width, dash, alpha}] (x ascending); log: bool. */
  render(series, { log, emptyText }) {
    const PAD = this.pad;
    const { ctx } = this;
    const { w, h } = this.size;
    const lw = lineScale();
    ctx.clearRect(0, 0, w, h);
    const pw = w - PAD.left - PAD.right; const ph = h - PAD.top - PAD.bottom;
    if (pw < 10 || ph < 10) return;
    let x0 = Infinity; let x1 = -Infinity; let y0 = Infinity; let y1 = -Infinity;
    for (const s of series) {
      const n = s.x.length;
      if (!n) continue;
      x0 = Math.min(x0, s.x[0]); x1 = Math.max(x1, s.x[n - 1]);
      for (let i = 0; i < n; i++) {
        const v = s.y[i];
        if (!Number.isFinite(v) || (log && v <= 0) || Math.abs(v) > 1e300) continue;
        if (v < y0) y0 = v;
        if (v > y1) y1 = v;
      }
    }
    this.drawFrame(pw, ph);
    if (!Number.isFinite(x0) || !Number.isFinite(y0)) {
      this.xr = null;
      const text = Number.isFinite(x0) ? emptyText?.data : emptyText?.none;
      if (text) {
        ctx.fillStyle = '#6b7785';
        ctx.font = `${Math.round(this.fontPx * 1.15)}px system-ui, sans-serif`;
        ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
        ctx.fillText(text, PAD.left + pw / 2, PAD.top + ph / 2);
        ctx.textAlign = 'left';
      }
      return;
    }
    // x is a step number: at least 4 steps wide, so a lone point sits inside a range of whole steps
    if (x1 - x0 < 4) { const c = (x0 + x1) / 2; x0 = Math.max(0, Math.floor(c - 2)); x1 = x0 + 4; }
    let ly0 = 0; let ly1 = 1;
    if (log) {
      const pad = Math.max(0.05, (Math.log10(y1) - Math.log10(y0)) * 0.05);
      ly0 = Math.log10(y0) - pad;
      ly1 = Math.log10(y1) + pad;
      y0 = 10 ** ly0;
      y1 = 10 ** Math.min(ly1, 307);
    } else {
      if (y1 <= y0) { y1 = y0 + 1; }
      y0 = Math.min(0, y0);
      y1 *= 1.05;
    }
    this.xr = [x0, x1];
    const fy = log
      ? (v) => PAD.top + ph * (1 - (Math.log10(v) - ly0) / (ly1 - ly0))
      : (v) => PAD.top + ph * (1 - (v - y0) / (y1 - y0));
    const fx = (x) => PAD.left + (pw * (x - x0)) / (x1 - x0);
    this.drawTicks(fy, fx, y0, y1, x0, x1, log, pw, ph);
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, pw, ph);
    ctx.clip();
    for (const s of series) this.drawSeries(s, fx, fy, log, pw, lw);
    ctx.restore();
    this.drawHover(fx, pw, ph);
  }

  drawFrame(pw, ph) {
    const PAD = this.pad;
    const { ctx } = this;
    ctx.strokeStyle = '#d5dbe1';
    ctx.lineWidth = 1;
    ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, pw, ph);
  }

  drawTicks(fy, fx, y0, y1, x0, x1, log, pw, ph) {
    const PAD = this.pad;
    const { ctx } = this;
    const big = lineScale() > 1;
    const fpx = this.fontPx;
    ctx.font = `${fpx}px system-ui, sans-serif`;
    ctx.fillStyle = big ? '#111' : '#6b7785';
    ctx.strokeStyle = '#eef1f4';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const ticks = [];
    if (log) {
      const decades = Math.log10(y1) - Math.log10(y0);
      const mant = decades > 3.5 ? [1] : decades > 1.5 ? [1, 3] : decades > 0.7 ? [1, 2, 5] : [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9];
      const step = Math.max(1, Math.ceil(decades / 5));
      const eEnd = Math.min(Math.ceil(Math.log10(y1)), 400);
      for (let e = Math.max(Math.floor(Math.log10(y0)), -400); e <= eEnd; e += step) {
        for (const m of mant) { const v = m * 10 ** e; if (v >= y0 * 0.999 && v <= y1 * 1.001) ticks.push(v); }
      }
    } else {
      const step = niceStep((y1 - y0) / 3);
      for (let v = Math.ceil(y0 / step) * step, k = 0; v <= y1 + 1e-12 && k < 40; v += step, k++) ticks.push(v);
    }
    let lastY = Infinity;
    this.ticks = { x: [], y: [] };
    for (const v of ticks) {
      const y = fy(v);
      if (y < PAD.top - 1 || y > PAD.top + ph + 1 || Math.abs(lastY - y) < fpx * 1.2) continue;
      lastY = y;
      this.ticks.y.push(v);
      ctx.beginPath(); ctx.moveTo(PAD.left, y); ctx.lineTo(PAD.left + pw, y); ctx.stroke();
      ctx.fillText(fmtTick(v), PAD.left - 4, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    // steps are whole numbers: so are the x ticks (never 25.2, 25.4 ...)
    const xs = Math.max(1, niceStep((x1 - x0) / 4));
    const labelW = fpx * 4;
    for (let v = Math.ceil(x0 / xs) * xs, k = 0; v <= x1 && k < 40; v += xs, k++) {
      const x = fx(v);
      if (x < PAD.left + labelW || x > PAD.left + pw - 12) continue;
      this.ticks.x.push(v);
      ctx.fillText(fmtTick(v), x, PAD.top + ph + 2);
    }
    ctx.textAlign = 'left';
    ctx.fillText('step', PAD.left + 2, PAD.top + ph + 2);
  }

  drawSeries(s, fx, fy, log, pw, lw) {
    const { ctx } = this;
    const n = s.x.length;
    if (!n) return;
    ctx.beginPath();
    ctx.strokeStyle = s.color;
    ctx.globalAlpha = s.alpha ?? 1;
    ctx.lineWidth = (s.width ?? 1.5) * lw;
    ctx.setLineDash(s.dash ? s.dash.map((d) => d * lw) : []);
    const bucket = Math.max(1, Math.floor(n / (pw * 1.5)));
    let pen = false;
    const ok = (v) => Number.isFinite(v) && (!log || v > 0);
    for (let i = 0; i < n; i += bucket) {
      let lo = Infinity; let hi = -Infinity; let first = NaN; let last = NaN;
      const end = Math.min(n, i + bucket);
      for (let k = i; k < end; k++) {
        const v = s.y[k];
        if (!ok(v)) continue;
        if (Number.isNaN(first)) first = v;
        last = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!Number.isFinite(lo)) { pen = false; continue; }
      const x = fx(s.x[end - 1]);
      if (!pen) { ctx.moveTo(x, fy(first)); pen = true; } else ctx.lineTo(x, fy(first));
      if (bucket > 1) { ctx.lineTo(x, fy(lo)); ctx.lineTo(x, fy(hi)); }
      ctx.lineTo(x, fy(last));
    }
    ctx.stroke();
    if (n === 1 && ok(s.y[0])) {
      ctx.fillStyle = s.color;
      ctx.beginPath(); ctx.arc(fx(s.x[0]), fy(s.y[0]), 2.5 * lw, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  drawHover(fx, pw, ph) {
    const PAD = this.pad;
    const el = this.readoutEl;
    if (this.hoverPx === null || !this.xr) { el.hidden = true; return; }
    const px = Math.max(PAD.left, Math.min(PAD.left + pw, this.hoverPx));
    const xv = this.xr[0] + ((px - PAD.left) / pw) * (this.xr[1] - this.xr[0]);
    const lines = this.readout(xv);
    if (!lines || !lines.length) { el.hidden = true; return; }
    const { ctx } = this;
    ctx.strokeStyle = 'rgba(0,0,0,0.4)';
    ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(px + 0.5, PAD.top); ctx.lineTo(px + 0.5, PAD.top + ph); ctx.stroke();
    el.replaceChildren(...lines.map((t) => { const d = document.createElement('div'); d.textContent = t; return d; }));
    el.hidden = false;
    const rw = el.offsetWidth;
    el.style.left = `${px + 10 + rw > this.size.w ? Math.max(0, px - rw - 10) : px + 10}px`;
    el.style.top = '4px';
  }
}

function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

/** Index of the last x <= v in an ascending array (or 0). */
export function nearestIndex(xs, v) {
  let lo = 0; let hi = xs.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid] <= v) lo = mid; else hi = mid - 1;
  }
  if (lo + 1 < xs.length && Math.abs(xs[lo + 1] - v) < Math.abs(xs[lo] - v)) return lo + 1;
  return lo;
}
