// The step taken apart: "Step by phase" (n) runs the next phase (forward -> backward -> update)
// and holds it; "by phases" plays them at the teacher's dwell; captions in the article's words.
// A whole step's numbers change at its update phase (network-anim.shownFrame): redrawn then.

import { store, on, dispatch } from '../store.js';
import * as session from '../session.js';
import { invalidate } from '../loop.js';
import { msUntilUpdate } from './network-anim.js';
import { fmtLoss, fmtInt } from '../format.js';
import { $ } from '../dom.js';
import { edgeValues } from './edge-values.js';

export const DWELLS = [0.5, 1, 1.5, 2, 3, 5];
const NUMBER_VIEWS = ['transport', 'metrics', 'heatmap', 'loss-chart', 'grad-chart', 'network'];
const NEXT = { forward: 'backpropagation', backward: 'the update', update: 'the next forward pass' };

/** The caption of a held phase: {phase, tag, text, next}. `rule`: the optimizer's update rule. */
export function heldCaption(phase, rule, B) {
  const h = store.frame.header;
  const c = store.config;
  const next = `Next (n): ${NEXT[phase] ?? 'the forward pass'}.`;
  if (phase === 'forward') {
    return { phase: 'held-forward', tag: '1 · Forward', next,
      text: `Forward pass: the network makes a prediction for this mini-batch and the loss measures how wrong it is. `
        + `${fmtInt(B)} point${B === 1 ? '' : 's'}, loss ${fmtLoss(h.batch_loss, 4)}.` };
  }
  if (phase === 'backward') {
    return { phase: 'held-backward', tag: '2 · Backward', next,
      text: 'Backpropagation: the chain rule, from the output back to the input, gives every weight its gradient. Nothing has changed yet.' };
  }
  const plain = c.optimizer === 'sgd' && !(c.hyper?.momentum > 0);
  return { phase: 'held-update', tag: '3 · Update', next,
    text: plain
      ? `Gradient descent: every weight moves against its gradient, w ← w − lr · dL/dw, lr = ${c.learning_rate}.`
      : `Gradient descent: every weight moves against its gradient, by the ${rule}, lr = ${c.learning_rate}.` };
}

let timer = null;     // the next phase of play by phases
let waiting = null;   // the id of the phase command whose frame has not come yet
let heldTimer = null; // redraws the numbers when a whole step's animation reaches its update

/** How long each phase is held while playing by phases: the dwell, longer at slower speeds. */
function dwellMs() {
  const perStep = typeof store.speed === 'number' && store.speed <= 1 ? 1000 / store.speed / 3 : 0;
  return Math.max(1000 * store.ui.dwell, perStep);
}

function nextPhase() {
  timer = null;
  if (!store.phasePlay) return;
  if (store.diverged || store.connection.state !== 'open') { dispatch('phasePlay', false); return; }
  waiting = session.phase();
  if (waiting === null) dispatch('phasePlay', false);
}

export function initPhase() {
  const stepBtn = $('[data-testid="step-phase"]');
  const playBtn = $('[data-testid="phase-play"]');
  const dwell = $('[data-testid="phase-dwell"]');
  dwell.replaceChildren(...DWELLS.map((s) => new Option(`${s} s`, String(s))));
  stepBtn.addEventListener('click', () => { if (store.phasePlay) dispatch('phasePlay', false); session.phase(); });
  playBtn.addEventListener('click', () => dispatch('phasePlay', !store.phasePlay));
  dwell.addEventListener('change', () => session.setUi({ dwell: Number(dwell.value) }));

  const sync = () => {
    const open = store.connection.state === 'open' && !!store.config;
    stepBtn.disabled = !open || store.diverged;
    playBtn.disabled = !open || store.diverged;
    playBtn.setAttribute('aria-pressed', String(store.phasePlay));
    playBtn.textContent = store.phasePlay ? '❚❚ phases' : '▶ by phases';
    dwell.value = String(store.ui.dwell);
    document.body.dataset.phase = store.phase ?? '';
    // Edge modes the newest frame has values for (pending: after backward; the optimizer's state).
    for (const b of document.querySelectorAll('[data-testid="edge-mode"] [data-mode]')) b.hidden = !edgeValues(b.dataset.mode);
  };
  for (const topic of ['connection', 'ready', 'status', 'ui', 'phasePlay']) on(topic, sync);

  on('phasePlay', () => {
    clearTimeout(timer); timer = null; waiting = null;
    if (store.phasePlay) nextPhase();
  });
  on('frame', () => {
    sync();
    const h = store.frame.header;
    if (store.phasePlay && waiting !== null && h.ack === waiting) {
      waiting = null;
      // The dwell counts from when the phase is drawn.
      requestAnimationFrame(() => { if (store.phasePlay && timer === null) timer = setTimeout(nextPhase, dwellMs()); });
    }
    // A whole step animates: its numbers change at the update phase.
    clearTimeout(heldTimer);
    const ms = msUntilUpdate();
    if (ms !== null) heldTimer = setTimeout(() => invalidate(...NUMBER_VIEWS), ms + 20);
  });
  on('error', () => { if (store.phasePlay && store.controlError?.id === waiting) dispatch('phasePlay', false); });
  sync();
}
