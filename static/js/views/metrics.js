// The numbers above the heatmap: train and test loss, and accuracy for classification.
// Exactly the engine's values (from the frame header), to 5 significant digits; the
// title attribute carries the full float64 value.

import { store, on } from '../store.js';
import { register, invalidateFrame, invalidate } from '../loop.js';
import { fmtNum, fmtFull, fmtPct } from '../format.js';

export function initMetrics() {
  const $ = (s) => document.querySelector(s);
  const train = $('[data-testid="train-loss"]');
  const test = $('[data-testid="test-loss"]');
  const acc = $('[data-testid="accuracy"]');
  const accBox = $('[data-testid="accuracy-box"]');
  on('frame', () => invalidateFrame('metrics'));
  on('ready', () => invalidate('metrics'));
  register('metrics', () => {
    const h = store.frame?.header;
    set(train, h?.train_loss, h ? fmtFull(h.train_loss) : '');
    set(test, h?.test_loss, h ? fmtFull(h.test_loss) : '');
    const cls = store.kind === 'classification';
    accBox.hidden = !cls;
    if (cls) {
      acc.textContent = h && h.train_accuracy !== null && h.train_accuracy !== undefined
        ? `${(100 * h.train_accuracy).toFixed(1)} / ${fmtPct(h.test_accuracy)}` : '–';
      acc.title = h ? `train ${fmtFull(h.train_accuracy)}, test ${fmtFull(h.test_accuracy)}` : '';
    }
  });
}

function set(el, v, full) {
  const text = v === null || v === undefined ? (store.diverged ? 'NaN' : '–') : fmtNum(v);
  if (el.textContent !== text) el.textContent = text;
  el.title = full;
}
