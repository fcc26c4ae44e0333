// Rooms, the page's side: a teacher presents the run ("Present to class": a short code, the join
// link and its QR code, large enough for the back row); students open /#room=CODE and follow it
// read only, with the teacher's view (edge mode, toggles, captions), until they take a copy.
//
// The teacher's token lives in sessionStorage (this tab only, never in a URL): after a dropped
// connection the page sends room_resume with it. A student whose connection drops joins again.

import { store, on, emit, dispatch } from '../store.js';
import * as session from '../session.js';
import { $ } from '../dom.js';
import { forget as forgetSnapshot, restoreKept } from './snapshots.js';

const TOKEN_KEY = 'bpp.room.teacher';
const VIEW_KEYS = ['edgeMode', 'showTest', 'discretize', 'logScale'];

/** role: own (a private run) | teacher | student; code; followers; state (live, teacher_away, closed). */
export const room = { role: 'own', code: null, followers: 0, state: null, joinUrl: '', qrUrl: '', panelOpen: false };
const listeners = new Set();
export const onRoom = (fn) => listeners.add(fn);
const changed = () => { for (const fn of listeners) fn(room); };

export const isFollower = () => room.role === 'student';
export const isTeacher = () => room.role === 'teacher';

/** The code of `#room=CODE`, or null. */
export function roomInHash(hash = location.hash) {
  const m = /(?:^#|&)room=([A-Za-z0-9-]{1,16})(?:&|$)/.exec(hash);
  return m ? m[1].toUpperCase() : null;
}

function savedTeacher() {
  try { return JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null'); } catch { return null; }
}

/** A command no message answers (view, room_close): sent, not kept pending. */
export function fire(type, fields = {}) {
  const id = session.command(type, fields, { quiet: type === 'view' });
  if (id !== null) dispatch('answered', id);
  return id;
}

// ---- actions ----------------------------------------------------------------------------------

export const openRoom = () => session.command('room_open');
export function closeRoom() {
  fire('room_close');
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(room, { role: 'own', code: null, state: 'closed', panelOpen: false });
  changed();
}
export const join = (code) => session.command('room_join', { code });
export const takeCopy = () => session.command('room_copy');

/** A teacher's page loaded again in the same tab (its token is in sessionStorage). */
export const hasSavedRoom = () => !!savedTeacher()?.code;

/** On a new connection: a teacher resumes the room, a student joins it again. True if handled. */
export function rejoin() {
  const saved = savedTeacher();
  if (!saved) resumeTries = 0;
  if (saved?.code) { session.command('room_resume', { code: saved.code, teacher_token: saved.token }); return true; }
  if (room.role === 'student' && room.code) { join(room.code); return true; }
  return false;
}

// ---- incoming ---------------------------------------------------------------------------------

function onRoomMessage(msg) {
  dispatch('answered', msg.id);
  if (msg.role === 'teacher') {
    resumeTries = 0;
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ code: msg.code, token: msg.teacher_token }));
    Object.assign(room, { role: 'teacher', code: msg.code, joinUrl: msg.join_url, qrUrl: msg.qr_url, panelOpen: true });
    sendView(true);
  } else if (msg.role === 'student') {
    Object.assign(room, { role: 'student', code: msg.code });
  } else if (msg.role === 'own') {
    // A copy (or leaving): this page drives its own run from now on, and its link is its own again.
    Object.assign(room, { role: 'own', code: null, state: msg.state });
    forgetSnapshot();
    if (roomInHash()) history.replaceState(null, '', location.pathname);
    changed();
    return;
  }
  if (msg.state) room.state = msg.state;
  if (msg.followers !== undefined) room.followers = msg.followers;
  changed();
}

function onView({ view }) {
  if (!isFollower() || !view) return;
  const ui = Object.fromEntries(VIEW_KEYS.filter((k) => k in view).map((k) => [k, view[k]]));
  if (Object.keys(ui).length) dispatch('ui', ui);
  room.caption = typeof view.caption === 'string' ? view.caption : '';
  // The teacher's explainer: open or closed, the same example and edge (its numbers come with
  // the teacher's own `explanation`, which the room passes on).
  if ('explain' in view) {
    emit('explain-mirror', { open: view.explain === true,
      index: Number.isInteger(view.explain_index) ? view.explain_index : null,
      sel: view.explain_sel && typeof view.explain_sel === 'object' ? view.explain_sel : null });
  }
  changed();
}

/** A room error (unknown code, closed room, wrong token): say so; a failed resume ends the room. */
let resumeTries = 0;
function onError() {
  const e = store.controlError;
  if (e?.code !== 'room') return;
  // A reload: the old connection's close may reach the server after the new one's resume.
  if (/still connected/.test(e.message) && savedTeacher() && resumeTries++ < 5) {
    setTimeout(rejoin, 600);
    return;
  }
  if (e.field === 'teacher_token' || (savedTeacher() && e.field === 'code' && room.role !== 'student')) {
    sessionStorage.removeItem(TOKEN_KEY);
    Object.assign(room, { role: 'own', code: null, state: 'closed', panelOpen: false });
    emit('toast', { title: 'The room has ended', text: 'It could not be resumed (the server restarted?); present again for a new code.' });
    changed();
    restoreKept(); // the teacher's network comes back all the same
  } else if (roomInHash() && room.role !== 'student') {
    emit('toast', { title: 'Could not join', text: e.message });
  }
}

// ---- the teacher's view, mirrored on every student's screen ------------------------------------

let lastView = '';
let viewTimer = null;
let extraView = {};
/** Extra view keys (a lesson's caption): sent with the next view. */
export function setViewExtra(extra) { extraView = { ...extraView, ...extra }; sendView(); }

/** The explainer's example and edge, when it has them (the protocol refuses nulls). */
function explainerView() {
  const { open, index, sel } = store.explain;
  return open && index !== null ? { explain_index: index, ...(sel ? { explain_sel: sel } : {}) } : {};
}

function sendView(force = false) {
  if (!isTeacher()) return;
  clearTimeout(viewTimer);
  viewTimer = setTimeout(() => {
    const view = { ...Object.fromEntries(VIEW_KEYS.map((k) => [k, store.ui[k]])),
      explain: store.explain.open, ...explainerView(),
      caption: $('[data-testid="phase-caption"]')?.innerText.replace(/\s+/g, ' ').trim() ?? '', ...extraView };
    const text = JSON.stringify(view);
    if (!force && text === lastView) return;
    lastView = text;
    fire('view', { view });
  }, 120);
}

export function initRooms() {
  session.onServerMessage('room', onRoomMessage);
  session.onServerMessage('view', onView);
  on('error', onError);
  on('ui', () => sendView());
  on('explain', () => sendView());
  on('frame', () => { if (isTeacher() && store.anim === null) sendView(); });
}
