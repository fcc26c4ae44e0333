// The seven inputs, each with a small heatmap of its value over the plane; click to toggle.

import { store, on, emit } from '../store.js';
import * as session from '../session.js';
import { gridSurface } from '../canvas.js';
import { diverging } from '../colors.js';


export function initFeatures(onLayoutChange) {
  const box = document.querySelector('#features');

  on('hello', (hello) => {
    box.replaceChildren(...hello.options.features.map((f) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'feature-btn';
      b.dataset.testid = `feature-${f.name}`;
      b.dataset.feature = f.name;
      b.setAttribute('aria-pressed', 'false');
      b.title = `${f.label}: click to use it as an input or not`;
      const c = document.createElement('canvas');
      const label = document.createElement('span');
      label.textContent = f.label;
      b.append(label, c);
      b.addEventListener('click', () => toggle(f.name));
      return b;
    }));
  });

  function toggle(name) {
    const c = store.config;
    if (!c) return;
    const all = store.hello.options.features.map((f) => f.name);
    const on_ = new Set(c.features);
    if (on_.has(name)) {
      if (on_.size === 1) { emit('toast', { title: 'At least one input', text: 'The network needs at least one feature.', info: true }); return; }
      on_.delete(name);
    } else {
      on_.add(name);
    }
    session.configure({ features: all.filter((f) => on_.has(f)) });
  }

  function sync() {
    const c = store.config;
    if (!c) return;
    for (const b of box.children) b.setAttribute('aria-pressed', String(c.features.includes(b.dataset.feature)));
    onLayoutChange();
  }

  on('ready', (msg) => {
    // The engine's own values of all seven features (ready.feature_grids, scaled to [-1, 1]).
    const grids = msg.feature_grids || {};
    for (const b of box.children) drawFeature(b.querySelector('canvas'), grids[b.dataset.feature]);
    sync();
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
