// Gradient check beside the inspector: the pinned edge's (or bias's) dL/dparam by backprop and by
// the server's central finite difference (L(w+h) − L(w−h)) / 2h on the current batch and the loss
// actually minimised, and their relative error.

import { store, on } from '../store.js';
import * as session from '../session.js';
import { fmtNum, fmtFull } from '../format.js';
import { el, stylesheet } from '../dom.js';

let current = null; // {target, out}: the box on show

/** Where the command points: a weight {layer, from, to} or a bias {layer, neuron}. */
function where(t) {
  return t.kind === 'edge' ? { layer: t.l, from: t.i, to: t.j } : { layer: t.l - 1, neuron: t.j };
}

function matches(msg, t) {
  const w = where(t);
  return Object.entries(w).every(([k, v]) => msg[k] === v);
}

const num = (x, cls) => {
  const s = el(`b${cls ? `.${cls}` : ''}`, null, x === null ? '—' : fmtNum(x, 4));
  s.title = fmtFull(x);
  return s;
};

function show(msg) {
  if (!current || !msg || !matches(msg, current.target)) return;
  const good = msg.relative_error !== null && msg.relative_error < 1e-6;
  const rel = num(msg.relative_error, good ? 'ok' : 'bad');
  rel.dataset.testid = 'gradcheck-error';
  current.out.replaceChildren(
    el('div', null, 'backprop ', num(msg.backprop), ' · numeric ', num(msg.numeric)),
    el('div', null, 'relative error ', rel, good ? ' ✓ they agree' : ''),
    el('div.sub', null, `h = ${msg.h}, batch of ${msg.batch_size}${msg.crosses_kink ? '; the nudge crosses a kink (ReLU or L1), where the two may differ' : ''}.`),
  );
}

/** The box for target {kind, l, i?, j}: a button and, once answered, the numbers. */
export function gradcheckBox(target) {
  const out = el('div', { 'data-testid': 'gradcheck-result' });
  const name = target.kind === 'edge' ? 'dL/dw' : 'dL/db';
  const button = el('button', { type: 'button', 'data-testid': 'gradcheck-run', onclick: () => {
    out.textContent = 'Nudging the parameter by ±h…';
    session.gradcheck(where(target));
  } }, `Check ${name} numerically`);
  current = { target, out };
  return el('div.gradcheck', { 'data-testid': 'gradcheck' }, button, out);
}

on('gradcheck', () => show(store.answers.gradcheck));
stylesheet('/static/css/tools.css');
