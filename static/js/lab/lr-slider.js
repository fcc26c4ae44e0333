// The shared learning rate: a log-scale slider around the surface's sensible default. Where the
// surface is quadratic (its Hessian's eigenvalues are known), the theory line marks 2 / λmax: plain
// gradient descent multiplies the error along the steepest direction by (1 − lr·λmax) each step,
// which grows once lr > 2 / λmax.

import { $ } from '../dom.js';
import { fmtNum } from '../format.js';
import { lab, currentLr } from './state.js';

const BELOW = 2.5; const ABOVE = 1.5; // decades of the slider below and above the default

let input;

export function initLrSlider(onLr) {
  input = $('[data-testid="lab-lr"]');
  input.addEventListener('input', () => {
    const lr = Number((10 ** Number(input.value)).toPrecision(3));
    $('#lr-value').textContent = fmtNum(lr);
    onLr(lr);
  });
}

export function renderLrSlider() {
  if (!lab.facts) return;
  const centre = Math.log10(lab.facts.lr);
  const lo = Math.floor((centre - BELOW) * 2) / 2; const hi = Math.ceil((centre + ABOVE) * 2) / 2;
  input.min = String(lo); input.max = String(hi);
  input.value = String(Math.log10(currentLr()));
  $('#lr-value').textContent = fmtNum(currentLr());
  $('#lr-min').textContent = fmtNum(10 ** lo);
  $('#lr-max').textContent = fmtNum(10 ** hi);
  const line = $('[data-testid="lab-theory-line"]');
  const text = $('[data-testid="lab-theory-text"]');
  const eig = lab.facts.hessian_eigenvalues;
  const lmax = eig ? Math.max(...eig) : null;
  line.hidden = text.hidden = !(lmax > 0);
  if (!(lmax > 0)) return;
  const critical = 2 / lmax;
  const at = (Math.log10(critical) - lo) / (hi - lo);
  line.style.setProperty('left', `${Math.max(0, Math.min(1, at)) * 100}%`);
  line.dataset.lr = String(critical);
  line.title = `2 / λmax = ${fmtNum(critical)}`;
  const kappa = eig.length === 2 ? Math.max(...eig) / Math.min(...eig) : null;
  text.textContent = `Theory: the steepest curvature here is λmax = ${fmtNum(lmax)}, so plain gradient `
    + `descent (no momentum) diverges for a learning rate above 2 / λmax = ${fmtNum(critical)} `
    + `(the red mark). Below 1 / λmax = ${fmtNum(1 / lmax)} it never overshoots`
    + (kappa ? `; the flat direction (curvature ${fmtNum(Math.min(...eig), 3)}, ${fmtNum(kappa, 3)}× flatter) then crawls.` : '.');
  text.classList.toggle('beyond', currentLr() > critical);
}
