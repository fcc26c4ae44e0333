// "What would each optimizer do?": after the backward phase, the same gradient given to the
// seven optimizers (the server's `compare_updates`: plain GD, momentum, Nesterov, RMSprop,
// Adagrad, Adam, AdamW). For each: the update of one edge (the inspected one, else the edge with
// the largest |dL/dw|), the size of the whole update ‖Δ‖ and the losses after applying it.

import { store, on, argMaxAbs } from '../store.js';
import * as session from '../session.js';
import { weightIndex } from '../protocol.js';
import { fmtNum, fmtFull, NOT_FINITE } from '../format.js';
import { el, $ } from '../dom.js';

let panel;

/** The edge whose update the table shows: {l, i, j, idx}. */
function chosenEdge() {
  const t = store.inspect?.target;
  if (t?.kind === 'edge') return { ...t, idx: weightIndex(store.layout, t.l, t.i, t.j) };
  const g = store.frame.arrays.grads.subarray(0, store.layout.nWeights);
  const idx = argMaxAbs(g);
  const lay = store.layout.layers;
  const l = lay.findLastIndex((x) => x.w <= idx);
  const k = idx - lay[l].w;
  return { l, i: Math.floor(k / lay[l].fanOut), j: k % lay[l].fanOut, idx };
}

const num = (x) => {
  const s = el('span', null, x === null || x === undefined ? NOT_FINITE : fmtNum(x, 4));
  s.title = x === null || x === undefined ? 'not a finite number' : fmtFull(x);
  return s;
};

function norm(v) {
  let s = 0;
  for (const x of v) s += (x ?? NaN) ** 2;
  return Math.sqrt(s);
}

function render() {
  const backward = store.phase === 'backward';
  panel.hidden = !backward;
  if (!backward) return;
  const msg = store.answers.updates_compared;
  const ask = el('button', { type: 'button', 'data-testid': 'compare-run', onclick: () => session.compareUpdates() },
    msg ? 'Again' : 'Compare the seven');
  const head = el('h3', null, 'What would each optimizer do with this gradient?', ask);
  if (!msg) {
    panel.replaceChildren(head, el('div', null, 'The same gradient, given to plain gradient descent, momentum, Nesterov, RMSprop, Adagrad, Adam and AdamW: each one\'s update and the loss after it. Nothing in the run changes.'));
    return;
  }
  const e = chosenEdge();
  const edgeName = `W${e.l + 1}[${e.i + 1}→${e.j + 1}]`;
  const best = Math.min(...msg.entries.map((x) => x.train_loss ?? Infinity));
  const rows = msg.entries.map((x) => el(`tr${x.state === 'running' ? '.running' : ''}`, { 'data-testid': 'compare-row', 'data-kind': x.kind },
    el('td', { title: x.state === 'running' ? 'the optimizer of this run, with its real state' : x.state === 'shadow' ? `its state fed every gradient since step ${msg.history_from_step}` : 'fresh state' },
      `${x.label}${x.state === 'running' ? ' (this run)' : ''}`),
    el('td', null, num(x.update[e.idx])), el('td', null, num(norm(x.update))),
    el('td', null, num(x.batch_loss)),
    el(`td${x.train_loss === best ? '.best' : ''}`, null, num(x.train_loss))));
  panel.replaceChildren(head, el('table', null,
    el('tr', null, el('th', null, `optimizer (lr ${msg.learning_rate})`), el('th', null, `Δw of ${edgeName}`), el('th', null, '‖Δ‖ all'),
      el('th', null, `batch loss after (now ${fmtNum(msg.before.batch_loss, 4)})`), el('th', null, `train loss after (now ${fmtNum(msg.before.train_loss, 4)})`)),
    ...rows));
}

export function initCompare() {
  panel = $('[data-testid="compare-panel"]');
  for (const topic of ['frame', 'ready', 'updates_compared', 'inspect', 'ui']) on(topic, render);
  render();
}
