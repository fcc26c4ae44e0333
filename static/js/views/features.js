// The inputs (the schema's feature names), each with a small heatmap of its value over the
// plane (the engine's, from ready.feature_grids); click to toggle.

import { on, refuse, desired } from '../store.js';
import * as session from '../session.js';
import { gridSurface } from '../canvas.js';
import { diverging } from '../colors.js';
import { setting, choices, label, itemCount } from '../schema.js';
import { el } from '../dom.js';

export function initFeatures(onLayoutChange) {
  const box = document.querySelector('#features');

  on('hello', () => {
    box.replaceChildren(...choices('features').map((name) => el('button.feature-btn', {
      type: 'button', title: `${label('features', name)}: click to use it as an input or not`, 'aria-pressed': 'false',
      'data-testid': `feature-${name}`, 'data-feature': name, onclick: () => toggle(name),
    }, el('span', null, label('features', name)), el('canvas'))));
  });

  function toggle(name) {
    const c = desired();
    if (!c) return;
    const chosen = new Set(c.features);
    if (!chosen.delete(name)) chosen.add(name);
    const [fewest, most] = itemCount(setting('features'));
    if (chosen.size < fewest || chosen.size > most) {
      refuse('features', `The network takes ${fewest} to ${most} inputs.`);
      return;
    }
    session.configure({ features: choices('features').filter((f) => chosen.has(f)) });
  }

  function sync() {
    const c = desired();
    if (!c) return;
    let changed = false;
    for (const b of box.children) {
      const pressed = String(c.features.includes(b.dataset.feature));
      changed ||= b.getAttribute('aria-pressed') !== pressed;
      b.setAttribute('aria-pressed', pressed);
    }
    if (changed) onLayoutChange();
  }

  on('ready', (msg) => {
    // The engine's own values of every feature (ready.feature_grids, scaled to [-1, 1]).
    const grids = msg.feature_grids || {};
    for (const b of box.children) drawFeature(b.querySelector('canvas'), grids[b.dataset.feature]);
  });
  on('config', sync);
}

function drawFeature(canvas, rows) {
  if (!rows || !rows.length) return;
  const h = rows.length; const w = rows[0].length;
  const s = gridSurface(w, h);
  const d = s.image.data;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const [r, g, b] = diverging(rows[i][j]);
      const k = (i * w + j) * 4;
      d[k] = r; d[k + 1] = g; d[k + 2] = b; d[k + 3] = 255;
    }
  }
  s.ctx.putImageData(s.image, 0, 0);
  canvas.width = w; canvas.height = h;
  canvas.getContext('2d').drawImage(s.canvas, 0, 0);
}
