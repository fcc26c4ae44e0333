// window.__bpp: a read-only hook for tests and the browser speed measurement.
//   frames          frames received
//   lastHeader      the newest frame's header (a copy)
//   renderTimes     ms of every render-loop tick (the newest 2000)
//   frameRenderTimes  ms of ticks that drew a newly received frame
//   renderStats()   {count, mean, p50, p95, max} of frameRenderTimes
//   state()         a summary of the store (config, running, connection, speed, ui, run)
//   socket()        the socket's view: {socket, retryScheduled, idle, connections}
//   explanation     the last `explanation` message (a copy)
//   chartTicks()    the tick values each chart last drew: {loss: {x, y}, grad: {x, y}}
//   trainPoints()   the training points [[x1, x2], ...] of the current run
//   featureGrids()  ready.feature_grids: every feature's thumbnail values
//   frameArray(name), edgePoint(l, i, j), answers, phase: the step taken apart (tests)

import { store } from './store.js';
import { timings } from './loop.js';
import { socketInfo } from './session.js';
import { chartTicks } from './views/charts.js';
import { edgePoint } from './views/network.js';

export function installDebugHook() {
  const hook = {
    get frames() { return store.frames; },
    get lastHeader() { return store.frame ? structuredClone(store.frame.header) : null; },
    get lastFrameBytes() { return store.frameBytes ?? 0; },
    get renderTimes() { return timings.all.map((t) => t.ms); },
    get frameRenderTimes() { return timings.frames.slice(); },
    get longestRender() { return timings.longest; },
    get historyPoints() { return { batch: store.history.batch.n, frames: store.history.frames.n }; },
    renderStats() {
      const a = timings.frames.slice().sort((x, y) => x - y);
      if (!a.length) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
      const q = (p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
      return { count: a.length, mean: a.reduce((s, x) => s + x, 0) / a.length, p50: q(0.5), p95: q(0.95), max: a[a.length - 1] };
    },
    get explanation() { return store.explanation ? structuredClone(store.explanation) : null; },
    socket() { return socketInfo(); },
    chartTicks() { return structuredClone(chartTicks()); },
    featureGrids() { return structuredClone(store.ready?.feature_grids ?? {}); },
    /** The newest frame's array `name` as a plain list (params, grads, pending, ...), or null. */
    frameArray(name) { const a = store.frame?.arrays[name]; return a ? Array.from(a) : null; },
    edgePoint(l, i, j) { return edgePoint(l, i, j); },
    get answers() { return structuredClone(store.answers); },
    get phase() { return store.phase; },
    trainPoints() { return structuredClone(store.ready?.data?.train?.x ?? []); },
    resetTimings() { timings.all.length = 0; timings.frames.length = 0; timings.longest = 0; },
    state() {
      return structuredClone({
        config: store.config, running: store.running, diverged: store.diverged,
        connection: store.connection.state, speed: store.speed, ui: store.ui,
        topology: store.topology, status: store.status, run: store.run, pending: store.pending.size,
      });
    },
  };
  Object.freeze(hook);
  Object.defineProperty(window, '__bpp', { value: hook, writable: false, configurable: false });
}
