// The workspace: do it (Ctrl+D) and print it (Ctrl+P) on the selection,
// or on the current line when nothing is selected, as in Squeak. Each
// evaluation is its own process, above the program's priority, so it
// finishes while an endless loop runs; the result comes back as an event
// from a later slice. A print-it's result is inserted after the selection
// (or the line), preceded by a space, and selected, so that Delete (or
// typing) replaces it.

import { isShortcut, tabIndents } from './dom.js';
import { highlightEditor } from './highlight.js';

export class Workspace {
  constructor(vm, textarea, output, { announcer, wake }) {
    this.vm = vm;
    this.textarea = textarea;
    this.output = output;
    this.announcer = announcer;
    this.wake = wake;
    this.pending = new Map(); // pid -> { print, insertAt, snapshot }
    tabIndents(textarea);
    highlightEditor(textarea);
    textarea.addEventListener('keydown', (ev) => {
      if (isShortcut(ev, 'd')) {
        ev.preventDefault();
        this.evaluate(false);
      } else if (isShortcut(ev, 'p')) {
        ev.preventDefault();
        this.evaluate(true);
      }
    });
    textarea.addEventListener('input', () => textarea.removeAttribute('aria-invalid'));
  }

  evaluate(print) {
    const ta = this.textarea;
    const { value } = ta;
    let a = ta.selectionStart;
    let b = ta.selectionEnd;
    if (a === b) {
      // the current line
      const { start, end } = lineAround(value, a);
      a = start;
      b = end;
    }
    const source = value.slice(a, b);
    if (source.trim() === '') {
      this.show('Nothing to evaluate: select an expression, or put the cursor on a line with one.', false);
      return;
    }
    const r = this.vm.evaluate(source, print);
    if (!r.ok) {
      const e = r.error;
      const where = e.line ? `Line ${e.line}, column ${e.col}: ` : '';
      this.show(`${where}${e.message}`, true);
      ta.setAttribute('aria-invalid', 'true');
      if (e.start !== undefined) {
        ta.focus();
        ta.setSelectionRange(a + e.start, a + Math.max(e.start, e.end ?? e.start));
      }
      return;
    }
    this.pending.set(r.pid, { print, insertAt: b, snapshot: value });
    this.show(print ? 'printing…' : 'running…', false);
    this.wake();
  }

  show(text, isError) {
    this.output.textContent = text;
    this.output.classList.toggle('is-error', isError);
    if (isError) this.announcer.say(text, { urgent: true });
  }

  /** Handles a run event if it belongs to a workspace process. */
  handle(ev) {
    const p = this.pending.get(ev.pid);
    if (!p) return false;
    if (ev.kind === 'printed') {
      this.pending.delete(ev.pid);
      this.show(ev.text, false);
      this.announcer.say(`Printed: ${ev.text}`);
      this.insertResult(p, ev.text);
    } else if (ev.kind === 'finished') {
      this.pending.delete(ev.pid);
      this.show(`done: ${ev.value}`, false);
    } else if (ev.kind === 'error') {
      this.show(`${ev.errorClass}: ${ev.message} (see the debugger)`, true);
      return false; // the debugger opens too
    }
    return true;
  }

  /**
   * Squeak's habit: the printed result goes after the expression, preceded
   * by a space, and selected, so that Delete removes it. Only where the
   * text before that point is still what was evaluated (the user may have
   * typed meanwhile: then the result shows below only).
   */
  insertResult(p, text) {
    const ta = this.textarea;
    const at = p.insertAt;
    if (at > ta.value.length || ta.value.slice(0, at) !== p.snapshot.slice(0, at)) return;
    const active = document.activeElement;
    // focus comes back from the Print it button, not from another editor
    const focus = active === ta || active === document.body || (active && active.closest && active.closest('.workspace'));
    ta.setRangeText(` ${text}`, at, at, 'select');
    if (focus) ta.focus();
    // the syntax colouring and the autosave follow input events
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }

  /** The process was terminated from the debugger. */
  forget(pid) {
    if (this.pending.delete(pid)) this.show('terminated', false);
  }
}

/** The line of `text` that holds index `i`: its start and end (before its newline). */
export function lineAround(text, i) {
  const start = i === 0 ? 0 : text.lastIndexOf('\n', i - 1) + 1;
  const nl = text.indexOf('\n', i);
  return { start, end: nl < 0 ? text.length : nl };
}
