// The real network's loss landscape, on demand: the training loss on a grid around the current
// weights along two directions (random, filter-normalised; or the run's two principal directions),
// drawn as the lab's filled log-scale contours, with the run's path projected onto that plane and
// the current weights (the centre) marked. Self-contained: a button opens it as a panel.

import { request, onLandscape } from '../session.js';
import { el } from '../dom.js';
import { fitCanvas, lineScale } from '../canvas.js';
import { fmtNum, fmtLoss, fmtPct } from '../format.js';
import { paintSurface, bandColor } from '../lab/contours.js';

const SIZE = 41;
let panel = null; let canvas = null; let legend = null; let info = null;
let directions = 'random'; let span = 1.0; let asked = null; let answer = null; let nextId = 1;

export function initLandscape(button) {
  button.addEventListener('click', () => (panel && !panel.hidden ? close() : open()));
  onLandscape((msg) => { if (msg.id === asked) { answer = msg; asked = null; draw(); } });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && panel && !panel.hidden) close(); });
}

function open() {
  if (!panel) build();
  panel.hidden = false;
  ask();
}

function close() { panel.hidden = true; }

function ask() {
  asked = `landscape-${nextId++}`;
  info.textContent = 'computing the loss on the grid…';
  if (!request({ type: 'landscape', id: asked, size: SIZE, span, directions })) info.textContent = 'not connected';
}

function build() {
  const choice = (name, label) => el('button', { type: 'button', role: 'radio', 'aria-checked': String(name === directions),
    'data-directions': name, 'data-testid': `landscape-${name}`,
    onclick: () => { directions = name; for (const b of panel.querySelectorAll('[data-directions]')) b.setAttribute('aria-checked', String(b.dataset.directions === name)); ask(); } }, label);
  const spanInput = el('select', { 'aria-label': 'Span', 'data-testid': 'landscape-span',
    onchange: () => { span = Number(spanInput.value); ask(); } },
  ...[0.25, 0.5, 1, 2, 5].map((v) => el('option', { value: String(v), selected: v === span }, `±${v}`)));
  canvas = el('canvas.landscape-canvas', { 'data-testid': 'landscape-canvas' });
  legend = el('canvas.landscape-legend', {});
  info = el('p.landscape-info', { 'data-testid': 'landscape-info' });
  panel = el('section.landscape-panel', { 'data-testid': 'landscape-panel', role: 'dialog', 'aria-label': 'Loss landscape' },
    el('header.landscape-head', {},
      el('h2', {}, 'Loss landscape'),
      el('div.segmented', { role: 'radiogroup', 'aria-label': 'Directions' }, choice('random', 'random directions'), choice('pca', 'path (PCA)')),
      spanInput,
      el('button', { type: 'button', title: 'Compute again at the current weights', 'data-testid': 'landscape-refresh', onclick: ask }, 'Refresh'),
      el('button.close', { type: 'button', 'aria-label': 'Close', onclick: close }, '×')),
    el('div.landscape-body', {}, canvas, legend),
    info,
    el('p.hint', {}, 'The training loss at the current weights θ plus a·d₁ + b·d₂, for a and b across the grid (filter-normalised directions, Li et al. 2018). ',
      '✕ marks the current weights; the line is the path training took, projected onto this plane (it can leave the plane: only two of many directions are shown).'));
  document.body.append(panel);
}

function draw() {
  const a = answer;
  const { w, h } = fitCanvas(canvas);
  const ctx = canvas.getContext('2d');
  const facts = { xs: a.alphas, ys: a.betas, values: a.losses };
  const { canvas: image, scale } = paintSurface(facts, canvas.width, canvas.height);
  ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.drawImage(image, 0, 0); ctx.restore();
  const [x0, x1] = [a.alphas[0], a.alphas.at(-1)]; const [y0, y1] = [a.betas[0], a.betas.at(-1)];
  const P = ([x, y]) => [((x - x0) / (x1 - x0)) * w, ((y1 - y) / (y1 - y0)) * h];
  const lw = lineScale();
  const path = (a.path ?? []).filter((p) => p && p[0] !== null && p[1] !== null);
  if (path.length > 1) {
    for (const [stroke, width] of [['rgba(255,255,255,0.9)', 4.5], ['#d7263d', 2]]) {
      ctx.strokeStyle = stroke; ctx.lineWidth = width * lw; ctx.lineJoin = 'round';
      ctx.beginPath();
      path.forEach((p, k) => { const [x, y] = P(p); if (k) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
      ctx.stroke();
    }
    const [sx, sy] = P(path[0]);
    ctx.fillStyle = '#fff'; ctx.strokeStyle = '#d7263d'; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(sx, sy, 5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    ctx.fillStyle = '#1d2733'; ctx.font = `600 ${12 * lw}px system-ui, sans-serif`;
    ctx.fillText('step 0', sx + 8, sy - 6);
  }
  const [cx, cy] = P([0, 0]);
  for (const [stroke, width] of [['#fff', 5], ['#1d2733', 2.2]]) {
    ctx.strokeStyle = stroke; ctx.lineWidth = width * lw;
    ctx.beginPath(); ctx.moveTo(cx - 7, cy - 7); ctx.lineTo(cx + 7, cy + 7); ctx.moveTo(cx + 7, cy - 7); ctx.lineTo(cx - 7, cy + 7); ctx.stroke();
  }
  ctx.fillStyle = '#1d2733'; ctx.fillText(`now (step ${a.step})`, cx + 10, cy + 16);
  drawLegend(scale);
  canvas.dataset.size = String(a.losses.length);
  canvas.dataset.pathPoints = String(path.length);
  canvas.dataset.directions = a.directions;
  const ev = a.explained_variance;
  const reach = Math.max(0, ...path.flat().map(Math.abs));
  info.textContent = `Step ${a.step}: loss ${fmtLoss(a.centre_loss)} at the centre; grid ${a.losses.length} × ${a.losses.length}, ±${fmtNum(a.span)} along each direction.`
    + (a.directions === 'pca' && ev ? ` The two directions explain ${fmtPct(ev[0])} and ${fmtPct(ev[1])} of the path's variance.` : '')
    + (a.directions === 'pca' ? '' : ' Random directions: a slice through the weights, not the way training went.')
    + (reach > a.span ? ` The path reaches ±${fmtNum(reach, 2)}, beyond the grid: choose a wider span to see where it began.` : '');
}

function drawLegend(scale) {
  const { w, h } = fitCanvas(legend);
  const ctx = legend.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const bw = (w - 2) / scale.bands;
  for (let k = 0; k < scale.bands; k++) {
    ctx.fillStyle = `rgb(${bandColor(k).join(',')})`;
    ctx.fillRect(1 + k * bw, 0, bw + 0.5, 10);
  }
  ctx.fillStyle = '#4b5866'; ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`loss ${fmtNum(scale.edge(0), 3)}`, 1, 22);
  ctx.textAlign = 'center'; ctx.fillText('(log colour scale)', w / 2, 22);
  ctx.textAlign = 'right'; ctx.fillText(fmtNum(scale.edge(scale.bands), 3), w - 1, 22);
  ctx.textAlign = 'left';
}
