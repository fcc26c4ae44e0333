// The lesson player: a lesson (a JSON file, lesson-check.js) sets up a run, then walks it pause
// point by pause point: each "Next" steps up to the point's step (or runs the step to its phase),
// shows its caption and its question. Alone, the learner answers the question on the page; a
// teacher presenting a room asks it as a poll (and students see the caption in their banner).
//
//   #lesson=NAME    a shipped lesson, static/lessons/NAME.json (static/lessons/index.json lists them)
//   #lesson=BASE64  a teacher's own lesson, URL-safe base64 of its JSON (lesson-check.encodeLesson)

import { store, on, dispatch } from '../store.js';
import * as session from '../session.js';
import { el, $ } from '../dom.js';
import { checkLesson, decodeLesson, LessonError } from './lesson-check.js';
import { isTeacher, setViewExtra } from './room.js';
import { ask } from './polls.js';

const SHIPPED = /^[a-z0-9][a-z0-9-]{0,39}$/;
const UI_OF_VIEW = { edges: 'edgeMode', test: 'showTest' };

const player = { lesson: null, index: -1, answered: null };
let ui = null;

export const lessonInHash = (hash = location.hash) => /(?:^#|&)lesson=/.test(hash);
const lessonParam = () => decodeURIComponent(/(?:^#|&)lesson=([^&]*)/.exec(location.hash)?.[1] ?? '');

/** Read the hash's lesson (fetch a shipped one, decode an own one), check it and start it. */
export async function openLessonFromHash() {
  const value = lessonParam();
  try {
    let lesson;
    if (SHIPPED.test(value)) {
      const res = await fetch(`/static/lessons/${value}.json`);
      if (!res.ok) throw new LessonError(`lesson: no shipped lesson is called "${value}" (see the list)`);
      lesson = await res.json();
    } else {
      lesson = decodeLesson(value);
    }
    start(checkLesson(lesson, { configKeys: Object.keys(store.schema ?? {}), controls: store.ui.controls }));
  } catch (err) {
    if (!(err instanceof LessonError)) console.warn('lesson', err);
    showError(err instanceof LessonError ? err.message : `lesson: ${err.message}`);
  }
}

function start(lesson) {
  Object.assign(player, { lesson, index: 0, answered: null });
  const explicit = Object.keys(lesson.config);
  session.command('configure', { config: lesson.config }, { changes: lesson.config, explicit, automatic: [] });
  if (lesson.speed !== undefined) session.setSpeed(lesson.speed);
  const view = Object.fromEntries(Object.entries(lesson.view ?? {}).map(([k, v]) => [UI_OF_VIEW[k], v]));
  dispatch('ui', { ...view, hide: lesson.hide ?? [] });
  render();
}

/** Go to the next pause point: step up to it (or run to its phase), then show it. */
export function next() {
  const { lesson } = player;
  if (!lesson || player.index + 1 >= lesson.points.length) return;
  player.index++;
  player.answered = null;
  const at = lesson.points[player.index].at;
  const now = store.frame?.header.step ?? 0;
  if (at.step !== undefined && at.step > now) session.step(at.step - now);
  else if (at.phase) session.command('phase', { to: at.phase });
  else if (at.start) session.reset();
  render();
}

function close() {
  Object.assign(player, { lesson: null, index: -1 });
  dispatch('ui', { hide: [] });
  if (lessonInHash()) history.replaceState(null, '', location.pathname);
  setViewExtra({ caption: '' });
  render();
}

function showError(message) {
  Object.assign(player, { lesson: null, index: -1 });
  render(message);
}

function render(error = '') {
  const { lesson, index } = player;
  ui.panel.hidden = !lesson && !error;
  ui.error.hidden = !error;
  ui.error.textContent = error ? `This lesson cannot be opened. ${error}` : '';
  ui.body.hidden = !lesson;
  ui.next.hidden = !lesson;
  if (!lesson) return;
  const point = lesson.points[index];
  ui.title.textContent = lesson.title;
  ui.count.textContent = `${index + 1} of ${lesson.points.length}`;
  ui.caption.textContent = point.caption;
  ui.next.disabled = index + 1 >= lesson.points.length;
  ui.next.textContent = index + 1 >= lesson.points.length ? 'The end' : 'Next';
  const q = point.question;
  ui.question.hidden = !q;
  if (q) {
    ui.qtext.textContent = q.text;
    const teacher = isTeacher();
    ui.answers.replaceChildren(...(teacher ? [el('button.play-btn', { type: 'button', 'data-testid': 'lesson-ask', onclick: () => ask(q.text, q.options) }, 'Ask the class')]
      : q.options.map((o, k) => el('button.poll-option', {
        type: 'button', 'data-testid': 'lesson-option', 'aria-pressed': String(player.answered === k),
        onclick: () => { player.answered = k; render(); },
      }, o))));
    const a = player.answered;
    ui.feedback.textContent = a === null || teacher ? '' : q.answer === undefined ? 'Now take the next step and see.'
      : a === q.answer ? 'Yes. Take the next step and see it happen.' : `Not quite: the answer is “${q.options[q.answer]}”. Take the next step and see.`;
  }
  setViewExtra({ caption: `${lesson.title}: ${point.caption}` });
}

export function initLessons() {
  const title = el('h2.lesson-title', { 'data-testid': 'lesson-title' });
  const count = el('span.lesson-count', { 'data-testid': 'lesson-count' });
  const caption = el('p.lesson-caption', { 'data-testid': 'lesson-caption', 'aria-live': 'polite' });
  const qtext = el('p.lesson-qtext', { 'data-testid': 'lesson-question-text' });
  const answers = el('div.lesson-answers');
  const feedback = el('p.lesson-feedback', { 'data-testid': 'lesson-feedback', 'aria-live': 'polite' });
  const question = el('div.lesson-question', { 'data-testid': 'lesson-question' }, qtext, answers, feedback);
  const nextBtn = el('button.play-btn', { type: 'button', 'data-testid': 'lesson-next', onclick: next }, 'Next');
  const error = el('p.lesson-error', { 'data-testid': 'lesson-error', role: 'alert', hidden: true });
  const body = el('div.lesson-body', null, el('div.lesson-head', null, title, count), caption, question);
  const panel = el('section.lesson-panel', { 'data-testid': 'lesson-panel', 'aria-label': 'Lesson', hidden: true },
    error, body, el('div.lesson-actions', null, nextBtn,
      el('button.ghost-btn', { type: 'button', 'data-testid': 'lesson-close', onclick: close }, 'Close lesson')));
  $('.main').before(panel);
  initMenu();
  ui = { panel, title, count, caption, question, qtext, answers, feedback, next: nextBtn, error, body };
  on('ready', () => { if (player.lesson) render(); });
}

/** "Lessons": the shipped ones (static/lessons/index.json), each a #lesson=NAME link. */
function initMenu() {
  const list = el('ul.lessons-list', { 'data-testid': 'lessons-list', hidden: true });
  const button = el('button.ghost-btn', {
    type: 'button', 'data-testid': 'lessons-button', 'aria-expanded': 'false', title: 'Lessons that follow the article, step by step',
    onclick: async () => {
      if (!list.childElementCount) {
        try {
          const { lessons } = await (await fetch('/static/lessons/index.json')).json();
          list.append(...lessons.map((l) => el('li', null, el('a', {
            href: `#lesson=${encodeURIComponent(l.name)}`, 'data-testid': 'lesson-link',
            onclick: () => { list.hidden = true; button.setAttribute('aria-expanded', 'false'); },
          }, l.title))));
        } catch (err) { console.warn('lessons index', err); return; }
      }
      list.hidden = !list.hidden;
      button.setAttribute('aria-expanded', String(!list.hidden));
    },
  }, 'Lessons');
  const wrap = el('div.lessons-menu', null, button, list);
  $('[data-testid="presentation"]').before(wrap);
}

/** For tests and the lesson list: the player's position. */
export const lessonState = () => ({ title: player.lesson?.title ?? null, index: player.index });
