// One example, explained: a training point followed through the network with the engine's own
// numbers (the server's `explanation` message): its inputs, every neuron's z and a, the loss,
// every neuron's delta dL/dz, and for the chosen edge dL/dw = a_prev x delta written out.
//
// Opened by the "Explain one point" button, the x key, or a click on a training point of the
// output heatmap. Closed by Escape or its close button. While it is open and training is
// paused (or plays at <= 4 steps/s), every new step asks again, so each step's numbers show.

import { store, on, dispatch, trainCount, isSlow, argMaxAbs } from '../store.js';
import * as session from '../session.js';
import { fmtNum, fmtFull, fmtInt, fmtLoss, NOT_FINITE } from '../format.js';
import { CLASS_CSS } from '../colors.js';
import { el, $ } from '../dom.js';
import { label, lossLabel } from '../schema.js';

const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sub = (n) => String(n).split('').map((d) => SUB[+d] ?? d).join('');

let box; let opener;
const part = (id) => box.querySelector(`[data-testid="${id}"]`);
let shown = null;        // the explanation the DOM shows, or 'asking' (the state is store.explain)

/** Four significant digits for the chain-rule numbers; non-finite as NOT_FINITE. */
function n4(x) { return x === null || x === undefined || !Number.isFinite(x) ? NOT_FINITE : fmtNum(x, 4); }

/** A number as shown (4 digits) with its exact float64 value in the title. */
function num(x, testid) {
  const s = el('span.ex-num', null, n4(x));
  s.title = fmtFull(x);
  if (testid) s.dataset.testid = testid;
  return s;
}

export function initExplainer() {
  box = $('[data-testid="explainer"]');
  opener = $('[data-testid="explain-open"]');
  const toggle = () => (store.explain.open ? close() : open(defaultIndex()));
  opener.addEventListener('click', toggle);
  part('explain-close').addEventListener('click', close);
  part('explain-prev').addEventListener('click', () => go(-1));
  part('explain-next').addEventListener('click', () => go(1));
  part('explain-batch').addEventListener('click', () => {
    const b = store.frame?.arrays.batch;
    if (!b?.length) return;
    const others = [...b].filter((k) => k !== store.explain.index);
    session.explain(others.length ? others[Math.floor(Math.random() * others.length)] : b[0]);
  });
  const input = part('explain-index');
  input.dataset.field = 'index';
  input.addEventListener('change', () => {
    const k = Number(input.value);
    if (Number.isInteger(k) && k >= 0 && k < trainCount()) session.explain(k);
    else input.value = String(store.explain.index ?? 0);
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && store.explain.open) close(); });
  on('explain-open', (k) => open(k ?? defaultIndex()));
  on('explain-toggle', toggle);
  on('explain', render);
  on('explain-mirror', mirror);
  on('frame', onFrame);
  on('status', renderStale);
}

function defaultIndex() {
  const { index } = store.explain;
  if (index !== null && index < trainCount()) return index;
  const b = store.frame?.arrays.batch;
  return b?.length ? b[0] : 0;
}

function placeBox() {
  const top = $('.topbar')?.getBoundingClientRect().bottom ?? 0;
  box.style.setProperty('--ex-top', `${Math.round(top + 6)}px`);
}

function open(k) {
  if (!store.ready || store.ui.hide.includes('explain')) return;
  if (session.hooks.readOnly()) return; // following a room: the teacher's explainer shows
  placeBox();
  dispatch('explain', { open: true });
  session.explain(k);
  part('explain-close').focus({ preventScroll: true });
}

/** Following a room: show the teacher's explainer (open or not, its example and edge), with
 * the teacher's explanation when it has come (the room passes it on; nothing is asked here). */
function mirror({ open: isOpen, index, sel }) {
  const e = store.explain;
  if (e.open === isOpen && e.index === index && JSON.stringify(e.sel) === JSON.stringify(sel)) return;
  if (isOpen && !e.open) placeBox();
  const m = store.explanation;
  const msg = m && m.index === index ? m : e.msg;
  dispatch('explain', { open: isOpen, index, sel: sel ?? e.sel, asked: null, msg,
    atStep: msg === e.msg ? e.atStep : store.frame?.header.step ?? 0, fresh: !store.running });
}

function close() {
  dispatch('explain', { open: false });
}

function go(d) {
  const n = trainCount();
  if (n) session.explain(((store.explain.index ?? 0) + d + n) % n);
}

function onFrame() {
  const e = store.explain;
  if (!e.open || e.asked !== null || e.index === null) return;
  const h = store.frame?.header;
  if (!h || h.step === e.atStep) return;
  // Paused after a step, or playing slowly enough to narrate: the weights changed, so ask again.
  const paused = h.state === 'paused' && !store.running;
  if (session.hooks.readOnly()) renderStale(); // a follower: the teacher's next explanation comes
  else if (paused || (store.running && isSlow())) session.explain(e.index);
  else renderStale();
}

// ---- names --------------------------------------------------------------------------------

const featureLabel = (i) => label('features', store.topology.features[i]);
const lossName = () => lossLabel(store.config.loss).toLowerCase();

/** Layer l of the network (0 = inputs, 1..L-1 hidden, L = output), neuron j. */
function neuronName(l, j) {
  const L = store.topology.sizes.length - 1;
  if (l === 0) return featureLabel(j);
  if (l === L) return store.topology.sizes[L] > 1 ? `output ${j}` : 'output';
  return `layer ${l} · n${sub(j + 1)}`;
}

function shortName(l, j) {
  const L = store.topology.sizes.length - 1;
  if (l === 0) return featureLabel(j);
  if (l === L) return store.topology.sizes[L] > 1 ? `out${sub(j)}` : 'out';
  return `n${sub(j + 1)}`;
}

function classText(y) {
  if (store.kind === 'regression') return `target ${n4(y)}`;
  const colour = ['orange', 'blue', 'green', 'purple', 'red'][y] || '';
  return `class ${y}${colour ? ` (${colour})` : ''}`;
}


// ---- rendering ----------------------------------------------------------------------------

function renderLoading() {
  part('explain-summary').textContent = 'Asking the engine…';
  for (const id of ['explain-net', 'explain-formula', 'explain-why', 'explain-edges']) {
    const e = part(id);
    e.replaceChildren();
    delete e.dataset.key;
  }
}

function renderStale() {
  const { open, msg, atStep } = store.explain;
  const note = part('explain-stale');
  const h = store.frame?.header;
  const stale = !!(open && msg && h && h.step !== atStep);
  note.hidden = !stale;
  if (!stale) return;
  if (!note.firstChild) {
    const b = el('button.ex-refresh', null, 'Refresh');
    b.type = 'button';
    b.addEventListener('click', () => session.explain(store.explain.index));
    note.append(el('span'), b);
  }
  const text = `These numbers are from step ${fmtInt(atStep)}; training is at step ${fmtInt(h.step)}.`;
  if (note.firstChild.textContent !== text) note.firstChild.textContent = text;
}

/** Show store.explain: closed, asking, or an explanation (the edge `sel` written out). */
function render() {
  const e = store.explain;
  box.hidden = !e.open;
  opener.setAttribute('aria-expanded', String(e.open));
  document.body.classList.toggle('explaining', e.open);
  if (!e.open) {
    if (box.contains(document.activeElement)) opener.focus({ preventScroll: true });
    return;
  }
  // Never under the reader's fingers: a late answer (the edge's road to the step, asked again)
  // must not overwrite a point number being typed.
  const input = part('explain-index');
  if (e.index !== null && document.activeElement !== input) input.value = String(e.index);
  if (!e.msg || e.msg.index !== e.index) {
    if (shown !== 'asking') { shown = 'asking'; renderLoading(); }
  } else if (e.msg !== shown) {
    shown = e.msg;
    renderAll();
  } else renderSelection();
  renderStale();
}

function renderAll() {
  const { msg: m, atStep, fresh } = store.explain;
  const data = store.ready.data.train;
  const pt = data.x[m.index];
  const y = data.y[m.index];
  const summary = part('explain-summary');
  summary.replaceChildren();
  const dot = el('span.ex-dot');
  if (store.kind !== 'regression') dot.style.background = CLASS_CSS[y % CLASS_CSS.length];
  summary.append(dot,
    `Training point ${fmtInt(m.index)} at x₁ = ${n4(pt[0])}, x₂ = ${n4(pt[1])}, ${classText(y)}. `,
    `Weights of step ${fmtInt(atStep)}${fresh ? '' : ' (while training)'}. `);
  const lossBit = el('strong', null, `Loss for this point: ${fmtLoss(m.loss)}`);
  summary.append(lossBit, ` (${lossName()}).`);
  part('explain-total').textContent = fmtInt(trainCount());
  part('explain-index').max = String(trainCount() - 1);
  renderNet();
  renderSelection();
}

function renderNet() {
  const m = store.explain.msg;
  const L = m.layers.length;
  const acts = store.topology.activations || [];
  const net = part('explain-net');
  net.replaceChildren();
  net.style.setProperty('--ex-cols', String(L + 2));
  net.classList.toggle('dense', L + 2 > 6 || Math.max(...store.topology.sizes) > 6);
  // inputs
  const inCol = column('Inputs', 'the features of this point');
  m.x.forEach((v, i) => {
    const c = card(0, i, shortName(0, i));
    c.querySelector('.ex-card-head').append(num(v, `explain-x-${i}`));
    inCol.append(c);
  });
  net.append(inCol);
  // layers
  for (let l = 0; l < L; l++) {
    const ly = m.layers[l];
    const last = l === L - 1;
    const col = column(last ? 'Output' : `Layer ${l + 1}`, acts[l] || '');
    ly.z.forEach((z, j) => {
      const c = card(l + 1, j, shortName(l + 1, j));
      const d = ly.delta[j];
      const arrow = el('span', { className: `ex-want ${d < 0 ? 'up' : d > 0 ? 'down' : ''}` }, d < 0 ? '▲' : d > 0 ? '▼' : '•');
      arrow.title = d < 0 ? 'to lower the loss, z should go up (δ < 0)' : d > 0 ? 'to lower the loss, z should go down (δ > 0)' : 'z does not matter to the loss here';
      const head = c.querySelector('.ex-card-head');
      head.append(arrow, row('δ', d, `explain-delta-${l}-${j}`, 'ex-delta'));
      const za = el('div.ex-za');
      za.append(row('z', z, `explain-z-${l}-${j}`), row('a', ly.a[j], `explain-a-${l}-${j}`));
      c.append(za);
      // A click (not a hover: the pointer crosses other cards on its way to the edge list).
      c.addEventListener('click', () => pick({ l, j }));
      c.title = 'Click: write out the edges into this neuron';
      col.append(c);
    });
    net.append(col);
  }
  // loss
  const lc = column('Loss', lossName());
  const c = el('div.ex-card.ex-loss');
  // The output's probabilities, as the engine's loss computes them (explanation.p; not for mse).
  const link = store.config.loss === 'bce' ? 'σ(z)' : 'softmax';
  m.p?.forEach((p, k) => c.append(row(m.p.length > 1 ? `p${sub(k)}` : `p=${link}`, p, `explain-p-${k}`)));
  c.append(row('target y', targetValue(m.target), 'explain-target'));
  c.append(row('L', m.loss, 'explain-loss', 'ex-lossval'));
  lc.append(c);
  net.append(lc);
  markSelection();
}

function column(title, subtitle) {
  const col = el('div.ex-col');
  const h = el('div.ex-col-head', null, title);
  if (subtitle) h.append(el('span.ex-col-sub', null, subtitle));
  col.append(h);
  return col;
}

function card(l, j, name) {
  const c = el(l === 0 ? 'div.ex-card' : 'button.ex-card');
  if (l > 0) c.type = 'button';
  c.dataset.l = String(l);
  c.dataset.j = String(j);
  c.dataset.testid = `explain-neuron-${l}-${j}`;
  const head = el('div.ex-card-head');
  head.append(el('span.ex-name', null, name));
  c.append(head);
  return c;
}

function row(label, value, testid, cls) {
  const r = el('div', { className: `ex-row${cls ? ` ${cls}` : ''}` });
  r.append(el('span.ex-k', null, label), num(value, testid));
  return r;
}

function targetValue(t) { return Array.isArray(t) ? (t.length === 1 ? t[0] : NaN) : t; }

/** Choose the edge into neuron j of weight layer l (keeping the source if it fits). */
function pick({ l, j, i }) {
  const { msg, sel } = store.explain;
  const ly = msg.layers[l];
  const src = i ?? (sel && sel.l === l && sel.i < ly.a_prev.length ? sel.i : argMaxAbs(ly.dL_dW.map((r) => r[j])));
  if (!sel || sel.l !== l || sel.i !== src || sel.j !== j) dispatch('explain', { sel: { l, i: src, j } });
}

function markSelection() {
  const { sel } = store.explain;
  for (const c of box.querySelectorAll('.ex-card')) {
    const l = Number(c.dataset.l); const j = Number(c.dataset.j);
    c.classList.toggle('src', !!sel && l === sel.l && j === sel.i);
    c.classList.toggle('dst', !!sel && l === sel.l + 1 && j === sel.j);
  }
}

function renderSelection() {
  const { msg, sel, atStep } = store.explain;
  if (!msg || !sel) return;
  markSelection();
  const { l, i, j } = sel;
  const ly = msg.layers[l];
  const aPrev = ly.a_prev[i]; const delta = ly.delta[j]; const g = ly.dL_dW[i][j];
  const f = part('explain-formula');
  f.dataset.l = String(l); f.dataset.i = String(i); f.dataset.j = String(j);
  f.replaceChildren(
    el('div.ex-formula-what', null, `Edge ${neuronName(l, i)} → ${neuronName(l + 1, j)}`),
  );
  const line = el('div.ex-formula-line');
  line.append('dL/dw = a', el('sub', null, 'prev'), ' × δ = ', num(aPrev, 'explain-a-prev'), ' × ',
    num(delta, 'explain-delta'), ' = ');
  const res = num(g, 'explain-dw');
  res.classList.add('ex-result');
  line.append(res);
  f.append(line);
  renderWhy(l + 1, j);
  const key = `${l}|${j}|${msg.index}|${atStep}`;
  const list = part('explain-edges');
  if (list.dataset.key === key) {
    for (const r of list.querySelectorAll('.ex-edge[data-i]')) r.classList.toggle('on', Number(r.dataset.i) === i);
  } else {
    list.dataset.key = key;
    renderEdges(l, j);
  }
}

/**
 * Where the target neuron's delta comes from, with the engine's numbers: the output
 * probabilities `p`, each layer's activation derivative `da_dz` and `dL_da` (= Σ w·δ of the
 * next layer) when the explanation carries them; the page computes none of them.
 */
function renderWhy(layer, j) {
  const { msg, fresh, atStep } = store.explain;
  const why = part('explain-why');
  why.replaceChildren();
  const L = msg.layers.length;
  const ly = msg.layers[layer - 1];
  const d = ly.delta[j];
  const name = neuronName(layer, j);
  const act = store.topology.activations?.[layer - 1] || 'linear';
  const line = el('div.ex-why-line');
  if (layer === L) {
    const loss = store.config.loss;
    const t = msg.target;
    const p = msg.p?.[j];
    const fp = ly.da_dz?.[j];
    if (loss === 'bce' || loss === 'cross_entropy') {
      const y = loss === 'bce' ? targetValue(t) : Number(j === t);
      const py = loss === 'bce' ? 'p − y' : `p${sub(j)} − [y = ${j}]`;
      line.append(`δ of the ${name} = ${py} = `, ...(p === undefined ? [] : [num(p), ' − ', num(y), ' = ']), num(d));
    } else {
      const K = ly.a.length; const y = Array.isArray(t) ? t[j] : t;
      const lin = act === 'linear';
      line.append(`δ of the ${name} = 2 (a − y)${K > 1 ? ` / ${K}` : ''}${lin ? '' : ` × ${act}′(z)`} = 2 × (`,
        num(ly.a[j]), ' − ', num(y), `)${K > 1 ? ` / ${K}` : ''}`, ...(lin || fp === undefined ? [] : [' × ', num(fp)]), ' = ', num(d));
    }
  } else {
    const next = msg.layers[layer];
    const fp = ly.da_dz?.[j];
    const s = ly.dL_da?.[j];
    line.append(`δ of ${name} = ${act}′(z) × Σ w·δ(next layer) = `,
      ...(fp === undefined || s === undefined ? [] : [num(fp), ' × ', num(s), ' = ']), num(d));
    why.append(line);
    const w = fresh && store.frame?.header.step === atStep ? weightsFrom(layer, j) : null;
    if (w) {
      const terms = el('div.ex-why-terms');
      const factor = (x) => (x < 0 ? ['(', num(x), ')'] : [num(x)]);
      terms.append('Σ w·δ = ', ...w.flatMap((wk, k) => [k ? ' + ' : '', num(wk), '·', ...factor(next.delta[k])]));
      why.append(terms);
    }
    return;
  }
  why.append(line);
}

/** Outgoing weights of neuron j in layer `layer` (1..L-1), from the newest frame. */
function weightsFrom(layer, j) {
  const lay = store.layout?.layers[layer];
  const p = store.frame?.arrays.params;
  if (!lay || !p) return null;
  return Array.from({ length: lay.fanOut }, (_, k) => p[lay.w + j * lay.fanOut + k]);
}

/** Every edge into neuron j of weight layer l, each dL/dw = a_prev x delta; hover to choose. */
function renderEdges(l, j) {
  const { msg, sel } = store.explain;
  const box_ = part('explain-edges');
  const ly = msg.layers[l];
  box_.replaceChildren(el('div.ex-edges-head', null, `Every edge into ${neuronName(l + 1, j)}:`));
  const list = el('div.ex-edge-list');
  ly.a_prev.forEach((a, i) => {
    const r = el('button', { className: `ex-edge${sel.i === i ? ' on' : ''}` });
    r.type = 'button';
    r.dataset.testid = `explain-edge-${l}-${i}-${j}`;
    r.dataset.i = String(i);
    r.append(el('span.ex-edge-from', null, `${shortName(l, i)}:`), num(a), ' × ', num(ly.delta[j]), ' = ', num(ly.dL_dW[i][j]));
    const choose = () => pick({ l, j, i });
    r.addEventListener('pointerenter', choose);
    r.addEventListener('focus', choose);
    r.addEventListener('click', choose);
    list.append(r);
  });
  const b = el('div.ex-edge.ex-bias');
  b.append(el('span.ex-edge-from', null, 'bias:'), 'dL/db = δ = ', num(ly.dL_db[j]));
  list.append(b);
  box_.append(list);
}
