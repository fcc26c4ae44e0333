// The top bar: transport (reset, play, step, epoch), counters, speed, and the training
// settings (learning rate, optimizer and its hyperparameters, activation, loss, regularization,
// initializer). Choices, ranges and defaults come from hello (schema.js). A control shows the
// learner's choice while its command is on its way and the server's value once it is answered.

import { store, on, refuse, desired, desiredSpeed, desiredRunning, SLOW_SPEED } from '../store.js';
import * as session from '../session.js';
import { register, invalidate } from '../loop.js';
import { fmtInt } from '../format.js';
import { shownFrame } from './network-anim.js';
import { el as h, $ } from '../dom.js';
import { choices, hyperSpec, label, lossLabel, within, fromText, describe } from '../schema.js';

/** Ladders of the selects; the schema's range decides which are offered. */
export const LEARNING_RATES = [0.00001, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const SPEEDS = [0.25, 0.5, 1, 2, 4, 10, 30, 100, 250, 500, 1000, 3000, 10000, 'max'];
// Presets of plain SGD, the names a learner knows (offered if SGD has these hyperparameters).
const SGD_PRESETS = [
  { value: 'momentum', label: 'Momentum (0.9)', hyper: { momentum: 0.9, nesterov: false } },
  { value: 'nesterov', label: 'Nesterov momentum', hyper: { momentum: 0.9, nesterov: true } },
];

/** The speeds hello.limits allows, and 'max' (the server's cap). */
function speedStops() {
  const lim = store.hello?.limits ?? {};
  return SPEEDS.filter((s) => s === 'max' || (s >= lim.min_steps_per_second && s <= lim.max_steps_per_second));
}

function presets() {
  const spec = hyperSpec('sgd');
  return SGD_PRESETS.filter((p) => Object.entries(p.hyper).every(([k, v]) => spec[k] && fromText(spec[k], String(v)) === v));
}

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

  el.speed.addEventListener('input', () => { el.speedValue.textContent = speedLabel(speedStops()[+el.speed.value]); });
  el.speed.addEventListener('change', () => session.setSpeed(speedStops()[+el.speed.value]));

  el.lr.addEventListener('change', () => session.set({ learning_rate: Number(el.lr.value) }));
  el.optimizer.addEventListener('change', () => {
    const preset = presets().find((p) => p.value === el.optimizer.value);
    session.configure(preset ? { optimizer: 'sgd', hyper: preset.hyper } : { optimizer: el.optimizer.value });
  });
  el.activation.addEventListener('change', () => session.configure({ activation: el.activation.value }));
  el.loss.addEventListener('change', () => session.configure({ loss: el.loss.value }));
  el.reg.addEventListener('change', () => session.set({ regularization: el.reg.value }));
  el.regRate.addEventListener('change', () => session.set({ regularization_rate: Number(el.regRate.value) }));
  el.init.addEventListener('change', () => session.configure({ init: el.init.value }));

  on('hello', () => {
    el.speed.max = String(speedStops().length - 1);
    fillChoices(el.activation, 'activation', 'activations');
    fillChoices(el.reg, 'regularization', 'regularizations');
    fillChoices(el.init, 'init', 'initializers');
    // "Binary cross-entropy (sigmoid)": the link in parentheses goes to the tooltip, not the bar.
    fill(el.loss, choices('loss').map((name) => ({ value: name, label: lossLabel(name), title: label('losses', name) })));
    const opts = choices('optimizer').flatMap((name) => [
      { value: name, label: name === 'sgd' ? 'Gradient descent' : label('optimizers', name), optimizer: name },
      ...(name === 'sgd' ? presets().map((p) => ({ ...p, optimizer: name })) : []),
    ]);
    fill(el.optimizer, opts);
    syncSpeed();
  });

  function syncConfig() {
    const c = desired();
    if (!c) return;
    numberSelect(el.lr, within(LEARNING_RATES, 'learning_rate'), c.learning_rate);
    numberSelect(el.regRate, within(REG_RATES, 'regularization_rate'), c.regularization_rate);
    el.optimizer.value = presetOf(c);
    el.activation.value = c.activation;
    el.reg.value = c.regularization;
    el.regRate.disabled = c.regularization === 'none';
    el.init.value = c.init;
    // Automatic (not chosen): "auto", with what the server chose for this dataset.
    const auto = [...el.loss.options].find((o) => o.value === 'auto');
    if (auto) auto.textContent = `Auto: ${lossLabel(store.config.loss)}`;
    el.loss.value = auto && !store.explicit.has('loss') && c.loss === store.config.loss ? 'auto' : c.loss;
    buildHyper(el.hyper, c);
  }
  on('config', syncConfig);

  function syncSpeed() {
    const stops = speedStops();
    const v = desiredSpeed();
    const i = stops.indexOf(v);
    el.speed.value = String(i >= 0 ? i : nearestSpeed(stops, v));
    el.speedValue.textContent = speedLabel(v);
  }
  on('speed', syncSpeed);
  on('status', () => invalidate('transport'));
  on('ui', () => el.presentation.setAttribute('aria-pressed', String(store.ui.presentation)));
  on('connection', () => invalidate('transport'));
  on('frame', () => invalidate('transport'));
  on('ready', () => invalidate('transport'));

  register('transport', () => {
    const head = shownFrame()?.header; // the step before, while a step animates up to its update
    el.stepCounter.textContent = fmtInt(head ? head.step : 0);
    el.epochCounter.textContent = fmtInt(head ? head.epoch : 0);
    const running = desiredRunning();
    el.play.setAttribute('aria-pressed', String(running));
    el.play.querySelector('.play-label').textContent = running ? 'Pause' : 'Play';
    el.play.dataset.state = store.diverged ? 'diverged' : running ? 'running' : 'paused';
    const open = store.connection.state === 'open';
    for (const b of [el.play, el.step, el.epoch, el.reset]) b.disabled = !open || !store.config;
  });
}

function speedLabel(s) {
  if (s === null || s === undefined) return '…';
  if (s === 'max') return `max (up to ${fmtInt(store.hello?.limits?.max_steps_per_second)}/s)`;
  const n = s < 1 ? String(s) : fmtInt(s);
  return `${n} step${s === 1 ? '' : 's'}/s${s <= SLOW_SPEED ? ' · animated' : ''}`;
}

function nearestSpeed(stops, v) {
  if (v === 'max' || !(v > 0)) return stops.length - 1;
  let best = 0;
  stops.forEach((s, i) => { if (s !== 'max' && Math.abs(Math.log(s / v)) < Math.abs(Math.log(stops[best] / v))) best = i; });
  return best;
}

function fill(select, list) {
  select.replaceChildren(...list.map((o) => h('option', { value: o.value, textContent: o.label, title: o.title ?? '', ...(o.optimizer && { 'data-optimizer': o.optimizer }) })));
}

/** A select of the schema's choices for `key`, labelled from hello.options[list]. */
function fillChoices(select, key, list) {
  fill(select, choices(key).map((name) => ({ value: name, label: label(list, name) })));
}

/** A select of numbers; a value not on the list (e.g. from a link) is added in order. */
function numberSelect(select, values, current) {
  const list = values.includes(current) || current === undefined ? values : [...values, current].sort((a, b) => a - b);
  if (select.options.length !== list.length || [...select.options].some((o, i) => o.value !== String(list[i]))) {
    fill(select, list.map((v) => ({ value: String(v), label: String(v) })));
  }
  select.value = String(current);
}

function presetOf(c) {
  if (c.optimizer !== 'sgd') return c.optimizer;
  const p = presets().find((x) => Object.entries(x.hyper).every(([k, v]) => (c.hyper?.[k] ?? hyperSpec('sgd')[k]?.default) === v));
  return p ? p.value : 'sgd';
}

/** One input per hyperparameter of the optimizer, as x-by-optimizer defines it. */
function buildHyper(box, c) {
  const spec = hyperSpec(c.optimizer);
  if (box.dataset.optimizer !== c.optimizer) {
    box.dataset.optimizer = c.optimizer;
    box.replaceChildren(...Object.entries(spec).map(([name, h]) => hyperField(name, h)));
  }
  const refused = store.controlError?.field?.replace(/^config\./, '');
  for (const input of box.querySelectorAll('input')) {
    const name = input.dataset.hyper;
    const v = c.hyper?.[name] ?? spec[name]?.default;
    if (input.type === 'checkbox') input.checked = !!v;
    else if (document.activeElement !== input || refused === input.dataset.field) input.value = String(v);
  }
}

function hyperField(name, spec) {
  const field = `hyper.${name}`;
  const title = `${name}: ${spec.description} (${describe(spec)})`;
  const input = h('input', { 'data-hyper': name, 'data-testid': `hyper-${name}`, 'data-field': field });
  if (spec.type === 'boolean') {
    input.type = 'checkbox';
    input.onchange = () => session.set({ hyper: { [name]: input.checked } });
    return h('label.check', { title }, input, ` ${name}`);
  }
  Object.assign(input, { type: 'number', step: 'any', min: spec.minimum ?? '', max: spec.maximum ?? '' });
  input.onchange = () => {
    const v = fromText(spec, input.value);
    if (v === undefined) refuse(field, `${name} must be ${describe(spec)}.`);
    else session.set({ hyper: { [name]: v } });
  };
  return h('label.field', { title }, h('span.field-label', null, name.replace(/_/g, ' ')), input);
}
