// The URL hash holds the whole configuration, the seed and the view toggles, so a link
// reproduces a run. `hide=` lists controls to hide for a lesson. Parsing checks every value
// against the server's options and limits; a bad value is reported and its default used.
//
//   #dataset=spiral&features=x1,x2,sinx1&hidden=8,8,4&activation=relu&optimizer=adam
//    &learning_rate=0.003&h.beta1=0.9&batch_size=10&noise=0.1&train_ratio=0.5&seed=7
//    &speed=100&edges=gradient&test=1&discretize=0&log=1&hide=optimizer,learning-rate

const CONFIG_ORDER = ['dataset', 'samples', 'noise', 'train_ratio', 'features', 'hidden', 'activation',
  'output_activation', 'loss', 'regularization', 'regularization_rate', 'optimizer', 'learning_rate',
  'batch_size', 'init', 'seed'];
const UI_KEYS = { edges: 'edgeMode', test: 'showTest', discretize: 'discretize', log: 'logScale', projector: 'presentation' };
const EDGE_MODES = ['weight', 'gradient', 'update'];
const AUTOMATIC = ['samples', 'loss', 'output_activation'];

/** Parse `location.hash` into {config, explicit, ui, speed, hide, problems, hasConfig}. */
export function parseHash(hash, hello, hideNames) {
  const out = { config: {}, explicit: new Set(), ui: {}, speed: undefined, hide: [], problems: [], hasConfig: false };
  const text = (hash || '').replace(/^#/, '');
  if (!text) return out;
  const opts = hello.options;
  const lim = hello.limits;
  const names = (list) => list.map((o) => (typeof o === 'string' ? o : o.name));
  const bad = (key, value, why) => out.problems.push(`${key}=${value || '(empty)'}: ${why}`);
  const pairs = [];
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    let value;
    try { value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1)); } catch { value = '\u0000'; }
    pairs.push([key, value]);
  }
  const hyperPairs = [];
  for (const [key, value] of pairs) {
    const v = parseValue(key, value, opts, lim, names);
    if (key.startsWith('h.')) { hyperPairs.push([key.slice(2), value]); continue; }
    if (CONFIG_ORDER.includes(key)) {
      if (v.error) { bad(key, value, v.error); continue; }
      out.config[key] = v.value;
      out.explicit.add(key);
      out.hasConfig = true;
    } else if (key === 'speed') {
      if (v.error) bad(key, value, v.error); else out.speed = v.value;
    } else if (key in UI_KEYS) {
      if (v.error) bad(key, value, v.error); else out.ui[UI_KEYS[key]] = v.value;
    } else if (key === 'hide') {
      for (const name of value.split(',').filter(Boolean)) {
        if (hideNames.includes(name)) out.hide.push(name);
        else bad('hide', name, `not a control name (known: ${hideNames.join(', ')})`);
      }
    } else {
      bad(key, value, 'unknown setting, ignored');
    }
  }
  // Hyperparameters belong to the optimizer the link names (or the default one).
  const optName = out.config.optimizer || hello.defaults?.optimizer || 'sgd';
  const spec = (opts.optimizers || []).find((o) => o.name === optName);
  for (const [name, value] of hyperPairs) {
    const h = spec?.hyper?.[name];
    if (!h || name === 'lr') { bad(`h.${name}`, value, `not a hyperparameter of ${spec?.label || optName}`); continue; }
    const v = parseHyper(value, h);
    if (v.error) { bad(`h.${name}`, value, v.error); continue; }
    out.config.hyper = { ...(out.config.hyper || {}), [name]: v.value };
    out.explicit.add('hyper');
    out.hasConfig = true;
  }
  return out;
}

function parseValue(key, value, opts, lim, names) {
  const choice = (list) => (names(list || []).includes(value)
    ? { value } : { error: `must be one of ${names(list || []).join(', ')}` });
  switch (key) {
    case 'dataset': return choice(opts.datasets);
    case 'activation': return choice(opts.activations);
    case 'output_activation': return choice(opts.output_activations);
    case 'loss': return choice(opts.losses);
    case 'regularization': return choice(opts.regularizations);
    case 'optimizer': return choice(opts.optimizers);
    case 'init': return choice(opts.initializers);
    case 'samples': return int(value, lim.min_samples ?? 10, lim.max_samples ?? 2000);
    case 'noise': return num(value, ...(lim.noise || [0, 0.5]));
    case 'train_ratio': return num(value, ...(lim.train_ratio || [0.1, 0.9]));
    case 'learning_rate': return num(value, ...(lim.learning_rate || [0, 10]));
    case 'regularization_rate': return num(value, ...(lim.regularization_rate || [0, 10]));
    case 'seed': return int(value, 0, 2 ** 32 - 1);
    case 'batch_size': return value === 'all' ? { value } : int(value, 1, lim.max_batch_size ?? 2000, 'or "all"');
    case 'speed': return value === 'max' ? { value }
      : num(value, lim.min_steps_per_second ?? 0.1, lim.max_steps_per_second ?? 20000, 'or "max"');
    case 'features': {
      const list = value.split(',').filter(Boolean);
      const known = names(opts.features || []);
      if (!list.length) return { error: 'needs at least one feature' };
      const unknown = list.filter((f) => !known.includes(f));
      if (unknown.length) return { error: `unknown ${unknown.join(', ')}; allowed: ${known.join(', ')}` };
      if (new Set(list).size !== list.length) return { error: 'a feature is listed twice' };
      return { value: list };
    }
    case 'hidden': {
      const maxL = lim.max_hidden_layers ?? 6; const maxN = lim.max_neurons ?? 8;
      const list = value === '' ? [] : value.split(',');
      const widths = list.map(Number);
      if (list.length > maxL) return { error: `at most ${maxL} hidden layers` };
      if (widths.some((w, i) => !/^\d+$/.test(list[i]) || w < 1 || w > maxN)) {
        return { error: `each layer needs 1 to ${maxN} neurons` };
      }
      return { value: widths };
    }
    case 'edges': return EDGE_MODES.includes(value) ? { value } : { error: `must be ${EDGE_MODES.join(', ')}` };
    case 'test': case 'discretize': case 'log': case 'projector':
      return value === '1' || value === '0' ? { value: value === '1' } : { error: 'must be 0 or 1' };
    default: return { value };
  }
}

function num(text, lo, hi, extra = '') {
  const x = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(x) || x < lo || x > hi) return { error: `must be a number from ${lo} to ${hi}${extra ? ` ${extra}` : ''}` };
  return { value: x };
}

function int(text, lo, hi, extra = '') {
  const ok = /^\d+$/.test(text);
  const x = Number(text);
  if (!ok || x < lo || x > hi) return { error: `must be a whole number from ${lo} to ${hi}${extra ? ` ${extra}` : ''}` };
  return { value: x };
}

function parseHyper(text, h) {
  if (h.kind === 'bool') {
    if (text === '1' || text === 'true') return { value: true };
    if (text === '0' || text === 'false') return { value: false };
    return { error: 'must be 0 or 1' };
  }
  const lo = h.min ?? -Infinity; const hi = h.max ?? Infinity;
  if (h.kind === 'int') return int(text, lo, hi);
  return num(text, lo, hi);
}

/** The hash for a configuration: every key the server runs with, automatic ones only if chosen. */
export function encodeHash(config, explicit, ui, speed, hide, optimizer) {
  const parts = [];
  const put = (k, v) => parts.push(`${k}=${encodeURIComponent(v).replace(/%2C/g, ',')}`);
  for (const key of CONFIG_ORDER) {
    if (!(key in config) || config[key] === null || config[key] === undefined) continue;
    if (AUTOMATIC.includes(key) && !explicit.has(key)) continue;
    const v = config[key];
    put(key, Array.isArray(v) ? v.join(',') : v);
  }
  const spec = optimizer?.hyper || {};
  for (const [name, h] of Object.entries(spec)) {
    if (name === 'lr') continue;
    const v = config.hyper?.[name];
    if (v === undefined || v === h.default) continue;
    put(`h.${name}`, typeof v === 'boolean' ? (v ? 1 : 0) : v);
  }
  if (speed !== null && speed !== undefined) put('speed', speed);
  put('edges', ui.edgeMode);
  put('test', ui.showTest ? 1 : 0);
  put('discretize', ui.discretize ? 1 : 0);
  put('log', ui.logScale ? 1 : 0);
  if (ui.presentation) put('projector', 1);
  if (hide.length) put('hide', hide.join(','));
  return `#${parts.join('&')}`;
}
