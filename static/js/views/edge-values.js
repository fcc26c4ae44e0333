// What an edge can show: weight, gradient, last or pending update, the optimizer's state
// (momentum, Adam's m̂, v̂, lr·m̂/(√v̂+ε)), from the frame's (P,) arrays. Gradients have their
// own palette (purple / green): a positive weight never looks flipped.

import { store } from '../store.js';
import { NEG, POS } from '../colors.js';
import { hyperSpec } from '../schema.js';

export const GRAD_NEG = [118, 42, 131];  // purple: dL/dw < 0 (the weight will grow)
export const GRAD_POS = [27, 120, 55];   // green:  dL/dw > 0 (the weight will shrink)
export const PALETTES = { weight: { neg: NEG, pos: POS }, gradient: { neg: GRAD_NEG, pos: GRAD_POS } };

/** A hyperparameter of the running optimizer (the config's, else the schema's default). */
function hyper(name) {
  const c = store.config;
  return c?.hyper?.[name] ?? hyperSpec(c?.optimizer)[name]?.default;
}

/** Adam's moments with bias correction after t steps: m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ). */
function adamMoments(a, t) {
  const m = a['state.exp_avg']; const v = a['state.exp_avg_sq'];
  if (!m || !v || !(t > 0)) return null;
  const c1 = 1 - hyper('beta1') ** t; const c2 = 1 - hyper('beta2') ** t;
  return { m, v, c1, c2 };
}

function mapped(n, fn) {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = fn(k);
  return out;
}

/** mode -> {what (legend), palette, signs (what each sign means), values(arrays, step): (P,) or null} */
export const EDGE_MODES = {
  weight: { what: 'weight w', palette: 'weight', values: (a) => a.params, signs: ['w < 0', 'w > 0'] },
  gradient: {
    what: 'gradient dL/dw', palette: 'gradient', values: (a) => a.grads,
    signs: ['dL/dw < 0: w will grow', 'dL/dw > 0: w will shrink'],
  },
  update: { what: 'last update Δw', palette: 'weight', values: (a) => a.updates, signs: ['Δw < 0: w went down', 'Δw > 0: w went up'] },
  pending: {
    what: 'pending update Δw', palette: 'weight', values: (a) => a.pending ?? null,
    signs: ['Δw < 0: w will go down', 'Δw > 0: w will go up'],
  },
  momentum: { what: 'momentum buffer v', palette: 'weight', values: (a) => a['state.momentum_buffer'] ?? null },
  m_hat: {
    what: "Adam's m̂ = m/(1−β₁ᵗ)", palette: 'gradient',
    values: (a, t) => { const s = adamMoments(a, t); return s && mapped(s.m.length, (k) => s.m[k] / s.c1); },
  },
  v_hat: {
    what: "Adam's v̂ = v/(1−β₂ᵗ)", palette: 'weight',
    values: (a, t) => { const s = adamMoments(a, t); return s && mapped(s.v.length, (k) => s.v[k] / s.c2); },
  },
  adam_step: {
    what: 'effective step lr·m̂/(√v̂+ε)', palette: 'gradient',
    values: (a, t) => {
      const s = adamMoments(a, t);
      if (!s) return null;
      const lr = store.config.learning_rate; const eps = hyper('eps');
      return mapped(s.m.length, (k) => (lr * (s.m[k] / s.c1)) / (Math.sqrt(s.v[k] / s.c2) + eps));
    },
  },
};

/** The values mode `mode` shows for the newest frame (null: not available, e.g. no momentum). */
export function edgeValues(mode, frame = store.frame) {
  const m = EDGE_MODES[mode];
  if (!m || !frame) return null;
  return m.values(frame.arrays, frame.header.step) ?? null;
}

/** The mode drawn: the chosen one; the gradient in a held backward phase; else the weight. */
export function shownMode() {
  let mode = store.ui.edgeMode;
  if (store.phase === 'backward' && mode === 'weight') mode = 'gradient';
  return edgeValues(mode) ? mode : 'weight';
}
