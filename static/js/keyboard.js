// Keyboard (and presentation clickers, which send the same keys):
//   space  play / pause       right arrow  one step       r  reset       p  projector mode
//   e  one epoch              x  one example, explained  n  the next phase of the step
//   PageUp: play / pause (a clicker's "back")   (after an idle close: any key reconnects)
// A focused slider, select or button does not eat these keys (classroom/keys.js).

import { store, emit } from './store.js';
import * as session from './session.js';
import { isTyping } from './classroom/keys.js';

export function initKeyboard() {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (store.connection.state === 'idle') {
      // Closed after a long pause: any key (a clicker's too) reconnects, and does nothing else.
      if (['Shift', 'Control', 'Alt', 'Meta', 'Tab', 'CapsLock'].includes(e.key)) return;
      e.preventDefault();
      session.retryNow();
      return;
    }
    if (isTyping(e.target)) return;
    switch (e.key) {
      case ' ':
      case 'Spacebar':
      case 'PageUp':
        e.preventDefault();
        session.togglePlay();
        break;
      case 'ArrowRight':
      case 'PageDown': // clickers send PageDown for "next"
        e.preventDefault();
        session.step(1);
        break;
      case 'r': case 'R':
        session.reset();
        break;
      case 'p': case 'P':
        session.setUi({ presentation: !store.ui.presentation });
        break;
      case 'x': case 'X':
        emit('explain-toggle');
        break;
      case 'n': case 'N':
        session.phase();
        break;
      case 'e': case 'E':
        session.stepEpoch();
        break;
      default:
    }
  });
}
