// The data panel: dataset thumbnails (which also choose classification or regression),
// train/test split, noise, number of points, batch size (and what it means), regenerate.

import { store, on, datasetSpec, trainCount } from '../store.js';
import * as session from '../session.js';
import { drawThumbnail } from './thumbnails.js';
import { fmtInt } from '../format.js';

const $ = (sel) => document.querySelector(sel);
const SAMPLE_STOPS = [10, 50, 100, 200, 300, 500, 750, 1000, 1200, 1500, 2000, 3000, 5000];
const BATCH_STOPS = [1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 100, 200, 500, 1000];

let sampleStops = SAMPLE_STOPS;
let batchStops = [...BATCH_STOPS, 'all'];

export function initData() {
  const box = $('#datasets');
  const ratio = $('[data-testid="train-ratio"]');
  const noise = $('[data-testid="noise"]');
  const samples = $('[data-testid="samples"]');
  const batch = $('[data-testid="batch-size"]');
  const meaning = $('[data-testid="batch-meaning"]');
  const kindLabel = $('[data-testid="problem-kind"]');
  const seed = $('[data-testid="seed"]');
  const out = (name) => document.querySelector(`output[data-for="${name}"]`);

  on('hello', (hello) => {
    const lim = hello.limits;
    sampleStops = SAMPLE_STOPS.filter((n) => n >= (lim.min_samples ?? 10) && n <= (lim.max_samples ?? 2000));
    batchStops = [...BATCH_STOPS.filter((n) => n <= (lim.max_batch_size ?? 1000)), 'all'];
    samples.max = String(sampleStops.length - 1);
    batch.max = String(batchStops.length - 1);
    const groups = [['classification', 'Classification'], ['regression', 'Regression']];
    box.replaceChildren();
    for (const [kind, title] of groups) {
      const list = hello.options.datasets.filter((d) => d.kind === kind);
      if (!list.length) continue;
      const label = document.createElement('div');
      label.className = 'dataset-group-label';
      label.textContent = title;
      const grid = document.createElement('div');
      grid.className = 'dataset-grid';
      for (const d of list) grid.append(datasetButton(d));
      box.append(label, grid);
    }
  });

  function datasetButton(d) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'dataset-btn';
    b.dataset.testid = `dataset-${d.name}`;
    b.dataset.dataset = d.name;
    const classes = d.kind === 'classification' ? `, ${d.n_classes} classes` : ', regression';
    b.title = `${d.label}${classes}`;
    b.setAttribute('aria-label', b.title);
    b.setAttribute('aria-pressed', 'false');
    const c = document.createElement('canvas');
    b.append(c);
    requestAnimationFrame(() => drawThumbnail(c, d, Math.min(120, Math.max(30, b.clientWidth - 8))));
    b.addEventListener('click', () => {
      if (store.config?.dataset !== d.name) session.configure({ dataset: d.name });
    });
    return b;
  }

  // live labels while dragging, a new run on release
  ratio.addEventListener('input', () => { out('train-ratio').textContent = `${ratio.value}%`; });
  ratio.addEventListener('change', () => session.configure({ train_ratio: Number(ratio.value) / 100 }));
  noise.addEventListener('input', () => { out('noise').textContent = `${noise.value}%`; });
  noise.addEventListener('change', () => session.configure({ noise: Number(noise.value) / 100 }));
  samples.addEventListener('input', () => { out('samples').textContent = fmtInt(sampleStops[+samples.value]); });
  samples.addEventListener('change', () => session.configure({ samples: sampleStops[+samples.value] }));
  batch.addEventListener('input', () => showBatch(batchStops[+batch.value]));
  batch.addEventListener('change', () => session.set({ batch_size: batchStops[+batch.value] }));
  $('[data-testid="regenerate"]').addEventListener('click', () => {
    const s = crypto.getRandomValues(new Uint32Array(1))[0];
    session.configure({ seed: s });
  });

  function showBatch(b) {
    const n = trainCount();
    const B = b === 'all' ? n : Math.min(b, n || b);
    out('batch-size').textContent = b === 'all' ? `all (${fmtInt(n)})` : fmtInt(b);
    const perEpoch = n ? Math.ceil(n / Math.max(1, B)) : 0;
    let text;
    if (b === 'all' || B >= n) text = `Batch gradient descent: every step uses all ${fmtInt(n)} training points (1 step = 1 epoch).`;
    else if (B === 1) text = `Stochastic gradient descent: one point per step (${fmtInt(perEpoch)} steps = 1 epoch).`;
    else text = `Mini-batch: ${fmtInt(B)} of ${fmtInt(n)} points per step (${fmtInt(perEpoch)} steps = 1 epoch).`;
    meaning.textContent = text;
  }

  function sync() {
    const c = store.config;
    if (!c) return;
    for (const b of box.querySelectorAll('.dataset-btn')) {
      b.setAttribute('aria-pressed', String(b.dataset.dataset === c.dataset));
    }
    const ds = datasetSpec(c.dataset);
    kindLabel.textContent = ds ? (ds.kind === 'regression' ? '· regression' : `· ${ds.n_classes}-class classification`) : '';
    ratio.value = String(Math.round(c.train_ratio * 100));
    out('train-ratio').textContent = `${ratio.value}%`;
    noise.value = String(Math.round(c.noise * 100));
    out('noise').textContent = `${noise.value}%`;
    samples.value = String(nearestIndex(sampleStops, c.samples));
    out('samples').textContent = fmtInt(c.samples);
    const bi = batchStops.indexOf(c.batch_size);
    batch.value = String(bi >= 0 ? bi : nearestIndex(batchStops.slice(0, -1), c.batch_size));
    showBatch(c.batch_size);
    seed.textContent = String(c.seed);
  }
  on('ready', sync);
  on('config', sync);
}

function nearestIndex(stops, v) {
  let best = 0;
  stops.forEach((s, i) => { if (Math.abs(s - v) < Math.abs(stops[best] - v)) best = i; });
  return best;
}
