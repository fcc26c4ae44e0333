// Everything that tells the learner what is going on outside the plots: the connection
// status, error toasts, the divergence banner and the notice about a bad link.

import { store, on } from '../store.js';
import * as session from '../session.js';
import { NOT_FINITE } from '../format.js';

const $ = (sel) => document.querySelector(sel);

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
    const el = document.createElement('div');
    el.className = `toast${info ? ' info' : ''}`;
    el.dataset.testid = 'toast';
    el.setAttribute('role', info ? 'status' : 'alert');
    const t = document.createElement('span');
    t.className = 'toast-title';
    t.textContent = title;
    const body = document.createElement('span');
    body.textContent = text;
    el.append(t, body);
    el.addEventListener('click', () => el.remove());
    toasts.append(el);
    while (toasts.children.length > 4) toasts.firstElementChild.remove();
    setTimeout(() => el.remove(), info ? 4000 : 9000);
  }
  on('toast', toast);
  on('error', (msg) => {
    const field = msg.field ? ` (${msg.field})` : '';
    const titles = {
      invalid_value: `Not accepted${field}`,
      needs_configure: `Needs a new run${field}`,
      rate_limited: 'Too many commands',
      diverged: 'Training diverged',
    };
    toast({ title: titles[msg.code] || `Error: ${msg.code}${field}`, text: msg.message });
  });

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
    const lr = store.config?.learning_rate ?? 0.03;
    const lower = pickLower(lr);
    session.configure({ learning_rate: lower });
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

/** A learning rate about ten times smaller, from the usual 1-3 ladder. */
function pickLower(lr) {
  const ladder = [10, 3, 1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001, 0.00001];
  const target = lr / 10;
  return ladder.find((x) => x <= target * 1.0001) ?? 0.00001;
}
