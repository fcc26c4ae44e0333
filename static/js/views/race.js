// The race (docs/protocol.md, "The race"): 2 to 7 lanes of the current network, each with its own
// optimizer, trained in lockstep from identical weights on identical batches. A button opens a
// panel: first the lanes to race (optimizer, learning rate, its first hyperparameter), then,
// while racing, every lane's batch losses overlaid on one chart and each lane's numbers and
// output heatmap. The page's play / pause / step drive all lanes (the server steps them all).
//
// The panel reads the store (ready.lanes, frame.header.lanes, the lane.<i>.* arrays) and sends
// through the session; what it keeps itself is the form being edited and each lane's loss
// history, built from the frames as the main chart's is (history.js).

import { store, on } from '../store.js';
import * as session from '../session.js';
import { COMMAND } from '../protocol.js';
import { el } from '../dom.js';
import { register, invalidate } from '../loop.js';
import { createHistory } from '../history.js';
import { LineChart, nearestIndex } from './chart.js';
import { fitCanvas, onResize, gridSurface } from '../canvas.js';
import { paintGrid, pointColor } from '../colors.js';
import { RUN_COLORS } from '../lab/state.js';
import { setting, bounds, hyperSpec, label, fromText } from '../schema.js';
import { fmtNum, fmtLoss } from '../format.js';

const [MIN_LANES, MAX_LANES] = [2, 7]; // the protocol's limits on `race`
const DEFAULT_LANES = [
  { optimizer: 'sgd', learning_rate: 0.03, hyper: {} },
  { optimizer: 'sgd', learning_rate: 0.03, hyper: { momentum: 0.9 } },
  { optimizer: 'adam', learning_rate: 0.01, hyper: {} },
];

let panel = null; let setupBox = null; let raceBox = null; let message = null;
let chart = null; let legend = null; let lanesBox = null;
let form = DEFAULT_LANES.map((lane) => ({ ...lane, hyper: { ...lane.hyper } }));
let asked = null;          // the id of our `race` command until it is answered
let histories = [];        // per lane: createHistory(), fed from the frames
let heatmaps = [];         // per lane: {canvas, surface, size}

export function initRace(button) {
  button.addEventListener('click', () => (panel && !panel.hidden ? close() : open()));
  on('ready', () => {
    const lanes = racing();
    histories = lanes ? lanes.map(() => createHistory()) : [];
    if (asked !== null && store.ready?.id === asked) { asked = null; if (message) say(''); }
    button.setAttribute('aria-pressed', String(Boolean(lanes)));
    button.textContent = lanes ? `Racing (${lanes.length})` : 'Race optimizers';
    if (panel) show();
  });
  on('frame', () => { if (addFrame()) invalidate('race'); });
  on('error', () => {
    const e = store.controlError;
    if (panel && e && e.id === asked) { asked = null; say(`Refused: ${e.message}`, true); }
  });
  on('ui', () => invalidate('race'));
  register('race', render);
}

/** The lanes of the race the server runs (ready.lanes), or null when not racing. */
const racing = () => store.ready?.lanes ?? null;

function open() {
  if (!panel) build();
  panel.hidden = false;
  show();
}

function close() { panel.hidden = true; }

/** A line under the panel: progress, or (`problem`) why the race did not start. */
function say(text, problem = false) { message.textContent = text; message.classList.toggle('problem', problem); }

/** Lane `i`'s colour chip (set through CSSOM: the CSP allows no inline style attributes). */
function swatch(i) {
  const chip = el('span.race-swatch', { 'aria-hidden': 'true' });
  chip.style.background = RUN_COLORS[i];
  return chip;
}

// ---- the lanes to race ----------------------------------------------------------------------

function build() {
  message = el('p.race-message', { 'data-testid': 'race-message', role: 'status' });
  setupBox = el('div.race-setup', {});
  const canvas = el('canvas.race-chart', { 'data-testid': 'race-chart' });
  const readout = el('div.readout.chart-readout', { hidden: true });
  legend = el('div.race-legend', { 'data-testid': 'race-legend' });
  lanesBox = el('div.race-lanes', {});
  raceBox = el('div.race-live', {},
    el('div.race-bar', {}, el('p.hint', {}, 'Play, Pause and Step of the page drive every lane.'),
      el('button', { type: 'button', 'data-testid': 'race-leave', onclick: leave }, 'Leave race')),
    legend, el('div.race-chart-wrap', {}, canvas, readout), lanesBox);
  chart = new LineChart(canvas, readout, { readout: readoutAt, onChange: () => invalidate('race') });
  panel = el('section.race-panel', { 'data-testid': 'race-panel', role: 'dialog', 'aria-label': 'Race optimizers' },
    el('header.race-head', {}, el('h2', {}, 'Race optimizers'),
      el('button.close', { type: 'button', 'aria-label': 'Close', onclick: close }, '×')),
    setupBox, raceBox, message);
  document.body.append(panel);
}

/** The setup form when not racing, the race when racing. */
function show() {
  const lanes = racing();
  setupBox.hidden = Boolean(lanes);
  raceBox.hidden = !lanes;
  if (lanes) buildLanes(lanes);
  else { buildSetup(); legend.replaceChildren(); lanesBox.replaceChildren(); heatmaps = []; }
  invalidate('race');
}

function buildSetup() {
  const rows = form.map((lane, i) => laneEditor(lane, i));
  const add = el('button', { type: 'button', 'data-testid': 'race-add', disabled: form.length >= MAX_LANES,
    onclick: () => { form.push({ ...form.at(-1), hyper: { ...form.at(-1).hyper } }); buildSetup(); } }, '+ lane');
  const start = el('button.primary', { type: 'button', 'data-testid': 'race-start', onclick: startRace }, 'Start race');
  setupBox.replaceChildren(
    el('p.hint', {}, 'Each lane trains the current network from the same initial weights on the same mini-batches; only the optimizer differs.'),
    ...rows, el('div.race-bar', {}, add, start));
}

function laneEditor(lane, i) {
  const opts = store.hello?.options?.optimizers ?? [];
  const select = el('select', { 'aria-label': `Lane ${i + 1} optimizer`, 'data-testid': 'race-optimizer',
    onchange: () => { lane.optimizer = select.value; lane.hyper = {}; buildSetup(); } },
  ...opts.map((o) => el('option', { value: o.name, selected: o.name === lane.optimizer }, o.label)));
  const [lo, hi] = bounds(setting('learning_rate'));
  const lr = el('input', { type: 'number', min: String(lo), max: String(hi), step: 'any', value: String(lane.learning_rate),
    'aria-label': `Lane ${i + 1} learning rate`, 'data-testid': 'race-lr',
    oninput: () => { lane.learning_rate = lr.value; } });
  // The optimizer's first hyperparameter (momentum, beta1, alpha...): the one a race usually varies.
  const [name, spec] = Object.entries(hyperSpec(lane.optimizer)).find(([, s]) => s.type === 'number') ?? [];
  const hyper = name ? el('label.race-hyper', { title: spec.description ?? '' }, name, ' ',
    el('input', { type: 'number', min: String(spec.minimum ?? ''), max: String(spec.maximum ?? ''), step: 'any',
      value: String(lane.hyper[name] ?? spec.default), 'data-testid': 'race-hyper',
      oninput: (ev) => { lane.hyper = { [name]: ev.target.value }; } })) : '';
  const remove = el('button', { type: 'button', 'aria-label': `Remove lane ${i + 1}`, 'data-testid': 'race-remove',
    disabled: form.length <= MIN_LANES, onclick: () => { form.splice(i, 1); buildSetup(); } }, '×');
  return el('div.race-lane-edit', { 'data-testid': 'race-lane-edit' },
    swatch(i), select, el('label', {}, 'lr ', lr), hyper, remove);
}

/** The form as `race` lanes, each value read as the schema says; null (and a message) if one is not allowed. */
function lanesToSend() {
  const lanes = [];
  for (const [i, lane] of form.entries()) {
    const learningRate = fromText(setting('learning_rate'), String(lane.learning_rate));
    if (learningRate === undefined) { say(`Lane ${i + 1}: the learning rate must be from ${bounds(setting('learning_rate')).join(' to ')}.`, true); return null; }
    const hyper = {};
    for (const [name, text] of Object.entries(lane.hyper)) {
      const v = fromText(hyperSpec(lane.optimizer)[name] ?? {}, String(text));
      if (v === undefined) { say(`Lane ${i + 1}: ${name} is not allowed.`, true); return null; }
      hyper[name] = v;
    }
    lanes.push({ optimizer: lane.optimizer, learning_rate: learningRate, hyper });
  }
  return lanes;
}

function startRace() {
  const lanes = lanesToSend();
  if (!lanes) return;
  say('');
  asked = session.command(COMMAND.RACE, { lanes });
  if (asked !== null) say('starting…');
}

/** Leave the race: the current configuration again, as one run. */
function leave() {
  say('');
  session.configure({});
}

// ---- the race -------------------------------------------------------------------------------

/** What a lane is called: its optimizer, the hyperparameters it changed, its learning rate. */
function laneName(lane) {
  const spec = hyperSpec(lane.optimizer);
  const changed = Object.entries(lane.hyper ?? {})
    .filter(([k, v]) => spec[k] && v !== spec[k].default).map(([k, v]) => `${k} ${fmtNum(Number(v), 4)}`);
  return [label('optimizers', lane.optimizer), ...changed, `lr ${fmtNum(lane.learning_rate, 4)}`].join(', ');
}

function buildLanes(lanes) {
  legend.replaceChildren(...lanes.map((lane, i) => el('span.race-legend-entry', { 'data-testid': 'race-legend-entry' },
    swatch(i), laneName(lane))));
  heatmaps = [];
  lanesBox.replaceChildren(...lanes.map((lane, i) => {
    const canvas = el('canvas.race-heatmap', { 'data-testid': 'race-heatmap' });
    const hm = { canvas, surface: null, size: { w: 0, h: 0 } };
    onResize(canvas, (box) => { hm.size = fitCanvas(canvas, box); invalidate('race'); });
    heatmaps.push(hm);
    const metric = (name, text) => el('div.race-metric', {}, el('span', {}, text), el('output', { 'data-testid': `race-${name}` }, '–'));
    const card = el('div.race-lane', { 'data-testid': 'race-lane' },
      el('div.race-lane-name', {}, swatch(i), laneName(lane)),
      canvas,
      el('div.race-metrics', {}, metric('train-loss', 'train loss'), metric('test-loss', 'test loss'),
        metric('train-accuracy', 'train acc.'), metric('test-accuracy', 'test acc.')),
      el('div.race-diverged', { 'data-testid': 'race-diverged', hidden: true }, 'diverged'));
    card.style.borderColor = RUN_COLORS[i];
    return card;
  }));
}

/** Add the newest frame's lanes to their histories; false when the frame is not a race's. */
function addFrame() {
  const f = store.frame;
  const lanes = f?.header.lanes;
  if (!lanes || lanes.length !== histories.length) return false;
  lanes.forEach((lane, i) => histories[i].add({
    header: lane,
    arrays: { loss_steps: f.arrays[`lane.${i}.loss_steps`], losses: f.arrays[`lane.${i}.losses`] },
  }));
  return true;
}

function readoutAt(x) {
  const lanes = racing();
  if (!lanes) return [];
  return lanes.map((lane, i) => {
    const h = histories[i]?.batch;
    if (!h?.n) return '';
    const k = nearestIndex(h.col('step'), x);
    return `${label('optimizers', lane.optimizer)} (lane ${i + 1}), step ${h.col('step')[k]}: ${fmtLoss(h.col('loss')[k], 4)}`;
  }).filter(Boolean);
}

function render() {
  if (!panel || panel.hidden || raceBox.hidden) return;
  // Earlier lanes drawn wider, so that lanes on the same path show as stripes, not one line.
  const n = histories.length;
  chart.render(histories.map((h, i) => ({ x: h.batch.col('step'), y: h.batch.col('loss'), color: RUN_COLORS[i], width: 1.2 + 0.9 * (n - 1 - i) })),
    { log: store.ui.logScale, emptyText: { none: 'Step or play to start the race' } });
  const f = store.frame;
  const lanes = f?.header.lanes;
  if (!lanes) return;
  const acc = (x) => (Number.isFinite(x) ? `${fmtNum(100 * x, 4)}%` : '–');
  [...lanesBox.children].forEach((card, i) => {
    const lane = lanes[i];
    if (!lane) return;
    card.querySelector('[data-testid="race-train-loss"]').textContent = fmtLoss(lane.train_loss, 4);
    card.querySelector('[data-testid="race-test-loss"]').textContent = fmtLoss(lane.test_loss, 4);
    card.querySelector('[data-testid="race-train-accuracy"]').textContent = acc(lane.train_accuracy);
    card.querySelector('[data-testid="race-test-accuracy"]').textContent = acc(lane.test_accuracy);
    card.querySelector('[data-testid="race-diverged"]').hidden = !lane.diverged;
    drawHeatmap(heatmaps[i], f, i);
  });
}

/** Lane `i`'s output over the plane, coloured as the main heatmap, with the training points. */
function drawHeatmap(hm, f, i) {
  const q = f.arrays[`lane.${i}.output_grid`];
  const m = f.meta[`lane.${i}.output_grid`];
  if (!hm || !q || !m || !hm.size.w) return;
  const { w, h } = hm.size;
  const [G, , C] = m.shape;
  if (!hm.surface || hm.surface.w !== G) hm.surface = gridSurface(G, G);
  paintGrid(hm.surface.image.data, q, C, m.lo, m.hi, store.ui.discretize, -1, C > 1 ? 0.6 : 0.8);
  hm.surface.ctx.putImageData(hm.surface.image, 0, 0);
  const ctx = hm.canvas.getContext('2d');
  ctx.imageSmoothingEnabled = !store.ui.discretize;
  ctx.drawImage(hm.surface.canvas, 0, 0, w, h);
  const dots = trainingDots(w, h, hm.size.dpr || 1);
  if (dots) ctx.drawImage(dots, 0, 0, w, h);
}

let dotsCache = { key: '', canvas: null };

/** The training points at w x h CSS px, drawn once for every lane's heatmap (the same data). */
function trainingDots(w, h, dpr) {
  const train = store.ready?.data?.train;
  const D = store.ready?.grid_domain;
  if (!train || !D) return null;
  const key = `${w}x${h}@${dpr}|${store.run}`;
  if (dotsCache.key === key) return dotsCache.canvas;
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.lineWidth = 0.6; ctx.strokeStyle = '#fff';
  for (let k = 0; k < train.x.length; k++) {
    const [x1, x2] = train.x[k];
    ctx.beginPath();
    ctx.arc(((x1 + D) / (2 * D)) * w, ((D - x2) / (2 * D)) * h, 1.8, 0, 2 * Math.PI);
    ctx.fillStyle = pointColor(train.y[k], store.kind);
    ctx.fill(); ctx.stroke();
  }
  dotsCache = { key, canvas };
  return canvas;
}
