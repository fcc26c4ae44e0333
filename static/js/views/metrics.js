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
      const ok = h && h.train_accuracy !== null && h.train_accuracy !== undefined;
      const text = ok ? [`train ${fmtPct(h.train_accuracy)}`, `test ${fmtPct(h.test_accuracy)}`] : ['–', ''];
      if (acc.dataset.text !== text.join('|')) {
        acc.dataset.text = text.join('|');
        acc.replaceChildren(...text.map((t) => { const sp = document.createElement('span'); sp.textContent = t; return sp; }));
      }
      acc.title = ok ? `train ${fmtFull(h.train_accuracy)}, test ${fmtFull(h.test_accuracy)}` : '';
    }
  });
}

function set(el, v, full) {
  const text = v === null || v === undefined ? (store.diverged ? 'NaN' : '–') : fmtNum(v);
  if (el.textContent !== text) el.textContent = text;
  el.title = full;
}
