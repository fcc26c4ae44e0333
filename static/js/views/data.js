// The data panel: dataset thumbnails (which also choose classification or regression),
// train/test split, noise, number of points, batch size (and what it means), regenerate.
// Every slider's range is the schema's (schema.js).

import { on, desired, trainCount, datasetSpec } from '../store.js';
import * as session from '../session.js';
import { drawThumbnail } from './thumbnails.js';
import { fmtInt } from '../format.js';
import { el, $ } from '../dom.js';
import { setting, choices, bounds, niceStops } from '../schema.js';


/** Stops of the points slider, from the schema's smallest to its largest sample count. */
const sampleStops = () => niceStops(...bounds(setting('samples')));
/** Stops of the batch slider: whole numbers within the schema's range, then its "all". */
function batchStops() {
  const s = setting('batch_size');
  return [...niceStops(...bounds(s)), ...(s.anyOf ?? []).filter((o) => 'const' in o).map((o) => o.const)];
}

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

  on('hello', () => {
    // Fractions as percent sliders, over the schema's range.
    for (const [input, key] of [[ratio, 'train_ratio'], [noise, 'noise']]) {
      const [lo, hi] = bounds(setting(key));
      input.min = String(Math.round(lo * 100));
      input.max = String(Math.round(hi * 100));
    }
    samples.max = String(sampleStops().length - 1);
    batch.max = String(batchStops().length - 1);
    const groups = [['classification', 'Classification'], ['regression', 'Regression']];
    const all = choices('dataset').map((name) => datasetSpec(name)).filter(Boolean);
    box.replaceChildren(...groups.flatMap(([kind, title]) => {
      const list = all.filter((d) => d.kind === kind);
      return list.length ? [el('div.dataset-group-label', null, title), el('div.dataset-grid', null, ...list.map(datasetButton))] : [];
    }));
  });

  function datasetButton(d) {
    const title = `${d.label}${d.kind === 'classification' ? `, ${d.n_classes} classes` : ', regression'}`;
    return el('button.dataset-btn', {
      type: 'button', title, 'aria-label': title, 'aria-pressed': 'false', 'data-testid': `dataset-${d.name}`, 'data-dataset': d.name,
      onclick: () => { if (desired()?.dataset !== d.name) session.configure({ dataset: d.name }); },
    }, el('canvas'));
  }
  // Schematics on the plane the server draws (ready.grid_domain), once it has said which.
  on('ready', (msg) => {
    for (const b of box.querySelectorAll('.dataset-btn:not([data-drawn])')) {
      b.dataset.drawn = '1';
      const size = Math.min(120, Math.max(30, b.clientWidth - 8));
      drawThumbnail(b.firstChild, datasetSpec(b.dataset.dataset), size, msg.grid_domain);
    }
  });

  // live labels while dragging, a new run on release
  ratio.addEventListener('input', () => { out('train-ratio').textContent = `${ratio.value}%`; });
  ratio.addEventListener('change', () => session.configure({ train_ratio: Number(ratio.value) / 100 }));
  noise.addEventListener('input', () => { out('noise').textContent = `${noise.value}%`; });
  noise.addEventListener('change', () => session.configure({ noise: Number(noise.value) / 100 }));
  samples.addEventListener('input', () => { out('samples').textContent = fmtInt(sampleStops()[+samples.value]); });
  samples.addEventListener('change', () => session.configure({ samples: sampleStops()[+samples.value] }));
  batch.addEventListener('input', () => showBatch(batchStops()[+batch.value]));
  batch.addEventListener('change', () => session.set({ batch_size: batchStops()[+batch.value] }));
  $('[data-testid="regenerate"]').addEventListener('click', () => {
    // A new random seed from the schema's range.
    const [lo, hi] = bounds(setting('seed'));
    session.configure({ seed: lo + Math.floor((crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32) * (hi - lo + 1)) });
  });

  function showBatch(b) {
    const n = trainCount();
    const whole = typeof b !== 'number';
    const B = whole ? n : Math.min(b, n || b);
    out('batch-size').textContent = whole ? `${b} (${fmtInt(n)})` : fmtInt(b);
    const perEpoch = n ? Math.ceil(n / Math.max(1, B)) : 0;
    let text;
    if (whole || B >= n) text = `Batch gradient descent: every step uses all ${fmtInt(n)} training points (1 step = 1 epoch).`;
    else if (B === 1) text = `Stochastic gradient descent: one point per step (${fmtInt(perEpoch)} steps = 1 epoch).`;
    else text = `Mini-batch: ${fmtInt(B)} of ${fmtInt(n)} points per step (${fmtInt(perEpoch)} steps = 1 epoch).`;
    meaning.textContent = text;
  }

  function sync() {
    const c = desired();
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
    samples.value = String(nearestIndex(sampleStops(), c.samples));
    out('samples').textContent = fmtInt(c.samples);
    const stops = batchStops();
    const bi = stops.indexOf(c.batch_size);
    batch.value = String(bi >= 0 ? bi : nearestIndex(stops.filter((s) => typeof s === 'number'), c.batch_size));
    showBatch(c.batch_size);
    seed.textContent = String(c.seed);
  }
  on('config', sync);
}

function nearestIndex(stops, v) {
  let best = 0;
  stops.forEach((s, i) => { if (Math.abs(s - v) < Math.abs(stops[best] - v)) best = i; });
  return best;
}
