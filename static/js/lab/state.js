// The lab's one state object and its URL hash, so that a link reproduces the lab:
//   #surface=quadratic&p.kappa=10&start=-4,3&lr=1&steps=200
//    &run=sgd&run=sgd;momentum:0.9&run=adam;x:0.1&run=sgd;batch:8
// A run is `optimizer;key:value;...` with `x` its learning-rate factor and `batch` its batch size.

export const MAX_RUNS = 7;

/** One colour per lane (the surface's own ramp is pale, so these stand out on it). */
export const RUN_COLORS = ['#1d2733', '#d7263d', '#e07b00', '#7b2cbf', '#2b9348', '#0077b6', '#c9184a'];

export const lab = {
  hello: null,            // the server's hello (optimizers, hyper schemas)
  surfaces: [],           // [{name, label, params: {key: {default, kind, min, max, description}}}]
  surface: 'quadratic',
  params: {},             // the surface's parameters (only those the learner set)
  start: null,            // [x, y]; null: the surface's default start
  lr: null,               // the shared learning rate; null: the surface's default
  steps: 200,
  runs: [],               // [{optimizer, hyper: {}, x: lr factor, batch: null | int, label}]
  facts: null,            // the last lab_surface
  paths: null,            // the last lab_paths (for the request that is current)
  t: 0,                   // the step shown
  playing: false,
  costAxis: false,        // loss against examples seen instead of steps
  arrows: false,
  error: null,
};

/** The runs a surface starts with: plain SGD, SGD with momentum, Adam (its step in its own units). */
export function defaultRuns(facts) {
  const width = facts ? facts.window[0][1] - facts.window[0][0] : 10;
  const adamX = niceNumber((width / 100) / (facts?.lr || 1));
  return [
    { optimizer: 'sgd', hyper: {}, x: 1, batch: null },
    // momentum 0.9 adds up ~10 steps' worth of gradient: a tenth of the rate keeps it comparable
    { optimizer: 'sgd', hyper: { momentum: 0.9 }, x: 0.1, batch: null },
    { optimizer: 'adam', hyper: {}, x: adamX, batch: null },
  ];
}

/** Batch, mini-batch and stochastic descent, the same optimizer and learning rate. */
export function batchRuns(nExamples) {
  return [
    { optimizer: 'sgd', hyper: {}, x: 1, batch: null },
    { optimizer: 'sgd', hyper: {}, x: 1, batch: Math.min(8, nExamples) },
    { optimizer: 'sgd', hyper: {}, x: 1, batch: 1 },
  ];
}

/** 1, 2 or 5 times a power of ten, the nearest on a log scale. */
export function niceNumber(v) {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const e = Math.floor(Math.log10(v));
  const m = v / 10 ** e;
  const pick = m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10;
  return Number((pick * 10 ** e).toPrecision(2));
}

export const currentLr = () => lab.lr ?? lab.facts?.lr ?? 0.1;
export const runLr = (run) => Number((currentLr() * run.x).toPrecision(6));

/** What a run is called: the optimizer's label, its non-default hyperparameters, its batch. */
export function runName(run) {
  const opt = lab.hello?.options?.optimizers?.find((o) => o.name === run.optimizer);
  let name = opt?.label ?? run.optimizer;
  if (run.optimizer === 'sgd' && run.hyper.momentum) name = run.hyper.nesterov ? 'Nesterov' : 'Momentum';
  if (run.batch === 1) name += ', stochastic (batch 1)';
  else if (run.batch) name += `, mini-batch ${run.batch}`;
  else if (lab.facts?.data) name += ', full batch';
  return name;
}

// ---- the URL hash ---------------------------------------------------------------------------

export function encodeHash() {
  const parts = [`surface=${lab.surface}`];
  for (const [k, v] of Object.entries(lab.params)) parts.push(`p.${k}=${v}`);
  if (lab.start) parts.push(`start=${lab.start.map((v) => Number(v.toPrecision(4))).join(',')}`);
  if (lab.lr !== null) parts.push(`lr=${Number(lab.lr.toPrecision(4))}`);
  parts.push(`steps=${lab.steps}`);
  for (const r of lab.runs) {
    const bits = [r.optimizer, ...Object.entries(r.hyper).map(([k, v]) => `${k}:${v}`)];
    if (r.x !== 1) bits.push(`x:${r.x}`);
    if (r.batch) bits.push(`batch:${r.batch}`);
    parts.push(`run=${encodeURIComponent(bits.join(';'))}`);
  }
  return `#${parts.join('&')}`;
}

/** Read a hash into the state; returns what it could not read (shown to the learner). */
export function applyHash(hash) {
  const problems = [];
  const runs = [];
  const params = {};
  for (const part of hash.replace(/^#/, '').split('&').filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    const num = Number(value);
    if (key === 'surface') {
      if (lab.surfaces.some((s) => s.name === value)) lab.surface = value;
      else problems.push(`surface=${value}: unknown`);
    } else if (key.startsWith('p.') && Number.isFinite(num)) params[key.slice(2)] = num;
    else if (key === 'start') {
      const xy = value.split(',').map(Number);
      if (xy.length === 2 && xy.every(Number.isFinite)) lab.start = xy; else problems.push(`start=${value}`);
    } else if (key === 'lr' && num > 0) lab.lr = num;
    else if (key === 'steps' && Number.isInteger(num) && num >= 1 && num <= 2000) lab.steps = num;
    else if (key === 'run') runs.push(parseRun(value));
    else problems.push(`${key}=${value}`);
  }
  lab.params = params;
  if (runs.length) lab.runs = runs.slice(0, MAX_RUNS);
  return problems;
}

function parseRun(text) {
  const [optimizer, ...bits] = text.split(';');
  const run = { optimizer, hyper: {}, x: 1, batch: null };
  for (const bit of bits) {
    const [k, v] = bit.split(':');
    const value = v === 'true' ? true : v === 'false' ? false : Number(v);
    if (k === 'x') run.x = value;
    else if (k === 'batch') run.batch = value;
    else run.hyper[k] = value;
  }
  return run;
}
