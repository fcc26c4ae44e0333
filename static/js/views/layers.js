// Hidden layers and neurons: +/- for the number of layers (panel header) and +/- above each
// hidden column. Limits come from hello.limits.

import { store, on } from '../store.js';
import * as session from '../session.js';

const $ = (sel) => document.querySelector(sel);

export function initLayerControls() {
  const add = $('[data-testid="add-layer"]');
  const remove = $('[data-testid="remove-layer"]');
  const count = $('[data-testid="layer-count"]');

  add.addEventListener('click', () => {
    const h = hidden();
    if (h.length >= maxLayers()) return;
    session.configure({ hidden: [...h, h.length ? h[h.length - 1] : 2] });
  });
  remove.addEventListener('click', () => {
    const h = hidden();
    if (!h.length) return;
    session.configure({ hidden: h.slice(0, -1) });
  });

  function sync() {
    const h = hidden();
    add.disabled = h.length >= maxLayers();
    remove.disabled = h.length === 0;
    count.textContent = `${h.length} hidden layer${h.length === 1 ? '' : 's'}`;
  }
  on('ready', sync);
  on('config', sync);
}

function hidden() { return [...(store.config?.hidden || [])]; }
function maxLayers() { return store.hello?.limits?.max_hidden_layers ?? 6; }
function maxNeurons() { return store.hello?.limits?.max_neurons ?? 8; }

/** Put a +/- pair above every hidden column and a label above the output. */
export function placeLayerControls(layout, sizes) {
  const box = $('#layer-ctls');
  box.replaceChildren();
  const L = sizes.length - 1;
  for (let l = 1; l <= L; l++) {
    const x = layout.nodes[l - 1][0].x;
    const el = document.createElement('div');
    el.className = 'layer-ctl';
    el.style.left = `${x}px`;
    const lbl = document.createElement('span');
    lbl.className = 'lbl';
    if (l === L) {
      el.classList.add('output-lbl');
      lbl.textContent = 'Output';
      el.title = sizes[L] > 1 ? `${sizes[L]} outputs: one probability per class` : 'The network\'s output';
      el.append(lbl);
    } else {
      const btns = document.createElement('div');
      btns.className = 'btns';
      const n = sizes[l];
      btns.append(
        button('+', `add-neuron-${l}`, `Add a neuron to layer ${l}`, n >= maxNeurons(), () => resize(l - 1, n + 1)),
        button('−', `remove-neuron-${l}`, `Remove a neuron from layer ${l}`, n <= 1, () => resize(l - 1, n - 1)),
      );
      lbl.textContent = `${n} neuron${n === 1 ? '' : 's'}`;
      el.append(btns, lbl);
    }
    box.append(el);
  }
}

function button(text, testid, title, disabled, fn) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'round-btn';
  b.textContent = text;
  b.title = title;
  b.setAttribute('aria-label', title);
  b.dataset.testid = testid;
  b.disabled = disabled;
  b.addEventListener('click', fn);
  return b;
}

function resize(index, n) {
  const h = hidden();
  h[index] = n;
  session.configure({ hidden: h });
}
