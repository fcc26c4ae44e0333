// The output heatmap: the network's output over the plane (orange negative / blue positive,
// or class colours), the training points (test points on a toggle), and rings on the points
// of the last mini-batch. Hover or tap for the value under the pointer. The plane is
// [-D, D]^2 with D = ready.grid_domain, the server's.

import { store, on, emit } from '../store.js';
import { register, invalidate, invalidateFrame } from '../loop.js';
import { fitCanvas, onResize, gridSurface, localPoint, lineScale } from '../canvas.js';
import { paintGrid, pointColor } from '../colors.js';
import * as session from '../session.js';
import { fmtTick } from '../format.js';
import { shownFrame } from './network-anim.js';
import { describeOutput, initHeatLegend } from './heat-legend.js';

let canvas; let ctx; let readout;
let size = { w: 0, h: 0, dpr: 1 };
let grid = null;          // G x G surface of the output
let points = null;        // the data points, pre-drawn at full resolution
let pointsKey = '';
let painted = null;
let pointRad = 4;         // drawn radius of a data point (CSS px)

export function initHeatmap() {
  canvas = document.querySelector('[data-testid="output-heatmap"]');
  readout = document.querySelector('[data-testid="heatmap-readout"]');
  ctx = canvas.getContext('2d');
  const test = document.querySelector('[data-testid="show-test"]');
  const disc = document.querySelector('[data-testid="discretize"]');
  test.addEventListener('change', () => session.setUi({ showTest: test.checked }));
  disc.addEventListener('change', () => session.setUi({ discretize: disc.checked }));
  on('ui', () => {
    test.checked = store.ui.showTest;
    disc.checked = store.ui.discretize;
    painted = null; pointsKey = '';
    invalidate('heatmap');
  });
  onResize(canvas, (box) => { size = fitCanvas(canvas, box); pointsKey = ''; invalidate('heatmap'); });
  on('ready', () => { pointsKey = ''; painted = null; invalidate('heatmap'); });
  on('frame', () => invalidateFrame('heatmap'));

  const showAt = (e) => {
    const p = localPoint(canvas, e);
    const text = valueAt(p.x, p.y);
    if (!text) { readout.hidden = true; return; }
    const k = trainPointAt(p.x, p.y, e.pointerType === 'touch' ? 14 : 6);
    canvas.classList.toggle('on-point', k >= 0);
    readout.replaceChildren(text);
    if (k >= 0) {
      const line = document.createElement('div');
      line.className = 'readout-hint';
      line.textContent = `training point ${k}: click to explain it`;
      readout.append(line);
    }
    readout.hidden = false;
    const rw = readout.offsetWidth;
    readout.style.left = `${p.x + 14 + rw > size.w ? Math.max(0, p.x - rw - 14) : p.x + 14}px`;
    readout.style.top = `${Math.max(0, p.y - 34)}px`;
  };
  canvas.addEventListener('pointermove', showAt);
  canvas.addEventListener('pointerdown', showAt);
  canvas.addEventListener('pointerleave', (e) => { if (e.pointerType !== 'touch') readout.hidden = true; });
  // A click on a training point: that example, explained (views/explain.js).
  canvas.addEventListener('click', (e) => {
    const p = localPoint(canvas, e);
    const k = trainPointAt(p.x, p.y, e.pointerType === 'touch' ? 14 : 6);
    if (k >= 0) emit('explain-open', k);
  });
  register('heatmap', render);
  initHeatLegend();
}

const domain = () => store.ready.grid_domain;
function toPx(x) { return ((x + domain()) / (2 * domain())) * size.w; }
function toPy(y) { return ((domain() - y) / (2 * domain())) * size.h; }

/** The training point nearest (px, py) within its radius plus `slack` CSS px, or -1. */
function trainPointAt(px, py, slack) {
  const train = store.ready?.data?.train;
  if (!train || !size.w) return -1;
  let best = -1; let bestD = (pointRad + slack) ** 2;
  for (let k = 0; k < train.x.length; k++) {
    const dx = toPx(train.x[k][0]) - px; const dy = toPy(train.x[k][1]) - py;
    const d = dx * dx + dy * dy;
    if (d < bestD) { bestD = d; best = k; }
  }
  return best;
}

function valueAt(px, py) {
  const f = shownFrame();
  const m = f?.meta.output_grid;
  if (!m) return '';
  const [G, , C] = m.shape;
  const c = Math.min(G - 1, Math.max(0, Math.floor((px / size.w) * G)));
  const r = Math.min(G - 1, Math.max(0, Math.floor((py / size.h) * G)));
  const D = domain();
  const x1 = -D + (2 * D * px) / size.w; const x2 = D - (2 * D * py) / size.h;
  const q = f.arrays.output_grid;
  const val = (k) => m.lo + ((m.hi - m.lo) * q[(r * G + c) * C + k]) / 255;
  const out = describeOutput(Array.from({ length: C }, (_, k) => val(k)));
  return `x₁ ${x1.toFixed(2)}, x₂ ${x2.toFixed(2)} → ${out}`;
}

function drawPoints() {
  const ready = store.ready;
  const lw = lineScale();
  const key = `${size.w}|${size.h}|${store.ui.showTest}|${lw}|${store.frames ? 1 : 0}`;
  if (key === pointsKey && points) return;
  pointsKey = key;
  const dpr = size.dpr || 1;
  if (!points) points = document.createElement('canvas');
  points.width = Math.round(size.w * dpr); points.height = Math.round(size.h * dpr);
  const p = points.getContext('2d');
  p.setTransform(dpr, 0, 0, dpr, 0, 0);
  p.clearRect(0, 0, size.w, size.h);
  if (!ready?.data) return;
  const n = (ready.data.train?.x.length || 0) + (store.ui.showTest ? ready.data.test?.x.length || 0 : 0);
  const crowd = Math.min(1, Math.sqrt(600 / Math.max(1, n)));
  const rad = Math.max(2, (size.w / 110) * (lw > 1 ? 1.5 : 1) * Math.max(0.7, crowd));
  pointRad = rad;
  const draw = (set, test) => {
    if (!set) return;
    p.lineWidth = test ? 1.2 * Math.sqrt(lw) : Math.sqrt(lw);
    p.strokeStyle = test ? '#111' : '#fff';
    for (let k = 0; k < set.x.length; k++) {
      const [x1, x2] = set.x[k];
      p.beginPath();
      p.arc(toPx(x1), toPy(x2), rad, 0, 2 * Math.PI);
      p.fillStyle = pointColor(set.y[k], store.kind);
      p.fill();
      p.stroke();
    }
  };
  draw(ready.data.train, false);
  if (store.ui.showTest) draw(ready.data.test, true);
}

function render() {
  if (!size.w) return;
  ctx.clearRect(0, 0, size.w, size.h);
  const f = shownFrame(); // the output before the update while a step animates
  const m = f?.meta.output_grid;
  if (f && m) {
    if (painted !== f) {
      const [G, , C] = m.shape;
      if (!grid || grid.w !== G) grid = gridSurface(G, G);
      paintGrid(grid.image.data, f.arrays.output_grid, C, m.lo, m.hi, store.ui.discretize, -1, C > 1 ? 0.6 : 0.8);
      grid.ctx.putImageData(grid.image, 0, 0);
      painted = f;
    }
    ctx.imageSmoothingEnabled = !store.ui.discretize;
    ctx.drawImage(grid.canvas, 0, 0, size.w, size.h);
  } else {
    ctx.fillStyle = '#eef1f4';
    ctx.fillRect(0, 0, size.w, size.h);
  }
  if (!store.ready) return;
  drawPoints();
  if (points?.width) ctx.drawImage(points, 0, 0, size.w, size.h);
  drawBatch(store.frame); // the batch of the step on show
  drawAxes();
}

/** Rings on the training points of the last mini-batch (not when the batch is everything). */
function drawBatch(f) {
  const batch = f?.arrays.batch;
  const train = store.ready?.data?.train;
  if (!batch || !train || !batch.length || batch.length >= train.x.length) return;
  const lw = lineScale();
  const rad = Math.max(4.5, size.w / 55) * (lw > 1 ? 1.5 : 1);
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 1.8 * lw;
  ctx.beginPath();
  for (let k = 0; k < batch.length; k++) {
    const pt = train.x[batch[k]];
    if (!pt) continue;
    const x = toPx(pt[0]); const y = toPy(pt[1]);
    ctx.moveTo(x + rad, y);
    ctx.arc(x, y, rad, 0, 2 * Math.PI);
  }
  ctx.stroke();
}

function drawAxes() {
  const lw = lineScale();
  // --canvas-small (classroom.css): the back row's size in projector mode.
  const big = parseFloat(getComputedStyle(document.body).getPropertyValue('--canvas-small'));
  ctx.fillStyle = big ? '#000' : 'rgba(0,0,0,0.55)';
  ctx.font = `${big || 10 * (lw > 1 ? 1.4 : 1)}px system-ui, sans-serif`;
  ctx.textBaseline = 'bottom';
  const D = fmtTick(domain());
  ctx.fillText(`−${D}`, 3, size.h - 2);
  ctx.textAlign = 'right';
  ctx.fillText(`x₁ → ${D}`, size.w - 3, size.h - 2);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(`${D}  ↑ x₂`, 3, 2);
  ctx.strokeStyle = 'rgba(0,0,0,0.12)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(size.w / 2, 0); ctx.lineTo(size.w / 2, size.h);
  ctx.moveTo(0, size.h / 2); ctx.lineTo(size.w, size.h / 2);
  ctx.stroke();
}

