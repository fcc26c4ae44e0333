// The network: feature inputs (DOM buttons) on the left, then every neuron as a small heatmap
// of its activation and every edge coloured by sign and sized by magnitude. Edge mode:
// weight | gradient dL/dw | last update. One canvas, redrawn when a frame arrives, while the
// backprop animation runs, or when the pointer moves over it.

import { store, on, dispatch, isSlow } from '../store.js';
import { register, invalidate, invalidateFrame } from '../loop.js';
import { fitCanvas, onResize, gridSurface, localPoint, lineScale } from '../canvas.js';
import { computeLayout, edgePath, hitTest, bezier } from './network-layout.js';
import { animState, caption, shownFrame } from './network-anim.js';
import { EDGE_MODES, PALETTES, edgeValues, shownMode } from './edge-values.js';
import { paintGrid, divergingLut, rgbCss, NEG, POS } from '../colors.js';
import { fmtNum, fmtLoss } from '../format.js';
import { initLayerControls, placeLayerControls } from './layers.js';
import { el as h } from '../dom.js';

let canvas; let body; let ctx;
let size = { w: 0, h: 0 };
let layout = null;
let needLayout = true;
let atlas = null;          // all hidden neurons' maps side by side: (g * n_hidden) x g
let atlasOffsets = [];     // per hidden layer, the atlas column of its first neuron
let outSurfaces = [];      // one G x G surface per output channel
let paintedFrame = null;
let captionKey = '';
let legendKey = '';

export function initNetwork() {
  canvas = document.querySelector('#net-canvas');
  body = document.querySelector('#net-body');
  ctx = canvas.getContext('2d');
  initLayerControls();
  onResize(body, (box) => {
    size = fitCanvas(canvas, box);
    needLayout = true;
    invalidate('network');
  });
  on('ready', () => { needLayout = true; paintedFrame = null; invalidate('network', 'caption'); });
  on('frame', () => invalidateFrame('network', 'caption'));
  on('status', () => invalidate('network', 'caption'));
  on('ui', () => { paintedFrame = null; needLayout = true; invalidate('network', 'caption'); });
  on('speed', () => invalidate('caption'));
  on('inspector', () => invalidate('network'));
  on('health', () => invalidate('network'));

  // Hover shows the inspector (mouse); a click or tap pins it (inspector.js).
  const unhover = () => { if (store.inspect && !store.inspect.pinned) dispatch('inspect', null); };
  canvas.addEventListener('pointermove', (e) => {
    if (e.pointerType !== 'mouse') return;
    const p = localPoint(canvas, e);
    const t = hitTest(layout, p.x, p.y);
    dispatch('hover', t);
    canvas.style.cursor = t ? 'pointer' : 'default';
    if (t) dispatch('inspect', { target: t, pinned: false, x: e.clientX, y: e.clientY }); else unhover();
  });
  canvas.addEventListener('pointerleave', () => { dispatch('hover', null); unhover(); });
  canvas.addEventListener('click', (e) => {
    const p = localPoint(canvas, e);
    const t = hitTest(layout, p.x, p.y, e.pointerType === 'touch' ? 14 : 6);
    dispatch('hover', t);
    dispatch('inspect', t ? { target: t, pinned: true, x: e.clientX, y: e.clientY } : null);
  });

  register('network', render);
  register('caption', renderCaption);
}

/** Where edge W[l][i, j] is drawn (its middle, in client coordinates), for tests; or null. */
export function edgePoint(l, i, j) {
  const e = layout?.edges.find((x) => x.l === l && x.i === i && x.j === j);
  if (!e) return null;
  const [x, y] = bezier(e.x0, e.y0, e.xm, e.x1, e.y1, 0.5);
  const r = canvas.getBoundingClientRect();
  return { x: r.left + x, y: r.top + y };
}

export function relayout() { needLayout = true; invalidate('network'); }

function doLayout() {
  const topo = store.topology;
  if (!topo || !size.w) return;
  const feats = body.querySelector('#features');
  const nf = Math.max(1, feats?.children.length ?? 1);
  // Every feature button must fit the column: a thumbnail plus ~12 px of padding, border and gap.
  const avail = feats?.clientHeight || size.h - 56;
  const big = lineScale() > 1 && size.h > 560;
  const fs = Math.max(14, Math.min(big ? 48 : 38, avail / nf - 12));
  feats?.style.setProperty('--feat-size', `${fs}px`);
  const bodyRect = body.getBoundingClientRect();
  const inputs = [];
  topo.features.forEach((name, i) => {
    const btn = body.querySelector(`[data-feature="${name}"] canvas`);
    const r = btn?.getBoundingClientRect();
    if (r && r.width) inputs.push({ x: r.right - bodyRect.left + 1, y: r.top + r.height / 2 - bodyRect.top, s: 0 });
    else inputs.push({ x: 12, y: 44 + ((size.h - 66) * (i + 0.5)) / topo.features.length, s: 0 }); // inputs hidden for a lesson
  });
  const featBox = feats?.getBoundingClientRect();
  const featRight = featBox && featBox.width ? featBox.right - bodyRect.left : 16;
  layout = computeLayout(topo.sizes, inputs, size.w, size.h, { left: featRight + 8, top: 40, bottom: 26, right: 8 });
  placeLayerControls(layout, topo.sizes);
  needLayout = false;
}

function paintMaps(frame) {
  const topo = store.topology;
  const hidden = topo.sizes.slice(1, -1);
  const total = hidden.reduce((a, b) => a + b, 0);
  const g0 = frame.meta['neuron_grid.0']?.shape[0] ?? store.ready.neuron_grid_size;
  if (total && (!atlas || atlas.w !== g0 * total || atlas.h !== g0)) atlas = gridSurface(g0 * total, g0);
  atlasOffsets = [];
  let col = 0;
  for (let l = 0; l < hidden.length; l++) {
    atlasOffsets.push(col);
    const q = frame.arrays[`neuron_grid.${l}`];
    const m = frame.meta[`neuron_grid.${l}`];
    if (q && m && atlas) {
      const [gh, gw, n] = m.shape;
      const lut = divergingLut(m.lo, m.hi, false);
      const d = atlas.image.data;
      const W = atlas.w;
      for (let r = 0; r < gh; r++) {
        for (let c = 0; c < gw; c++) {
          const base = (r * gw + c) * n;
          for (let j = 0; j < n; j++) {
            const k = q[base + j] << 2;
            const o = (r * W + (col + j) * gw + c) * 4;
            d[o] = lut[k]; d[o + 1] = lut[k + 1]; d[o + 2] = lut[k + 2]; d[o + 3] = 255;
          }
        }
      }
    }
    col += hidden[l];
  }
  if (atlas) atlas.ctx.putImageData(atlas.image, 0, 0);
  const q = frame.arrays.output_grid;
  const m = frame.meta.output_grid;
  if (q && m) {
    const [G, , C] = m.shape;
    outSurfaces.length = C;
    for (let c = 0; c < C; c++) {
      if (!outSurfaces[c] || outSurfaces[c].w !== G) outSurfaces[c] = gridSurface(G, G);
      paintGrid(outSurfaces[c].image.data, q, C, m.lo, m.hi, store.ui.discretize, C > 1 ? c : -1);
      outSurfaces[c].ctx.putImageData(outSurfaces[c].image, 0, 0);
    }
  }
  paintedFrame = frame;
}

/** max |v| over the weights of a flat array (params, grads, updates). */
function maxAbs(a, n) {
  let m = 0;
  for (let k = 0; k < n; k++) { const v = Math.abs(a[k]); if (v > m && Number.isFinite(v)) m = v; }
  return m;
}

function render(now) {
  if (needLayout) doLayout();
  const frame = store.frame;
  ctx.clearRect(0, 0, size.w, size.h);
  if (!layout || !frame || !store.layout) return;
  const anim = animState(now);
  // The neurons' maps are the weights' of the phase on show (before the update while animating).
  const mapsFrame = shownFrame(now);
  if (paintedFrame !== mapsFrame) paintMaps(mapsFrame);
  if (anim) invalidate('network', 'caption');
  const a = frame.arrays;
  const nW = store.layout.nWeights;
  const params = a.params; const grads = a.grads; const updates = a.updates;
  const lw = lineScale();
  const mode = shownMode();
  const vals = edgeValues(mode);
  const vMax = vals ? maxAbs(vals, nW) : 0;
  const pal = EDGE_MODES[mode].palette;
  const gMax = grads ? maxAbs(grads, nW) : 0;
  const uMax = updates ? maxAbs(updates, nW) : 0;
  const fastGlow = !anim && store.running && !isSlow() && mode === 'weight';
  const L = layout.L;
  const lay = store.layout.layers;

  // --- edges: bucketed by colour, width and opacity, one stroke per bucket ---
  const buckets = new Map();
  for (const e of layout.edges) {
    const idx = lay[e.l].w + e.i * lay[e.l].fanOut + e.j;
    const w = params[idx];
    const g = grads ? grads[idx] : 0;
    const u = updates ? updates[idx] : 0;
    let st;
    if (anim) st = animatedEdge(anim, e.l, L, w - u, w, g, u, gMax, uMax);
    else if (mode !== 'weight') st = { ...relStyle(vals[idx], vMax), pal };
    else {
      st = weightStyle(w);
      if (fastGlow && gMax > 0) st.alpha = 0.15 + 0.85 * Math.sqrt(Math.abs(g) / gMax);
    }
    if (!(st.alpha > 0.02)) continue;
    const key = `${st.pal || 'weight'}|${st.v < 0 ? 0 : 1}|${Math.round(st.width * lw * 4)}|${Math.round(st.alpha * 20)}`;
    let path = buckets.get(key);
    if (!path) { path = new Path2D(); buckets.set(key, path); }
    path.moveTo(e.x0, e.y0);
    path.bezierCurveTo(e.xm, e.y0, e.xm, e.y1, e.x1, e.y1);
  }
  ctx.lineCap = 'round';
  for (const [key, path] of buckets) {
    ctx.lineWidth = Number(key.split('|')[2]) / 4;
    const [p, sign, wq, aq] = key.split('|');
    const colours = PALETTES[p];
    ctx.strokeStyle = rgbCss(Number(sign) ? colours.pos : colours.neg, Number(aq) / 20);
    ctx.stroke(path);
  }
  if (anim) drawPulses(anim, L, lw);

  // highlighted edge
  const hl = store.inspect?.target || store.hover;
  if (hl?.kind === 'edge') {
    const e = layout.edges.find((x) => x.l === hl.l && x.i === hl.i && x.j === hl.j);
    if (e) {
      ctx.beginPath(); edgePath(ctx, e);
      ctx.strokeStyle = 'rgba(0,0,0,0.85)'; ctx.lineWidth = 2 * lw + 2; ctx.stroke();
    }
  }

  // --- neurons ---
  drawNeurons(anim, lw, hl, grads);
  updateLegend(mode, vMax, fastGlow, anim);
}

function weightStyle(w) {
  const r = Math.min(1, Math.abs(w) / 1.5);
  return { v: w, width: 0.5 + 3.5 * r, alpha: 0.85 };
}

function relStyle(v, max) {
  const r = max > 0 ? Math.sqrt(Math.min(1, Math.abs(v) / max)) : 0;
  return { v, width: 0.5 + 3.5 * r, alpha: 0.1 + 0.9 * r };
}

function animatedEdge(anim, l, L, old, w, g, u, gMax, uMax) {
  switch (anim.phase) {
    case 'forward': {
      const P = anim.t * L;
      const s = weightStyle(old);
      if (l > P) s.alpha = 0.12;
      return s;
    }
    case 'loss': return weightStyle(old);
    case 'backward': {
      const P = L - anim.t * L;
      if (l + 1 > P) return { ...relStyle(g, gMax), pal: 'gradient' };
      const s = weightStyle(old); s.alpha = 0.25;
      return s;
    }
    default: {
      const a = weightStyle(old); const b = weightStyle(w);
      const t = Math.min(1, anim.t * 1.5);
      return { v: t < 0.5 ? old : w, width: a.width + (b.width - a.width) * t, alpha: 0.85 };
    }
  }
}

/** Travelling dots: forward along the current layer's edges, backward the other way. */
function drawPulses(anim, L, lw) {
  let P; let color;
  if (anim.phase === 'forward') { P = anim.t * L; color = 'rgba(30,39,51,0.85)'; }
  else if (anim.phase === 'backward') { P = L - anim.t * L; color = 'rgba(179,38,30,0.9)'; }
  else if (anim.phase === 'update') {
    // the update lands: a brief glow on every edge, strongest where |Δw| is largest
    const a = store.frame.arrays; const lay = store.layout.layers;
    const uMax = maxAbs(a.updates, store.layout.nWeights);
    if (!uMax) return;
    const fade = 1 - anim.t;
    for (const e of layout.edges) {
      const u = a.updates[lay[e.l].w + e.i * lay[e.l].fanOut + e.j];
      const r = Math.sqrt(Math.abs(u) / uMax);
      if (r < 0.05) continue;
      ctx.beginPath(); edgePath(ctx, e);
      ctx.strokeStyle = `rgba(30,123,52,${(0.55 * r * fade).toFixed(3)})`;
      ctx.lineWidth = (2 + 5 * r) * lw;
      ctx.stroke();
    }
    return;
  } else return;
  const l = Math.min(L - 1, Math.floor(P));
  const frac = P - l;
  ctx.fillStyle = color;
  const rad = 2.6 * lw;
  for (const e of layout.edges) {
    if (e.l !== l) continue;
    const [x, y] = bezier(e.x0, e.y0, e.xm, e.x1, e.y1, frac);
    ctx.beginPath(); ctx.arc(x, y, rad, 0, 2 * Math.PI); ctx.fill();
  }
}

function drawNeurons(anim, lw, hl, grads) {
  const L = layout.L;
  const lay = store.layout.layers;
  const gb = grads ? maxAbsBias(grads) : 0;
  const stopped = stoppedUnits();
  ctx.imageSmoothingEnabled = true;
  for (let l = 1; l <= L; l++) {
    const col = layout.nodes[l - 1];
    let alpha = 1;
    if (anim?.phase === 'forward' && anim.t * L < l - 0.05) alpha = 0.25;
    for (let j = 0; j < col.length; j++) {
      const n = col[j];
      const x = n.x - n.s / 2; const y = n.y - n.s / 2;
      ctx.globalAlpha = alpha;
      ctx.fillStyle = '#fff';
      ctx.fillRect(x, y, n.s, n.s);
      if (l < L && atlas) {
        const g = atlas.h;
        ctx.drawImage(atlas.canvas, (atlasOffsets[l - 1] + j) * g, 0, g, g, x, y, n.s, n.s);
      } else if (l === L) {
        const surf = outSurfaces[outSurfaces.length > 1 ? j : 0];
        if (surf) ctx.drawImage(surf.canvas, 0, 0, surf.w, surf.h, x, y, n.s, n.s);
      }
      ctx.globalAlpha = 1;
      const isHl = hl?.kind === 'node' && hl.l === l && hl.j === j;
      ctx.strokeStyle = isHl ? '#000' : 'rgba(60,70,80,0.55)';
      ctx.lineWidth = (isHl ? 2.5 : 1) * lw;
      ctx.strokeRect(x, y, n.s, n.s);
      // bias: a small square at the lower left, coloured by sign
      const b = store.frame.arrays.params[lay[l - 1].b + j];
      const bs = Math.max(5, n.s * 0.16);
      ctx.fillStyle = rgbCss(b < 0 ? NEG : POS, Math.min(1, 0.3 + Math.abs(b)));
      ctx.fillRect(x - bs * 0.6, y + n.s - bs * 0.4, bs, bs);
      const word = stopped.get(`${l - 1}|${j}`);
      if (word) markStopped(x, y, n.s, word, lw);
      if (anim?.phase === 'backward' && gb > 0) {
        const P = L - anim.t * L;
        if (l > P - 0.05) {
          const r = Math.sqrt(Math.abs(grads[lay[l - 1].b + j]) / gb);
          ctx.strokeStyle = `rgba(179,38,30,${(0.2 + 0.8 * r).toFixed(3)})`;
          ctx.lineWidth = (1 + 3 * r) * lw;
          ctx.strokeRect(x - 3, y - 3, n.s + 6, n.s + 6);
        }
      }
    }
  }
  if (anim && (anim.phase === 'loss' || anim.phase === 'backward')) drawLossLabel(anim, lw);
}

const UNIT_WORDS = { dead_units: 'dead', saturated_units: 'saturated', cut_off_units: 'cut off' };

/** Hidden units that stopped learning (the server's `health`): "layer|neuron" -> word. */
function stoppedUnits() {
  const out = new Map();
  for (const f of store.answers.health?.findings ?? []) {
    for (const [l, j] of f.units ?? []) if (UNIT_WORDS[f.kind]) out.set(`${l}|${j}`, UNIT_WORDS[f.kind]);
  }
  return out;
}

/** A unit that stopped learning (the server's health finding): a red dashed frame and its word. */
function markStopped(x, y, s, word, lw) {
  ctx.save();
  ctx.strokeStyle = '#b3261e';
  ctx.lineWidth = 2.5 * lw;
  ctx.setLineDash([5 * lw, 3 * lw]);
  ctx.strokeRect(x - 4, y - 4, s + 8, s + 8);
  ctx.setLineDash([]);
  const fs = 12 * (lw > 1 ? 1.5 : 1);
  ctx.font = `700 ${fs}px system-ui, sans-serif`;
  const tw = ctx.measureText(word).width;
  ctx.fillStyle = '#b3261e';
  ctx.fillRect(x + s / 2 - tw / 2 - 4, y + s / 2 - fs / 2 - 3, tw + 8, fs + 6);
  ctx.fillStyle = '#fff';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.fillText(word, x + s / 2, y + s / 2);
  ctx.restore();
}

function maxAbsBias(grads) {
  const lay = store.layout.layers;
  const start = lay[0].b; const end = store.layout.nParams;
  let m = 0;
  for (let k = start; k < end; k++) { const v = Math.abs(grads[k]); if (v > m && Number.isFinite(v)) m = v; }
  return m;
}

function drawLossLabel(anim, lw) {
  const col = layout.nodes[layout.L - 1];
  const last = col[col.length - 1];
  const x = last.x; const y = last.y + last.s / 2 + 8;
  const text = `loss ${fmtLoss(store.frame.header.batch_loss)}`;
  const fs = parseFloat(getComputedStyle(document.body).getPropertyValue('--canvas-small')) || 13 * (lw > 1 ? 1.5 : 1);
  ctx.font = `600 ${fs}px system-ui, sans-serif`;
  const tw = ctx.measureText(text).width;
  const alpha = anim.phase === 'loss' ? Math.min(1, anim.t * 3) : 1 - anim.t;
  ctx.globalAlpha = Math.max(0, alpha);
  ctx.fillStyle = '#8a3ffc';
  const bx = Math.min(size.w - tw - 12, x - tw / 2 - 6);
  ctx.fillRect(bx, y, tw + 12, fs + 8);
  ctx.fillStyle = '#fff';
  ctx.textBaseline = 'top';
  ctx.fillText(text, bx + 6, y + 4);
  ctx.globalAlpha = 1;
}

function updateLegend(mode, vMax, fastGlow, anim) {
  const m = anim ? (anim.phase === 'backward' ? 'gradient' : 'weight') : mode;
  const text = `${anim ? `anim|${anim.phase}` : mode}|${fastGlow}|${fmtNum(vMax, 2)}`;
  if (text === legendKey) return;
  legendKey = text;
  const el = document.querySelector('#edge-legend');
  const spec = EDGE_MODES[m];
  const what = anim?.phase === 'update' ? 'weight (updated)' : spec.what;
  let size_ = m === 'weight' ? 'thickness = size' : `thickness = size (max ${fmtNum(vMax, 2)})`;
  if (fastGlow) size_ += ' · brightness = |dL/dw|';
  const mk = (cls, label) => h('span', null, h(`span.sw.${cls}`), label);
  const [neg, pos] = spec.signs ?? ['< 0', '> 0'];
  const grad = spec.palette === 'gradient';
  const parts = [h('b', null, `${what}: `), mk(grad ? 'gneg' : 'neg', neg), mk(grad ? 'gpos' : 'pos', pos), size_];
  el.replaceChildren(grad ? h('span.grad-legend', { 'data-testid': 'gradient-legend' }, ...parts) : h('span', null, ...parts));
}

function renderCaption() {
  const c = caption(animState(performance.now()));
  const key = `${c.phase}|${c.tag}|${c.text}|${c.next}`;
  if (key === captionKey) return;
  captionKey = key;
  const el = document.querySelector('[data-testid="phase-caption"]');
  el.dataset.phase = c.phase;
  el.replaceChildren(h('span.phase-tag', null, c.tag), h('span', null, c.text, ...(c.next ? [' ', h('span.phase-next', null, c.next)] : [])));
}
