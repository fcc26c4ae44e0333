// One example, explained, to the end: for the chosen edge W[l][i, j], the forward sum into
// neuron j with its numbers, the loss formula with its numbers, f'(z) derived, the chain rule
// dL/dw = dL/da · da/dz · dz/dw, and then the road from this example to the step (the server's
// `to_step`): the batch's per-example dL/dw (this one highlighted), their mean, plus the
// regularization term = the frame's gradient, the optimizer's formula with its state = the
// pending update. Every number is the engine's; the page only writes them out.

import { store, on } from '../store.js';
import * as session from '../session.js';
import { fmtNum, fmtFull, NOT_FINITE } from '../format.js';
import { el, $ } from '../dom.js';
import { label } from '../schema.js';

let box;
let asked = '';   // the edge (and step) the last re-ask was for
let timer = null;

const n4 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? NOT_FINITE : fmtNum(x, 4));
function num(x, testid, cls) {
  const s = el(`span.ex-num${cls ? `.${cls}` : ''}`, null, n4(x));
  s.title = fmtFull(x);
  if (testid) s.dataset.testid = testid;
  return s;
}
const paren = (x, testid) => (x < 0 ? ['(', num(x, testid), ')'] : [num(x, testid)]);
const line = (label, ...parts) => el('div.ex-step-line', null, el('b', null, label), ' ', ...parts);

/** f'(z) of each activation, written out with this neuron's numbers (the value is the engine's). */
const DERIVATIVES = {
  tanh: (z, a) => ['1 − a² = 1 − ', ...paren(a), '²'],
  sigmoid: (z, a) => ['a · (1 − a) = ', num(a), ' × (1 − ', num(a), ')'],
  relu: (z) => [`1 if z > 0, else 0; z = `, num(z)],
  leaky_relu: (z) => ['1 if z > 0, else the leak slope; z = ', num(z)],
  elu: (z, a) => ['1 if z > 0, else a + α; z = ', num(z), ', a = ', num(a)],
  linear: () => ['1 (the identity)'],
  silu: (z) => ['σ(z) · (1 + z · (1 − σ(z))), z = ', num(z)],
  softplus: (z) => ['σ(z) = 1 / (1 + e^(−z)), z = ', num(z)],
};

/** The loss of this example with its numbers: p (or a) and the target. */
function lossLine(m) {
  const loss = store.config.loss;
  const t = Array.isArray(m.target) ? m.target : [m.target];
  const L = num(m.loss);
  if (loss === 'bce') {
    const y = t[0]; const p = m.p?.[0];
    return line('Loss:', `L = −[y · ln p + (1 − y) · ln(1 − p)] = −[${y} · ln `, num(p), ` + ${1 - y} · ln(1 − `, num(p), ')] = ', L);
  }
  if (loss === 'cross_entropy') {
    const y = t[0];
    return line('Loss:', `L = −ln p_y = −ln p${y} = −ln `, num(m.p?.[y]), ' = ', L);
  }
  const a = m.layers.at(-1).a;
  const K = a.length;
  return line('Loss:', `L = ${K > 1 ? `(1/${K}) Σ ` : ''}(a − y)² = `, ...a.flatMap((v, k) => [k ? ' + ' : '', '(', num(v), ' − ', num(t[k]), ')²']),
    ...(K > 1 ? [` / ${K}`] : []), ' = ', L);
}

/** z of neuron j in weight layer l: Σ w·a_prev + b with the frame's weights (when they are the explanation's). */
function sumLine(m, l, j) {
  const ly = m.layers[l];
  const { atStep, fresh } = store.explain;
  const lay = store.layout?.layers[l];
  const p = store.frame?.arrays.params;
  if (!fresh || store.frame?.header.step !== atStep || !lay || !p) return null;
  const terms = ly.a_prev.flatMap((a, i) => [i ? ' + ' : '', ...paren(p[lay.w + i * lay.fanOut + j]), '·', ...paren(a)]);
  return line('Forward:', 'z = Σ w·a + b = ', ...terms, ' + ', ...paren(p[lay.b + j]), ' = ', num(ly.z[j], 'explain-sum'),
    ', a = f(z) = ', num(ly.a[j]));
}

/** The batch's per-example dL/dw (at most 16 shown), this example's highlighted. */
function perExample(road, index) {
  const k0 = road.example_in_batch;
  const B = road.per_example.length;
  const show = [...new Set([...Array(Math.min(B, 15)).keys(), ...(k0 === null ? [] : [k0])])].sort((a, b) => a - b);
  const list = el('span.ex-batch', { 'data-testid': 'explain-per-example' });
  show.forEach((k, n) => {
    if (n && k !== show[n - 1] + 1) list.append(' … ');
    else if (n) list.append(', ');
    const s = num(road.per_example[k], null, k === k0 ? 'ex-this' : '');
    s.title = `point ${road.batch[k]}: ${fmtFull(road.per_example[k])}`;
    list.append(s);
  });
  if (show.at(-1) < B - 1) list.append(` … (${B} in all)`);
  const where = k0 === null ? `(point ${index} is not in this step's batch)` : `(point ${index} is number ${k0 + 1}, highlighted)`;
  return line(`The batch's ${B} examples:`, 'each one\'s own dL/dw ', where, ': ', list);
}

function stateText(road) {
  const entries = Object.entries(road.state);
  const hyper = Object.entries(road.hyper).filter(([, v]) => typeof v === 'number' && v !== 0);
  return [
    ...hyper.flatMap(([k, v], n) => [n ? ', ' : '', `${k} = `, num(v)]),
    ...(entries.length ? ['; state before: ', ...entries.flatMap(([k, v], n) => [n ? ', ' : '', `${k} = `, num(v)])] : []),
    `; t = ${road.optimizer_steps}`,
  ];
}

function render() {
  const e = store.explain;
  const m = e.msg;
  if (!e.open || !m || !e.sel || m.index !== e.index) { box.replaceChildren(); return; }
  const { l, i, j } = e.sel;
  const ly = m.layers[l];
  if (!ly || i >= ly.a_prev.length || j >= ly.delta.length) { box.replaceChildren(); return; }
  const act = store.topology.activations?.[l] || 'linear';
  const last = l === m.layers.length - 1;
  const deriv = DERIVATIVES[act]?.(ly.z[j], ly.a[j]) ?? [];
  const rows = [
    sumLine(m, l, j),
    lossLine(m),
    line(`f′(z) for ${act}:`, ...deriv, ' = ', num(ly.da_dz?.[j], 'explain-fprime')),
    line('Chain rule:', `dL/dw = dL/da · da/dz · dz/dw = `, ...paren(ly.dL_da?.[j]), ' × ', ...paren(ly.da_dz?.[j]), ' × ', ...paren(ly.a_prev[i]),
      ' = ', num(ly.dL_dW[i][j], 'explain-chain'), last && store.config.loss !== 'mse' ? ' (at the output dL/dz = p − y: the loss\'s own link)' : ''),
  ];
  const road = m.to_step;
  const matches = road && road.parameter === `W[${l}][${i},${j}]`;
  if (matches) {
    const g = store.frame?.arrays.grads?.[road.index];
    const pend = store.frame?.arrays.pending?.[road.index];
    rows.push(el('div.ex-step-head', null, `From this example to step ${road.step}'s update`),
      perExample(road, m.index),
      line('Their mean:', `(1/${road.per_example.length}) Σ = `, num(road.data_gradient, 'explain-mean')),
      line('The gradient:', 'mean + regularization = ', num(road.data_gradient), ' + ', ...paren(road.regularization, 'explain-reg'),
        ' = ', num(road.gradient, 'explain-gradient', 'ex-result'),
        g !== undefined && store.phase === 'backward' ? ` (the gradient on the network: ${n4(g)})` : ''),
      line(`${label('optimizers', road.optimizer)}:`, road.formula, el('br'), ...stateText(road)),
      line('Update:', 'Δw = ', num(road.update, 'explain-update', 'ex-result'),
        pend !== undefined ? ` (the pending update on the network: ${n4(pend)})` : ' (applied at the update phase)'));
  } else if (store.diverged) {
    rows.push(el('div.ex-step-head', null, 'The road to the update is not shown: the run diverged.'));
  } else rows.push(el('div.ex-step-head', null, 'Asking for the road from this example to the update…'));
  box.replaceChildren(...rows.filter(Boolean));
  // The edge changed (or no road yet): ask again with it, once per edge and step.
  const key = `${m.index}|${l}|${i}|${j}|${store.frame?.header.step}|${store.phase}`;
  if (!matches && !store.diverged && e.asked === null && key !== asked) {
    clearTimeout(timer);
    timer = setTimeout(() => { asked = key; session.explain(store.explain.index); }, 250);
  }
}

export function initExplainStep() {
  box = el('div.ex-step', { 'data-testid': 'explain-step' });
  $('[data-testid="explainer"] .ex-detail').after(box);
  on('explain', render);
  render();
  // A phase taken apart changes the road (after backward it is the step's own): ask again.
  // (A new step is asked for by explain.js; this is for forward -> backward within a step.)
  let seen = { step: -1, phase: null };
  on('frame', () => {
    const step = store.frame.header.step;
    const sameStep = step === seen.step;
    if (sameStep && store.phase === seen.phase) return;
    seen = { step, phase: store.phase };
    if (sameStep && store.explain.open && store.explain.msg && store.explain.asked === null) session.explain(store.explain.index);
  });
}
