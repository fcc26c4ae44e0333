// The numbers behind the picture, at the step shown: each run's point, its loss, and with the
// arrows on, the gradient and the optimizer's state there (the vectors the arrows draw).

import { $, el } from '../dom.js';
import { fmtNum, fmtLoss } from '../format.js';
import { lab, RUN_COLORS, runName } from './state.js';

const vec = (v) => (v && v[0] !== null ? `(${fmtNum(v[0], 3)}, ${fmtNum(v[1], 3)})` : '—');

export function renderReadout() {
  const box = $('#readout');
  const runs = lab.paths?.runs ?? [];
  const [a, b] = lab.facts?.axes ?? ['x', 'y'];
  box.replaceChildren(...runs.map((r, i) => {
    const k = Math.min(lab.t, r.path.length - 1);
    const parts = [`(${a}, ${b}) = ${vec(r.path[k])}`, `loss ${fmtLoss(r.losses[k])}`];
    if (lab.arrows) {
      parts.push(`∇L ${vec(r.grads[Math.min(k, r.grads.length - 1)])}`);
      for (const [name, rows] of Object.entries(r.state ?? {})) parts.push(`${name} ${vec(rows[k])}`);
    }
    const row = el('div.readout-row', {}, el('b', {}, `${runName(lab.runs[i] ?? { optimizer: r.optimizer, hyper: {}, batch: null })}: `), parts.join(' · '));
    row.style.setProperty('border-left-color', RUN_COLORS[i % RUN_COLORS.length]);
    return row;
  }));
  if (lab.arrows && runs.length) {
    box.append(el('p.hint', {}, 'Arrows at each run\'s current point: solid −∇L, the way down; dashed −v (momentum\'s velocity, momentum_buffer) and −m (Adam\'s running mean of gradients, exp_avg), the way the optimizer leans. Labels are stacked in run order. Their length grows with the size, on a compressed scale.'));
  }
}
