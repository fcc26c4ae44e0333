// Keyboard (and presentation clickers, which send the same keys):
//   space  play / pause       right arrow  one step       r  reset       p  projector mode

import { store } from './store.js';
import * as session from './session.js';

export function initKeyboard() {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
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
      case 'e': case 'E':
        session.stepEpoch();
        break;
      default:
    }
  });
}
