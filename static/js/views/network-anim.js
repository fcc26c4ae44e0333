// Backprop you can watch: one training step shown in four phases, each with a caption.
//   forward  - the mini-batch's activations flow from the inputs to the output
//   loss     - the loss appears at the output
//   backward - the deltas flow back along the edges (brightness = |dL/dw|)
//   update   - the optimizer's update lands on the weights
// Slow speeds (<= SLOW_SPEED steps/s) and single steps animate (the store starts an animation
// when such a frame arrives); faster runs show |gradient| live.

import { store, isSlow, SLOW_SPEED } from '../store.js';
import { fmtLoss, fmtInt } from '../format.js';
import { lossLabel } from '../schema.js';
import { heldCaption } from './phase.js';

// The shortest phase is a fifth of the step, so a 5 s step holds every phase at least 1 s.
const PHASES = [
  { name: 'forward', from: 0, to: 0.3 },
  { name: 'loss', from: 0.3, to: 0.5 },
  { name: 'backward', from: 0.5, to: 0.8 },
  { name: 'update', from: 0.8, to: 1 },
];
/** {phase, t (0..1 within the phase), p (0..1 overall)} or null when no animation runs. */
export function animState(now) {
  const a = store.anim;
  if (!a) return null;
  // A rAF timestamp may come from just before the frame arrived: that is the start.
  const p = Math.max(0, (now - a.start) / a.duration);
  if (p >= 1) return null;
  const ph = PHASES.find((x) => p < x.to) || PHASES[PHASES.length - 1];
  return { phase: ph.name, t: (p - ph.from) / (ph.to - ph.from), p };
}

/** The frame whose numbers are on show: while a step animates, the one before it until the
 * update phase (the counter, losses, maps and charts change when the weights do). */
export function shownFrame(now = performance.now()) {
  const a = animState(now);
  const prev = store.prevFrame;
  if (a && a.phase !== 'update' && prev && store.frame && prev.header.step === store.frame.header.step - 1) return prev;
  return store.frame;
}

/** When the animation of the newest step reaches its update (ms from now), or null. */
export function msUntilUpdate(now = performance.now()) {
  const a = store.anim;
  if (!a) return null;
  const t = a.start + a.duration * PHASES[3].from - now;
  return t > 0 ? t : null;
}

export const UPDATE_RULES = {
  sgd: (h) => (h?.momentum > 0
    ? (h.nesterov ? 'Nesterov: v ← μv + g, w ← w − lr·(g + μv)' : 'momentum: v ← μv + g, w ← w − lr·v')
    : 'w ← w − lr · dL/dw'),
  adam: () => 'Adam: w ← w − lr · m̂ / (√v̂ + ε)',
  adamw: () => 'AdamW: w ← w − lr·(m̂ / (√v̂ + ε) + λw)',
  rmsprop: () => 'RMSprop: w ← w − lr · g / (√(mean g²) + ε)',
  adagrad: () => 'Adagrad: w ← w − lr · g / (√(Σ g²) + ε)',
};

/** The caption: which phase is showing, in words, with the engine's numbers. */
export function caption(anim) {
  const f = store.frame;
  const h = f?.header;
  const c = store.config;
  if (!h || !c) return { phase: 'idle', tag: 'Waiting', text: 'Connecting to the training server…' };
  const B = f.arrays.batch ? f.arrays.batch.length : 0;
  if (store.phase && !anim) return heldCaption(store.phase, (UPDATE_RULES[c.optimizer] || UPDATE_RULES.sgd)(c.hyper), B);
  if (anim) {
    switch (anim.phase) {
      case 'forward':
        return { phase: 'forward', tag: '1 · Forward', text: `Step ${fmtInt(h.step)}: the mini-batch of ${fmtInt(B)} point${B === 1 ? '' : 's'} flows through the network, layer by layer.` };
      case 'loss':
        return { phase: 'loss', tag: '2 · Loss', text: `At the output the ${lossLabel(c.loss).toLowerCase()} of this batch is ${fmtLoss(h.batch_loss)}.` };
      case 'backward':
        return { phase: 'backward', tag: '3 · Backward', text: 'The error flows back from the loss: each edge gets its gradient dL/dw (purple / green, thicker = larger). Nothing has changed yet.' };
      default: {
        const rule = (UPDATE_RULES[c.optimizer] || UPDATE_RULES.sgd)(c.hyper);
        return { phase: 'update', tag: '4 · Update', text: `Every weight moves: ${rule}, lr = ${c.learning_rate}.` };
      }
    }
  }
  if (store.diverged) return { phase: 'diverged', tag: 'Diverged', text: 'The numbers overflowed. Lower the learning rate, then reset.' };
  if (store.running) {
    if (isSlow()) return { phase: 'running', tag: 'Playing', text: `${store.speed} step${store.speed === 1 ? '' : 's'} per second: every step is shown forward → loss → backward → update.` };
    return { phase: 'running', tag: 'Training', text: `Training fast: edge brightness shows the size of each gradient right now. Slow down to ≤ ${SLOW_SPEED} steps/s to watch single steps.` };
  }
  if (h.step === 0) return { phase: 'idle', tag: 'Ready', text: 'Press Play to train, or Step to watch one update: forward pass, loss, backward pass, update.' };
  return { phase: 'idle', tag: 'Paused', text: `Paused at step ${fmtInt(h.step)}. Hover or tap an edge or a neuron for its exact numbers; tap to pin it and edit the value.` };
}
