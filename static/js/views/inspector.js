// The inspector: exact numbers for one edge or one neuron, from the newest frame.
// Hover shows it (mouse); click or tap pins it, with a field to edit the weight or bias.
// What it shows is store.inspect ({target, pinned, x, y}); the network view sets it.

import { store, on, dispatch, refuse, sameTarget } from '../store.js';
import { weightIndex, biasIndex } from '../protocol.js';
import { fmtFull, fmtNum } from '../format.js';
import { gridSurface } from '../canvas.js';
import { paintGrid } from '../colors.js';
import * as session from '../session.js';
import { el, $ } from '../dom.js';
import { label } from '../schema.js';

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
let builtNames = '';   // the frame's arrays the rows were built for

const arrayNames = () => Object.keys(store.frame?.arrays ?? {}).filter((n) => n === 'pending' || n.startsWith('state.')).join();

export function initInspector() {
  box = $('[data-testid="inspector"]');
  on('frame', () => {
    if (!built) return;
    if (arrayNames() !== builtNames) build(); // a phase brought (or took) the pending update
    refresh();
  });
  on('inspect', show);
  // A refused edit: the field shows the server's value again.
  on('error', () => { if (edit && store.controlError?.field === 'value') edit.input.value = fmtFull(store.frame.arrays.params[edit.idx]); });
  const hide = () => dispatch('inspect', null);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hide(); });
  document.addEventListener('pointerdown', (e) => {
    // Stepping phase by phase keeps the pinned edge: its numbers change with each phase.
    if (store.inspect?.pinned && !box.contains(e.target) && !e.target.closest('.net-canvas, .phase-ctl, .compare-panel')) hide();
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
  const { sizes, features } = store.topology;
  const L = sizes.length - 1;
  if (l === 0) return label('features', features[j]);
  if (l === L) return sizes[L] > 1 ? `output (class ${j})` : 'output';
  return `layer ${l} · neuron ${j + 1}`;
}

function build() {
  const t = built.target;
  const edge = t.kind === 'edge';
  const L = store.topology.sizes.length - 1;
  const act = store.topology.activations?.[t.l - 1];
  const idx = edge ? weightIndex(store.layout, t.l, t.i, t.j) : biasIndex(store.layout, t.l - 1, t.j);
  const w = edge ? 'w' : 'b';
  edit = null;
  builtNames = arrayNames();
  const rows = [
    [edge ? 'weight w' : 'bias b', 'params'], [`gradient dL/d${w}`, 'grads'], [`last update Δ${w}`, 'updates'],
    ...(store.frame.arrays.pending ? [[`pending update Δ${w}`, 'pending']] : []),
    ...Object.keys(store.frame.arrays).filter((n) => n.startsWith('state.')).map((n) => [STATE_LABELS[n.slice(6)] || n.slice(6), n]),
  ];
  // 4 significant digits; the exact float64 value in the title and on a click (and copied).
  cells = rows.map(([, name]) => ({ get: () => store.frame.arrays[name]?.[idx], td: el('td.num', { 'data-testid': `inspect-${name.replace('.', '-')}` }) }));
  for (const c of cells) c.td.addEventListener('click', () => { c.td.classList.toggle('exact'); refresh(); });
  mapCanvas = edge ? null : el('canvas.big-map', { 'data-testid': 'neuron-map' });
  box.replaceChildren(
    el('h4', null, el('span', null, edge ? `Edge ${neuronName(t.l, t.i)} → ${neuronName(t.l + 1, t.j)}` : `${neuronName(t.l, t.j)}${act ? ` (${act})` : ''}`),
      el('button.close', { type: 'button', textContent: '×', 'aria-label': 'Close', onclick: () => dispatch('inspect', null) })),
    ...(edge ? [] : [mapCanvas, el('div.sub', null, t.l === L ? 'The network\'s output over the plane (x₁ right, x₂ up).'
      : 'This neuron\'s activation over the input plane (x₁ right, x₂ up).')]),
    el('table', null, ...rows.map(([text], k) => el('tr', null, el('td', null, text), cells[k].td))),
    built.pinned ? editForm(t, idx) : el('div.sub', null, `Click to pin and edit the ${edge ? 'weight' : 'bias'}.`),
  );
  if (built.pinned) {
    // The gradient check loads on first use (it is not part of the page's first load).
    const pinned = built;
    import('./gradcheck.js').then(({ gradcheckBox }) => { if (built === pinned) box.append(gradcheckBox(t)); });
  }
}

function editForm(t, idx) {
  const edge = t.kind === 'edge';
  const input = el('input', {
    type: 'text', inputMode: 'decimal', value: fmtFull(store.frame.arrays.params?.[idx]),
    'data-testid': edge ? 'weight-input' : 'bias-input', 'data-field': 'value', 'aria-label': edge ? 'New weight' : 'New bias',
  });
  edit = { input, idx };
  const submit = (e) => {
    e.preventDefault();
    const v = Number(input.value.replace('−', '-'));
    if (input.value.trim() === '' || !Number.isFinite(v)) {
      refuse('value', `"${input.value}" is not a finite number.`);
    } else if (edge) session.setWeight(t.l, t.i, t.j, v);
    else session.setBias(t.l - 1, t.j, v);
  };
  return el('form', { onsubmit: submit }, input,
    el('button', { type: 'submit', textContent: edge ? 'Set weight' : 'Set bias', 'data-testid': edge ? 'weight-set' : 'bias-set' }));
}

function refresh() {
  if (!built || !store.frame) return;
  for (const c of cells) {
    const v = c.get();
    c.td.textContent = c.td.classList.contains('exact') ? fmtFull(v) : fmtNum(v, 4);
    c.td.title = `${fmtFull(v)} (click: exact value)`;
  }
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
