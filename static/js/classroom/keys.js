// Keys that cannot be stolen: the transport keys (a presentation clicker sends PageDown/PageUp
// or the arrows) drive the run from anywhere on the page except a text field being typed in.
// A focused slider or select would otherwise eat them (→ changed the speed, PageDown on the
// noise slider regenerated the data). This capture-phase listener runs before the control's
// default action: it cancels that action and blurs the control; keyboard.js then handles the key.

export const TRANSPORT_KEYS = new Set([' ', 'Spacebar', 'ArrowRight', 'PageDown', 'PageUp', 'e', 'E', 'r', 'R', 'p', 'P', 'x', 'X', 'n', 'N']);
const TEXT_TYPES = new Set(['text', 'search', 'email', 'url', 'password', 'tel', 'number']);

/** A field the learner types into: the keys are theirs there. */
export function isTyping(t) {
  if (!t) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA') return true;
  return t.tagName === 'INPUT' && TEXT_TYPES.has(t.type);
}

export function initKeys() {
  window.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || !TRANSPORT_KEYS.has(e.key) || isTyping(e.target)) return;
    const t = e.target;
    if (t && t !== document.body && t.matches?.('input, select, button, [tabindex]')) {
      e.preventDefault(); // the slider does not move, the select does not change, the button is not pressed
      t.blur();
    }
  }, true);
}
