// Hidden layers and neurons: +/- for the number of layers (panel header) and +/- above each
// hidden column. How many layers and neurons: the schema's `hidden` (maxItems, minimum, maximum).

import { on, desired } from '../store.js';
import * as session from '../session.js';
import { setting, bounds, itemCount } from '../schema.js';
import { el, $ } from '../dom.js';

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
const layers = () => itemCount(setting('hidden'));
const neurons = () => bounds(setting('hidden'));

/** Put a +/- pair above every hidden column and a label above the output. */
export function placeLayerControls(layout, sizes) {
  const L = sizes.length - 1;
  const [fewest, most] = neurons();
  const button = (text, testid, title, disabled, onclick) => el('button.round-btn',
    { type: 'button', textContent: text, title, 'aria-label': title, 'data-testid': testid, disabled, onclick });
  $('#layer-ctls').replaceChildren(...sizes.slice(1).map((n, k) => {
    const l = k + 1;
    const box = l === L
      ? el('div.layer-ctl.output-lbl', { title: n > 1 ? `${n} outputs: one probability per class` : 'The network\'s output' }, el('span.lbl', null, 'Output'))
      : el('div.layer-ctl', null, el('div.btns', null,
        button('+', `add-neuron-${l}`, `Add a neuron to layer ${l}`, n >= most, () => resize(k, n + 1)),
        button('−', `remove-neuron-${l}`, `Remove a neuron from layer ${l}`, n <= fewest, () => resize(k, n - 1))),
      el('span.lbl', null, `${n} neuron${n === 1 ? '' : 's'}`));
    box.style.left = `${layout.nodes[k][0].x}px`;
    return box;
  }));
}

function resize(index, n) {
  const h = hidden();
  h[index] = n;
  session.configure({ hidden: h });
}
