// The classroom, wired into the page: rooms, polls, lessons, kept snapshots, clicker keys.
// What a (re)connection does, in order: a room to resume or follow, else the kept snapshot.

import * as session from '../session.js';
import { initSnapshots, restoreKept, keepWhile, keptStep } from './snapshots.js';
import { initRooms, rejoin, roomInHash, join, isFollower, room, hasSavedRoom } from './room.js';
import { initRoomUi } from './room-ui.js';
import { initPolls } from './polls.js';
import { initKeys } from './keys.js';
import { initLessons, lessonInHash, openLessonFromHash } from './lessons.js';

export function initClassroom() {
  initKeys();
  initSnapshots();
  initRooms();
  initRoomUi();
  initPolls();
  initLessons();
  keepWhile(() => !isFollower());
  session.hooks.holdHash = () => isFollower() || !!roomInHash() || lessonInHash();
  session.hooks.readOnly = isFollower;
  session.hooks.firstHello = () => {
    const code = roomInHash();
    if (code) { room.code = code; join(code); return true; }
    if (hasSavedRoom()) return rejoin(); // the teacher reloaded: the room's run comes back
    if (lessonInHash()) { openLessonFromHash(); return true; }
    return false;
  };
  session.hooks.reconnected = () => rejoin() || restoreKept();
  window.addEventListener('hashchange', () => {
    const code = roomInHash();
    if (code && !isFollower()) join(code);
    else if (lessonInHash()) openLessonFromHash();
  });
  // For tests (read only): the classroom's state.
  Object.defineProperty(window, '__classroom', {
    value: Object.freeze({ room: () => ({ ...room }), keptStep }), writable: false, configurable: false,
  });
}
