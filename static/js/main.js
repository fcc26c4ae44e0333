// Backprop Playground, the page: wire the store, the socket session, the views and the loop.

import { store, on, emit } from './store.js';
import * as session from './session.js';
import { initControls } from './views/controls.js';
import { initData } from './views/data.js';
import { initFeatures } from './views/features.js';
import { initNetwork, relayout } from './views/network.js';
import { initInspector } from './views/inspector.js';
import { initHeatmap } from './views/heatmap.js';
import { initCharts } from './views/charts.js';
import { initMetrics } from './views/metrics.js';
import { initNotices } from './views/notices.js';
import { initKeyboard } from './keyboard.js';
import { initPhase } from './views/phase.js';
import { installDebugHook } from './debug.js';
import { stylesheet } from './dom.js';
import { initLandscape } from './views/landscape.js';
import { initClassroom } from './classroom/index.js';
import { initRace } from './views/race.js';

// Hiding a control hides what belongs to it: the optimizer's hyperparameters go with it.
const HIDE_ALSO = { optimizer: ['hyper'] };

function applyUi() {
  document.body.classList.toggle('presentation', store.ui.presentation);
  const hidden = new Set(store.ui.hide.flatMap((name) => [name, ...(HIDE_ALSO[name] || [])]));
  for (const el of document.querySelectorAll('[data-ctl]')) {
    el.hidden = hidden.has(el.dataset.ctl);
  }
  for (const b of document.querySelectorAll('[data-testid="edge-mode"] [data-mode]')) {
    b.setAttribute('aria-checked', String(b.dataset.mode === store.ui.edgeMode));
  }
}

function initEdgeMode() {
  for (const b of document.querySelectorAll('[data-testid="edge-mode"] [data-mode]')) {
    b.addEventListener('click', () => session.setUi({ edgeMode: b.dataset.mode }));
  }
}

const TOOLS_CSS = '/static/css/tools.css';

/** Run `load` once, the first time `topic` comes with `when()` true. */
function onFirst(topic, when, load) {
  const off = on(topic, () => { if (when()) { off(); load(); } });
}

/** Features used on demand load on first use, so the page's first load stays light: the
 * explainer (a click, the x key, a click on a point, a room teacher's), the optimizers' comparison (the first
 * backward phase), the health notice (the first `health`). */
function initOnDemand() {
  const opener = document.querySelector('[data-testid="explain-open"]');
  let explainer = null;
  const loadExplainer = (then) => {
    explainer ??= Promise.all([import('./views/explain.js'), import('./views/explain-step.js'), stylesheet('/static/css/explain.css')]).then(([a, b]) => {
      opener.removeEventListener('click', onOpener);
      offOpen(); offToggle(); offMirror();
      a.initExplainer();
      b.initExplainStep();
    });
    explainer.then(then);
  };
  const onOpener = () => loadExplainer(() => emit('explain-toggle'));
  opener.addEventListener('click', onOpener);
  const offOpen = on('explain-open', (k) => loadExplainer(() => emit('explain-open', k)));
  const offToggle = on('explain-toggle', () => loadExplainer(() => emit('explain-toggle')));
  // A room's follower: the teacher opened the explainer.
  const offMirror = on('explain-mirror', (v) => { if (v.open) loadExplainer(() => emit('explain-mirror', v)); });
  onFirst('frame', () => store.phase === 'backward', () => Promise.all([import('./views/compare.js'), stylesheet(TOOLS_CSS)])
    .then(([m]) => m.initCompare()));
  onFirst('health', () => true, () => Promise.all([import('./views/health.js'), stylesheet(TOOLS_CSS)]).then(([m]) => m.initHealth()));
}

function main() {
  installDebugHook();
  initNotices();
  initControls();
  initData();
  initFeatures(() => relayout());
  initNetwork();
  initInspector();
  initHeatmap();
  initCharts();
  initMetrics();
  initEdgeMode();
  initPhase();
  initOnDemand();
  initKeyboard();
  initLandscape(document.querySelector('[data-testid="landscape-button"]'));
  initClassroom();
  initRace(document.querySelector('[data-testid="race-button"]'));
  on('ui', applyUi);
  // Every control a lesson link may hide (hide=...), by its data-ctl name.
  session.start([...new Set([...document.querySelectorAll('[data-ctl]')].map((el) => el.dataset.ctl))]);
}

main();
