// The websocket: connect, decode, reconnect with backoff. JSON text in both directions for
// commands and rare messages; binary frames decoded by protocol.js.
//
// On every (re)connection the server sends `hello` first; the session then re-sends the last
// configuration (see session.js), so a dropped connection comes back to the same run.

import { decodeFrame } from './protocol.js';

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const CLOSE_TRY_AGAIN_LATER = 1013;

export function createSocket({ onMessage, onFrame, onState }) {
  let ws = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;
  let lastClose = null;

  function url() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/ws`;
  }

  function connect() {
    clearTimeout(timer);
    timer = null;
    onState({ state: attempt ? 'reconnecting' : 'connecting', detail: attempt ? `attempt ${attempt + 1}` : '' });
    try {
      ws = new WebSocket(url());
    } catch (err) {
      scheduleReconnect({ code: 0, reason: String(err) });
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      attempt = 0;
      onState({ state: 'open', detail: '' });
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data === 'string') {
        let msg;
        try { msg = JSON.parse(ev.data); } catch (err) { console.error('bad JSON from server', err); return; }
        onMessage(msg);
      } else {
        let frame;
        try { frame = decodeFrame(ev.data); } catch (err) { console.error('bad frame from server', err); return; }
        onFrame(frame, ev.data.byteLength);
      }
    };
    ws.onclose = (ev) => {
      ws = null;
      lastClose = { code: ev.code, reason: ev.reason };
      if (!stopped) scheduleReconnect(lastClose);
    };
    ws.onerror = () => { /* onclose follows and reconnects */ };
  }

  function scheduleReconnect({ code, reason }) {
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    const full = code === CLOSE_TRY_AGAIN_LATER;
    const delay = Math.round((full ? Math.max(base, 4000) : base) * (0.75 + Math.random() * 0.5));
    attempt++;
    const state = full ? 'full' : 'closed';
    const why = reason || (full ? 'the server is full' : 'connection lost');
    onState({ state, detail: why, retryAt: Date.now() + delay });
    timer = setTimeout(connect, delay);
  }

  function send(msg) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  /** Try again now (e.g. the learner clicked the status). */
  function retryNow() {
    if (ws) return;
    attempt = Math.max(0, attempt - 1);
    connect();
  }

  connect();
  return { send, retryNow, isOpen: () => !!ws && ws.readyState === WebSocket.OPEN, stop: () => { stopped = true; ws?.close(); } };
}
