// Small DOM helpers for the demo pages: element building, the read log and the error banner.

/** Builds an element: `h('a', { href: '#/x', onclick }, 'text', child)`. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    // A textarea's `value` attribute does nothing; inputs' is only the default.
    else if (name === 'value' || (name in element && typeof value !== 'string')) element[name] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return element;
}

const log = document.getElementById('log');
const banner = document.getElementById('error');

/** Adds a line to the read log (newest first, at most 200 lines). */
export function logLine(text, kind) {
  log.prepend(h('div', { class: kind }, text));
  while (log.childElementCount > 200) log.lastElementChild.remove();
}

/** Shows an error to the user until the next navigation or `clearError()`. */
export function showError(message) {
  banner.textContent = message;
  banner.hidden = false;
}

export function clearError() {
  banner.hidden = true;
  banner.textContent = '';
}

/** A message for an error from freshet (`FreshetError` with a `code`) or anything else. */
export function describe(error) {
  if (error?.code === 'HTTP_STATUS') return `The server answered ${error.status}: ${error.message}`;
  if (error?.code === 'NETWORK') return `The network failed: ${error.message}`;
  return error?.message ?? String(error);
}

/**
 * Replaces `root`'s children with `children`, keeping what the user is typing: fields marked
 * `data-dirty` keep their value (matched by id), and the focused field keeps the focus.
 */
export function rerender(root, ...children) {
  const typed = new Map([...root.querySelectorAll('[data-dirty][id]')].map((f) => [f.id, f.value]));
  const focused = root.contains(document.activeElement) ? document.activeElement.id : '';
  root.replaceChildren(...children);
  for (const [id, value] of typed) {
    const field = root.querySelector(`#${CSS.escape(id)}`);
    if (field) {
      field.value = value;
      field.dataset.dirty = '';
    }
  }
  if (focused) root.querySelector(`#${CSS.escape(focused)}`)?.focus();
}
