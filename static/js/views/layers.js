// Hidden layers and neurons: +/- for the number of layers (panel header) and +/- above each
// hidden column. How many layers and neurons: the schema's `hidden` (maxItems, minimum, maximum).

import { on, desired } from '../store.js';
import * as session from '../session.js';
import { setting, bounds } from '../schema.js';

const $ = (sel) => document.querySelector(sel);

export function initLayerControls() {
  const add = $('[data-testid="add-layer"]');
  const remove = $('[data-testid="remove-layer"]');
  const count = $('[data-testid="layer-count"]');

  add.addEventListener('click', () => {
    const h = hidden();
    // A new layer as wide as the last one (or as the default's last).
    if (h.length < layers()[1]) session.configure({ hidden: [...h, h.at(-1) ?? setting('hidden').default.at(-1) ?? neurons()[0]] });
  });
  remove.addEventListener('click', () => {
    const h = hidden();
    if (h.length > layers()[0]) session.configure({ hidden: h.slice(0, -1) });
  });

  function sync() {
    const h = hidden();
    add.disabled = h.length >= layers()[1];
    remove.disabled = h.length <= layers()[0];
    count.textContent = `${h.length} hidden layer${h.length === 1 ? '' : 's'}`;
  }
  on('config', sync);
}

const hidden = () => [...(desired()?.hidden || [])];
/** [fewest, most] hidden layers, and [fewest, most] neurons in one. */
const layers = () => [setting('hidden').minItems ?? 0, setting('hidden').maxItems];
const neurons = () => bounds(setting('hidden'));

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
        button('+', `add-neuron-${l}`, `Add a neuron to layer ${l}`, n >= neurons()[1], () => resize(l - 1, n + 1)),
        button('−', `remove-neuron-${l}`, `Remove a neuron from layer ${l}`, n <= neurons()[0], () => resize(l - 1, n - 1)),
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
