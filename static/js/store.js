// The one store. Only this module changes state: server messages and the learner's actions
// arrive as `dispatch(action, payload)`; each reducer updates the state and names the topics it
// changed; views read `store` and listen with `on(topic)` (usually: mark views dirty).
//
// Commands carry an id (docs/protocol.md, "Acknowledging"): `pending` holds each one until the
// message that answers it (the same `id`, or a frame's `ack`) arrives. A control shows the
// learner's choice while its command is pending (`desired()`), the server's value once answered;
// a refused command is dropped, so its control shows the server's value again.

import { paramLayout, COMMAND as C, ERROR } from './protocol.js';
import { createHistory } from './history.js';

export const SLOW_SPEED = 4;      // steps/s at or below which every step is animated
const SINGLE_STEP_MS = 2600;      // one Step, shown in four phases
const CLOSED_EXPLAINER = { open: false, index: null, asked: null, msg: null, atStep: null, fresh: false, sel: null };

export const store = {
  hello: null,
  schema: null,           // hello.config_schema.properties: every config key's definition
  config: null,           // what the server runs (ready.config, then answered `set`s)
  explicit: new Set(),    // config keys chosen by the learner or the link (others are automatic)
  ready: null,            // the last ready (data, feature grids, topology, grid_domain)
  run: null,              // ready.run: frames of any other run are dropped
  topology: null,
  layout: null,           // flat parameter layout (protocol.paramLayout)
  kind: 'classification',
  frame: null,            // the newest decoded frame {header, arrays, meta}
  prevFrame: null,        // the frame before it (a step's animation shows its numbers until the update)
  phase: null,            // the phase a step taken apart holds: 'forward' | 'backward' | 'update' | null
  phasePlay: false,       // playing by phases (the page sends `phase` at the dwell interval)
  answers: {},            // the last updates_compared, gradcheck, health, learning_rate_suggestion
  frames: 0,
  frameBytes: 0,
  history: createHistory(), // every frame's losses and gradient norms, for the charts
  running: false,
  diverged: false,
  status: { state: 'paused', message: '', step: 0, speed: null },
  speed: null,            // steps per second or 'max'
  connection: { state: 'connecting', detail: '' },
  resume: false,          // dropped while training: play again once back
  nextId: 1,
  pending: new Map(),     // command id -> {type, changes?, n?, link?, field?}: not yet answered
  controlError: null,     // {field, message, id, code}: shown at its control
  hash: '',               // the URL hash the page last wrote
  anim: null,             // the step animation {start, duration, step}
  hover: null,            // the edge or neuron under the mouse {kind, l, i?, j}
  inspect: null,          // the inspector: {target, pinned, x, y}
  explain: CLOSED_EXPLAINER, // one example, explained: {open, index, asked, msg, atStep, fresh, sel}
  explanation: null,      // the last `explanation`
  ui: {
    edgeMode: 'weight',   // weight | gradient | update | pending | momentum | m_hat | v_hat | adam_step
    dwell: 1,             // seconds each phase is held when playing by phases or animating a step
    showTest: false,
    discretize: false,
    logScale: true,
    presentation: false,
    hide: [],             // control names hidden for a lesson
    controls: [],         // every control name a lesson may hide
  },
};

const listeners = new Map();

/** Listen to a topic (the names the reducers return). */
export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
  return () => listeners.get(topic).delete(fn);
}

/** Tell listeners; for notices that change no state (toast, url-notice) as well. */
export function emit(topic, payload) {
  for (const fn of listeners.get(topic) || []) {
    try { fn(payload); } catch (err) { console.error(`listener for ${topic} failed`, err); }
  }
}

/** The only way to change the state. */
export function dispatch(action, payload) {
  for (const topic of REDUCERS[action](payload) ?? [action]) emit(topic, payload);
}

/** A check of the page's own refuses a value: shown like the server's refusals, at `field`'s control. */
export const refuse = (field, message) => dispatch('error', { field, message, code: ERROR.INVALID_VALUE });

// ---- reading ----------------------------------------------------------------------------------

const pendingOf = (...types) => [...store.pending.values()].filter((p) => types.includes(p.type));

/** A config with `set`'s changes: its hyperparameters join the others. */
const withSet = (c, changes) => ({ ...c, ...changes, hyper: { ...c.hyper, ...changes.hyper } });

/** The configuration as the learner wants it: the server's, with every unanswered change on top. */
export function desired() {
  let c = store.config;
  for (const p of store.pending.values()) {
    if (c && p.type === C.SET) c = withSet(c, p.changes);
    else if (c && p.type === C.CONFIGURE) c = { ...c, ...p.changes };
  }
  return c;
}

/** The config keys chosen (not automatic), counting the changes still on their way. */
export function chosen() {
  const keys = new Set(store.explicit);
  for (const p of store.pending.values()) commitKeys(p, keys);
  return keys;
}

function commitKeys(p, keys = store.explicit) {
  for (const k of p?.explicit ?? []) keys.add(k);
  for (const k of p?.automatic ?? []) keys.delete(k);
}

export const desiredSpeed = () => pendingOf(C.SPEED).at(-1)?.speed ?? store.speed;
export function desiredRunning() {
  if (store.phasePlay) return true;
  const last = pendingOf(C.PLAY, C.PAUSE).at(-1);
  return last ? last.type === C.PLAY : store.running;
}
export const isSlow = () => typeof store.speed === 'number' && store.speed <= SLOW_SPEED;
export const trainCount = () => store.ready?.data?.train?.y?.length ?? 0;
export const datasetSpec = (name) => store.hello?.options?.datasets?.find((d) => d.name === name) ?? null;

// ---- changing ---------------------------------------------------------------------------------

/** The command `id` is answered: forget it. Play, pause, reset and configure end a pending step. */
function answer(id) {
  const p = store.pending.get(id);
  store.pending.delete(id);
  if ([C.PLAY, C.PAUSE, C.RESET, C.CONFIGURE].includes(p?.type)) {
    for (const [k, q] of store.pending) if (k < id && q.type === C.STEP) store.pending.delete(k);
  }
  return p;
}

/** A speed from the server, unless a speed command of ours is still on its way. */
function takeSpeed(speed) {
  if (speed === undefined || speed === null || pendingOf(C.SPEED).length || speed === store.speed) return false;
  store.speed = speed;
  return true;
}

const REDUCERS = {
  connection(conn) {
    const s = store;
    if (conn.state !== 'open' && s.connection.state === 'open') s.resume = s.running;
    if (conn.state === 'idle') s.resume = false; // closed because it sat paused: stay paused
    s.connection = conn;
    if (conn.state !== 'open') {
      s.running = false;
      s.pending.clear(); // nothing sent on a closed connection will be answered
    }
    return ['connection', 'status', 'config', 'speed'];
  },

  hello(msg) {
    store.hello = msg;
    store.schema = msg.config_schema.properties;
    store.run = null; // run ids count per connection: nothing is ours until our ready comes
    return ['hello'];
  },

  /** The URL hash, parsed (urlstate.parseHash): view toggles, lesson flags, chosen keys. */
  link(parsed) {
    Object.assign(store.ui, parsed.ui);
    store.ui.hide = parsed.hide;
    store.explicit = new Set(parsed.explicit);
    return ['ui'];
  },

  /** A command goes out: give it an id and remember what it asks for until it is answered. */
  sent({ command, quiet, ...entry }) {
    command.id = store.nextId++;
    store.pending.set(command.id, { type: command.type, ...entry });
    if (quiet) return []; // the page's own background command (a snapshot): the learner's error stays
    store.controlError = null;
    return ['sent', 'config', 'speed', 'status'];
  },

  ready(msg) {
    const s = store;
    // The server's default run, built before our configure arrived, is not ours to show.
    if (msg.id === undefined && pendingOf(C.CONFIGURE, C.RESTORE).length) return [];
    commitKeys(answer(msg.id));
    s.ready = msg;
    s.run = msg.run;
    s.config = msg.config;
    s.topology = msg.topology;
    s.layout = paramLayout(msg.topology.sizes);
    s.kind = msg.kind;
    s.running = msg.state === 'running';
    s.diverged = false;
    s.frame = null;
    s.prevFrame = null;
    s.phase = null;
    s.phasePlay = false;
    s.answers = {};
    s.anim = null;
    s.hover = null;
    s.inspect = null;
    s.explain = CLOSED_EXPLAINER;
    s.status = { ...s.status, state: msg.state || 'paused', message: '' };
    s.history.reset(msg.topology.sizes.length - 1);
    takeSpeed(msg.speed);
    return ['ready', 'config', 'status', 'speed', 'explain', 'inspect'];
  },

  frame({ frame, bytes }) {
    const s = store;
    const h = frame.header;
    // A frame of a run this page has left (or of the default run it is replacing): drop it.
    if (!s.topology || (h.run ?? null) !== s.run) return [];
    const prevStep = s.frame ? s.frame.header.step : -1;
    const answered = h.ack === undefined ? null : answer(h.ack);
    s.frames++;
    s.frameBytes = bytes;
    s.prevFrame = s.frame;
    s.frame = frame;
    // A step taken apart holds its phase; a whole step (or play) shows no held phase.
    s.phase = h.phase === 'forward' || h.phase === 'backward' || answered?.type === C.PHASE ? h.phase ?? null : null;
    if (s.phase !== 'backward') delete s.answers.updates_compared;
    if (h.state) {
      s.running = h.state === 'running';
      s.diverged = h.state === 'diverged';
    }
    const speed = takeSpeed(h.speed);
    s.history.add(frame);
    // One Step (its answer is this frame), or playing slowly: show the step in four phases.
    const single = answered?.type === C.STEP && answered.n === 1;
    if (h.step === prevStep + 1 && h.state !== 'diverged' && (single || (s.running && isSlow()))) {
      // One Step: every phase held at least the dwell (the shortest phase is a fifth of it).
      const duration = single ? Math.max(SINGLE_STEP_MS, 5000 * s.ui.dwell) : Math.min(SINGLE_STEP_MS, 900 / Math.max(s.speed, 0.1));
      s.anim = { start: performance.now(), duration, step: h.step };
    } else if (h.step < prevStep) {
      s.anim = null;
      s.answers = {}; // a reset: findings and answers were about the run before it
    }
    return speed ? ['frame', 'speed'] : ['frame'];
  },

  status(msg) {
    const s = store;
    const p = answer(msg.id);
    if (p?.type === C.SET) {
      s.config = withSet(s.config, p.changes);
      commitKeys(p);
    }
    s.status = msg;
    s.running = msg.state === 'running';
    s.diverged = msg.state === 'diverged';
    takeSpeed(msg.speed);
    return ['status', 'speed', 'config'];
  },

  /** A refused command: forget it (its control shows the server's value again) and say why. */
  error(msg) {
    const p = answer(msg.id);
    if (store.explain.asked === msg.id) store.explain = { ...store.explain, asked: null };
    store.controlError = { field: msg.field ?? p?.field ?? null, message: msg.message, id: msg.id, code: msg.code };
    return ['error', 'config', 'speed', 'status', 'explain'];
  },

  /** The link's configure was refused for one key: drop it (or all), the link goes again. */
  linkRefused({ id, key, all }) {
    answer(id);
    if (all) store.explicit.clear(); else store.explicit.delete(key);
    return [];
  },

  explanation(m) {
    const s = store;
    answer(m.id);
    s.explanation = m;
    const e = s.explain;
    // An answer without an id is the room teacher's, passed on to a follower: shown when the
    // follower's explainer (the teacher's, mirrored) is on that example.
    const passedOn = m.id === undefined && m.index === e.index;
    if (!e.open || (m.id !== e.asked && !passedOn)) return [];
    const L = m.layers.length;
    const last = m.layers[L - 1];
    let sel = e.sel;
    if (!sel || sel.l >= L || sel.i >= m.layers[sel.l].a_prev.length || sel.j >= m.layers[sel.l].delta.length) {
      sel = { l: L - 1, i: argMaxAbs(last.dL_dW.map((row) => row[0])), j: 0 };
    }
    s.explain = { ...e, asked: null, msg: m, atStep: s.frame ? s.frame.header.step : 0, fresh: !s.running, sel };
    return ['explain'];
  },

  /** The explainer opens, asks for an example (`asked`: the command id), picks an edge, closes
   * (keeping its example for the next time it opens). */
  explain(changes) {
    store.explain = { ...store.explain, ...changes, ...(changes.open === false ? { asked: null } : {}) };
    return ['explain'];
  },

  /** An answer to a command of the step taken apart (updates_compared, gradcheck, ...). */
  answer(msg) {
    answer(msg.id);
    store.answers = { ...store.answers, [msg.type]: msg };
    return [msg.type];
  },

  /** Playing by phases starts or stops (views/phase.js runs the timer). */
  phasePlay(on) {
    store.phasePlay = !!on;
    return ['phasePlay', 'status'];
  },

  ui(changes) {
    Object.assign(store.ui, changes);
    return ['ui'];
  },

  hover(target) {
    if (sameTarget(target, store.hover)) return [];
    store.hover = target;
    return ['inspect'];
  },

  /** {target, pinned, x, y} shows the inspector (a hover never replaces a pinned one); null hides it. */
  inspect(v) {
    const cur = store.inspect;
    if (v && cur?.pinned && !v.pinned) return [];
    if (!v && !cur) return [];
    store.inspect = v;
    return ['inspect'];
  },

  hash(h) {
    store.hash = h;
    return [];
  },

  resumed() {
    store.resume = false;
    return [];
  },

  /** A message of the classroom's (room, voted, snapshot...) answers command `id`: forget it. */
  answered(id) {
    if (id !== undefined) answer(id);
    return [];
  },
};

export function sameTarget(a, b) {
  if (!a || !b) return a === b;
  return a.kind === b.kind && a.l === b.l && a.i === b.i && a.j === b.j;
}

export function argMaxAbs(a) {
  let best = 0;
  a.forEach((v, i) => { if (Math.abs(v) > Math.abs(a[best])) best = i; });
  return best;
}
