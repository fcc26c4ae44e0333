// The gradient-descent lab: surfaces from the server (lab_surface), every optimizer's path from
// the engine (lab_run), drawn with the shared canvas, format and loop helpers. One lab_run is in
// flight at a time; a newer wish waits and only the latest is sent (dragging stays cheap).

import { createSocket } from '../socket.js';
import { register, invalidate } from '../loop.js';
import { $, el } from '../dom.js';
import { fmtNum } from '../format.js';
import { lab, MAX_RUNS, defaultRuns, batchRuns, currentLr, encodeHash, applyHash } from './state.js';
import { initPlane, drawPlane } from './plane.js';
import { initLossChart, drawLossChart } from './loss-chart.js';
import { initRuns, renderRuns, updateReadouts } from './runs.js';
import { initLrSlider, renderLrSlider } from './lr-slider.js';
import { renderReadout } from './readout.js';
import { initDataView, drawDataView } from './data-view.js';

const PLAY_MS = 4000; // the whole path, played
let socket = null;
let nextId = 1;
let surfaceAsked = null; // id of the lab_surface we wait for
let inFlight = null;     // id of the lab_run we wait for
let wanted = null;       // the newest lab_run not sent yet
let follow = true;       // show the whole path when new paths arrive (not after reset / step)

function send(type, fields) {
  const id = `lab-${nextId++}`;
  return socket?.send({ type, id, ...fields }) ? id : null;
}

function requestSurface() {
  surfaceAsked = send('lab_surface', { surface: lab.surface, params: lab.params, size: 121 });
}

/** Ask for the paths of the current settings (sent now, or when the one in flight answers). */
function requestPaths() {
  if (!lab.facts || lab.facts.name !== lab.surface || !lab.runs.length) return;
  wanted = {
    surface: lab.surface, params: lab.params, start: lab.start ?? lab.facts.start, steps: lab.steps,
    seed: 0, state: true,
    runs: lab.runs.map((r) => ({
      optimizer: r.optimizer, learning_rate: Number((currentLr() * r.x).toPrecision(6)), hyper: r.hyper,
      ...(r.batch && lab.facts.data ? { batch_size: r.batch } : {}),
    })),
  };
  writeHash();
  flush();
}

// The server charges a lab_run 1 + runs x steps / 500 commands (app/command_cost.py) against
// hello.limits.commands_per_second; a long drag spends at most half of that budget.
let nextSendAt = 0;
let flushTimer = null;

function flush() {
  if (!wanted || inFlight || flushTimer) return;
  const wait = nextSendAt - performance.now();
  if (wait > 0) { flushTimer = setTimeout(() => { flushTimer = null; flush(); }, wait); return; }
  const cmd = wanted; wanted = null;
  const cost = 1 + (cmd.runs.length * cmd.steps) / 500;
  const perSecond = lab.hello.limits.commands_per_second / 2;
  nextSendAt = performance.now() + (1000 * cost) / perSecond;
  inFlight = send('lab_run', cmd);
}

const HANDLERS = {
  hello(msg) { lab.hello = msg; inFlight = null; requestSurface(); },
  lab_surface(msg) {
    if (msg.id !== surfaceAsked) return;
    lab.facts = msg;
    if (!lab.runs.length) lab.runs = defaultRuns(msg);
    showSurfaceControls();
    renderRuns(); renderLrSlider(); requestPaths();
    invalidate('plane', 'data');
  },
  lab_paths(msg) {
    if (msg.id !== inFlight) return;
    inFlight = null;
    if (msg.surface !== lab.surface) { flush(); return; } // asked before the surface changed
    lab.paths = msg; lab.error = null;
    if (follow && !lab.playing) lab.t = msg.steps;
    lab.t = Math.min(lab.t, msg.steps);
    showError(); updateReadouts(); invalidate('plane', 'chart', 'readout', 'data');
    flush();
  },
  error(msg) {
    if (msg.id === inFlight) { inFlight = null; flush(); }
    lab.error = msg.message;
    showError();
  },
};

function onMessage(msg) { HANDLERS[msg.type]?.(msg); }

function showError() {
  const box = $('[data-testid="lab-error"]');
  box.hidden = !lab.error;
  box.textContent = lab.error ?? '';
}

function writeHash() {
  const hash = encodeHash();
  if (location.hash !== hash) window.history.replaceState(null, '', hash);
}

// ---- controls -------------------------------------------------------------------------------

function showSurfaceControls() {
  const f = lab.facts;
  $('#surface-select').value = lab.surface;
  $('#surface-title').textContent = f.label;
  const box = $('#surface-params');
  const spec = lab.surfaces.find((s) => s.name === lab.surface)?.params ?? {};
  box.replaceChildren(...Object.entries(spec).map(([name, s]) => {
    const input = el('input', { type: 'number', min: String(s.min), max: String(s.max), step: s.kind === 'int' ? '1' : 'any',
      value: String(f.params[name] ?? s.default), 'data-testid': `lab-param-${name}`,
      onchange: () => { lab.params = { ...lab.params, [name]: Number(input.value) }; requestSurface(); } });
    return el('label.field', { title: s.description }, el('span.field-label', {}, name), input);
  }));
  $('#batch-compare').hidden = !f.data;
  $('[data-testid="lab-add-optimizer"]').disabled = lab.runs.length >= MAX_RUNS;
  $('#cost-axis-box').hidden = !f.data;
  $('#loss-axis-hint').textContent = f.data && lab.costAxis ? 'against examples seen' : 'against steps';
  $('#steps').value = String(lab.steps);
  $('#steps-total').textContent = String(lab.steps);
  renderStart();
}

function renderStart() {
  if (!lab.facts) return;
  const [x, y] = lab.start ?? lab.facts.start;
  const [a, b] = lab.facts.axes ?? ['x', 'y'];
  const out = $('[data-testid="lab-start"]');
  out.textContent = `start: ${a} = ${fmtNum(x, 3)}, ${b} = ${fmtNum(y, 3)}`;
  out.dataset.x = String(x); out.dataset.y = String(y);
}

function setStart(xy, final) {
  lab.start = xy;
  follow = true;
  renderStart(); invalidate('plane');
  requestPaths();
  if (final) writeHash();
}

function changedRuns() {
  follow = true;
  renderRuns(); requestPaths(); invalidate('plane', 'chart');
  $('[data-testid="lab-add-optimizer"]').disabled = lab.runs.length >= MAX_RUNS;
}

function newSurface(name) {
  Object.assign(lab, { surface: name, params: {}, start: null, lr: null, runs: [], paths: null, facts: null });
  requestSurface();
}

// ---- play, step, reset ----------------------------------------------------------------------

let playFrom = 0; let playStartT = 0;
function play() {
  if (lab.playing) { pause(); return; }
  if (lab.t >= lab.steps) lab.t = 0;
  lab.playing = true; playFrom = performance.now(); playStartT = lab.t;
  $('[data-testid="lab-play"]').setAttribute('aria-pressed', 'true');
  $('[data-testid="lab-play"]').textContent = 'Pause';
  requestAnimationFrame(tickPlay);
}

function pause() {
  lab.playing = false; follow = false;
  $('[data-testid="lab-play"]').setAttribute('aria-pressed', 'false');
  $('[data-testid="lab-play"]').textContent = 'Play';
}

function tickPlay(now) {
  if (!lab.playing) return;
  lab.t = Math.min(lab.steps, playStartT + Math.floor(((now - playFrom) / PLAY_MS) * lab.steps));
  showStep();
  if (lab.t >= lab.steps) { pause(); follow = true; return; }
  requestAnimationFrame(tickPlay);
}

function showStep() {
  $('[data-testid="lab-step-counter"]').textContent = String(lab.t);
  updateReadouts(); invalidate('plane', 'chart', 'readout', 'data');
}

function step() { pause(); lab.t = Math.min(lab.steps, lab.t + 1); follow = lab.t >= lab.steps; showStep(); }
function reset() { pause(); lab.t = 0; showStep(); }

// ---- wiring ---------------------------------------------------------------------------------

function main() {
  const root = $('#lab');
  lab.surfaces = JSON.parse(root.dataset.surfaces);
  applyHash(location.hash);
  const select = $('#surface-select');
  select.replaceChildren(...lab.surfaces.map((s) => el('option', { value: s.name }, s.label)));
  select.value = lab.surface;
  select.addEventListener('change', () => newSurface(select.value));

  initPlane($('#plane'), $('#legend'), setStart, () => invalidate('plane'));
  initLossChart($('#loss-chart'), () => invalidate('chart'));
  initRuns($('#runs'), changedRuns);
  initLrSlider((lr) => { lab.lr = lr; follow = true; renderRuns(); requestPaths(); });
  register('plane', () => { drawPlane(); $('[data-testid="lab-step-counter"]').textContent = String(lab.t); });
  register('chart', drawLossChart);
  register('readout', renderReadout);
  initDataView($('#data-view'), () => invalidate('data'));
  register('data', drawDataView);

  $('[data-testid="lab-play"]').addEventListener('click', play);
  $('[data-testid="lab-step"]').addEventListener('click', step);
  $('[data-testid="lab-reset"]').addEventListener('click', reset);
  $('[data-testid="lab-add-optimizer"]').addEventListener('click', () => {
    if (lab.runs.length >= MAX_RUNS) return;
    // The next optimizer not racing yet (then Nesterov), at the learning rate of the last one.
    const used = new Set(lab.runs.map((r) => r.optimizer));
    const fresh = lab.hello.options.optimizers.find((o) => !used.has(o.name));
    const hyper = fresh ? {} : { momentum: 0.9, nesterov: true };
    lab.runs.push({ optimizer: fresh?.name ?? 'sgd', hyper, x: lab.runs.at(-1)?.x ?? 1, batch: null });
    changedRuns();
  });
  $('[data-testid="lab-default-runs"]').addEventListener('click', () => { lab.runs = defaultRuns(lab.facts); changedRuns(); });
  $('#batch-compare').addEventListener('click', () => { lab.runs = batchRuns(lab.facts.data.x.length); changedRuns(); });
  $('[data-testid="cost-axis"]').addEventListener('change', (ev) => {
    lab.costAxis = ev.target.checked; showSurfaceControls(); invalidate('chart');
  });
  $('#arrows').addEventListener('change', (ev) => { lab.arrows = ev.target.checked; invalidate('plane', 'readout'); });
  $('#steps').addEventListener('change', (ev) => {
    const n = Math.round(Number(ev.target.value));
    if (n >= 1 && n <= 2000) { lab.steps = n; follow = true; $('#steps-total').textContent = String(n); requestPaths(); }
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.target.closest('input, select, textarea, button')) return;
    const keys = { ' ': play, ArrowRight: step, r: reset };
    if (keys[ev.key]) { ev.preventDefault(); keys[ev.key](); }
  });
  window.addEventListener('hashchange', () => {
    if (location.hash === encodeHash()) return;
    Object.assign(lab, { runs: [], start: null, lr: null, facts: null, paths: null });
    applyHash(location.hash); requestSurface();
  });
  window.__lab = { state: () => lab, busy: () => Boolean(inFlight || wanted || flushTimer) };

  const conn = $('[data-testid="connection-status"]');
  socket = createSocket({
    onMessage,
    onFrame: () => {}, // the default training session's frames: not the lab's business
    onState: (s) => {
      conn.dataset.state = s.state;
      conn.textContent = s.state === 'open' ? 'connected' : s.state;
    },
  });
}

main();
