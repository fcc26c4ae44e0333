// The surface view: filled contours, the minima, the start (drag it), every run's path up to the
// step shown with a dot at that step, and on demand the arrows of the gradient and of the
// optimizer's state at that point. The legend beside it shows the contour bands' losses.

import { fitCanvas, onResize, localPoint, lineScale } from '../canvas.js';
import { fmtTick } from '../format.js';
import { paintSurface, bandColor } from './contours.js';
import { lab, RUN_COLORS } from './state.js';

let canvas; let legend; let box = null; let painted = null; let paintedFor = null;

/** Wire the canvas; `onStart([x, y], final)` is called while dragging and once at the end. */
export function initPlane(canvasEl, legendEl, onStart, redraw) {
  canvas = canvasEl; legend = legendEl;
  onResize(canvas, (b) => { box = b; redraw(); });
  let dragging = false;
  const at = (ev) => {
    const p = localPoint(canvas, ev);
    return toData(p.x, p.y, p.rect.width, p.rect.height);
  };
  canvas.addEventListener('pointerdown', (ev) => {
    if (!lab.facts) return;
    dragging = true;
    canvas.setPointerCapture(ev.pointerId);
    onStart(at(ev), false);
  });
  canvas.addEventListener('pointermove', (ev) => { if (dragging) onStart(at(ev), false); });
  const end = (ev) => { if (dragging) { dragging = false; onStart(at(ev), true); } };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
}

function toData(px, py, w, h) {
  const [[x0, x1], [y0, y1]] = lab.facts.window;
  const clamp = (v, a, b) => Math.max(a, Math.min(b, v));
  return [clamp(x0 + (px / w) * (x1 - x0), x0, x1), clamp(y1 - (py / h) * (y1 - y0), y0, y1)];
}

function toPixel([x, y], w, h) {
  const [[x0, x1], [y0, y1]] = lab.facts.window;
  const lim = (v) => Math.max(-1e5, Math.min(1e5, v)); // a diverged path leaves the canvas, sanely
  return [lim(((x - x0) / (x1 - x0)) * w), lim(((y1 - y) / (y1 - y0)) * h)];
}

export function drawPlane() {
  if (!canvas || !lab.facts) return;
  const { w, h, dpr } = fitCanvas(canvas, box);
  const ctx = canvas.getContext('2d');
  const key = `${lab.facts.name}|${JSON.stringify(lab.facts.params)}|${canvas.width}x${canvas.height}`;
  if (paintedFor !== key) {
    painted = paintSurface(lab.facts, canvas.width, canvas.height);
    paintedFor = key;
    drawLegend(painted.scale);
  }
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(painted.canvas, 0, 0);
  ctx.restore();
  void dpr;
  const lw = lineScale();
  const runs = lab.paths?.runs ?? [];
  runs.forEach((run, i) => drawPath(ctx, run, RUN_COLORS[i % RUN_COLORS.length], w, h, lw));
  for (const m of lab.facts.minima) drawMinimum(ctx, toPixel(m, w, h), lw); // the goal, on top
  let slot = 0; // label rows used so far: labels of all runs stack, never on top of each other
  if (lab.arrows) runs.forEach((run, i) => { slot = drawArrows(ctx, run, RUN_COLORS[i % RUN_COLORS.length], w, h, lw, slot); });
  drawStart(ctx, toPixel(lab.start ?? lab.facts.start, w, h), lw);
  canvas.dataset.paths = String(runs.length);
  const first = runs[0]?.path?.[0];
  canvas.dataset.pathStart = first ? first.map((v) => Number(v.toPrecision(6))).join(',') : '';
}

function drawPath(ctx, run, color, w, h, lw) {
  const last = Math.min(lab.t, run.path.length - 1);
  ctx.lineJoin = 'round';
  for (const [stroke, width] of [['rgba(255,255,255,0.85)', 4.5], [color, 2]]) {
    ctx.strokeStyle = stroke; ctx.lineWidth = width * lw;
    ctx.beginPath();
    let open = false;
    for (let k = 0; k <= last; k++) {
      const p = run.path[k];
      if (!p || p[0] === null || p[1] === null) break;
      const [x, y] = toPixel(p, w, h);
      if (open) ctx.lineTo(x, y); else { ctx.moveTo(x, y); open = true; }
    }
    ctx.stroke();
  }
  const p = lastFinite(run.path, last);
  if (!p) return;
  const [x, y] = toPixel(p, w, h);
  ctx.fillStyle = color; ctx.strokeStyle = '#fff'; ctx.lineWidth = 1.5 * lw;
  ctx.beginPath(); ctx.arc(x, y, 5 * lw, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
}

function lastFinite(path, last) {
  for (let k = last; k >= 0; k--) if (path[k] && path[k][0] !== null && path[k][1] !== null) return path[k];
  return null;
}

/** At the step shown: the downhill direction −∇L, and what the optimizer keeps (its state). */
function drawArrows(ctx, run, color, w, h, lw, slot) {
  const k = Math.min(lab.t, run.grads.length - 1);
  const p = run.path[k];
  if (k < 0 || !p || p[0] === null) return slot;
  const origin = toPixel(p, w, h);
  const vectors = [['−∇L', run.grads[k], false]];
  const s = run.state || {};
  const prev = (name) => s[name]?.[k]; // the state the next step reads: after k steps
  if (s.momentum_buffer) vectors.push(['−v', prev('momentum_buffer'), true]);
  if (s.exp_avg) vectors.push(['−m', prev('exp_avg'), true]);
  const [[x0, x1], [y0, y1]] = lab.facts.window;
  for (const [label, v, dashed] of vectors) {
    if (!v || v[0] === null || v[1] === null) continue;
    const dx = -v[0] / (x1 - x0); const dy = v[1] / (y1 - y0); // downhill, in pixels per unit
    const len = Math.hypot(dx, dy);
    if (!(len > 0)) continue;
    const L = 36 + 24 * Math.tanh(Math.log10(len * 10 + 1)); // longer for larger, never off-screen
    const end = [origin[0] + (dx / len) * L, origin[1] + (dy / len) * L];
    arrow(ctx, origin, end, color, lw, dashed);
    // Labels stack below each other (arrows often point the same way), on a white halo.
    ctx.font = `600 ${11 * lw}px system-ui, sans-serif`;
    const [tx, ty] = [end[0] + 6, end[1] - 4 + slot++ * 14 * lw];
    ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.lineWidth = 3; ctx.strokeText(label, tx, ty);
    ctx.fillStyle = color; ctx.fillText(label, tx, ty);
  }
  return slot;
}

function arrow(ctx, [ax, ay], [bx, by], color, lw, dashed) {
  ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 2 * lw;
  ctx.setLineDash(dashed ? [5, 3] : []);
  ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
  ctx.setLineDash([]);
  const a = Math.atan2(by - ay, bx - ax);
  ctx.beginPath();
  ctx.moveTo(bx, by);
  ctx.lineTo(bx - 9 * Math.cos(a - 0.4), by - 9 * Math.sin(a - 0.4));
  ctx.lineTo(bx - 9 * Math.cos(a + 0.4), by - 9 * Math.sin(a + 0.4));
  ctx.closePath(); ctx.fill();
}

function drawMinimum(ctx, [x, y], lw) {
  ctx.lineCap = 'round';
  for (const [stroke, width] of [['#fff', 5], ['#1d2733', 2]]) {
    ctx.strokeStyle = stroke; ctx.lineWidth = width * lw;
    ctx.beginPath(); ctx.moveTo(x - 6, y - 6); ctx.lineTo(x + 6, y + 6); ctx.moveTo(x + 6, y - 6); ctx.lineTo(x - 6, y + 6); ctx.stroke();
  }
}

function drawStart(ctx, [x, y], lw) {
  ctx.fillStyle = '#fff'; ctx.strokeStyle = '#1d2733'; ctx.lineWidth = 2.5 * lw;
  ctx.beginPath(); ctx.arc(x, y, 7 * lw, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
  ctx.font = `600 ${12 * lw}px system-ui, sans-serif`; ctx.fillStyle = '#1d2733';
  ctx.fillText('start', x + 10, y - 8);
}

/** The bands from low (bottom) to high (top), with the loss at some band edges. */
function drawLegend(scale) {
  const { w, h } = fitCanvas(legend);
  const ctx = legend.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const top = 24; const bottom = h - 10; const barW = 14;
  const bandH = (bottom - top) / scale.bands;
  for (let k = 0; k < scale.bands; k++) {
    ctx.fillStyle = `rgb(${bandColor(k).join(',')})`;
    ctx.fillRect(0, bottom - (k + 1) * bandH, barW, bandH + 0.5);
  }
  ctx.strokeStyle = '#7a8794'; ctx.lineWidth = 1; ctx.strokeRect(0.5, top, barW, bottom - top);
  ctx.fillStyle = '#4b5866'; ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
  for (let k = 0; k <= scale.bands; k += 2) ctx.fillText(fmtTick(scale.edge(k)), barW + 4, bottom - k * bandH);
  ctx.textBaseline = 'alphabetic';
  ctx.fillText('loss (log)', 0, 10);
}
