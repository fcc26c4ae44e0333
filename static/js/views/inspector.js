// The inspector: exact numbers for one edge or one neuron, from the newest frame.
// Hover shows it (mouse); click or tap pins it, with a field to edit the weight or bias.
// What it shows is store.inspect ({target, pinned, x, y}); the network view sets it.

import { store, on, dispatch, sameTarget } from '../store.js';
import { weightIndex, biasIndex } from '../protocol.js';
import { fmtFull } from '../format.js';
import { gridSurface } from '../canvas.js';
import { paintGrid } from '../colors.js';
import * as session from '../session.js';

const STATE_LABELS = {
  momentum_buffer: 'momentum buffer v',
  exp_avg: '1st moment m (exp_avg)',
  exp_avg_sq: '2nd moment v (exp_avg_sq)',
  max_exp_avg_sq: 'max 2nd moment (amsgrad)',
  square_avg: 'mean of g² (square_avg)',
  grad_avg: 'mean of g (grad_avg)',
  sum: 'sum of g² (sum)',
};

let box = null;
let built = null;      // the {target, pinned} the DOM was built for
let cells = [];        // [{get: () => number, td}]
let mapCanvas = null;
let edit = null;       // the pinned inspector's value field {input, idx}

export function initInspector() {
  box = document.querySelector('[data-testid="inspector"]');
  on('frame', () => { if (built) refresh(); });
  on('inspect', show);
  // A refused edit: the field shows the server's value again.
  on('error', () => { if (edit && store.controlError?.field === 'value') edit.input.value = fmtFull(store.frame.arrays.params[edit.idx]); });
  const hide = () => dispatch('inspect', null);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hide(); });
  document.addEventListener('pointerdown', (e) => {
    if (store.inspect?.pinned && !box.contains(e.target) && !e.target.closest('.net-canvas')) hide();
  });
}

/** Show store.inspect: a target {kind: 'edge', l, i, j} | {kind: 'node', l, j}, or nothing. */
function show() {
  const v = store.inspect;
  if (!v || !store.frame || !store.layout) {
    built = null;
    box.hidden = true;
    return;
  }
  if (!built || !sameTarget(built.target, v.target) || built.pinned !== v.pinned) {
    built = v;
    build();
  }
  refresh();
  box.hidden = false;
  box.classList.toggle('hover', !v.pinned);
  place(v.x, v.y);
}

function place(x, y) {
  const r = box.getBoundingClientRect();
  const vw = window.innerWidth; const vh = window.innerHeight;
  let left = x + 16; let top = y + 12;
  if (left + r.width > vw - 8) left = Math.max(8, x - r.width - 16);
  if (top + r.height > vh - 8) top = Math.max(8, vh - r.height - 8);
  box.style.left = `${left}px`;
  box.style.top = `${top}px`;
}

function neuronName(l, j) {
  const L = store.topology.sizes.length - 1;
  if (l === 0) {
    const name = store.topology.features[j];
    return store.hello.options.features.find((f) => f.name === name)?.label || name;
  }
  if (l === L) return store.topology.sizes[L] > 1 ? `output (class ${j})` : 'output';
  return `layer ${l} · neuron ${j + 1}`;
}

function build() {
  const t = built.target;
  const f = store.frame;
  const layout = store.layout;
  box.replaceChildren();
  cells = [];
  edit = null;
  const h = document.createElement('h4');
  const title = document.createElement('span');
  const close = document.createElement('button');
  close.type = 'button'; close.className = 'close'; close.textContent = '×'; close.setAttribute('aria-label', 'Close');
  close.addEventListener('click', () => dispatch('inspect', null));
  h.append(title, close);
  box.append(h);
  let idx;
  if (t.kind === 'edge') {
    title.textContent = `Edge ${neuronName(t.l, t.i)} → ${neuronName(t.l + 1, t.j)}`;
    idx = weightIndex(layout, t.l, t.i, t.j);
  } else {
    const L = store.topology.sizes.length - 1;
    const act = store.topology.activations?.[t.l - 1];
    title.textContent = `${neuronName(t.l, t.j)}${act ? ` (${act})` : ''}`;
    idx = biasIndex(layout, t.l - 1, t.j);
    mapCanvas = document.createElement('canvas');
    mapCanvas.className = 'big-map';
    mapCanvas.dataset.testid = 'neuron-map';
    box.append(mapCanvas);
    const sub = document.createElement('div');
    sub.className = 'sub';
    sub.textContent = t.l === L ? 'The network\'s output over the plane (x₁ right, x₂ up).'
      : 'This neuron\'s activation over the input plane (x₁ right, x₂ up).';
    box.append(sub);
  }
  const w = t.kind === 'edge' ? 'w' : 'b';
  const table = document.createElement('table');
  const rows = [
    [t.kind === 'edge' ? 'weight w' : 'bias b', () => store.frame.arrays.params?.[idx]],
    [`gradient dL/d${w}`, () => store.frame.arrays.grads?.[idx]],
    [`last update Δ${w}`, () => store.frame.arrays.updates?.[idx]],
  ];
  for (const name of Object.keys(f.arrays)) {
    if (!name.startsWith('state.')) continue;
    const key = name.slice(6);
    rows.push([STATE_LABELS[key] || key, () => store.frame.arrays[name]?.[idx]]);
  }
  for (const [label, get] of rows) {
    const tr = document.createElement('tr');
    const a = document.createElement('td'); a.textContent = label;
    const b = document.createElement('td');
    tr.append(a, b);
    table.append(tr);
    cells.push({ get, td: b });
  }
  box.append(table);
  if (built.pinned) box.append(editForm(t, idx));
  else {
    const tip = document.createElement('div');
    tip.className = 'sub';
    tip.textContent = `Click to pin and edit the ${t.kind === 'edge' ? 'weight' : 'bias'}.`;
    box.append(tip);
  }
}

function editForm(t, idx) {
  const form = document.createElement('form');
  const input = document.createElement('input');
  input.type = 'text';
  input.inputMode = 'decimal';
  input.dataset.testid = t.kind === 'edge' ? 'weight-input' : 'bias-input';
  input.dataset.field = 'value';
  input.value = fmtFull(store.frame.arrays.params?.[idx]);
  input.setAttribute('aria-label', t.kind === 'edge' ? 'New weight' : 'New bias');
  const btn = document.createElement('button');
  btn.type = 'submit';
  btn.textContent = t.kind === 'edge' ? 'Set weight' : 'Set bias';
  btn.dataset.testid = t.kind === 'edge' ? 'weight-set' : 'bias-set';
  form.append(input, btn);
  edit = { input, idx };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = Number(input.value.replace('−', '-'));
    if (input.value.trim() === '' || !Number.isFinite(v)) {
      dispatch('error', { field: 'value', message: `"${input.value}" is not a finite number.`, code: 'invalid_value' });
      return;
    }
    if (t.kind === 'edge') session.setWeight(t.l, t.i, t.j, v);
    else session.setBias(t.l - 1, t.j, v);
  });
  return form;
}

function refresh() {
  if (!built || !store.frame) return;
  for (const c of cells) c.td.textContent = fmtFull(c.get());
  if (built.target.kind === 'node' && mapCanvas) drawMap(built.target);
}

function drawMap(t) {
  const f = store.frame;
  const L = store.topology.sizes.length - 1;
  let q; let meta; let C; let ch;
  if (t.l === L) {
    q = f.arrays.output_grid; meta = f.meta.output_grid; C = meta?.shape[2] ?? 1; ch = C > 1 ? t.j : -1;
  } else {
    const name = `neuron_grid.${t.l - 1}`;
    q = f.arrays[name]; meta = f.meta[name]; C = meta?.shape[2] ?? 1; ch = t.j;
  }
  if (!q || !meta) return;
  const [gh, gw] = meta.shape;
  const s = gridSurface(gw, gh);
  if (ch >= 0 && t.l !== L) {
    // one neuron out of C: pick its channel, then the diverging scale
    const one = new Uint8Array(gw * gh);
    for (let k = 0; k < one.length; k++) one[k] = q[k * C + ch];
    paintGrid(s.image.data, one, 1, meta.lo, meta.hi, false);
  } else {
    paintGrid(s.image.data, q, C, meta.lo, meta.hi, store.ui.discretize, ch);
  }
  s.ctx.putImageData(s.image, 0, 0);
  mapCanvas.width = gw; mapCanvas.height = gh;
  mapCanvas.getContext('2d').drawImage(s.canvas, 0, 0);
}
