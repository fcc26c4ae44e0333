// Small DOM helpers shared by the views.

export const $ = (sel, root = document) => root.querySelector(sel);

/** Load a stylesheet once (a tool's, on first use); resolves when it applies. */
export function stylesheet(href) {
  const old = $(`link[href="${href}"]`);
  if (old) return old.loaded;
  const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href });
  link.loaded = new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
  document.head.append(link);
  return link.loaded;
}

/**
 * An element: el('button.ex-card.on', {type: 'button', 'data-testid': 'x', onclick: fn}, 'text', child).
 * Props that are element properties are set as such, `on...` become listeners, others attributes.
 */
export function el(tag, props, ...children) {
  const [name, ...cls] = tag.split('.');
  const e = document.createElement(name);
  if (cls.length) e.className = cls.join(' ');
  for (const [k, v] of Object.entries(props ?? {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}
