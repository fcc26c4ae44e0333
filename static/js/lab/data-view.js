// On the regression surfaces, the point (w, b) is a model: this view draws the examples and
// each run's model at the step shown (a line w·x + b, or the curve sigmoid(w·x + b) for the
// classifier), so that moving on the surface and fitting the data are seen as one thing.

import { fitCanvas, onResize, lineScale } from '../canvas.js';
import { fmtTick } from '../format.js';
import { lab, RUN_COLORS } from './state.js';

let canvas; let box = null;
const PAD = 24;
const sigmoid = (z) => 1 / (1 + Math.exp(-z));

export function initDataView(el, redraw) {
  canvas = el;
  onResize(canvas, (b) => { box = b; redraw(); });
}

export function drawDataView() {
  const data = lab.facts?.data;
  canvas.parentElement.hidden = !data;
  if (!data || !box) return;
  const { w, h } = fitCanvas(canvas, box);
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const logistic = data.loss === 'bce';
  const model = logistic ? (p, x) => sigmoid(p[0] * x + p[1]) : (p, x) => p[0] * x + p[1];
  const xMin = Math.min(...data.x); const xMax = Math.max(...data.x);
  const yLo = logistic ? -0.05 : Math.min(...data.y) - 0.5; const yHi = logistic ? 1.05 : Math.max(...data.y) + 0.5;
  const X = (x) => PAD + ((x - xMin) / (xMax - xMin || 1)) * (w - 2 * PAD);
  const Y = (y) => h - PAD + ((yLo - y) / (yHi - yLo)) * (h - 2 * PAD);
  ctx.strokeStyle = '#d5dbe1'; ctx.lineWidth = 1; ctx.strokeRect(PAD, PAD, w - 2 * PAD, h - 2 * PAD);
  ctx.fillStyle = '#4b5866'; ctx.font = '11px system-ui, sans-serif'; ctx.textAlign = 'center';
  ctx.fillText(fmtTick(xMin), X(xMin), h - 8); ctx.fillText(fmtTick(xMax), X(xMax), h - 8);
  ctx.fillText(logistic ? 'x (dose) → probability of y = 1' : 'x → y', w / 2, h - 8);
  ctx.textAlign = 'left';
  ctx.fillStyle = 'rgba(29,39,51,0.55)';
  data.x.forEach((x, i) => { ctx.beginPath(); ctx.arc(X(x), Y(data.y[i]), 2.5, 0, 2 * Math.PI); ctx.fill(); });
  ctx.save();
  ctx.beginPath(); ctx.rect(PAD, PAD, w - 2 * PAD, h - 2 * PAD); ctx.clip();
  const lw = lineScale();
  (lab.paths?.runs ?? []).forEach((r, i) => {
    const p = r.path[Math.min(lab.t, r.path.length - 1)];
    if (!p || p[0] === null || p[1] === null) return;
    ctx.strokeStyle = RUN_COLORS[i % RUN_COLORS.length]; ctx.lineWidth = 2 * lw;
    ctx.beginPath();
    for (let k = 0; k <= 60; k++) {
      const x = xMin + ((xMax - xMin) * k) / 60;
      if (k) ctx.lineTo(X(x), Y(model(p, x))); else ctx.moveTo(X(x), Y(model(p, x)));
    }
    ctx.stroke();
  });
  ctx.restore();
}
