// The Transcript pane: output text, capped so an endless loop printing
// lines cannot grow the DOM without bound. Rendered once per frame, as a
// single text node while one process writes, or one run of text per
// writer, coloured by process (the VM tags every write with its process:
// a report's `outputRuns`), when several do. A filter shows one writer's
// lines: the program's, one process's, or the workspace evaluations'
// (these from the VM's own report of them, which the program's output
// cannot crowd out).
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

/** Who wrote a stretch of text: a process (`pid`, its `origin`, whether a workspace evaluation's), or nobody (-1: the pane's own notes, output from before the VM said). */
const NOBODY = { pid: -1, origin: -1, workspace: false };

/** Processes offered in the filter at most (the newest seen). */
const MAX_PROCESSES = 12;

/**
 * Text kept as runs of one writer each (`{ who, text }`, neighbours of
 * different writers), at most `maxLines` lines and MAX_CHARS characters.
 */
export class Lines {
  constructor(maxLines) {
    this.maxLines = maxLines;
    this.segs = [];
    this.newlines = 0;
    this.chars = 0;
  }

  clear() {
    this.segs = [];
    this.newlines = 0;
    this.chars = 0;
  }

  text() {
    return this.segs.length === 1 ? this.segs[0].text : this.segs.map((s) => s.text).join('');
  }

  /** Appends `text` written by `who`, dropping the oldest lines past the cap. */
  add(text, who = NOBODY) {
    if (!text) return;
    const keep = this.maxLines - 1; // newlines
    const tail = newlinesFromEnd(text, keep + 1);
    if (tail.n > keep) {
      // `text` alone fills the pane: what it holds is older than what is cut
      const t = text.slice(tail.at + 1);
      this.segs = t ? [{ who, text: t }] : [];
      this.newlines = keep;
      this.chars = t.length;
    } else {
      const last = this.segs[this.segs.length - 1];
      if (last && same(last.who, who)) last.text += text;
      else this.segs.push({ who, text });
      this.newlines += tail.n;
      this.chars += text.length;
      this.trimLines(keep);
    }
    if (this.chars > MAX_CHARS) this.trimChars();
  }

  /** Drops the oldest lines until `keep` newlines are left. */
  trimLines(keep) {
    while (this.newlines > keep && this.segs.length) {
      const s = this.segs[0];
      let cut = -1;
      while (this.newlines > keep) {
        const i = s.text.indexOf('\n', cut + 1);
        if (i < 0) break;
        cut = i;
        this.newlines -= 1;
      }
      if (this.newlines > keep) {
        // all of this run belongs to dropped lines
        this.segs.shift();
        this.chars -= s.text.length;
        continue;
      }
      this.chars -= cut + 1;
      s.text = s.text.slice(cut + 1);
      if (s.text === '') this.segs.shift();
    }
  }

  /** Very long lines: keeps the newest MAX_CHARS characters (rare, so counting again is fine). */
  trimChars() {
    while (this.chars > MAX_CHARS && this.segs.length) {
      const s = this.segs[0];
      const over = this.chars - MAX_CHARS;
      if (s.text.length <= over) {
        this.segs.shift();
        this.chars -= s.text.length;
      } else {
        s.text = s.text.slice(over);
        this.chars -= over;
      }
    }
    this.newlines = newlinesFromEnd(this.text(), Infinity).n;
  }
}

function same(a, b) {
  return a.pid === b.pid && a.origin === b.origin && a.workspace === b.workspace;
}

export class TranscriptPane {
  /**
   * `maxLines`: lines kept (the workspace's output pane keeps fewer).
   * `styleOf(who)`: the class and title of a writer's text (no class: plain).
   */
  constructor(pre, { maxLines = MAX_LINES, styleOf = null } = {}) {
    this.pre = pre;
    this.maxLines = maxLines;
    this.styleOf = styleOf;
    // everything, and apart what workspace evaluations wrote
    this.all = new Lines(maxLines);
    this.ws = new Lines(maxLines);
    // 'all', 'program', 'workspace' or a pid (number)
    this.filter = 'all';
    // the processes seen writing, newest last: pid -> who
    this.seen = new Map();
    this.lastSeen = null;
    this.seenChanged = false;
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
   * Appends a run report's output, `runs` its writers (`outputRuns`; none:
   * not said). `droppedBytes` > 0: the VM left out that much of it (the
   * oldest part), so a marker line shows the gap.
   */
  append(text, droppedBytes = 0, runs = null) {
    this.written += droppedBytes + (text ? text.length : 0);
    if (droppedBytes > 0) this.all.add(gapLine(this.all, droppedBytes));
    if (text) {
      let at = 0;
      if (runs) {
        for (const r of runs) {
          this.all.add(text.slice(at, at + r.len), r);
          at += r.len;
          if (r.pid > 0) this.see(r);
        }
      }
      if (at < text.length) this.all.add(at ? text.slice(at) : text);
    }
    if (text || droppedBytes > 0) this.dirty ||= this.filter !== 'workspace';
  }

  /** Appends what workspace evaluations wrote (a report's `workspaceOutput`), kept apart. */
  appendWorkspace(text, droppedBytes = 0) {
    if (droppedBytes > 0) this.ws.add(gapLine(this.ws, droppedBytes));
    if (text) this.ws.add(text, { pid: 0, origin: 0, workspace: true });
    if (text || droppedBytes > 0) this.dirty ||= this.filter === 'workspace';
  }

  /** Notes a writer: the newest MAX_PROCESSES are kept, the latest last. */
  see(who) {
    if (this.lastSeen === who.pid) return;
    this.lastSeen = who.pid;
    const known = this.seen.delete(who.pid);
    this.seen.set(who.pid, who);
    if (known) return;
    if (this.seen.size > MAX_PROCESSES) this.seen.delete(this.seen.keys().next().value);
    this.seenChanged = true;
  }

  /** Shows `filter`'s lines: 'all', 'program', 'workspace' or a pid. */
  setFilter(filter) {
    this.filter = filter;
    this.dirty = true;
    this.render(true);
  }

  clear() {
    this.all.clear();
    this.ws.clear();
    this.dirty = true;
    this.render(true);
  }

  /** The text shown unfiltered, complete lines and the line being written (for tests, export). */
  text() {
    return this.all.text();
  }

  /** The runs shown under the current filter. */
  shown() {
    const f = this.filter;
    if (f === 'all') return this.all.segs;
    if (f === 'workspace') return this.ws.segs;
    if (f === 'program') return this.all.segs.filter((s) => s.who.pid > 0 && !s.who.workspace);
    return this.all.segs.filter((s) => s.who.pid === f);
  }

  /** Once per frame: writes the text if it changed (and the reader has not scrolled back, unless `force`). */
  render(force = false) {
    if (!this.dirty || (this.scrolledBack && !force)) return;
    this.dirty = false;
    const segs = this.shown();
    const styles = segs.map((s) => (this.styleOf ? this.styleOf(s.who) : null));
    if (styles.every((st) => !st || !st.cls)) {
      // one writer, or none coloured: one text node, the cheap case
      this.pre.textContent = segs.length === 1 ? segs[0].text : segs.map((s) => s.text).join('');
      return;
    }
    // one element holding the runs: the pane's flex box (column-reverse)
    // sees one item, as with a text node
    const body = document.createElement('span');
    body.className = 'tw-body';
    segs.forEach((s, i) => {
      const st = styles[i];
      if (!st || !st.cls) {
        body.append(s.text);
        return;
      }
      const span = document.createElement('span');
      span.className = st.cls;
      if (st.title) span.title = st.title;
      span.textContent = s.text;
      body.append(span);
    });
    this.pre.replaceChildren(body);
  }
}

/** The note that `bytes` bytes of output were left out, on a line of its own. */
function gapLine(lines, bytes) {
  const t = lines.segs.length ? lines.segs[lines.segs.length - 1].text : '';
  const nl = t === '' || t.endsWith('\n') ? '' : '\n';
  return `${nl}… ${bytes} bytes of output not shown …\n`;
}
