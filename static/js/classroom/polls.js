// Polls: the teacher asks (a preset in the article's terms, or their own text with 2-6
// options); every student answers once with big buttons; the projector shows the count live as
// bars; the teacher reveals the answers to everyone (poll_close), then runs the step.

import { store, dispatch } from '../store.js';
import * as session from '../session.js';
import { el, $ } from '../dom.js';
import { room, onRoom, isTeacher, isFollower } from './room.js';

/** Presets: a question and its options (a function of the store for the layer question). */
export const PRESETS = [
  { question: 'After this update, will the loss on the highlighted point go up or down?', options: () => ['Up', 'Down', 'It stays the same'] },
  { question: 'Which layer has the largest gradient?', options: layerNames },
  { question: 'Is the learning rate too large, too small or about right?', options: () => ['Too large', 'Too small', 'About right'] },
];

function layerNames() {
  const n = (store.topology?.sizes.length ?? 3) - 1;
  const names = Array.from({ length: n }, (_, l) => (l === n - 1 ? 'The output layer' : `Hidden layer ${l + 1}`));
  return names.slice(-6);
}

const poll = { id: null, question: '', options: [], counts: [], total: 0, revealed: false, open: false, mine: null };

/** Ask a question in the room (teacher). Returns the command id or null. */
export function ask(question, options) {
  return session.command('poll_open', { question, options });
}
export const reveal = () => session.command('poll_close');

/** Parse the teacher's own options: one per line or comma-separated. */
export function parseOptions(text) {
  const lines = text.includes('\n') ? text.split('\n') : text.split(',');
  return lines.map((s) => s.trim()).filter(Boolean);
}

export function initPolls() {
  const box = el('section.poll-box', { 'data-testid': 'poll-box', 'aria-label': 'Question to the class', hidden: true });
  const question = el('h2.poll-question', { 'data-testid': 'poll-question' });
  const choices = el('div.poll-choices');
  const results = el('div.poll-results', { 'data-testid': 'poll-results' });
  const note = el('p.poll-note', { 'data-testid': 'poll-note' });
  const revealBtn = el('button.ghost-btn', { type: 'button', 'data-testid': 'poll-reveal', onclick: reveal }, 'Reveal the answers');
  const hideBtn = el('button.ghost-btn', { type: 'button', 'data-testid': 'poll-dismiss', onclick: () => { box.hidden = true; } }, 'Hide');
  box.append(question, choices, results, note, el('div.poll-actions', null, revealBtn, hideBtn));
  document.body.append(box);

  // The teacher's form, in the room panel.
  const preset = el('select', { 'data-testid': 'poll-preset', 'aria-label': 'A prepared question' },
    ...PRESETS.map((p, i) => el('option', { value: String(i) }, p.question)), el('option', { value: 'own' }, 'Your own question…'));
  const ownQ = el('input', { type: 'text', 'data-testid': 'poll-own-question', placeholder: 'Your question', maxLength: 200, hidden: true });
  const ownO = el('input', { type: 'text', 'data-testid': 'poll-own-options', placeholder: 'Options, comma-separated (2-6)', hidden: true });
  const error = el('p.poll-error', { 'data-testid': 'poll-error', role: 'alert', hidden: true });
  const askBtn = el('button.play-btn', { type: 'button', 'data-testid': 'poll-open', onclick: onAsk }, 'Ask the class');
  preset.addEventListener('change', () => { ownQ.hidden = ownO.hidden = preset.value !== 'own'; });
  $('#room-polls').append(el('h3', null, 'Ask a question'), preset, ownQ, ownO, error, askBtn);

  function onAsk() {
    error.hidden = true;
    let q; let opts;
    if (preset.value === 'own') {
      q = ownQ.value.trim();
      opts = parseOptions(ownO.value);
    } else {
      const p = PRESETS[Number(preset.value)];
      q = p.question;
      opts = p.options();
    }
    const why = !q ? 'Write a question.' : opts.length < 2 || opts.length > 6 ? `Give 2 to 6 options (you gave ${opts.length}).` : '';
    if (why) { error.textContent = why; error.hidden = false; return; }
    ask(q, opts);
  }

  function render() {
    const teacher = isTeacher();
    const inRoom = teacher || isFollower();
    box.hidden = !inRoom || poll.id === null || box.dataset.dismissed === String(poll.id);
    question.textContent = poll.question;
    choices.replaceChildren(...(isFollower() ? poll.options.map((text, i) => el('button.poll-option', {
      type: 'button', 'data-testid': 'poll-option', 'data-option': String(i),
      disabled: !poll.open || poll.mine !== null, 'aria-pressed': String(poll.mine === i),
      onclick: () => session.command('vote', { poll: poll.id, option: i }, { field: 'option' }),
    }, text)) : []));
    const showCounts = teacher || poll.revealed;
    results.hidden = !showCounts;
    const max = Math.max(1, ...poll.counts);
    results.replaceChildren(...poll.options.map((text, i) => el('div.poll-bar', { 'data-testid': 'poll-bar' },
      el('span.poll-bar-label', null, text),
      el('span.poll-bar-track', null, el('span.poll-bar-fill', { style: `width: ${(100 * (poll.counts[i] ?? 0)) / max}%` })),
      el('output.poll-bar-count', { 'data-testid': 'poll-count' }, String(poll.counts[i] ?? 0)))));
    results.dataset.total = String(poll.total);
    note.textContent = teacher
      ? `${poll.total} of ${room.followers} answered${poll.revealed ? ' · revealed' : ''}`
      : poll.mine !== null ? `Your answer: ${poll.options[poll.mine]}${poll.revealed ? '' : ' · waiting for the teacher'}` : poll.open ? 'Tap your answer (one vote).' : '';
    revealBtn.hidden = !teacher || !poll.open;
  }
  hideBtn.addEventListener('click', () => { box.dataset.dismissed = String(poll.id); });

  session.onServerMessage('poll', (m) => {
    dispatch('answered', m.id);
    if (m.poll !== poll.id) Object.assign(poll, { counts: m.options.map(() => 0), total: 0, revealed: false, mine: null });
    Object.assign(poll, { id: m.poll, question: m.question, options: m.options, open: m.state === 'open' });
    render();
  });
  session.onServerMessage('poll_results', (m) => {
    dispatch('answered', m.id);
    if (m.poll !== poll.id) return;
    Object.assign(poll, { counts: m.counts, total: m.total, revealed: m.revealed, open: poll.open && !m.revealed });
    render();
  });
  session.onServerMessage('voted', (m) => {
    dispatch('answered', m.id);
    if (m.poll === poll.id) poll.mine = m.option;
    render();
  });
  onRoom(() => { if (room.role === 'own') poll.id = null; render(); });
  render();
}
