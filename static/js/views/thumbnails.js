// A small schematic of every dataset, drawn here so that each thumbnail needs no data from the
// server. Orientation matches the output heatmap: x1 to the right, x2 up, over [-D, D]^2 with
// D = ready.grid_domain (the schematics' coordinates are the datasets' own units).

import { CLASS_CSS, diverging, rgbCss, MID } from '../colors.js';

/** Deterministic pseudo-random numbers, so thumbnails look the same on every load. */
function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}

function normal(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-9)) * Math.cos(2 * Math.PI * r());
}

function spiralPoints(r, arms, turns, n) {
  const pts = [];
  for (let c = 0; c < arms; c++) {
    const delta = arms === 2 ? (c === 1 ? 0 : Math.PI) : (2 * Math.PI * c) / arms;
    for (let i = 0; i < n; i++) {
      const f = i / n;
      const rad = 5 * f; const t = turns * f * 2 * Math.PI + delta;
      pts.push([rad * Math.sin(t) + (r() - 0.5) * 0.3, rad * Math.cos(t) + (r() - 0.5) * 0.3, c]);
    }
  }
  return pts;
}

const CLASSIFY = {
  circle(r) {
    const pts = [];
    for (let i = 0; i < 90; i++) {
      const inner = i % 2 === 1;
      const rad = inner ? r() * 2.5 : 3.5 + r() * 1.5; const t = r() * 2 * Math.PI;
      pts.push([rad * Math.sin(t), rad * Math.cos(t), inner ? 1 : 0]);
    }
    return pts;
  },
  xor(r) {
    const pts = [];
    for (let i = 0; i < 100; i++) {
      let x = r() * 10 - 5; let y = r() * 10 - 5;
      x += x > 0 ? 0.3 : -0.3; y += y > 0 ? 0.3 : -0.3;
      pts.push([x, y, x * y >= 0 ? 1 : 0]);
    }
    return pts;
  },
  gauss(r) {
    const pts = [];
    for (let i = 0; i < 80; i++) {
      const c = i % 2; const m = c ? 2 : -2;
      pts.push([m + normal(r) * 0.8, m + normal(r) * 0.8, c]);
    }
    return pts;
  },
  spiral: (r) => spiralPoints(r, 2, 1.75, 45),
  spiral3: (r) => spiralPoints(r, 3, 1.25, 32),
  moons(r) {
    const pts = [];
    for (let i = 0; i < 90; i++) {
      const c = i % 2; const t = r() * Math.PI;
      const ux = c ? 1 - Math.cos(t) : Math.cos(t); const uy = c ? 0.5 - Math.sin(t) : Math.sin(t);
      pts.push([(ux - 0.5) * (10 / 3) + normal(r) * 0.15, (uy - 0.25) * (10 / 3) + normal(r) * 0.15, c]);
    }
    return pts;
  },
  blobs3(r) {
    const pts = [];
    for (let i = 0; i < 90; i++) {
      const c = i % 3; const a = Math.PI / 2 + (2 * Math.PI * c) / 3;
      pts.push([3.5 * Math.cos(a) + normal(r) * 0.8, 3.5 * Math.sin(a) + normal(r) * 0.8, c]);
    }
    return pts;
  },
};

const BUMPS = [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]];
const REGRESS = {
  plane: (x, y) => (x + y) / 10,
  multi_gauss(x, y) {
    let best = 0;
    for (const [cx, cy, s] of BUMPS) {
      const v = s * Math.max(0, 1 - Math.hypot(x - cx, y - cy) / 2);
      if (Math.abs(v) > Math.abs(best)) best = v;
    }
    return best;
  },
};

/** Draw dataset `spec` ({name, kind, n_classes}) on a canvas of CSS size `size`, plane [-D, D]^2. */
export function drawThumbnail(canvas, spec, size, D) {
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  canvas.width = Math.round(size * dpr); canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const px = (x) => ((x + D) / (2 * D)) * size;
  const py = (y) => ((D - y) / (2 * D)) * size;
  const r = rng(7);
  const regress = REGRESS[spec.name] || (spec.kind === 'regression' ? REGRESS.plane : null);
  if (regress) {
    const n = 24; const cell = size / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = -D + (j + 0.5) * (2 * D / n); const y = D - (i + 0.5) * (2 * D / n);
        ctx.fillStyle = rgbCss(diverging(regress(x, y)).map(Math.round));
        ctx.fillRect(j * cell, i * cell, cell + 0.5, cell + 0.5);
      }
    }
    return;
  }
  ctx.fillStyle = rgbCss(MID);
  ctx.fillRect(0, 0, size, size);
  const make = CLASSIFY[spec.name];
  const pts = make ? make(r) : Array.from({ length: 60 }, () => {
    const x = (r() * 2 - 1) * D; const y = (r() * 2 - 1) * D;
    return [x, y, Math.floor(r() * Math.max(2, spec.n_classes))];
  });
  const rad = Math.max(1.6, size / 34);
  for (const [x, y, c] of pts) {
    ctx.beginPath();
    ctx.arc(px(x), py(y), rad, 0, 2 * Math.PI);
    ctx.fillStyle = CLASS_CSS[c % CLASS_CSS.length];
    ctx.fill();
  }
}
