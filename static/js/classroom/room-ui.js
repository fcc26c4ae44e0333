// What rooms look like: the "Present to class" button, the teacher's room panel (the code in
// huge type, the join link, the QR code, the follower count) and the student's banner.

import { store, on } from '../store.js';
import { el, $ } from '../dom.js';
import { room, onRoom, openRoom, closeRoom, takeCopy, isFollower } from './room.js';

const STATE_TEXT = {
  teacher_away: 'The teacher’s screen is paused, reconnecting… You keep the last state.',
  closed: 'The class has ended. You keep the last state; take a copy to go on yourself.',
};

export function initRoomUi() {
  const present = el('button.ghost-btn.present-btn', {
    type: 'button', 'data-testid': 'present-button', 'aria-pressed': 'false',
    title: 'Present to class: students follow this run on their own screens (a code and a QR code)',
    onclick: () => {
      if (room.role !== 'teacher') openRoom();
      else { room.panelOpen = !room.panelOpen; render(); }
    },
  }, 'Present to class');
  $('[data-testid="presentation"]').before(present);

  const code = el('div.room-code', { 'data-testid': 'room-code' });
  const link = el('a.room-link', { 'data-testid': 'room-link', target: '_blank', rel: 'noopener' });
  const qr = el('img.room-qr', { 'data-testid': 'room-qr', alt: 'QR code of the join link', width: 320, height: 320 });
  const count = el('span.room-followers', { 'data-testid': 'room-followers' });
  const polls = el('div.room-polls', { id: 'room-polls' });
  const panel = el('aside.room-panel', { 'data-testid': 'room-panel', 'aria-label': 'Your class', hidden: true },
    el('div.room-head', null, el('h2', null, 'Join the class'),
      el('button.ghost-btn', { type: 'button', 'data-testid': 'room-hide', onclick: () => { room.panelOpen = false; render(); } }, 'Hide')),
    el('div.room-join', null,
      el('div.room-join-text', null, el('p.room-open-at', null, 'Open the link or scan the code:'), link,
        el('p.room-code-label', null, 'Code'), code,
        el('p.room-count', null, count, ' following')),
      qr),
    polls,
    el('div.room-actions', null, el('button.ghost-btn.danger', { type: 'button', 'data-testid': 'room-close', onclick: closeRoom }, 'Close room')));
  document.body.append(panel);

  const copyBtn = el('button.banner-btn', { type: 'button', 'data-testid': 'take-copy', onclick: takeCopy }, 'Take a copy');
  const followText = el('span.follow-text', { 'data-testid': 'follow-text' });
  const followState = el('span.follow-state', { 'data-testid': 'follow-state', role: 'status' });
  const followCaption = el('span.follow-caption', { 'data-testid': 'follow-caption' });
  const banner = el('div.banner.follow-banner', { 'data-testid': 'follow-banner', role: 'status', hidden: true },
    el('span.banner-text', null, followText, followState, followCaption), copyBtn);
  $('.main').before(banner);

  function render() {
    const teacher = room.role === 'teacher';
    present.setAttribute('aria-pressed', String(teacher));
    present.textContent = teacher ? `Presenting · ${room.code}` : 'Present to class';
    panel.hidden = !(teacher && room.panelOpen);
    document.body.classList.toggle('is-presenting', teacher);
    if (teacher) {
      code.textContent = room.code;
      link.textContent = room.joinUrl;
      link.href = room.joinUrl;
      if (qr.getAttribute('src') !== room.qrUrl) qr.src = room.qrUrl;
      count.textContent = String(room.followers);
    }
    const follower = isFollower();
    document.body.classList.toggle('is-follower', follower);
    banner.hidden = !follower;
    present.hidden = follower;
    if (follower) {
      followText.textContent = `Following ${room.code} — read only. `;
      followState.textContent = STATE_TEXT[room.state] ?? '';
      followCaption.textContent = room.caption ? ` ${room.caption}` : '';
      banner.dataset.state = room.state ?? 'live';
    }
  }
  onRoom(render);
  on('connection', () => { if (store.connection.state === 'open') render(); });
  render();
}
