// The two charts: train/test loss (with every step's batch loss behind) and the per-layer
// gradient norm ‖dL/dW‖ on a log scale, where vanishing and exploding gradients show. Both read
// the store's history of frames (store.history).

import { store, on } from '../store.js';
import { register, invalidate, invalidateFrame } from '../loop.js';
import { LineChart, nearestIndex } from './chart.js';
import { layerColor } from '../colors.js';
import { fmtInt, fmtNum, fmtLoss } from '../format.js';
import * as session from '../session.js';
import { el, $ } from '../dom.js';
import { shownFrame } from './network-anim.js';

/** While a step animates up to its update, the charts keep the drawing of the step before. */
const held = () => shownFrame() !== store.frame;

const TRAIN = '#1d2733';
const TEST = '#8a3ffc';
const BATCH = '#9aa5b1';

let lossChart = null; let gradChart = null;

/** The ticks each chart last drew (for tests). */
export function chartTicks() {
  return { loss: lossChart?.ticks ?? null, grad: gradChart?.ticks ?? null };
}

export function initCharts() {
  const logBox = $('[data-testid="log-scale"]');
  logBox.addEventListener('change', () => session.setUi({ logScale: logBox.checked }));

  const loss = new LineChart($('[data-testid="loss-chart"]'), $('[data-testid="loss-readout"]'), {
    onChange: () => invalidate('loss-chart'),
    readout: (x) => {
      const f = store.history.frames;
      if (!f.n) return null;
      const i = nearestIndex(f.col('step'), x);
      const lines = [`step ${fmtInt(f.cols.step[i])}`,
        `train loss ${fmtLoss(f.cols.train[i])}`, `test loss ${fmtLoss(f.cols.test[i])}`];
      if (Number.isFinite(f.cols.trainAcc[i])) lines.push(`accuracy ${(100 * f.cols.trainAcc[i]).toFixed(2)}% / ${(100 * f.cols.testAcc[i]).toFixed(2)}%`);
      const b = store.history.batch;
      if (b.n) {
        const k = nearestIndex(b.col('step'), x);
        const v = b.cols.loss[k];
        lines.push(`batch loss at step ${fmtInt(b.cols.step[k])}: ${fmtLoss(v)}`);
      }
      return lines;
    },
  });
  const grads = new LineChart($('[data-testid="grad-norm-chart"]'), $('[data-testid="grad-readout"]'), {
    onChange: () => invalidate('grad-chart'),
    readout: (x) => {
      const g = store.history.grads;
      if (!g?.n) return null;
      const i = nearestIndex(g.col('step'), x);
      const lines = [`step ${fmtInt(g.cols.step[i])}`];
      for (let l = 0; l < store.history.layers; l++) lines.push(`${layerName(l)}: ${fmtNum(g.cols[`g${l}`][i])}`);
      return lines;
    },
  });

  lossChart = loss; gradChart = grads;
  on('frame', () => invalidateFrame('loss-chart', 'grad-chart'));
  on('ready', () => { legends(); invalidate('loss-chart', 'grad-chart'); });
  on('ui', () => {
    logBox.checked = store.ui.logScale;
    loss.refreshFont(); grads.refreshFont();
    invalidate('loss-chart', 'grad-chart');
  });

  register('loss-chart', () => {
    if (held()) return;
    const f = store.history.frames; const b = store.history.batch;
    loss.render([
      { x: b.col('step'), y: b.col('loss'), color: BATCH, width: 1, alpha: 0.7 },
      { x: f.col('step'), y: f.col('test'), color: TEST, width: 2, dash: [5, 3] },
      { x: f.col('step'), y: f.col('train'), color: TRAIN, width: 2 },
    ], { log: store.ui.logScale, emptyText: { none: 'The loss curve appears as the network trains.' } });
  });
  register('grad-chart', () => {
    const g = store.history.grads;
    if (!g || held()) return;
    const series = [];
    for (let l = 0; l < store.history.layers; l++) {
      series.push({ x: g.col('step'), y: g.col(`g${l}`), color: layerColor(l, store.history.layers), width: 1.6 });
    }
    grads.render(series, { log: true, emptyText: {
      none: 'Gradient sizes appear after the first step.',
      data: 'Every gradient is exactly 0: nothing can learn (dead ReLUs or zero weights?).',
    } });
  });

  function legends() {
    const sw = (color, text, dash) => {
      const k = el('span.sw');
      k.style.background = dash ? `repeating-linear-gradient(90deg, ${color} 0 5px, transparent 5px 8px)` : color;
      return el('span', null, k, text);
    };
    $('#loss-legend').replaceChildren(sw(TRAIN, 'train'), sw(TEST, 'test', true), sw(BATCH, 'batch'));
    const L = store.history.layers;
    $('#grad-legend').replaceChildren(...Array.from({ length: L }, (_, l) => sw(layerColor(l, L), layerName(l))));
  }
}

function layerName(l) {
  const L = store.topology ? store.topology.sizes.length - 1 : 0;
  return l === L - 1 ? 'out' : `L${l + 1}`;
}
