// The optimizer cards: one per run, in its colour, with its optimizer, its learning rate (a
// factor of the shared slider), its batch size on data surfaces and its hyperparameters (from
// hello.config_schema's per-optimizer schemas). Every change calls `changed()`.

import { el } from '../dom.js';
import { fmtNum, fmtLoss } from '../format.js';
import { lab, RUN_COLORS, runLr, runName } from './state.js';

let root; let changed;

export function initRuns(rootEl, onChange) {
  root = rootEl; changed = onChange;
}

const hyperSchemas = () => lab.hello?.config_schema?.properties?.hyper?.['x-by-optimizer'] ?? {};

/** Rebuild the cards (after a change of runs, surface or learning rate). */
export function renderRuns() {
  if (!root || !lab.hello) return;
  const open = new Set([...root.querySelectorAll('details[open]')].map((d) => d.dataset.run));
  root.replaceChildren(...lab.runs.map((run, i) => card(run, i, open.has(String(i)))));
  updateReadouts();
}

function card(run, i, open) {
  const color = RUN_COLORS[i % RUN_COLORS.length];
  const optimizers = lab.hello.options.optimizers;
  const select = el('select', { 'aria-label': 'Optimizer', 'data-testid': `lab-run-optimizer-${i}`,
    onchange: () => { run.optimizer = select.value; run.hyper = {}; changed(); } },
  ...optimizers.map((o) => el('option', { value: o.name, selected: o.name === run.optimizer }, o.label)));
  const factor = el('input', { type: 'number', min: '0.0001', max: '10000', step: 'any', value: String(run.x),
    className: 'factor', 'aria-label': 'Learning-rate factor', title: 'This run\'s learning rate is the slider\'s times this factor',
    onchange: () => { const v = Number(factor.value); if (v > 0) { run.x = v; changed(); } } });
  const remove = el('button.round-btn', { type: 'button', title: 'Remove this optimizer', 'aria-label': 'Remove',
    disabled: lab.runs.length <= 1, onclick: () => { lab.runs.splice(i, 1); changed(); } }, '×');
  const swatch = el('span.swatch', {});
  swatch.style.setProperty('background', color);
  const head = el('div.run-head', {}, swatch, el('span.run-name', { 'data-testid': `lab-run-name-${i}` }, runName(run)), remove);
  const lrRow = el('div.run-row', {}, select, el('span.times', {}, 'lr ×'), factor,
    el('output.run-lr', { 'data-testid': `lab-run-lr-${i}` }, `= ${fmtNum(runLr(run))}`));
  const rows = [head, lrRow];
  if (lab.facts?.data) rows.push(batchRow(run, i));
  rows.push(hyperDetails(run, i, open));
  rows.push(el('div.run-loss', { 'data-run': String(i) }));
  const div = el('div.run', { 'data-testid': `lab-run-${i}` }, ...rows);
  div.style.setProperty('border-left-color', color);
  return div;
}

function batchRow(run, i) {
  const n = lab.facts.data.x.length;
  const input = el('input', { type: 'number', min: '1', max: String(n), step: '1', value: String(run.batch ?? n),
    'aria-label': 'Batch size', 'data-testid': `lab-run-batch-${i}`,
    onchange: () => { const v = Math.round(Number(input.value)); run.batch = v >= 1 && v < n ? v : null; changed(); } });
  return el('label.run-row', {}, el('span', {}, 'batch size'), input, el('span.hint', {}, `of ${n} examples`));
}

function hyperDetails(run, i, open) {
  const schema = hyperSchemas()[run.optimizer]?.properties ?? {};
  const inputs = Object.entries(schema).map(([name, s]) => {
    const value = run.hyper[name] ?? s.default;
    const set = (v) => { if (v === s.default) delete run.hyper[name]; else run.hyper[name] = v; changed(); };
    if (s.type === 'boolean') {
      const box = el('input', { type: 'checkbox', checked: Boolean(value), onchange: () => set(box.checked) });
      return el('label.hyper-item', { title: s.description }, box, ` ${name}`);
    }
    const input = el('input', { type: 'number', min: String(s.minimum), max: String(s.maximum), step: 'any',
      value: String(value), 'data-testid': `lab-run-${i}-${name}`,
      onchange: () => { const v = Number(input.value); if (v >= s.minimum && v <= s.maximum) set(v); } });
    return el('label.hyper-item', { title: s.description }, `${name} `, input);
  });
  const d = el('details', { 'data-run': String(i), open }, el('summary', {}, 'hyperparameters'), el('div.hyper-grid', {}, ...inputs));
  return d;
}

/** The loss each run has at the step shown (cheap: no rebuild). */
export function updateReadouts() {
  if (!root) return;
  const runs = lab.paths?.runs ?? [];
  for (const div of root.querySelectorAll('.run-loss')) {
    const r = runs[Number(div.dataset.run)];
    if (!r) { div.textContent = ''; continue; }
    const k = Math.min(lab.t, r.losses.length - 1);
    const diverged = r.diverged_at !== null && r.diverged_at !== undefined && r.diverged_at <= k;
    // Growing tenfold over its start: overshooting further at every step (it will overflow).
    const growing = !diverged && k > 0 && r.losses[k] > 10 * Math.abs(r.losses[0]);
    const seen = r.examples_seen ? `, ${r.examples_seen[k].toLocaleString('en-US')} examples seen` : '';
    div.textContent = diverged ? `diverged at step ${r.diverged_at}: the steps grew without bound`
      : growing ? `diverging: the loss grew from ${fmtLoss(r.losses[0])} to ${fmtLoss(r.losses[k])} by step ${k}`
        : `loss at step ${k}: ${fmtLoss(r.losses[k])}${seen}`;
    div.classList.toggle('bad', diverged || growing);
  }
}
