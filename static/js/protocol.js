// The wire protocol, the page's side: every name mirrors app/protocol/ (codes.py, commands.py)
// and docs/protocol.md, and the binary frame decoder.
//
//   offset 0   uint32 LE  header length H
//   offset 4   H bytes    UTF-8 JSON header (padded so that 4 + H is a multiple of 8)
//   offset 4+H            arrays back to back, each at a multiple of 8
//
// Arrays are returned as typed-array views on the received buffer (no copy when aligned).

/** The version this page speaks (codes.py PROTOCOL_VERSION); `hello.protocol` is the server's. */
export const PROTOCOL_VERSION = 1;

/** Client -> server command types (commands.py COMMAND_TYPES). */
export const COMMAND = Object.freeze({
  CONFIGURE: 'configure', PLAY: 'play', PAUSE: 'pause', STEP: 'step', RESET: 'reset', SET: 'set',
  SPEED: 'speed', SET_WEIGHT: 'set_weight', SET_BIAS: 'set_bias', EXPLAIN: 'explain',
  PHASE: 'phase', COMPARE_UPDATES: 'compare_updates', GRADCHECK: 'gradcheck',
  SUGGEST_LEARNING_RATE: 'suggest_learning_rate', SNAPSHOT: 'snapshot', RESTORE: 'restore',
  LAB_SURFACE: 'lab_surface', LAB_RUN: 'lab_run', LANDSCAPE: 'landscape',
  ROOM_OPEN: 'room_open', ROOM_JOIN: 'room_join', ROOM_RESUME: 'room_resume', ROOM_COPY: 'room_copy',
  ROOM_CLOSE: 'room_close', ROOM_LEAVE: 'room_leave', POLL_OPEN: 'poll_open', VOTE: 'vote',
  POLL_CLOSE: 'poll_close', VIEW: 'view',
});

/** Server -> client JSON message types. */
export const MESSAGE = Object.freeze({
  HELLO: 'hello', READY: 'ready', STATUS: 'status', ERROR: 'error', EXPLANATION: 'explanation',
});

/** The `code` of an `error` message (codes.py ErrorCode). */
export const ERROR = Object.freeze({
  BAD_JSON: 'bad_json', BAD_MESSAGE: 'bad_message', UNKNOWN_TYPE: 'unknown_type',
  INVALID_VALUE: 'invalid_value', NEEDS_CONFIGURE: 'needs_configure', RATE_LIMITED: 'rate_limited',
  DIVERGED: 'diverged', INTERNAL: 'internal', WRONG_PHASE: 'wrong_phase', READ_ONLY: 'read_only', ROOM: 'room',
});

/** Websocket close codes the server uses (codes.py CloseCode). */
export const CLOSE = Object.freeze({
  NORMAL: 1000, IDLE: 1001, POLICY: 1008, INTERNAL: 1011, RESTART: 1012, TRY_AGAIN_LATER: 1013,
});

const DTYPES = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u1: Uint8Array };
const utf8 = new TextDecoder();

/**
 * Decode one frame of protocol `version` (the one hello announced).
 * Returns {header, arrays: {name: TypedArray}, meta: {name: {shape, lo, hi, dtype}}}.
 */
export function decodeFrame(buffer, version) {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < 4) throw new Error('frame: too short');
  const H = new DataView(buffer).getUint32(0, true);
  if (4 + H > buffer.byteLength) throw new Error(`frame: header length ${H} exceeds the frame`);
  const header = JSON.parse(utf8.decode(new Uint8Array(buffer, 4, H)));
  if (header.v !== version) throw new Error(`frame: protocol version ${header.v}, hello said ${version}`);
  const base = 4 + H;
  const arrays = {};
  const meta = {};
  for (const a of header.arrays || []) {
    const T = DTYPES[a.dtype];
    if (!T) throw new Error(`frame: unknown dtype ${a.dtype} for ${a.name}`);
    const count = a.shape.reduce((p, s) => p * s, 1);
    const start = base + a.offset;
    const bytes = count * T.BYTES_PER_ELEMENT;
    if (start + bytes > buffer.byteLength) throw new Error(`frame: array ${a.name} runs past the end`);
    arrays[a.name] = start % T.BYTES_PER_ELEMENT === 0
      ? new T(buffer, start, count)
      : new T(buffer.slice(start, start + bytes));
    meta[a.name] = { dtype: a.dtype, shape: a.shape, lo: a.lo ?? 0, hi: a.hi ?? 1 };
  }
  return { header, arrays, meta };
}

/**
 * The flat parameter layout for sizes [d_in, h1, ..., d_out]:
 * W0 (fan_in x fan_out, row-major), W1, ..., then b0, b1, ...
 * Returns [{fanIn, fanOut, w, b}] with w / b the flat offsets of W[l][0,0] and b[l][0].
 */
export function paramLayout(sizes) {
  const layers = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    layers.push({ fanIn: sizes[l], fanOut: sizes[l + 1], w: offset, b: 0 });
    offset += sizes[l] * sizes[l + 1];
  }
  for (const layer of layers) { layer.b = offset; offset += layer.fanOut; }
  const nWeights = layers.length ? layers[0].b : 0;
  return { layers, nWeights, nParams: offset };
}

/** Flat index of W[l][i, j] (edge from neuron i of layer l-1 to neuron j of layer l). */
export function weightIndex(layout, l, i, j) {
  const L = layout.layers[l];
  return L.w + i * L.fanOut + j;
}

/** Flat index of b[l][j]. */
export function biasIndex(layout, l, j) {
  return layout.layers[l].b + j;
}
