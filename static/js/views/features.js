// The seven inputs, each with a small heatmap of its value over the plane; click to toggle.

import { store, on, emit } from '../store.js';
import * as session from '../session.js';
import { gridSurface } from '../canvas.js';
import { diverging } from '../colors.js';

// Fallback formulas if the server sends grids only for the active features.
const FORMULAS = {
  x1: (x) => x, x2: (x, y) => y, x1sq: (x) => x * x, x2sq: (x, y) => y * y,
  x1x2: (x, y) => x * y, sinx1: (x) => Math.sin(x), sinx2: (x, y) => Math.sin(y),
};

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
    const grids = msg.feature_grids || {};
    for (const b of box.children) drawFeature(b.querySelector('canvas'), b.dataset.feature, grids[b.dataset.feature]);
    sync();
  });
  on('config', sync);
}

function drawFeature(canvas, name, grid) {
  let rows = grid;
  if (!rows) {
    const f = FORMULAS[name];
    if (!f) return;
    const n = 16;
    rows = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(-6 + (j + 0.5) * 12 / n, 6 - (i + 0.5) * 12 / n)));
  }
  const h = rows.length; const w = rows[0].length;
  let m = 0;
  for (const r of rows) for (const v of r) m = Math.max(m, Math.abs(v));
  const s = gridSurface(w, h);
  const d = s.image.data;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const [r, g, b] = diverging(m ? rows[i][j] / m : 0);
      const k = (i * w + j) * 4;
      d[k] = r; d[k + 1] = g; d[k + 2] = b; d[k + 3] = 255;
    }
  }
  s.ctx.putImageData(s.image, 0, 0);
  canvas.width = w; canvas.height = h;
  canvas.getContext('2d').drawImage(s.canvas, 0, 0);
}
