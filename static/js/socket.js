// The websocket: connect, reconnect with backoff. JSON text in both directions for commands
// and rare messages; binary frames are handed on undecoded (session.js decodes them with the
// version hello announced).
//
// On every (re)connection the server sends `hello` first; the session then re-sends the last
// configuration (see session.js), so a dropped connection comes back to the same configuration.
//
// Close codes (protocol.js CLOSE, docs/protocol.md): IDLE means the server closed a session that
// sat paused and silent for `limits.idle_timeout_s`. That is not a fault: nobody is watching, so the page does
// not reconnect by itself; it waits for the learner (a click or a key, see notices.js).
// Every other close (1006 dropped, RESTART, TRY_AGAIN_LATER, ...) reconnects with backoff.

import { CLOSE } from './protocol.js';

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

export function createSocket({ onMessage, onFrame, onState }) {
  let ws = null;
  let attempt = 0;
  let timer = null;
  let stopped = false;
  let idle = false;
  let connections = 0;

  function url() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${proto}//${location.host}/ws`;
  }

  function connect() {
    clearTimeout(timer);
    timer = null;
    idle = false;
    connections++;
    onState({ state: attempt ? 'reconnecting' : 'connecting', detail: attempt ? `attempt ${attempt + 1}` : '' });
    try {
      ws = new WebSocket(url());
    } catch (err) {
      ws = null;
      scheduleReconnect({ code: 0, reason: String(err) });
      return;
    }
    const me = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      attempt = 0;
      onState({ state: 'open', detail: '' });
    };
    ws.onmessage = (ev) => {
      if (me !== ws) return;
      if (typeof ev.data === 'string') {
        let msg;
        try { msg = JSON.parse(ev.data); } catch (err) { console.error('bad JSON from server', err); return; }
        onMessage(msg);
      } else {
        onFrame(ev.data);
      }
    };
    ws.onclose = (ev) => {
      if (me !== ws) return;
      ws = null;
      if (stopped) return;
      if (ev.code === CLOSE.IDLE) {
        idle = true;
        attempt = 0;
        onState({ state: 'idle', code: ev.code, detail: ev.reason || 'closed after a long pause' });
        return;
      }
      scheduleReconnect({ code: ev.code, reason: ev.reason });
    };
    ws.onerror = () => { /* onclose follows and reconnects */ };
  }

  function scheduleReconnect({ code, reason }) {
    const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    const full = code === CLOSE.TRY_AGAIN_LATER;
    const delay = Math.round((full ? Math.max(base, 4000) : base) * (0.75 + Math.random() * 0.5));
    attempt++;
    const state = full ? 'full' : 'closed';
    const why = reason || (full ? 'the server is full' : 'connection lost');
    onState({ state, code, detail: why, retryAt: Date.now() + delay });
    timer = setTimeout(connect, delay);
  }

  function send(msg) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  /** Connect now: after an idle close (the learner is back), or instead of waiting for a retry. */
  function retryNow() {
    if (ws) return;
    attempt = idle ? 0 : Math.max(0, attempt - 1);
    connect();
  }

  connect();
  return {
    send,
    retryNow,
    isOpen: () => !!ws && ws.readyState === WebSocket.OPEN,
    /** For tests: is a socket open or a reconnect scheduled? How many connections so far? */
    info: () => ({ socket: !!ws, retryScheduled: timer !== null, idle, connections }),
    stop: () => { stopped = true; clearTimeout(timer); ws?.close(); },
  };
}
