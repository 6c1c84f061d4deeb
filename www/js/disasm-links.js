// The Tier pane's optimized code, linked to the source it came from: each
// instruction of the bytecode and of the optimized code's first part (the
// same pcs) to its span, and each inlined scope (its header, guard clause
// and body) to the send in the method that it stands for
// (`vm.disassemblySources`). Pointing at a line marks its span in the
// source beside it; a click keeps the mark and says in words where it is.
// The mark is a CSS custom highlight (`::highlight(tier-source)`): the
// source's text and nodes stay as they are.

import { el } from './dom.js';

const HIGHLIGHT = 'tier-source';

/** The line's class by what it is (style.css colours them). */
function kindOf(line) {
  if (/^optimized \(/.test(line)) return 'dis-opt';
  if (/^inlined scope /.test(line)) return 'dis-scope';
  if (/^loop kernel /.test(line)) return 'dis-kernel';
  if (/guard/i.test(line)) return 'dis-guard';
  return '';
}

/**
 * The disassembly's lines as nodes, each with the source span it came
 * from (`data-src="start end"`, UTF-16) where it has one. `map` is
 * `{ pcs, scopes }` or null.
 */
export function disassemblyLines(lines, map) {
  let section = 'code'; // code, opt (the pcs), scope, kernel, blocks (none linked)
  let scope = -1;
  return lines.map((line) => {
    const kind = kindOf(line);
    let span = null;
    const head = /^inlined scope (\d+):/.exec(line);
    if (kind === 'dis-opt') section = 'opt';
    else if (head) {
      section = 'scope';
      scope = Number(head[1]);
    } else if (kind === 'dis-kernel') section = 'kernel';
    else if (line === '') section = 'blocks';
    if (map) {
      const pc = /^\s*(\d+)\s/.exec(line);
      if (section === 'scope') span = map.scopes[scope];
      else if (pc && (section === 'code' || section === 'opt')) span = map.pcs[Number(pc[1])];
    }
    const node = el('span', { class: `dis-line ${kind}`.trim(), text: line });
    if (span && span[1] > span[0]) {
      node.classList.add('dis-linked');
      node.dataset.src = `${span[0]} ${span[1]}`;
    }
    return node;
  });
}

/** A DOM range over UTF-16 offsets `start..end` of `root`'s text. */
function rangeOf(root, start, end) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let at = 0;
  let started = false;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const len = n.data.length;
    if (!started && start <= at + len) {
      range.setStart(n, start - at);
      started = true;
    }
    if (started && end <= at + len) {
      range.setEnd(n, end - at);
      return range;
    }
    at += len;
  }
  return null;
}

/** Wires pointing and clicking in `disasmEl` to marks in `sourceEl`; says what a click marked in `statusEl`. */
export class DisassemblyLinks {
  constructor(disasmEl, sourceEl, statusEl) {
    this.disasmEl = disasmEl;
    this.sourceEl = sourceEl;
    this.statusEl = statusEl;
    this.pinned = null;
    const lineAt = (ev) => ev.target instanceof Element && ev.target.closest('.dis-linked');
    disasmEl.addEventListener('mouseover', (ev) => {
      const line = lineAt(ev);
      if (line) this.mark(line);
    });
    disasmEl.addEventListener('mouseleave', () => this.mark(this.pinned));
    disasmEl.addEventListener('click', (ev) => {
      const line = lineAt(ev);
      if (line) this.pin(line);
    });
  }

  /** New code shown: no mark. */
  reset() {
    this.pinned = null;
    this.statusEl.textContent = '';
    this.mark(null);
  }

  /** Marks where `line` came from (or nothing), scrolled into the source's view. */
  mark(line) {
    const highlights = globalThis.CSS && CSS.highlights;
    const range = line && this.rangeOf(line);
    if (highlights && typeof Highlight === 'function') {
      if (range) highlights.set(HIGHLIGHT, new Highlight(range));
      else highlights.delete(HIGHLIGHT);
    }
    if (range) {
      // (on the user's pointing only: reads layout)
      const box = range.getBoundingClientRect();
      const pre = this.sourceEl.getBoundingClientRect();
      if (box.top < pre.top || box.bottom > pre.bottom) this.sourceEl.scrollTop += box.top - pre.top - pre.height / 3;
    }
  }

  /** Keeps the mark of `line` and says where it is. */
  pin(line) {
    if (this.pinned) this.pinned.removeAttribute('aria-current');
    this.pinned = line;
    line.setAttribute('aria-current', 'true');
    this.mark(line);
    const [start, end] = line.dataset.src.split(' ').map(Number);
    const source = this.sourceEl.textContent;
    const lineNo = source.slice(0, start).split('\n').length;
    const what = line.textContent.trim().replace(/\s+/g, ' ');
    this.statusEl.textContent = `${what} — from line ${lineNo} of the source: ${source.slice(start, end)}`;
  }

  rangeOf(line) {
    if (!line.dataset.src) return null;
    const [start, end] = line.dataset.src.split(' ').map(Number);
    return rangeOf(this.sourceEl, start, end);
  }
}
