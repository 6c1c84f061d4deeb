// Tiny DOM helpers. All text goes in through textContent or text nodes:
// source, Transcript output, errors and values are never parsed as HTML.

/** Makes an element: el('li', { class: 'x', text: 'hi', attrs: { role: 'option' } }, ...children) */
export function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.text !== undefined) node.textContent = String(opts.text);
  if (opts.attrs) {
    for (const [k, v] of Object.entries(opts.attrs)) {
      if (v === false || v === null || v === undefined) continue;
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  if (opts.on) {
    for (const [ev, fn] of Object.entries(opts.on)) node.addEventListener(ev, fn);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
}

let uid = 0;
/** A page-unique id with a readable prefix. */
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** True for Ctrl (or Cmd on macOS) + key, without Alt. */
export function isShortcut(ev, key) {
  return (ev.ctrlKey || ev.metaKey) && !ev.altKey && ev.key.toLowerCase() === key;
}

/** The id of the hidden hint that tells screen readers how Tab works in a code editor. */
export const TAB_HINT_ID = 'tab-hint';

/**
 * Makes Tab insert a tab in a code editor, as editors do. Escape, then Tab,
 * leaves it (keyboard users are never trapped); Shift+Tab leaves backwards.
 */
export function tabIndents(textarea) {
  let escaped = false;
  textarea.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      escaped = true;
      return;
    }
    const plainTab = ev.key === 'Tab' && !ev.shiftKey && !ev.ctrlKey && !ev.metaKey && !ev.altKey;
    // (a read-only editor, e.g. a do-it's source in the debugger, is left with Tab)
    if (plainTab && !escaped && !textarea.readOnly) {
      ev.preventDefault();
      // insertText keeps the browser's undo; setRangeText where it is gone
      if (!document.execCommand('insertText', false, '\t')) {
        textarea.setRangeText('\t', textarea.selectionStart, textarea.selectionEnd, 'end');
        textarea.dispatchEvent(new Event('input', { bubbles: true }));
      }
    }
    escaped = false;
  });
  const described = textarea.getAttribute('aria-describedby');
  textarea.setAttribute('aria-describedby', described ? `${described} ${TAB_HINT_ID}` : TAB_HINT_ID);
}
