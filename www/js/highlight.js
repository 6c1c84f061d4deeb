// Smalltalk syntax colouring for the code editors, without a framework:
// the textarea stays (editing, undo, selection, accessibility are the
// browser's), with transparent text, over a <pre> that shows the same text
// coloured. The <pre> is re-rendered only when the text changes (input, or
// a script setting .value), never per frame, and follows the textarea's
// scrolling. A range can be marked in it (the debugger's current statement).
//
// The tokenizer is a single linear pass with a few regular expressions;
// colouring is a guess from tokens, not a parse (a unary selector is an
// identifier that follows an expression).

import { el } from './dom.js';

export const PSEUDO = new Set(['self', 'super', 'nil', 'true', 'false', 'thisContext']);

// Identifiers as the compiler reads them: a letter of any script or `_`,
// then letters, digits or `_` (with the `u` flag a character beyond the
// BMP, two UTF-16 units, is one character).
const START = '\\p{Alphabetic}_';
const WORD = '\\p{Alphabetic}\\p{N}_';
const IDENT = `[${START}][${WORD}]*`;
const RE = {
  ident: new RegExp(IDENT, 'uy'),
  keyword: new RegExp(`${IDENT}:(?!=)`, 'uy'),
  number: /\d+r[0-9A-Z]+(?:\.[0-9A-Z]+)?|\d+(?:\.\d+)?(?:[edq]-?\d+)?/y,
  symbol: new RegExp(`#(?:(?:${IDENT}:)+(?:${IDENT})?|${IDENT}|[-+*/\\\\<>=~@%|&?,]+)`, 'uy'),
  binary: /[-+*/\\<>=~@%|&?,]+/y,
  space: /\s+/y,
  start: new RegExp(`[${START}]`, 'uy'),
  word: new RegExp(`[${WORD}]`, 'uy'),
  upper: /\p{Uppercase}/uy,
};

function at(re, text, i) {
  re.lastIndex = i;
  const m = re.exec(text);
  return m ? m[0].length : 0;
}

/**
 * Tokens of `text` as [start, end, kind] (kinds: comment, string, symbol,
 * char, number, keyword, binary, unary, pseudo, class, assign, return,
 * blockArg, ident; whitespace and punctuation are left out).
 */
export function tokenize(text) {
  const out = [];
  let i = 0;
  let afterOperand = false; // the previous token ends an expression
  const n = text.length;
  while (i < n) {
    const c = text[i];
    let len = 0;
    let kind = null;
    let operand = false;
    if ((len = at(RE.space, text, i))) {
      i += len;
      continue;
    }
    if (c === '"') {
      const j = text.indexOf('"', i + 1);
      len = (j < 0 ? n : j + 1) - i;
      out.push([i, i + len, 'comment']);
      i += len;
      continue; // comments do not change afterOperand
    }
    if (c === "'") {
      let j = i + 1;
      for (;;) {
        const k = text.indexOf("'", j);
        if (k < 0) {
          j = n;
          break;
        }
        if (text[k + 1] === "'") j = k + 2;
        else {
          j = k + 1;
          break;
        }
      }
      len = j - i;
      kind = 'string';
      operand = true;
    } else if (c === '$' && i + 1 < n) {
      len = 1 + (text.codePointAt(i + 1) > 0xffff ? 2 : 1);
      kind = 'char';
      operand = true;
    } else if (c === '#') {
      if (text[i + 1] === "'") {
        const k = text.indexOf("'", i + 2);
        len = (k < 0 ? n : k + 1) - i;
        kind = 'symbol';
        operand = true;
      } else if ((len = at(RE.symbol, text, i))) {
        kind = 'symbol';
        operand = true;
      } else {
        len = text[i + 1] === '(' || text[i + 1] === '[' || text[i + 1] === '{' ? 2 : 1;
        kind = 'symbol';
      }
    } else if (c >= '0' && c <= '9') {
      len = at(RE.number, text, i) || 1;
      kind = 'number';
      operand = true;
    } else if (c === ':' && text[i + 1] === '=') {
      len = 2;
      kind = 'assign';
    } else if (c === '_' && !at(RE.word, text, i + 1)) {
      len = 1;
      kind = 'assign';
    } else if (c === '^') {
      len = 1;
      kind = 'return';
    } else if (c === ':' && at(RE.start, text, i + 1)) {
      len = 1 + at(RE.ident, text, i + 1);
      kind = 'blockArg';
    } else if (at(RE.start, text, i)) {
      if ((len = at(RE.keyword, text, i))) {
        kind = 'keyword';
      } else {
        len = at(RE.ident, text, i);
        const word = text.slice(i, i + len);
        if (PSEUDO.has(word)) kind = 'pseudo';
        else if (afterOperand) kind = 'unary';
        else if (at(RE.upper, text, i)) kind = 'class';
        else kind = 'ident';
        operand = true;
      }
    } else if ((len = at(RE.binary, text, i))) {
      kind = c === '|' ? null : 'binary';
      // `| a b |` declares temporaries: a bar is not an operator after one
    } else {
      len = 1;
      operand = c === ')' || c === ']' || c === '}';
    }
    if (kind) out.push([i, i + len, kind]);
    afterOperand = operand;
    i += len;
  }
  return out;
}

/**
 * The nodes of `text` coloured, with [markStart, markEnd) inside a <mark>
 * (when mark is given and not empty).
 */
export function render(text, mark = null) {
  const frag = document.createDocumentFragment();
  const toks = tokenize(text);
  const cuts = mark && mark.end > mark.start ? [mark.start, mark.end] : [];
  let markEl = null;
  let pos = 0;
  const put = (a, b, kind) => {
    // split at the mark's ends
    for (const c of cuts) {
      if (c > a && c < b) {
        put(a, c, kind);
        put(c, b, kind);
        return;
      }
    }
    const inMark = cuts.length && a >= cuts[0] && b <= cuts[1];
    let parent = frag;
    if (inMark) {
      if (!markEl) {
        markEl = el('mark', { attrs: { 'aria-label': 'current statement' } });
        frag.append(markEl);
      }
      parent = markEl;
    }
    const s = text.slice(a, b);
    parent.append(kind ? el('span', { class: `t-${kind}`, text: s }) : document.createTextNode(s));
  };
  for (const [a, b, kind] of toks) {
    if (a > pos) put(pos, a, null);
    put(a, b, kind);
    pos = b;
  }
  if (pos < text.length) put(pos, text.length, null);
  // a last newline needs a line after it to take its height
  frag.append('\n');
  return frag;
}

/**
 * Colours `textarea`: puts a <pre> behind it (inside `wrap`, its
 * positioned parent) and keeps it in step. Answers { pre, update(),
 * setMark(range) }. `preAttrs` go on the <pre> (e.g. an id).
 */
export function highlightEditor(textarea, wrap = textarea.parentElement, preAttrs = {}) {
  const pre = el('pre', { class: 'hl', attrs: { 'aria-hidden': 'true', ...preAttrs } });
  wrap.classList.add('has-hl');
  wrap.insertBefore(pre, wrap.firstChild);
  textarea.classList.add('hl-input');
  let shown = null;
  let mark = null;
  let markKey = '';
  const sync = () => {
    pre.scrollTop = textarea.scrollTop;
    pre.scrollLeft = textarea.scrollLeft;
  };
  // after a re-render, in the next frame: reading scrollTop forces a
  // layout, and forcing one per editor while the page is built cost the
  // start most of 100 ms (the frame lays the page out once anyway)
  let syncQueued = false;
  const syncSoon = () => {
    if (syncQueued) return;
    syncQueued = true;
    requestAnimationFrame(() => {
      syncQueued = false;
      sync();
    });
  };
  const update = () => {
    const text = textarea.value;
    // the mark holds while the text is the one it was made for
    const m = mark && mark.text === text ? mark : null;
    const key = m ? `${m.start}:${m.end}` : '';
    if (text === shown && key === markKey) return;
    shown = text;
    markKey = key;
    pre.replaceChildren(render(text, m));
    syncSoon();
  };
  // script sets of .value re-render too
  const proto = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value');
  Object.defineProperty(textarea, 'value', {
    configurable: true,
    get() {
      return proto.get.call(this);
    },
    set(v) {
      proto.set.call(this, v);
      update();
    },
  });
  textarea.addEventListener('input', update);
  textarea.addEventListener('scroll', sync);
  update();
  return {
    pre,
    update,
    /** Marks { start, end, text }: [start, end) while the text is `text` (null: no mark). */
    setMark(range) {
      mark = range;
      update();
    },
  };
}
