// The Transcript pane: output text, capped so an endless loop printing
// lines cannot grow the DOM without bound. Rendered once per frame as a
// single text node.
//
// Both halves are bounded, because a loop printing short lines writes
// thousands of lines per time slice (~50 KB in 8 ms; the VM sends the
// newest 500 lines of a call's output and says how much it left out):
// - append() works on the tail of a report's text that can still be
//   shown, and keeps the text as one string rather than an array of
//   lines, so that it makes little garbage (splitting every report into
//   lines made one report cost up to 8 ms, mostly in the JS collector);
// - render() writes the text and reads no layout: the pane is a
//   column-reverse flex box (style.css), which keeps it scrolled to the
//   newest line by itself, so the browser lays the text out in its own
//   rendering step instead of inside the page's budget (a scrollTop =
//   scrollHeight after the write forced a layout of 500 lines there, 2-9
//   ms). While the reader has scrolled back, nothing is re-rendered, so
//   the lines they read stay put.

export const MAX_LINES = 500;
/** Characters kept at most (very long lines). */
export const MAX_CHARS = 100_000;
/** Scrolled back by more than this (px) from the newest line: not re-rendered. */
const SCROLLED_BACK_PX = 24;

/** Newlines in `s` (counted from the end), up to `max`; and where the last counted one is. */
function newlinesFromEnd(s, max) {
  let n = 0;
  let at = s.length;
  while (n < max) {
    const i = s.lastIndexOf('\n', at - 1);
    if (i < 0 || at === 0) break;
    n += 1;
    at = i;
  }
  return { n, at };
}

export class TranscriptPane {
  /** `maxLines`: lines kept (the workspace's output pane keeps fewer). */
  constructor(pre, { maxLines = MAX_LINES } = {}) {
    this.pre = pre;
    this.maxLines = maxLines;
    // the text shown: at most maxLines lines (the last one is the line
    // being written) and MAX_CHARS characters
    this.buf = '';
    this.newlines = 0; // in this.buf
    // bytes of output the program wrote so far, shown or not (the
    // window alone cannot tell new lines that equal the old ones)
    this.written = 0;
    this.dirty = false;
    // Scrolled back from the newest line? Noted by a scroll listener (the
    // browser has just laid the page out then), so that render() reads no
    // layout. scrollTop is 0 at the newest line and negative above it
    // (column-reverse).
    this.scrolledBack = false;
    pre.addEventListener(
      'scroll',
      () => {
        this.scrolledBack = pre.scrollTop < -SCROLLED_BACK_PX;
        if (!this.scrolledBack) this.render();
      },
      { passive: true },
    );
  }

  /**
   * Appends a run report's output. `droppedBytes` > 0: the VM left out
   * that much of it (the oldest part), so a marker line shows the gap.
   */
  append(text, droppedBytes = 0) {
    this.written += droppedBytes + (text ? text.length : 0);
    if (droppedBytes > 0) {
      const nl = this.buf === '' || this.buf.endsWith('\n') ? '' : '\n';
      this.add(`${nl}… ${droppedBytes} bytes of output not shown …\n`);
    }
    if (text) this.add(text);
  }

  add(text) {
    const keep = this.maxLines - 1; // newlines
    const tail = newlinesFromEnd(text, keep + 1);
    if (tail.n > keep) {
      // `text` alone fills the pane: what it holds is older than what is cut
      this.buf = text.slice(tail.at + 1);
      this.newlines = keep;
    } else {
      this.buf += text;
      this.newlines += tail.n;
      let cut = -1;
      for (; this.newlines > keep; this.newlines--) cut = this.buf.indexOf('\n', cut + 1);
      if (cut >= 0) this.buf = this.buf.slice(cut + 1);
    }
    if (this.buf.length > MAX_CHARS) {
      // very long lines: keep the newest characters (rare, so counting again is fine)
      this.buf = this.buf.slice(-MAX_CHARS);
      this.newlines = newlinesFromEnd(this.buf, Infinity).n;
    }
    this.dirty = true;
  }

  clear() {
    this.buf = '';
    this.newlines = 0;
    this.dirty = true;
    this.render(true);
  }

  /** The text shown, complete lines and the line being written (for tests, export). */
  text() {
    return this.buf;
  }

  /** Once per frame: writes the text if it changed (and the reader has not scrolled back, unless `force`). */
  render(force = false) {
    if (!this.dirty || (this.scrolledBack && !force)) return;
    this.dirty = false;
    this.pre.textContent = this.buf;
  }
}
