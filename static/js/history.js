// Columnar history for the charts (uPlot-style: one typed array per column). The store owns
// one (store.history) and adds every frame to it; the charts read it.
// Batch losses come every step (from each frame's loss_steps/losses); train/test loss,
// accuracy and per-layer gradient norms come once per frame.

class Columns {
  constructor(names, max) {
    this.names = names;
    this.max = max;
    this.n = 0;
    this.cap = 512;
    this.cols = Object.fromEntries(names.map((k) => [k, new Float64Array(this.cap)]));
  }

  clear() { this.n = 0; }

  push(values) {
    if (this.n === this.max) this.halve();
    if (this.n === this.cap) this.grow();
    for (const k of this.names) this.cols[k][this.n] = values[k] ?? NaN;
    this.n++;
  }

  replaceLast(values) {
    if (!this.n) return this.push(values);
    for (const k of this.names) this.cols[k][this.n - 1] = values[k] ?? NaN;
  }

  last(name) { return this.n ? this.cols[name][this.n - 1] : NaN; }

  col(name) { return this.cols[name].subarray(0, this.n); }

  grow() {
    this.cap = Math.min(this.cap * 2, this.max);
    for (const k of this.names) {
      const a = new Float64Array(this.cap);
      a.set(this.cols[k].subarray(0, this.n));
      this.cols[k] = a;
    }
  }

  /** Full: keep every second row (the step column stays exact, values are pair means). */
  halve() {
    const half = this.n >> 1;
    for (const k of this.names) {
      const a = this.cols[k];
      for (let i = 0; i < half; i++) {
        if (k === 'step') { a[i] = a[2 * i + 1]; continue; }
        const x = a[2 * i]; const y = a[2 * i + 1];
        a[i] = Number.isFinite(x) && Number.isFinite(y) ? (x + y) / 2 : y;
      }
    }
    this.n = half;
  }
}

export const createHistory = () => ({
  batch: new Columns(['step', 'loss'], 16384),
  frames: new Columns(['step', 'train', 'test', 'trainAcc', 'testAcc'], 8192),
  grads: null,          // Columns of step + g0..g{L-1}
  layers: 0,

  reset(nLayers) {
    this.batch.clear();
    this.frames.clear();
    this.layers = nLayers;
    const names = ['step', ...Array.from({ length: nLayers }, (_, l) => `g${l}`)];
    this.grads = new Columns(names, 8192);
  },

  /** Add one decoded frame. A step number going backwards (reset) starts a new history. */
  add(frame) {
    const h = frame.header;
    const a = frame.arrays;
    if (!this.grads) this.reset(a.grad_norms ? a.grad_norms.length : 0);
    if (this.frames.n && h.step < this.frames.last('step')) this.reset(this.layers);
    const steps = a.loss_steps;
    const losses = a.losses;
    if (steps && losses) {
      const lastStep = this.batch.n ? this.batch.last('step') : -1;
      for (let i = 0; i < steps.length; i++) {
        if (steps[i] <= lastStep) continue;
        this.batch.push({ step: steps[i], loss: losses[i] });
      }
    }
    const row = {
      step: h.step,
      train: h.train_loss ?? NaN,
      test: h.test_loss ?? NaN,
      trainAcc: h.train_accuracy ?? NaN,
      testAcc: h.test_accuracy ?? NaN,
    };
    const same = this.frames.n && this.frames.last('step') === h.step;
    if (same) this.frames.replaceLast(row); else this.frames.push(row);
    if (a.grad_norms && h.step > 0) {
      const g = { step: h.step };
      for (let l = 0; l < this.layers; l++) g[`g${l}`] = a.grad_norms[l];
      if (this.grads.n && this.grads.last('step') === h.step) this.grads.replaceLast(g);
      else this.grads.push(g);
    }
  },
});
