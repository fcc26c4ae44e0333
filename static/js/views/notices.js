// Everything that tells the learner what is going on outside the plots: the connection
// status, a refused command's message at its control (else a toast), the divergence banner
// and the notice about a bad link.

import { store, on } from '../store.js';
import * as session from '../session.js';
import { NOT_FINITE } from '../format.js';
import { ERROR } from '../protocol.js';
import { within } from '../schema.js';
import { LEARNING_RATES } from './controls.js';
import { el, $ } from '../dom.js';


export function initNotices() {
  const conn = $('[data-testid="connection-status"]');
  const toasts = $('[data-testid="toasts"]');
  const banner = $('[data-testid="divergence-banner"]');
  const urlNotice = $('[data-testid="url-notice"]');
  const idleNotice = $('[data-testid="idle-notice"]');
  let countdown = null;

  function showConnection(c) {
    clearInterval(countdown);
    conn.dataset.state = c.state;
    idleNotice.hidden = c.state !== 'idle';
    document.body.classList.toggle('is-idle', c.state === 'idle');
    const text = {
      connecting: 'connecting…',
      reconnecting: 'reconnecting…',
      open: 'connected',
    }[c.state];
    if (text) { conn.textContent = text; conn.title = ''; return; }
    if (c.state === 'idle') {
      // Closed by the server after a long pause (code 1001): wait for the learner.
      conn.textContent = 'idle · click to reconnect';
      conn.title = `${c.detail}. Click, or press any key, to reconnect.`;
      idleNotice.querySelector('.idle-reason').textContent = idleReason(c.detail);
      return;
    }
    const tick = () => {
      const s = Math.max(0, Math.ceil((c.retryAt - Date.now()) / 1000));
      conn.textContent = `${c.state === 'full' ? 'server full' : 'disconnected'} · retry in ${s} s`;
    };
    conn.title = `${c.detail}. Click to retry now.`;
    tick();
    countdown = setInterval(tick, 500);
  }
  on('connection', showConnection);
  conn.addEventListener('click', () => session.retryNow());
  showConnection(store.connection);
  // After an idle close any click reconnects (the teacher is back); keys: keyboard.js.
  document.addEventListener('pointerdown', () => {
    if (store.connection.state === 'idle') session.retryNow();
  }, true);
  idleNotice.querySelector('[data-testid="reconnect"]').addEventListener('click', () => session.retryNow());

  function toast({ title, text, info }) {
    const t = el(info ? 'div.toast.info' : 'div.toast', { 'data-testid': 'toast', role: info ? 'status' : 'alert', onclick: () => t.remove() },
      el('span.toast-title', null, title), el('span', null, text));
    toasts.append(t);
    while (toasts.children.length > 4) toasts.firstElementChild.remove();
    setTimeout(() => t.remove(), info ? 4000 : 9000);
  }
  on('toast', toast);

  // A refused command: its message beside the control it came from (the field's path, e.g.
  // config.hidden.1 or hyper.eps, names it: [data-field]); a toast when no control shows it.
  const bubble = $('[data-testid="control-error"]');
  let marked = null;
  function showError() {
    const e = store.controlError;
    marked?.removeAttribute('aria-invalid');
    marked = null;
    bubble.hidden = true;
    if (!e) return;
    const at = e.field && controlFor(e.field);
    if (!at) {
      const field = e.field ? ` (${e.field})` : '';
      const titles = {
        [ERROR.INVALID_VALUE]: `Not accepted${field}`,
        [ERROR.NEEDS_CONFIGURE]: `Needs a new run${field}`,
        [ERROR.RATE_LIMITED]: 'Too many commands',
        [ERROR.DIVERGED]: 'Training diverged',
      };
      toast({ title: titles[e.code] || `Error: ${e.code}${field}`, text: e.message });
      return;
    }
    marked = at;
    at.setAttribute('aria-invalid', 'true');
    bubble.textContent = e.message;
    bubble.dataset.field = e.field;
    bubble.hidden = false;
    const r = at.getBoundingClientRect();
    bubble.style.left = `${Math.max(8, Math.min(r.left, window.innerWidth - bubble.offsetWidth - 8))}px`;
    bubble.style.top = `${r.bottom + 6}px`;
  }
  on('error', showError);
  on('sent', () => { if (marked) showError(); });
  bubble.addEventListener('click', () => { bubble.hidden = true; });

  // Divergence: plain words from the server's status message, and a way out.
  function showDivergence() {
    const diverged = store.diverged;
    banner.hidden = !diverged;
    document.body.classList.toggle('is-diverged', diverged);
    if (!diverged) return;
    const msg = store.status.state === 'diverged' && store.status.message
      ? store.status.message
      : 'the loss stopped being a number (NaN or infinity): the updates grew too large. Lower the learning rate and reset.';
    const text = capitalise(msg).replace(/\.?$/, '.');
    banner.querySelector('.banner-text').textContent = `${text} Losses that are not finite numbers show as ${NOT_FINITE}.`;
  }
  on('status', showDivergence);
  on('frame', showDivergence);
  on('ready', showDivergence);
  banner.querySelector('[data-action="lower-lr"]').addEventListener('click', () => {
    session.configure({ learning_rate: pickLower(store.config.learning_rate) });
  });

  on('url-notice', (problems) => {
    urlNotice.hidden = false;
    urlNotice.querySelector('.banner-text').textContent =
      `The link had settings this page cannot use, so their defaults are used: ${problems.join('; ')}.`;
  });
  urlNotice.querySelector('.banner-close').addEventListener('click', () => { urlNotice.hidden = true; });
}

/** The server's close reason, minus its "reload" advice (the page reconnects without a reload). */
function idleReason(reason) {
  const r = String(reason || '').replace(/[;,.]?\s*reload to go on\.?$/i, '').trim();
  return r ? `${capitalise(r)}.` : 'The server closed this session after a long pause.';
}

function capitalise(s) { return s ? s[0].toUpperCase() + s.slice(1) : s; }

/** A learning rate about ten times smaller, from the learning-rate select's ladder. */
function pickLower(lr) {
  const ladder = within(LEARNING_RATES, 'learning_rate');
  return ladder.findLast((x) => x <= (lr / 10) * 1.0001) ?? ladder[0];
}

/** The visible control a field path names: the longest prefix with a [data-field]. */
function controlFor(field) {
  const parts = String(field).replace(/^config\./, '').split('.');
  for (let n = parts.length; n > 0; n--) {
    const c = $(`[data-field="${parts.slice(0, n).join('.')}"]`);
    if (c?.getClientRects().length) return c;
  }
  return null;
}
