// Geometry of the network drawing: where every neuron sits, the curve of every edge, and
// what is under the pointer. Recomputed on resize or topology change, never per frame.

const SAMPLES = 16; // points per edge curve for hit testing

/**
 * sizes: [d_in, h1, ..., d_out]; inputs: [{x, y}] right-edge centres of the active feature
 * buttons (CSS px, relative to the canvas); w, h: canvas size; top/bottom: reserved bands.
 * Returns {nodes: [[{x, y, s}]] per layer 1..L (index l-1), inputs, edges: [{l, i, j, p: [x0,y0,x1,y1]}]}.
 */
export function computeLayout(sizes, inputs, w, h, { left, top, bottom, right }) {
  const L = sizes.length - 1;
  const avail = Math.max(40, w - left - right);
  const colW = avail / L;
  const maxN = Math.max(1, ...sizes.slice(1));
  const vAvail = Math.max(40, h - top - bottom);
  const s = clamp(Math.min(colW * 0.4, vAvail / (maxN * 1.28)), 14, 84);
  const nodes = [];
  for (let l = 1; l <= L; l++) {
    const n = sizes[l];
    const x = left + colW * (l - 0.5) + (l === L ? colW * 0.12 : 0);
    const gap = Math.min(s * 1.75, vAvail / n);
    const y0 = top + vAvail / 2 - (gap * (n - 1)) / 2;
    nodes.push(Array.from({ length: n }, (_, j) => ({ x, y: y0 + gap * j, s })));
  }
  const edges = [];
  for (let l = 0; l < L; l++) {
    const from = l === 0 ? inputs : nodes[l - 1];
    const to = nodes[l];
    for (let i = 0; i < from.length; i++) {
      const a = from[i];
      const x0 = l === 0 ? a.x : a.x + a.s / 2;
      for (let j = 0; j < to.length; j++) {
        const b = to[j];
        edges.push(makeEdge(l, i, j, x0, a.y, b.x - b.s / 2, b.y));
      }
    }
  }
  return { nodes, inputs, edges, s, colW, L };
}

function makeEdge(l, i, j, x0, y0, x1, y1) {
  const xm = (x0 + x1) / 2;
  const pts = new Float32Array((SAMPLES + 1) * 2);
  for (let k = 0; k <= SAMPLES; k++) {
    const t = k / SAMPLES;
    const [x, y] = bezier(x0, y0, xm, x1, y1, t);
    pts[2 * k] = x; pts[2 * k + 1] = y;
  }
  return { l, i, j, x0, y0, x1, y1, xm, pts };
}

/** Point at parameter t on the edge's cubic curve (horizontal tangents at both ends). */
export function bezier(x0, y0, xm, x1, y1, t) {
  const u = 1 - t;
  const x = u * u * u * x0 + 3 * u * u * t * xm + 3 * u * t * t * xm + t * t * t * x1;
  const y = u * u * u * y0 + 3 * u * u * t * y0 + 3 * u * t * t * y1 + t * t * t * y1;
  return [x, y];
}

export function edgePath(ctx, e) {
  ctx.moveTo(e.x0, e.y0);
  ctx.bezierCurveTo(e.xm, e.y0, e.xm, e.y1, e.x1, e.y1);
}

/** What is under (x, y): {kind: 'node', l, j} (l = 1..L), {kind: 'edge', l, i, j} or null. */
export function hitTest(layout, x, y, tolerance = 6) {
  if (!layout) return null;
  for (let l = 0; l < layout.nodes.length; l++) {
    const col = layout.nodes[l];
    for (let j = 0; j < col.length; j++) {
      const n = col[j];
      if (Math.abs(x - n.x) <= n.s / 2 + 2 && Math.abs(y - n.y) <= n.s / 2 + 2) return { kind: 'node', l: l + 1, j };
    }
  }
  let best = null;
  let bestD = tolerance * tolerance;
  for (const e of layout.edges) {
    const minX = Math.min(e.x0, e.x1) - tolerance; const maxX = Math.max(e.x0, e.x1) + tolerance;
    if (x < minX || x > maxX) continue;
    const p = e.pts;
    for (let k = 0; k + 3 < p.length; k += 2) {
      const d = segDist2(x, y, p[k], p[k + 1], p[k + 2], p[k + 3]);
      if (d < bestD) { bestD = d; best = e; }
    }
  }
  return best ? { kind: 'edge', l: best.l, i: best.i, j: best.j } : null;
}

function segDist2(px, py, ax, ay, bx, by) {
  const dx = bx - ax; const dy = by - ay;
  const len = dx * dx + dy * dy;
  let t = len ? ((px - ax) * dx + (py - ay) * dy) / len : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const qx = ax + t * dx - px; const qy = ay + t * dy - py;
  return qx * qx + qy * qy;
}

function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
