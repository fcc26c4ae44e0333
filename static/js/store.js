// The one store. Socket messages and controls write it; views only read it.
// `emit(topic)` tells whoever listens (usually: mark some views dirty for the render loop).

export const store = {
  hello: null,            // the server's hello: options, limits, grid sizes
  config: null,           // the configuration the server runs (ready.config plus later `set`s)
  explicit: new Set(),    // config keys chosen by the learner or the link (others are automatic)
  ready: null,            // the last ready message (data, feature grids, topology)
  run: null,              // ready.run: frames of any other run are dropped
  explanation: null,      // the last `explanation` message (one example, explained)
  topology: null,
  layout: null,           // flat parameter layout (protocol.paramLayout)
  kind: 'classification',
  nClasses: 2,
  frame: null,            // the newest decoded frame {header, arrays, meta}
  frames: 0,              // frames received
  running: false,
  diverged: false,
  status: { state: 'paused', message: '', step: 0, speed: null },
  speed: null,            // steps per second, or 'max' (null until the server says)
  connection: { state: 'connecting', detail: '' },
  anim: null,             // the backprop animation in progress, if any
  ui: {
    edgeMode: 'weight',   // weight | gradient | update
    showTest: false,
    discretize: false,
    logScale: true,
    presentation: false,
    hide: [],             // control names hidden for a lesson
  },
};

const listeners = new Map();

/** Listen to a topic: hello, ready, frame, status, config, ui, connection, error. */
export function on(topic, fn) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(fn);
  return () => listeners.get(topic).delete(fn);
}

export function emit(topic, payload) {
  const set = listeners.get(topic);
  if (!set) return;
  for (const fn of set) {
    try { fn(payload); } catch (err) { console.error(`listener for ${topic} failed`, err); }
  }
}

/** The optimizer's spec from hello ({name, label, hyper: {name: {default, kind, min, max, description}}}). */
export function optimizerSpec(name) {
  const list = store.hello?.options?.optimizers || [];
  return list.find((o) => o.name === name) || null;
}

export function datasetSpec(name) {
  const list = store.hello?.options?.datasets || [];
  return list.find((d) => d.name === name) || null;
}

/** Training-set size of the current run (from ready.data). */
export function trainCount() {
  return store.ready?.data?.train?.y?.length ?? 0;
}
