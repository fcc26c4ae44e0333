// A lesson's JSON, checked strictly before anything is sent: every problem names its field.
//
//   {"title": str, "summary"?: str, "config": {configure keys, seed included}, "speed"?: number,
//    "hide"?: [control names], "view"?: {"edges"?: "weight"|"gradient"|"update", "test"?: bool},
//    "points": [{"at": {"step": int} | {"phase": "forward"|"backward"|"update"} | {"start": true},
//                "caption": str, "question"?: {"text": str, "options": [2..6 str], "answer"?: int}}]}
//
// `at.step` is an absolute step count (the player steps up to it); `at.phase` runs the step in
// progress up to that phase. The configuration's values are the server's to judge (its answer
// names the key); here only its keys are checked against hello's schema.

const TOP = ['title', 'summary', 'config', 'speed', 'hide', 'view', 'points'];
const PHASES = ['forward', 'backward', 'update'];
const MAX_POINTS = 50;
const MAX_STEP = 1_000_000;

export class LessonError extends Error {}

const fail = (field, why) => { throw new LessonError(`${field}: ${why}`); };
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v, field, max = 600) => {
  if (typeof v !== 'string' || !v.trim()) fail(field, 'must be a non-empty string');
  if (v.length > max) fail(field, `must be at most ${max} characters`);
  return v;
};
const onlyKeys = (o, allowed, field) => {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${field}${k}`, `unknown key (allowed: ${allowed.join(', ')})`);
};

/** Check `lesson` (parsed JSON) against the format; `configKeys`, `controls`: what the page knows. Returns it. */
export function checkLesson(lesson, { configKeys, controls }) {
  if (!isObj(lesson)) fail('lesson', 'must be a JSON object');
  onlyKeys(lesson, TOP, '');
  str(lesson.title, 'title', 120);
  if (lesson.summary !== undefined) str(lesson.summary, 'summary');
  if (!isObj(lesson.config)) fail('config', 'must be an object of configuration keys');
  onlyKeys(lesson.config, configKeys, 'config.');
  if (lesson.speed !== undefined && !(typeof lesson.speed === 'number' && lesson.speed > 0)) fail('speed', 'must be a positive number of steps per second');
  if (lesson.hide !== undefined) {
    if (!Array.isArray(lesson.hide)) fail('hide', 'must be a list of control names');
    lesson.hide.forEach((h, i) => { if (!controls.includes(h)) fail(`hide[${i}]`, `not a control name (known: ${controls.join(', ')})`); });
  }
  if (lesson.view !== undefined) {
    if (!isObj(lesson.view)) fail('view', 'must be an object');
    onlyKeys(lesson.view, ['edges', 'test'], 'view.');
    if (lesson.view.edges !== undefined && !['weight', 'gradient', 'update'].includes(lesson.view.edges)) fail('view.edges', 'must be weight, gradient or update');
    if (lesson.view.test !== undefined && typeof lesson.view.test !== 'boolean') fail('view.test', 'must be true or false');
  }
  if (!Array.isArray(lesson.points) || !lesson.points.length) fail('points', 'must be a non-empty list of pause points');
  if (lesson.points.length > MAX_POINTS) fail('points', `at most ${MAX_POINTS} pause points`);
  let lastStep = 0;
  lesson.points.forEach((p, i) => {
    const f = `points[${i}]`;
    if (!isObj(p)) fail(f, 'must be an object');
    onlyKeys(p, ['at', 'caption', 'question'], `${f}.`);
    if (!isObj(p.at)) fail(`${f}.at`, 'must be {"step": n}, {"phase": name} or {"start": true}');
    onlyKeys(p.at, ['step', 'phase', 'start'], `${f}.at.`);
    const kinds = Object.keys(p.at);
    if (kinds.length !== 1) fail(`${f}.at`, 'must have exactly one of step, phase, start');
    if ('step' in p.at) {
      const s = p.at.step;
      if (!Number.isInteger(s) || s < 0 || s > MAX_STEP) fail(`${f}.at.step`, `must be an integer from 0 to ${MAX_STEP}`);
      if (s < lastStep) fail(`${f}.at.step`, `must not go back (the previous pause point is at step ${lastStep})`);
      lastStep = s;
    }
    if ('phase' in p.at && !PHASES.includes(p.at.phase)) fail(`${f}.at.phase`, `must be one of ${PHASES.join(', ')}`);
    if ('start' in p.at && p.at.start !== true) fail(`${f}.at.start`, 'must be true');
    str(p.caption, `${f}.caption`);
    if (p.question !== undefined) {
      const q = p.question;
      if (!isObj(q)) fail(`${f}.question`, 'must be an object');
      onlyKeys(q, ['text', 'options', 'answer'], `${f}.question.`);
      str(q.text, `${f}.question.text`, 200);
      if (!Array.isArray(q.options) || q.options.length < 2 || q.options.length > 6) fail(`${f}.question.options`, 'must be a list of 2 to 6 answers');
      q.options.forEach((o, k) => str(o, `${f}.question.options[${k}]`, 80));
      if (q.answer !== undefined && !(Number.isInteger(q.answer) && q.answer >= 0 && q.answer < q.options.length)) {
        fail(`${f}.question.answer`, `must be the index of an option (0 to ${q.options.length - 1})`);
      }
    }
  });
  return lesson;
}

/** URL-safe base64 (RFC 4648 §5) of UTF-8 JSON, both ways. */
export function encodeLesson(lesson) {
  const bytes = new TextEncoder().encode(JSON.stringify(lesson));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeLesson(text) {
  let json;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    json = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch { fail('lesson', 'the link is not URL-safe base64 of UTF-8 text'); }
  try { return JSON.parse(json); } catch (err) { return fail('lesson', `not valid JSON (${err.message})`); }
}
