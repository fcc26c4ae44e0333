// Backprop Playground, the page: wire the store, the socket session, the views and the loop.

import { store, on } from './store.js';
import * as session from './session.js';
import { initControls } from './views/controls.js';
import { initData } from './views/data.js';
import { initFeatures } from './views/features.js';
import { initNetwork, relayout } from './views/network.js';
import { initInspector } from './views/inspector.js';
import { initExplainer } from './views/explain.js';
import { initHeatmap } from './views/heatmap.js';
import { initCharts } from './views/charts.js';
import { initMetrics } from './views/metrics.js';
import { initNotices } from './views/notices.js';
import { initKeyboard } from './keyboard.js';
import { installDebugHook } from './debug.js';
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

function main() {
  installDebugHook();
  initNotices();
  initControls();
  initData();
  initFeatures(() => relayout());
  initNetwork();
  initInspector();
  initExplainer();
  initHeatmap();
  initCharts();
  initMetrics();
  initEdgeMode();
  initKeyboard();
  initLandscape(document.querySelector('[data-testid="landscape-button"]'));
  initClassroom();
  initRace(document.querySelector('[data-testid="race-button"]'));
  on('ui', applyUi);
  // Every control a lesson link may hide (hide=...), by its data-ctl name.
  session.start([...new Set([...document.querySelectorAll('[data-ctl]')].map((el) => el.dataset.ctl))]);
}

main();
