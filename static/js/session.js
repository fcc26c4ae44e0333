// The session: what comes in from the server is dispatched to the store, what the learner does
// goes out as commands (each with an id the answer echoes). Views never talk to the socket;
// they call these actions.

import { store, on, emit, dispatch, desired, desiredRunning, chosen, datasetSpec } from './store.js';
import { createSocket } from './socket.js';
import { decodeFrame, PROTOCOL_VERSION, COMMAND, MESSAGE, ERROR } from './protocol.js';
import { parseHash, encodeHash, isAutomatic } from './urlstate.js';
import { hyperSpec } from './schema.js';

let socket = null; // the connection (a resource; its state is in the store)

/**
 * Extension points for the classroom (static/js/classroom/*): messages this module does not
 * know, what a (re)connection does instead of re-sending the configuration, and whether the
 * URL hash is held (a student's #room=CODE, a lesson's link) rather than rewritten.
 */
export const hooks = {
  firstHello: () => false,   // true: the hook answered the first hello (the link is not applied)
  reconnected: () => false,  // true: the hook restored the run (no configure is re-sent)
  holdHash: () => false,
  readOnly: () => false,     // true: following a room (views show the teacher's, ask nothing)
};
const EXTRA_MESSAGES = new Map();
/** Handle a server message type this module does not know (room, poll, snapshot, ...). */
export function onServerMessage(type, fn) { EXTRA_MESSAGES.set(type, fn); }

export function start(controls) {
  dispatch('ui', { controls });
  socket = createSocket({ onMessage, onFrame, onState: (c) => dispatch('connection', c) });
  window.addEventListener('hashchange', onHashChange);
  for (const topic of ['ready', 'config', 'speed', 'ui']) on(topic, writeHash);
}

/** Send a command; `entry` is what the store keeps until the answer. Returns its id, or null. */
function send(type, fields = {}, entry = {}) {
  if (!socket?.isOpen()) {
    emit('toast', { title: 'Not connected', text: 'Nothing was sent; reconnecting…', info: true });
    return null;
  }
  const command = { type, ...fields };
  dispatch('sent', { command, ...entry });
  socket.send(command);
  return command.id;
}

// ---- incoming -------------------------------------------------------------------------------

const ON_MESSAGE = {
  [MESSAGE.HELLO]: onHello,
  [MESSAGE.READY]: (msg) => {
    dispatch('ready', msg);
    if (store.resume && store.run === msg.run) { dispatch('resumed'); play(); }
  },
  [MESSAGE.STATUS]: (msg) => dispatch('status', msg),
  [MESSAGE.ERROR]: onError,
  [MESSAGE.EXPLANATION]: (msg) => dispatch('explanation', msg),
  // The step taken apart and the learning-rate lesson: kept in store.answers by type.
  [MESSAGE.UPDATES_COMPARED]: (msg) => dispatch('answer', msg),
  [MESSAGE.GRADCHECK]: (msg) => dispatch('answer', msg),
  [MESSAGE.HEALTH]: (msg) => dispatch('answer', msg),
  [MESSAGE.LEARNING_RATE_SUGGESTION]: (msg) => dispatch('answer', msg),
  landscape: (msg) => emit('landscape', msg), // not the store's: views/landscape.js listens
};

function onMessage(msg) {
  const handle = ON_MESSAGE[msg.type] ?? EXTRA_MESSAGES.get(msg.type);
  if (handle) handle(msg); else console.warn('unknown message from server', msg.type);
}

function onFrame(buffer) {
  let frame;
  try { frame = decodeFrame(buffer, store.hello?.protocol); } catch (err) { console.error('bad frame from server', err); return; }
  dispatch('frame', { frame, bytes: buffer.byteLength });
}

function onHello(msg) {
  const first = !store.hello;
  dispatch('hello', msg);
  if (msg.protocol !== PROTOCOL_VERSION) {
    emit('toast', { title: 'Version mismatch', text: `The server speaks protocol ${msg.protocol}; this page speaks ${PROTOCOL_VERSION}. Reload the page.` });
  }
  if (first) { if (!hooks.firstHello()) applyLink(false); }
  else if (hooks.reconnected()) { if (store.speed !== null) setSpeed(store.speed); }
  else if (store.config) {
    // Reconnected: the same configuration again (and the same speed).
    send(COMMAND.CONFIGURE, { config: configToSend(store.config) });
    if (store.speed !== null) setSpeed(store.speed);
  }
}

/** The URL hash: its view toggles now, its configuration (if any, or `always`) and speed sent. */
function applyLink(always) {
  const link = parseHash(location.hash);
  dispatch('link', link);
  if (link.problems.length) emit('url-notice', link.problems);
  if (always || link.hasConfig) sendLink(link.config);
  if (link.speed !== undefined) setSpeed(link.speed);
}

/** The link's configuration; a key the server refuses is dropped and the rest sent again. */
function sendLink(config) {
  send(COMMAND.CONFIGURE, { config }, { changes: config, link: true });
}

function onError(msg) {
  const p = store.pending.get(msg.id);
  if (p?.link && msg.field && msg.code === ERROR.INVALID_VALUE) {
    const key = String(msg.field).replace(/^config\./, '').split('.')[0];
    emit('url-notice', [`${key}: ${msg.message}`]);
    const all = !(key in p.changes);
    dispatch('linkRefused', { id: msg.id, key, all });
    const { [key]: _dropped, ...rest } = p.changes;
    sendLink(all ? {} : rest);
    return;
  }
  dispatch('error', msg);
}

function onHashChange() {
  if (store.hello && location.hash !== store.hash && !hooks.holdHash()) applyLink(true);
}

function writeHash() {
  if (!store.config || hooks.holdHash()) return;
  const hash = encodeHash(store.config, store.explicit, store.ui, store.speed);
  dispatch('hash', hash);
  if (location.hash !== hash) window.history.replaceState(null, '', hash);
}

// ---- the configuration ----------------------------------------------------------------------

/** What to send as `configure`: every key, automatic ones only if chosen; hyper of its optimizer. */
function configToSend(c) {
  const out = {};
  const keys = chosen();
  for (const [k, v] of Object.entries(c)) if (!isAutomatic(k) || keys.has(k)) out[k] = v;
  out.hyper = cleanHyper(c.hyper, c.optimizer);
  return out;
}

function cleanHyper(hyper, optimizer) {
  return Object.fromEntries(Object.keys(hyperSpec(optimizer))
    .filter((name) => hyper?.[name] !== undefined).map((name) => [name, hyper[name]]));
}

// ---- actions --------------------------------------------------------------------------------

/** Any command (the classroom's: room_open, vote, snapshot, restore, phase...). Returns its id. */
export const command = (type, fields = {}, entry = {}) => send(type, fields, entry);

/** Build a new run with some keys changed (network, data, optimizer...). */
export function configure(changes) {
  const c = desired();
  if (!c) return;
  const next = configToSend(c);
  const automatic = Object.keys(changes).filter((k) => changes[k] === 'auto');
  // A dataset of another kind (or class count) needs the loss chosen for it again.
  const [a, b] = [datasetSpec(c.dataset), datasetSpec(changes.dataset)];
  if (changes.dataset && (a?.kind !== b?.kind || a?.n_classes !== b?.n_classes)) automatic.push('loss', 'output_activation');
  if (changes.loss) automatic.push('output_activation');
  for (const k of automatic) delete next[k]; // omitted: the server chooses
  if (changes.optimizer) next.hyper = {};
  Object.assign(next, changes);
  if (changes.hyper) next.hyper = cleanHyper(changes.hyper, next.optimizer);
  const explicit = Object.keys(changes).filter((k) => !automatic.includes(k));
  send(COMMAND.CONFIGURE, { config: next }, { changes: next, explicit, automatic });
}

/** Change something that keeps the weights (learning rate, hyperparameters, regularization, batch). */
export function set(changes) {
  if (store.config) send(COMMAND.SET, changes, { changes, explicit: Object.keys(changes) });
}

export function play() {
  // At 1 step/s or slower a step is played phase by phase, each held at least the dwell.
  if (typeof store.speed === 'number' && store.speed <= 1 && !store.diverged) {
    dispatch('phasePlay', true);
    return;
  }
  if (store.diverged) {
    emit('toast', { title: 'Training diverged', text: 'Lower the learning rate and reset (or change the configuration) before playing again.' });
    return;
  }
  send(COMMAND.PLAY);
}

export function pause() {
  if (store.phasePlay) { dispatch('phasePlay', false); return null; }
  return send(COMMAND.PAUSE);
}
export const togglePlay = () => (desiredRunning() ? pause() : play());

/** The next phase of the current step (forward -> backward -> update), or the phases up to `to`. */
export const phase = (to) => send(COMMAND.PHASE, to ? { to } : {});
export const compareUpdates = () => send(COMMAND.COMPARE_UPDATES);
/** dL/dparam by backprop and by finite differences: a weight {layer, from, to} or a bias {layer, neuron}. */
export const gradcheck = (where) => send(COMMAND.GRADCHECK, where);
export const suggestLearningRate = () => send(COMMAND.SUGGEST_LEARNING_RATE);

/** `n` updates (one is animated). */
export const step = (n = 1) => send(COMMAND.STEP, { n }, { n });
export const stepEpoch = () => send(COMMAND.STEP, { epochs: 1 });
export const reset = () => send(COMMAND.RESET);
export const setSpeed = (v) => send(COMMAND.SPEED, { steps_per_second: v }, { speed: v, field: 'steps_per_second' });
export const setWeight = (layer, from, to, value) => send(COMMAND.SET_WEIGHT, { layer, from, to, value }, { field: 'value' });
export const setBias = (layer, neuron, value) => send(COMMAND.SET_BIAS, { layer, neuron, value }, { field: 'value' });

/** Ask for one training example, explained; the explainer waits for this id. With an edge chosen
 * (store.explain.sel) the answer also carries its road to the step's update (`to_step`). */
export function explain(index) {
  if (hooks.readOnly()) return; // a follower's explainer shows the teacher's, asks nothing
  const sel = store.explain.sel;
  const edge = sel && !store.diverged ? { layer: sel.l, from: sel.i, to: sel.j } : {};
  const id = send(COMMAND.EXPLAIN, { index, ...edge }, { field: 'index' });
  if (id !== null) dispatch('explain', { index, asked: id });
}

/** View toggles (edge mode, test points, log scale, projector): kept in the URL too. */
export const setUi = (changes) => dispatch('ui', changes);

/** A request whose answer only one view reads (the landscape): sent as is, no pending entry. */
export const request = (command) => Boolean(socket?.isOpen() && socket.send(command));
export const onLandscape = (fn) => on('landscape', fn);

export function retryNow() { socket?.retryNow(); }

/** The socket's own view (tests): {socket, retryScheduled, idle, connections}. */
export function socketInfo() { return socket ? socket.info() : null; }
