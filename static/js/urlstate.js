// The URL hash holds the whole configuration, the seed and the view toggles, so a link
// reproduces a run. `hide=` lists controls to hide for a lesson. Every config key and
// hyperparameter is read by its definition in hello.config_schema (schema.js); a bad value is
// reported and its default used.
//
//   #dataset=spiral&features=x1,x2,sinx1&hidden=8,8,4&activation=relu&optimizer=adam
//    &learning_rate=0.003&h.beta1=0.9&batch_size=10&noise=0.1&train_ratio=0.5&seed=7
//    &speed=100&edges=gradient&test=1&discretize=0&log=1&hide=optimizer,learning-rate

import { store } from './store.js';
import { setting, hyperSpec, fromText, describe } from './schema.js';

const UI_KEYS = { edges: 'edgeMode', test: 'showTest', discretize: 'discretize', log: 'logScale', projector: 'presentation' };
const UI_SCHEMA = {
  edges: { enum: ['weight', 'gradient', 'update', 'pending', 'momentum', 'm_hat', 'v_hat', 'adam_step'] },
  test: { type: 'boolean' }, discretize: { type: 'boolean' }, log: { type: 'boolean' }, projector: { type: 'boolean' },
};

/** Keys the server chooses from the dataset unless the learner does ("auto"; samples: the dataset's count). */
export const isAutomatic = (key) => key === 'samples' || setting(key).default === 'auto';

/** Config keys in the schema's order (hyper apart: its keys are `h.<name>`). */
const configKeys = () => Object.keys(store.schema).filter((k) => k !== 'hyper');

/** The speed: a number within hello.limits, or "max". */
function speedSchema() {
  const lim = store.hello.limits;
  return { anyOf: [{ type: 'number', minimum: lim.min_steps_per_second, maximum: lim.max_steps_per_second }, { const: 'max' }] };
}

/** Parse `location.hash` into {config, explicit, ui, speed, hide, problems, hasConfig}. */
export function parseHash(hash) {
  const out = { config: {}, explicit: [], ui: {}, speed: undefined, hide: [], problems: [], hasConfig: false };
  const text = (hash || '').replace(/^#/, '');
  const bad = (key, value, why) => out.problems.push(`${key}=${value || '(empty)'}: ${why}`);
  const read = (key, value, s) => {
    const v = fromText(s, value);
    if (v === undefined) bad(key, value, `must be ${describe(s)}`);
    return v;
  };
  const controls = store.ui.controls;
  const hyper = [];
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    let value;
    try { value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1)); } catch { value = '\u0000'; }
    if (key.startsWith('h.')) hyper.push([key.slice(2), value]);
    else if (configKeys().includes(key)) {
      const v = read(key, value, setting(key));
      if (v !== undefined) { out.config[key] = v; out.explicit.push(key); }
    } else if (key === 'speed') out.speed = read(key, value, speedSchema());
    else if (key in UI_KEYS) {
      const v = read(key, value, UI_SCHEMA[key]);
      if (v !== undefined) out.ui[UI_KEYS[key]] = v;
    } else if (key === 'hide') {
      for (const name of value.split(',').filter(Boolean)) {
        if (controls.includes(name)) out.hide.push(name);
        else bad('hide', name, `not a control name (known: ${controls.join(', ')})`);
      }
    } else bad(key, value, 'unknown setting, ignored');
  }
  // Hyperparameters belong to the optimizer the link names (or the default one).
  const optimizer = out.config.optimizer ?? setting('optimizer').default;
  const spec = hyperSpec(optimizer);
  for (const [name, value] of hyper) {
    if (!Object.hasOwn(spec, name)) { bad(`h.${name}`, value, `not a hyperparameter of ${optimizer}`); continue; }
    const v = read(`h.${name}`, value, spec[name]);
    if (v === undefined) continue;
    out.config.hyper = { ...out.config.hyper, [name]: v };
    out.explicit.push('hyper');
  }
  out.hasConfig = out.explicit.length > 0;
  return out;
}

/** The hash for what the server runs: every key, automatic ones only if chosen, hyper unless default. */
export function encodeHash(config, explicit, ui, speed) {
  const parts = [];
  const put = (k, v) => parts.push(`${k}=${encodeURIComponent(v).replace(/%2C/g, ',')}`);
  for (const key of configKeys()) {
    const v = config[key];
    if (v === undefined || (isAutomatic(key) && !explicit.has(key))) continue;
    put(key, Array.isArray(v) ? v.join(',') : v);
  }
  for (const [name, h] of Object.entries(hyperSpec(config.optimizer))) {
    const v = config.hyper?.[name];
    if (v !== undefined && v !== h.default) put(`h.${name}`, typeof v === 'boolean' ? Number(v) : v);
  }
  if (speed !== null && speed !== undefined) put('speed', speed);
  put('edges', ui.edgeMode);
  put('test', ui.showTest ? 1 : 0);
  put('discretize', ui.discretize ? 1 : 0);
  put('log', ui.logScale ? 1 : 0);
  if (ui.presentation) put('projector', 1);
  if (ui.hide.length) put('hide', ui.hide.join(','));
  return `#${parts.join('&')}`;
}
