// The learning-rate lesson: the server's `health` findings (dead, saturated or cut-off units,
// a stalled loss, divergence) in plain words with what to try, the stopped units marked on the
// network (views/network.js), and a one-click fix: the server tries learning
// rates on copies of the run (`suggest_learning_rate`) and the page offers the one that worked.

import { store, on } from '../store.js';
import * as session from '../session.js';
import { fmtNum } from '../format.js';
import { el, $ } from '../dom.js';

let box;
let asked = false;     // a suggestion is on its way
let dismissed = '';    // the findings the learner closed (shown again when they change)

function suggestionLine() {
  const s = store.answers.learning_rate_suggestion;
  if (asked && !s) return el('div', null, 'Trying learning rates on copies of this run…');
  if (!s) return null;
  if (s.learning_rate === null) {
    return el('div', null, `None of the ${s.tried.length} learning rates tried made the loss fall within ${s.steps} steps. Try a smaller network change: another activation (tanh), another initializer, or Adam.`);
  }
  const best = s.tried.find((t) => t.learning_rate === s.learning_rate);
  const apply = el('button.banner-btn', { type: 'button', 'data-testid': 'health-apply', onclick: () => {
    session.set({ learning_rate: s.learning_rate });
    session.reset();
  } }, `Use ${s.learning_rate} and reset`);
  return el('div', { 'data-testid': 'lr-suggestion' },
    `Tried ${s.tried.length} learning rates for ${s.steps} steps on copies${s.from_start ? ', from step 0' : ''}: with ${s.learning_rate} the training loss fell from ${fmtNum(s.loss_before)} to ${fmtNum(best?.loss_after)}. `,
    apply);
}

function render() {
  const findings = store.answers.health?.findings ?? [];
  const key = JSON.stringify(findings);
  box.hidden = !findings.length || key === dismissed;
  if (box.hidden) return;
  const fix = el('button.banner-btn', { type: 'button', 'data-testid': 'health-fix', onclick: () => {
    asked = true;
    session.suggestLearningRate();
    render();
  } }, 'Find a learning rate that works');
  const close = el('button.banner-close', { type: 'button', 'aria-label': 'Dismiss', onclick: () => { dismissed = key; render(); } }, '×');
  box.replaceChildren(
    el('div.banner-text', null,
      ...findings.map((f) => el('div', { 'data-kind': f.kind }, el('strong', null, `${f.message} `), f.advice ?? '')),
      suggestionLine() ?? ''),
    store.answers.learning_rate_suggestion ? '' : fix, close);
}

export function initHealth() {
  box = $('[data-testid="health-notice"]');
  on('health', render);
  on('learning_rate_suggestion', () => { asked = false; render(); });
  on('ready', () => { asked = false; render(); });
  on('frame', () => { if (!box.hidden && !store.answers.health) { asked = false; render(); } });
  render();
}
