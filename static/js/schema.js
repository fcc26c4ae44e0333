// What the page knows about the configuration, all read from hello.config_schema: the engine's
// one definition (engine/schema.py) under this server's caps. Every key's default, range or
// choices and each optimizer's hyperparameters come from here, for the controls, the link
// parser and the page's own checks alike; the page writes no range, default or limit itself.

import { store } from './store.js';

/** The JSON Schema of config key `key` ({} before hello). */
export const setting = (key) => store.schema?.[key] ?? {};

/** The names a choice (or each item of a list of choices) may take. */
export const choices = (key) => setting(key).enum ?? setting(key).items?.enum ?? [];

/** [minimum, maximum] of a number schema (of a list's items, of the integer in "n or 'all'"). */
export const bounds = (s) => [s.minimum ?? s.items?.minimum ?? -Infinity, s.maximum ?? s.items?.maximum ?? Infinity];

/** [fewest, most] items of a list schema (JSON Schema's defaults when not given: 0, no limit). */
export const itemCount = (s) => [s.minItems ?? 0, s.maxItems ?? Infinity];

/** Each hyperparameter of `optimizer`: {name: {type, default, minimum, maximum, description}}. */
export const hyperSpec = (optimizer) => setting('hyper')['x-by-optimizer']?.[optimizer]?.properties ?? {};

/** A choice's label from hello.options (`list`: activations, losses, ...), or its name. */
export const label = (list, name) => store.hello?.options?.[list]?.find((o) => o.name === name)?.label ?? name;

/** A loss by its label without the link in parentheses: "Binary cross-entropy (sigmoid)" -> "Binary cross-entropy". */
export const lossLabel = (name) => label('losses', name).replace(/\s*\([^)]*\)$/, '');

/** The values of a ladder that key `key` allows. */
export const within = (values, key) => {
  const [lo, hi] = bounds(setting(key));
  return values.filter((v) => v >= lo && v <= hi);
};

/** Slider stops: lo, then 1, 1.5, 2, 3, 5, 7.5 x 10^k (whole numbers) strictly between, then hi. */
export function niceStops(lo, hi) {
  const out = new Set([lo]);
  for (let e = Math.floor(Math.log10(Math.max(lo, 1))); 10 ** e < hi; e++) {
    for (const m of [1, 1.5, 2, 3, 5, 7.5]) {
      const v = Math.round(m * 10 ** e);
      if (v > lo && v < hi) out.add(v);
    }
  }
  return [...out.add(hi)].sort((a, b) => a - b);
}

/** Text (typed, or from a link) read as its JSON Schema says: the value, or undefined if not allowed. */
export function fromText(s, text) {
  if (s.anyOf) {
    for (const alt of s.anyOf) {
      const v = fromText(alt, text);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  if ('const' in s) return text === s.const ? text : undefined;
  if (s.enum) return s.enum.includes(text) ? text : undefined;
  if (s.type === 'boolean') return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : undefined;
  if (s.type === 'array') {
    const items = text === '' ? [] : text.split(',').map((t) => fromText(s.items, t));
    const [fewest, most] = itemCount(s);
    const fits = items.length >= fewest && items.length <= most;
    return fits && !items.includes(undefined) ? items : undefined;
  }
  const t = text.trim().replace('\u2212', '-');
  const x = t === '' ? NaN : Number(t);
  const [lo, hi] = bounds(s);
  const whole = s.type !== 'integer' || /^-?\d+$/.test(t);
  return whole && Number.isFinite(x) && x >= lo && x <= hi ? x : undefined;
}

/** What a schema allows, in words (the end of "must be ..."). */
export function describe(s) {
  if (s.anyOf) return s.anyOf.map(describe).join(' or ');
  if ('const' in s) return `"${s.const}"`;
  if (s.enum) return `one of ${s.enum.join(', ')}`;
  if (s.type === 'boolean') return '0 or 1';
  if (s.type === 'array') return `${itemCount(s).join(' to ')} comma-separated values, each ${describe(s.items)}`;
  const [lo, hi] = bounds(s);
  return `${s.type === 'integer' ? 'a whole number' : 'a number'} from ${lo} to ${hi}`;
}
