// The session: what comes in from the server goes into the store, what the learner does goes
// out as commands. Views never talk to the socket; they call these actions.

import { store, emit, optimizerSpec, datasetSpec } from './store.js';
import { createSocket } from './socket.js';
import { paramLayout } from './protocol.js';
import { history } from './history.js';
import { parseHash, encodeHash } from './urlstate.js';

const CONFIG_KEYS = ['dataset', 'samples', 'noise', 'train_ratio', 'features', 'hidden', 'activation',
  'output_activation', 'loss', 'regularization', 'regularization_rate', 'optimizer', 'learning_rate',
  'hyper', 'batch_size', 'init', 'seed'];
const AUTOMATIC = ['samples', 'loss', 'output_activation'];

let socket = null;
let hideNames = [];
let firstHello = true;
let skipReady = 0;        // readies to ignore: the server's default run, sent before our configure
let urlPending = null;    // the link's configuration, until the server accepts it
let resumePlay = false;   // after a reconnect: play again if we were playing
let confirmed = null;     // the config the server last confirmed (to undo a refused `set`)
let wasRunning = false;
let speedSentAt = -Infinity; // frames just after a speed command may still carry the old speed

export function start(options) {
  hideNames = options.hideNames || [];
  socket = createSocket({ onMessage, onFrame, onState });
  window.addEventListener('hashchange', onHashChange);
}

function send(msg) {
  const ok = socket?.send(msg);
  if (!ok && msg.type !== 'configure') emit('toast', { title: 'Not connected', text: 'The command was not sent; reconnecting…', info: true });
  return ok;
}

// ---- incoming -------------------------------------------------------------------------------

function onState(conn) {
  if (conn.state !== 'open' && store.connection.state === 'open') wasRunning = store.running;
  if (conn.state === 'idle') wasRunning = false; // closed because it sat paused: stay paused
  store.connection = conn;
  if (conn.state !== 'open') store.running = false;
  emit('connection', conn);
}

function onMessage(msg) {
  switch (msg.type) {
    case 'hello': return onHello(msg);
    case 'ready': return onReady(msg);
    case 'status': return onStatus(msg);
    case 'error': return onError(msg);
    case 'explanation': return emit('explanation', msg);
    default: return console.warn('unknown message from server', msg.type);
  }
}

function onHello(msg) {
  store.hello = msg;
  store.run = null; // run ids count per connection: nothing is ours until our ready comes
  if (msg.protocol !== 1) {
    emit('toast', { title: 'Version mismatch', text: `The server speaks protocol ${msg.protocol}; this page expects 1. Reload the page.` });
  }
  let config = null;
  let sendSpeed = false;
  if (firstHello) {
    firstHello = false;
    const parsed = parseHash(location.hash, msg, hideNames);
    Object.assign(store.ui, parsed.ui);
    store.ui.hide = parsed.hide;
    if (parsed.speed !== undefined) { store.speed = parsed.speed; sendSpeed = true; }
    if (parsed.problems.length) emit('url-notice', parsed.problems);
    if (parsed.hasConfig) {
      config = parsed.config;
      store.explicit = parsed.explicit;
      urlPending = { ...config };
    }
    emit('ui');
  } else if (store.config) {
    config = desiredConfig();
    resumePlay = wasRunning;
    sendSpeed = store.speed !== null;
  }
  emit('hello', msg);
  if (config) {
    skipReady = 1;
    socket.send({ type: 'configure', config });
  }
  if (sendSpeed) {
    speedSentAt = performance.now();
    socket.send({ type: 'speed', steps_per_second: store.speed });
  }
}

function onReady(msg) {
  if (skipReady > 0) { skipReady--; return; }
  urlPending = null;
  store.ready = msg;
  store.run = msg.run ?? null;
  if (msg.speed !== undefined && msg.speed !== null && performance.now() - speedSentAt > 1500) {
    store.speed = msg.speed;
    emit('speed');
  }
  store.config = structuredClone(msg.config);
  confirmed = structuredClone(msg.config);
  store.topology = msg.topology;
  store.layout = paramLayout(msg.topology.sizes);
  store.kind = msg.kind;
  store.nClasses = msg.n_classes;
  store.running = msg.state === 'running';
  store.diverged = false;
  store.frame = null;
  store.anim = null;
  store.status = { ...store.status, state: msg.state || 'paused', message: '' };
  history.reset(msg.topology.sizes.length - 1);
  writeHash();
  emit('ready', msg);
  emit('status', store.status);
  if (resumePlay) { resumePlay = false; play(); }
}

function onFrame(frame, bytes) {
  if (!store.topology) return;
  // A frame of a run this page has left (or of the default run it is replacing): drop it.
  if ((frame.header.run ?? null) !== store.run) return;
  const prevStep = store.frame ? store.frame.header.step : -1;
  store.frames++;
  store.frameBytes = bytes;
  store.frame = frame;
  const st = frame.header.state;
  if (st) {
    store.running = st === 'running';
    store.diverged = st === 'diverged';
  }
  const sp = frame.header.steps_per_second ?? frame.header.speed;
  if (sp !== undefined && sp !== null && sp !== store.speed && performance.now() - speedSentAt > 1500) {
    store.speed = sp;
    writeHash();
    emit('speed');
  }
  history.add(frame);
  emit('frame', { frame, prevStep });
}

function onStatus(msg) {
  store.status = msg;
  store.running = msg.state === 'running';
  store.diverged = msg.state === 'diverged';
  if (msg.speed !== undefined && msg.speed !== null) store.speed = msg.speed;
  if (store.config) confirmed = structuredClone(store.config);
  emit('status', msg);
}

function onError(msg) {
  if (urlPending && msg.field && msg.code === 'invalid_value') {
    // The link asked for something the server refuses: say so, drop it, use the default.
    const key = String(msg.field).replace(/^config\./, '').split('.')[0];
    emit('url-notice', [`${key}: ${msg.message}`]);
    if (key in urlPending) {
      delete urlPending[key];
      store.explicit.delete(key);
    } else {
      urlPending = {};
      store.explicit.clear();
    }
    socket.send({ type: 'configure', config: urlPending });
    return;
  }
  if (confirmed && store.config) {
    store.config = structuredClone(confirmed);
    emit('config');
  }
  emit('error', msg);
}

function onHashChange() {
  if (!store.hello) return;
  if (location.hash === lastWrittenHash) return;
  const parsed = parseHash(location.hash, store.hello, hideNames);
  Object.assign(store.ui, parsed.ui);
  store.ui.hide = parsed.hide;
  if (parsed.problems.length) emit('url-notice', parsed.problems);
  emit('ui');
  if (parsed.speed !== undefined) setSpeed(parsed.speed);
  store.explicit = parsed.explicit;
  urlPending = { ...parsed.config };
  socket.send({ type: 'configure', config: parsed.config });
}

// ---- the configuration ----------------------------------------------------------------------

/** What to send as `configure`: every key, automatic ones only if chosen; hyper by its spec. */
export function desiredConfig() {
  const c = store.config || {};
  const out = {};
  for (const k of CONFIG_KEYS) {
    if (c[k] === undefined || c[k] === null) continue;
    if (AUTOMATIC.includes(k) && !store.explicit.has(k)) continue;
    out[k] = structuredClone(c[k]);
  }
  out.hyper = cleanHyper(c.hyper, c.optimizer);
  return out;
}

function cleanHyper(hyper, optimizer) {
  const spec = optimizerSpec(optimizer)?.hyper || {};
  const out = {};
  for (const name of Object.keys(spec)) {
    if (name === 'lr') continue;
    if (hyper && hyper[name] !== undefined) out[name] = hyper[name];
  }
  return out;
}

let lastWrittenHash = '';
export function writeHash() {
  if (!store.config) return;
  const hash = encodeHash(store.config, store.explicit, store.ui, store.speed, store.ui.hide,
    optimizerSpec(store.config.optimizer));
  lastWrittenHash = hash;
  if (location.hash !== hash) window.history.replaceState(null, '', hash);
}

// ---- actions --------------------------------------------------------------------------------

/** Build a new run with some keys changed (network, data, optimizer...). */
export function configure(changes) {
  if (!store.config) return;
  const next = desiredConfig();
  if (changes.dataset && changes.dataset !== next.dataset) {
    const a = datasetSpec(next.dataset);
    const b = datasetSpec(changes.dataset);
    if (!a || !b || a.kind !== b.kind || a.n_classes !== b.n_classes) {
      for (const k of ['loss', 'output_activation']) { delete next[k]; store.explicit.delete(k); }
    }
  }
  if (changes.loss && changes.loss !== 'mse') { delete next.output_activation; store.explicit.delete('output_activation'); }
  if (changes.optimizer) next.hyper = {};
  for (const [k, v] of Object.entries(changes)) {
    next[k] = v;
    store.explicit.add(k);
  }
  if (changes.hyper) next.hyper = cleanHyper(changes.hyper, next.optimizer);
  Object.assign(store.config, next);
  if (!socket.send({ type: 'configure', config: next })) {
    emit('toast', { title: 'Not connected', text: 'The change will be applied when the connection is back.', info: true });
  }
  emit('config');
}

/** Change something that keeps the weights (learning rate, hyperparameters, regularization, batch). */
export function set(changes) {
  if (!store.config) return;
  for (const [k, v] of Object.entries(changes)) {
    if (k === 'hyper') store.config.hyper = { ...(store.config.hyper || {}), ...v };
    else store.config[k] = v;
    store.explicit.add(k);
  }
  send({ type: 'set', ...changes });
  writeHash();
  emit('config');
}

export function play() {
  if (store.diverged) {
    emit('toast', { title: 'Training diverged', text: 'Lower the learning rate and reset (or change the configuration) before playing again.' });
    return;
  }
  if (send({ type: 'play' })) { store.running = true; emit('status', store.status); }
}

export function pause() {
  if (send({ type: 'pause' })) { store.running = false; emit('status', store.status); }
}

export function togglePlay() { if (store.running) pause(); else play(); }

/** One update (animated when the page shows it slowly). */
export function step(n = 1) {
  store.stepRequest = { n, at: performance.now() };
  if (store.running) store.running = false;
  send({ type: 'step', n });
}

export function stepEpoch() {
  store.stepRequest = null;
  send({ type: 'step', epochs: 1 });
}

export function reset() {
  store.stepRequest = null;
  store.anim = null;
  store.diverged = false;
  send({ type: 'reset' });
}

export function setSpeed(v) {
  store.speed = v;
  speedSentAt = performance.now();
  send({ type: 'speed', steps_per_second: v });
  writeHash();
  emit('speed');
}

export function setWeight(layer, from, to, value) {
  send({ type: 'set_weight', layer, from, to, value });
}

export function setBias(layer, neuron, value) {
  send({ type: 'set_bias', layer, neuron, value });
}

export function explain(index) {
  send({ type: 'explain', index });
}

/** View toggles (edge mode, test points, log scale, projector): kept in the URL too. */
export function setUi(changes) {
  Object.assign(store.ui, changes);
  writeHash();
  emit('ui');
}

export function retryNow() { socket?.retryNow(); }

/** The socket's own view (tests): {socket, retryScheduled, idle, connections}. */
export function socketInfo() { return socket ? socket.info() : null; }
