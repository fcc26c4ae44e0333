// The network is never lost: the page asks the server for a `snapshot` of its run (every 10 s
// while the run changes, and whenever it settles paused) and keeps the newest in localStorage.
// After an idle close (1001), a dropped connection or a server restart (1012) the new
// connection gets `restore` with it, and the learner is told at which step training goes on.

import { store, on, dispatch } from '../store.js';
import * as session from '../session.js';
import { el } from '../dom.js';

const KEY = 'bpp.snapshot';
const EVERY_MS = 10_000;     // while the run changes
const SETTLE_MS = 400;       // after a pause or a step: once the frames stop

let latest = null;           // {snapshot, step, run}
let askedAtStep = -1;        // the step of the last snapshot asked for (or kept)
let settleTimer = null;
let restoring = null;        // {id, step, play}: a restore on its way
let enabled = () => true;    // a follower keeps no snapshot: the room's run is not theirs

const stepNow = () => store.frame?.header.step ?? 0;

function ask() {
  if (!enabled() || !store.config || store.connection.state !== 'open' || restoring) return;
  if (store.ready?.lanes) return; // a race has no snapshot (the server refuses it: in_race)
  if (stepNow() === askedAtStep) return;
  askedAtStep = stepNow();
  session.command('snapshot', {}, { quiet: true });
}

function keep(msg) {
  dispatch('answered', msg.id);
  if (!enabled()) return;
  const snap = msg.snapshot;
  latest = { snapshot: snap, step: snap?.step_count ?? askedAtStep, run: msg.run };
  try { localStorage.setItem(KEY, JSON.stringify(latest)); } catch { /* full or private mode: memory only */ }
}

function stored() {
  if (latest) return latest;
  try { return JSON.parse(localStorage.getItem(KEY) || 'null'); } catch { return null; }
}

/** On a new connection: send the kept snapshot; true when one was sent. */
export function restoreKept() {
  const kept = stored();
  if (!kept?.snapshot || !enabled()) return false;
  const play = store.resume;
  dispatch('resumed'); // the default run must not start playing: the restored one will
  // JSON.stringify keeps the key order: the text starts with {"type":"restore" (the server lets
  // only such a message be large).
  const id = session.command('restore', { snapshot: kept.snapshot });
  if (id === null) return false;
  restoring = { id, step: kept.step, play };
  return true;
}

/** Keep snapshots only while `fn()` is true (not while following a room). */
export function keepWhile(fn) { enabled = fn; }

/** Forget the kept run (a fresh start chosen by the learner, or a copy of the room's). */
export function forget() {
  latest = null;
  askedAtStep = -1;
  try { localStorage.removeItem(KEY); } catch { /* nothing kept */ }
}

export function initSnapshots() {
  const notice = el('div.banner.restored-notice', { 'data-testid': 'restored-notice', role: 'status', hidden: true },
    el('span.banner-text'), el('button.banner-close', { type: 'button', 'aria-label': 'Dismiss', onclick: () => { notice.hidden = true; } }, '×'));
  document.querySelector('.main')?.before(notice);

  session.onServerMessage('snapshot', keep);
  on('ready', (msg) => {
    if (!restoring || msg?.id !== restoring.id) { askedAtStep = -1; return; }
    const { step, play } = restoring;
    restoring = null;
    askedAtStep = step;
    notice.querySelector('.banner-text').textContent =
      `Your network was restored at step ${step.toLocaleString('en-US')}: the connection had closed, the training goes on from where it was.`;
    notice.hidden = false;
    setTimeout(() => { notice.hidden = true; }, 15_000);
    if (play) session.play();
  });
  on('error', () => {
    const e = store.controlError;
    if (restoring && e?.id === restoring.id) { restoring = null; forget(); }
  });
  on('connection', () => { if (store.connection.state !== 'open') restoring = null; });
  // Settled paused at a new step: keep it (the idle close comes after a long pause).
  on('frame', () => {
    clearTimeout(settleTimer);
    if (!store.running) settleTimer = setTimeout(ask, SETTLE_MS);
  });
  setInterval(() => { if (store.running) ask(); }, EVERY_MS);
}

/** For tests: the kept snapshot's step, or null. */
export const keptStep = () => stored()?.step ?? null;
