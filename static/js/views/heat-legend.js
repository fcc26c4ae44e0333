// The output heatmap's legend and the words under the pointer. A probability output's grid
// holds s = 2p − 1, so p = (s + 1) / 2; cross-entropy's holds each class's probability.

import { store, on } from '../store.js';
import { diverging, rgbCss, CLASS_CSS } from '../colors.js';
import { el, $ } from '../dom.js';

const STRENGTH = 0.8; // the heatmap's (views/heatmap.js paints single outputs at 0.8)
const COLOUR_NAMES = ['orange', 'blue', 'green', 'purple', 'red'];

/** 'probability' (binary, p = (s+1)/2), 'classes' (K probabilities), 'score' (tanh class score), 'output'. */
export function outputKind() {
  const c = store.config;
  if (!c) return 'output';
  if (c.loss === 'cross_entropy') return 'classes';
  if (c.loss === 'bce' || c.output_activation === 'sigmoid') return store.kind === 'classification' ? 'probability' : 'output';
  return store.kind === 'classification' ? 'score' : 'output';
}

const className = (k) => `class ${k}${COLOUR_NAMES[k] ? ` (${COLOUR_NAMES[k]})` : ''}`;

/** What the output at one cell means: `vals` are the grid's values there (1 or K). */
export function describeOutput(vals) {
  switch (outputKind()) {
    case 'probability': {
      const p = (vals[0] + 1) / 2;
      return `p(class 1) ≈ ${p.toFixed(2)} → ${className(p >= 0.5 ? 1 : 0)}`;
    }
    case 'classes': {
      let best = 0;
      vals.forEach((v, k) => { if (v > vals[best]) best = k; });
      return `${vals.map((v, k) => `p${k} ≈ ${v.toFixed(2)}`).join(' ')} → ${className(best)}`;
    }
    case 'score': return `score ≈ ${vals[0].toFixed(2)} → ${className(vals[0] >= 0 ? 1 : 0)}`;
    default: return `output ≈ ${vals[0].toFixed(3)}`;
  }
}

function bar() {
  const stops = [-1, -0.5, 0, 0.5, 1].map((v) => rgbCss(diverging(v * STRENGTH).map(Math.round)));
  const b = el('span.bar');
  b.style.background = `linear-gradient(to right, ${stops.join(', ')})`;
  return b;
}

function render() {
  const box = $('[data-testid="heatmap-legend"]');
  const kind = outputKind();
  if (kind === 'classes') {
    const K = store.ready?.n_classes ?? 0;
    const sw = (k) => { const s = el('span.sw'); s.style.background = CLASS_CSS[k % CLASS_CSS.length]; return s; };
    box.replaceChildren(el('span', null, 'Colour: the most likely class; paler: less sure.'),
      ...Array.from({ length: K }, (_, k) => el('span', null, sw(k), `class ${k}`)));
    return;
  }
  const [left, right, note] = {
    probability: ['class 0 · p = 0', 'p = 1 · class 1', 'p: probability of class 1'],
    score: ['class 0 · −1', '+1 · class 1', 'the output (tanh), 0 in the middle'],
    output: ['≤ −1', '≥ +1', 'the output, 0 in the middle'],
  }[kind];
  box.replaceChildren(el('span', null, left), bar(), el('span', null, right), el('span.hint', null, note));
}

export function initHeatLegend() {
  for (const topic of ['ready', 'config']) on(topic, render);
}
