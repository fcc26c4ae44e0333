// Keyboard (and presentation clickers, which send the same keys):
//   space  play / pause       right arrow  one step       r  reset       p  projector mode
//   e  one epoch              x  one example, explained  (after an idle close: any key reconnects)
//   n  the next phase of the step (forward, backward, update), held until the next press

import { store, emit } from './store.js';
import * as session from './session.js';

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
    const t = e.target;
    const tag = t?.tagName;
    const typing = tag === 'INPUT' && !['checkbox', 'radio', 'button'].includes(t.type);
    if (typing || tag === 'SELECT' || tag === 'TEXTAREA' || t?.isContentEditable) return;
    switch (e.key) {
      case ' ':
      case 'Spacebar':
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
