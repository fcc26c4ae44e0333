// One requestAnimationFrame loop. Views register a render function under a name; anything
// that changes marks names dirty; each animation frame redraws only the dirty views and
// records how long that took (window.__bpp reads the timings).

const renderers = new Map();
const dirty = new Set();
let scheduled = false;
let frameDirty = false;

const MAX_TIMINGS = 2000;
export const timings = {
  all: [],        // {at, ms, views}
  frames: [],     // ms of ticks that drew a newly received frame
  longest: 0,
};

export function register(name, fn) {
  renderers.set(name, fn);
  dirty.add(name);
  schedule();
}

/** Mark views dirty; they redraw in the next animation frame. */
export function invalidate(...names) {
  for (const n of names) dirty.add(n);
  schedule();
}

/** Mark that a new frame arrived (its redraw is timed separately). */
export function invalidateFrame(...names) {
  frameDirty = true;
  invalidate(...names);
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(tick);
}

function tick(now) {
  scheduled = false;
  if (!dirty.size) return;
  const names = [...dirty];
  const isFrame = frameDirty;
  dirty.clear();
  frameDirty = false;
  const t0 = performance.now();
  for (const name of names) {
    const fn = renderers.get(name);
    if (!fn) continue;
    try { fn(now); } catch (err) { console.error(`render ${name} failed`, err); }
  }
  const ms = performance.now() - t0;
  push(timings.all, { at: t0, ms, views: names.join(',') });
  if (isFrame) push(timings.frames, ms);
  if (ms > timings.longest) timings.longest = ms;
}

function push(list, item) {
  list.push(item);
  if (list.length > MAX_TIMINGS) list.splice(0, list.length - MAX_TIMINGS);
}
