// The numbers above the heatmap: loss and (for classification) accuracy, train and test, in a
// small table. Exactly the engine's values (from the frame header), to 5 significant digits; the
// title attribute carries the full float64 value. A loss that is not a finite number (null in
// the frame: the run diverged) shows as NOT_FINITE, like every other loss readout.

import { store, on } from '../store.js';
import { register, invalidateFrame, invalidate } from '../loop.js';
import { fmtLoss, fmtLossFull, fmtFull, fmtPct, NOT_FINITE } from '../format.js';
import { shownFrame } from './network-anim.js';

export function initMetrics() {
  const $ = (s) => document.querySelector(s);
  const trainLoss = $('[data-testid="train-loss"]');
  const testLoss = $('[data-testid="test-loss"]');
  const trainAcc = $('[data-testid="train-accuracy"]');
  const testAcc = $('[data-testid="test-accuracy"]');
  const accRow = $('[data-testid="accuracy-box"]');
  const penalty = $('[data-testid="penalty"]');
  const penaltyBox = $('[data-testid="penalty-box"]');
  on('frame', () => invalidateFrame('metrics'));
  on('ready', () => invalidate('metrics'));
  on('config', () => invalidate('metrics'));
  register('metrics', () => {
    const h = shownFrame()?.header; // the step before, while a step animates up to its update
    setLoss(trainLoss, h, h?.train_loss);
    setLoss(testLoss, h, h?.test_loss);
    // The regularization term beside the data losses (it is not in them; the gradient has it).
    penaltyBox.hidden = !h || (store.config?.regularization ?? 'none') === 'none';
    if (!penaltyBox.hidden) setLoss(penalty, h, h.penalty);
    const cls = store.kind === 'classification';
    accRow.hidden = !cls;
    if (cls) {
      setText(trainAcc, h ? fmtPct(h.train_accuracy) : '–', h ? fmtFull(h.train_accuracy) : '');
      setText(testAcc, h ? fmtPct(h.test_accuracy) : '–', h ? fmtFull(h.test_accuracy) : '');
    }
  });
}

function setLoss(el, h, v) {
  if (!h) { setText(el, '–', ''); return; }
  const text = fmtLoss(v);
  setText(el, text, text === NOT_FINITE ? 'not a finite number: training diverged' : fmtLossFull(v));
}

function setText(el, text, title) {
  if (el.textContent !== text) el.textContent = text;
  if (el.title !== title) el.title = title;
}
