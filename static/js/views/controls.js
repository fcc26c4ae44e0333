// The top bar: transport (reset, play, step, epoch), counters, speed, and the training
// settings (learning rate, optimizer and its hyperparameters, activation, loss,
// regularization, initializer). Built from hello; kept in sync with the store.

import { store, on, emit, optimizerSpec, datasetSpec } from '../store.js';
import * as session from '../session.js';
import { register, invalidate } from '../loop.js';
import { fmtInt } from '../format.js';

const $ = (sel) => document.querySelector(sel);
const LEARNING_RATES = [0.00001, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const SPEEDS = [0.25, 0.5, 1, 2, 4, 10, 30, 100, 250, 500, 1000, 3000, 10000, 'max'];
// Presets of plain SGD: the names a learner knows.
const SGD_PRESETS = [
  { value: 'sgd', label: 'Gradient descent', hyper: { momentum: 0, nesterov: false } },
  { value: 'momentum', label: 'Momentum (0.9)', hyper: { momentum: 0.9, nesterov: false } },
  { value: 'nesterov', label: 'Nesterov momentum', hyper: { momentum: 0.9, nesterov: true } },
];

let speeds = SPEEDS;

export function initControls() {
  const el = {
    play: $('[data-testid="play"]'),
    step: $('[data-testid="step"]'),
    epoch: $('[data-testid="step-epoch"]'),
    reset: $('[data-testid="reset"]'),
    stepCounter: $('[data-testid="step-counter"]'),
    epochCounter: $('[data-testid="epoch-counter"]'),
    speed: $('[data-testid="speed"]'),
    speedValue: $('#speed-value'),
    lr: $('[data-testid="learning-rate"]'),
    optimizer: $('[data-testid="optimizer"]'),
    hyper: $('#hyper'),
    activation: $('[data-testid="activation"]'),
    loss: $('[data-testid="loss"]'),
    reg: $('[data-testid="regularization"]'),
    regRate: $('[data-testid="regularization-rate"]'),
    init: $('[data-testid="init"]'),
    presentation: $('[data-testid="presentation"]'),
  };

  el.play.addEventListener('click', () => session.togglePlay());
  el.step.addEventListener('click', () => session.step(1));
  el.epoch.addEventListener('click', () => session.stepEpoch());
  el.reset.addEventListener('click', () => session.reset());
  el.presentation.addEventListener('click', () => session.setUi({ presentation: !store.ui.presentation }));

  el.speed.addEventListener('input', () => { el.speedValue.textContent = speedLabel(speeds[+el.speed.value]); });
  el.speed.addEventListener('change', () => session.setSpeed(speeds[+el.speed.value]));

  el.lr.addEventListener('change', () => session.set({ learning_rate: Number(el.lr.value) }));
  el.optimizer.addEventListener('change', () => {
    const v = el.optimizer.value;
    const preset = SGD_PRESETS.find((p) => p.value === v);
    if (preset) session.configure({ optimizer: 'sgd', hyper: preset.hyper });
    else session.configure({ optimizer: v });
  });
  el.activation.addEventListener('change', () => session.configure({ activation: el.activation.value }));
  el.loss.addEventListener('change', () => session.configure({ loss: el.loss.value }));
  el.reg.addEventListener('change', () => session.set({ regularization: el.reg.value }));
  el.regRate.addEventListener('change', () => session.set({ regularization_rate: Number(el.regRate.value) }));
  el.init.addEventListener('change', () => session.configure({ init: el.init.value }));

  on('hello', (hello) => {
    const o = hello.options;
    const lim = hello.limits;
    speeds = SPEEDS.filter((s) => s === 'max' || (s >= (lim.min_steps_per_second ?? 0) && s <= (lim.max_steps_per_second ?? Infinity)));
    el.speed.max = String(speeds.length - 1);
    fill(el.activation, o.activations);
    fill(el.reg, o.regularizations);
    fill(el.init, o.initializers);
    // "Binary cross-entropy (sigmoid)": the link in parentheses goes to the tooltip, not the bar.
    fill(el.loss, o.losses.map((l) => ({ value: l.name, label: l.label.replace(/\s*\([^)]*\)$/, ''), title: l.label })));
    const opts = [];
    if (o.optimizers.some((x) => x.name === 'sgd')) opts.push(...SGD_PRESETS);
    for (const x of o.optimizers) if (x.name !== 'sgd') opts.push({ value: x.name, label: x.label });
    fill(el.optimizer, opts);
    syncSpeed();
  });

  function syncConfig() {
    const c = store.config;
    if (!c) return;
    numberSelect(el.lr, LEARNING_RATES, c.learning_rate);
    numberSelect(el.regRate, REG_RATES, c.regularization_rate);
    el.optimizer.value = presetOf(c);
    el.activation.value = c.activation;
    el.reg.value = c.regularization;
    el.regRate.disabled = c.regularization === 'none';
    el.init.value = c.init;
    el.loss.value = c.loss;
    const ds = datasetSpec(c.dataset);
    for (const opt of el.loss.options) opt.disabled = !lossFits(opt.value, ds);
    buildHyper(el.hyper, c);
  }
  on('ready', syncConfig);
  on('config', syncConfig);

  function syncSpeed() {
    let i = speeds.indexOf(store.speed);
    if (i < 0) i = nearestSpeed(store.speed);
    el.speed.value = String(i);
    el.speedValue.textContent = speedLabel(store.speed);
  }
  on('speed', syncSpeed);
  on('status', () => { syncSpeed(); invalidate('transport'); });
  on('ui', () => {
    el.presentation.setAttribute('aria-pressed', String(store.ui.presentation));
    syncSpeed();
  });
  on('connection', () => invalidate('transport'));
  on('frame', () => invalidate('transport'));
  on('ready', () => invalidate('transport'));

  register('transport', () => {
    const h = store.frame?.header;
    el.stepCounter.textContent = fmtInt(h ? h.step : 0);
    el.epochCounter.textContent = fmtInt(h ? h.epoch : 0);
    const running = store.running;
    el.play.setAttribute('aria-pressed', String(running));
    el.play.querySelector('.play-label').textContent = running ? 'Pause' : 'Play';
    el.play.dataset.state = store.diverged ? 'diverged' : running ? 'running' : 'paused';
    const open = store.connection.state === 'open';
    for (const b of [el.play, el.step, el.epoch, el.reset]) b.disabled = !open || !store.config;
  });
}

function speedLabel(s) {
  if (s === null || s === undefined) return '…';
  if (s === 'max') return 'max (as fast as it goes)';
  const n = s < 1 ? String(s) : fmtInt(s);
  return `${n} step${s === 1 ? '' : 's'}/s${s <= 4 ? ' · animated' : ''}`;
}

function nearestSpeed(v) {
  if (v === 'max') return speeds.length - 1;
  if (!(v > 0)) return speeds.indexOf(100);
  let best = 0;
  speeds.forEach((s, i) => { if (s !== 'max' && Math.abs(Math.log(s / v)) < Math.abs(Math.log(speeds[best] / v))) best = i; });
  return best;
}

function fill(select, list) {
  select.replaceChildren(...list.map((o) => {
    const opt = document.createElement('option');
    opt.value = typeof o === 'string' ? o : (o.value ?? o.name);
    opt.textContent = typeof o === 'string' ? o : o.label;
    if (o.title) opt.title = o.title;
    return opt;
  }));
}

/** A select of numbers; a value not on the list (e.g. from a link) is added in order. */
function numberSelect(select, values, current) {
  const list = values.includes(current) || current === undefined ? values : [...values, current].sort((a, b) => a - b);
  if (select.options.length !== list.length) {
    fill(select, list.map((v) => ({ value: String(v), label: String(v) })));
  }
  select.value = String(current);
}

function presetOf(c) {
  if (c.optimizer !== 'sgd') return c.optimizer;
  const h = c.hyper || {};
  if (h.nesterov) return 'nesterov';
  return h.momentum > 0 ? 'momentum' : 'sgd';
}

function lossFits(loss, ds) {
  if (!ds) return true;
  if (ds.kind === 'regression') return loss === 'mse';
  if (ds.n_classes > 2) return loss === 'cross_entropy';
  return true;
}

/** One small input per hyperparameter of the optimizer (not lr: it has its own control). */
function buildHyper(box, c) {
  const spec = optimizerSpec(c.optimizer);
  const key = `${c.optimizer}`;
  if (box.dataset.optimizer !== key) {
    box.dataset.optimizer = key;
    box.replaceChildren();
    for (const [name, h] of Object.entries(spec?.hyper || {})) {
      if (name === 'lr') continue;
      box.append(hyperField(name, h));
    }
  }
  for (const input of box.querySelectorAll('input')) {
    const name = input.dataset.hyper;
    const v = c.hyper?.[name] ?? spec?.hyper?.[name]?.default;
    if (input.type === 'checkbox') input.checked = !!v;
    else if (document.activeElement !== input) input.value = String(v);
  }
}

function hyperField(name, h) {
  const wrap = document.createElement('label');
  const input = document.createElement('input');
  input.dataset.hyper = name;
  input.dataset.testid = `hyper-${name}`;
  wrap.title = `${name}: ${h.description}${h.min !== null && h.min !== undefined ? ` (${h.min} to ${h.max})` : ''}`;
  if (h.kind === 'bool') {
    wrap.className = 'check';
    input.type = 'checkbox';
    wrap.append(input, document.createTextNode(` ${name}`));
    input.addEventListener('change', () => session.set({ hyper: { [name]: input.checked } }));
    return wrap;
  }
  wrap.className = 'field';
  const label = document.createElement('span');
  label.className = 'field-label';
  label.textContent = name.replace(/_/g, ' ');
  input.type = 'number';
  input.step = 'any';
  if (h.min !== null && h.min !== undefined) input.min = String(h.min);
  if (h.max !== null && h.max !== undefined) input.max = String(h.max);
  input.addEventListener('change', () => {
    const v = Number(input.value);
    const ok = input.value.trim() !== '' && Number.isFinite(v) && (h.min == null || v >= h.min) && (h.max == null || v <= h.max)
      && (h.kind !== 'int' || Number.isInteger(v));
    if (!ok) {
      input.value = String(store.config?.hyper?.[name] ?? h.default);
      emit('toast', { title: `Not accepted (${name})`, text: `${name} must be a number from ${h.min} to ${h.max}.` });
      return;
    }
    session.set({ hyper: { [name]: h.kind === 'int' ? Math.round(v) : v } });
  });
  wrap.append(label, input);
  return wrap;
}
