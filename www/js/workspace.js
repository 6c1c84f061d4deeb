// The workspace: do it (Ctrl+D) and print it (Ctrl+P) on the selection,
// or on everything when nothing is selected. Each evaluation is its own
// process, above the program's priority, so it finishes while an endless
// loop runs; the result comes back as an event from a later slice.

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
      a = 0;
      b = value.length;
    }
    const source = value.slice(a, b);
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
      const ta = this.textarea;
      if (ta.value === p.snapshot) {
        // Squeak's habit: the result goes after the expression, selected
        const ins = ` ${ev.text}`;
        ta.value = ta.value.slice(0, p.insertAt) + ins + ta.value.slice(p.insertAt);
        ta.setSelectionRange(p.insertAt, p.insertAt + ins.length);
      }
    } else if (ev.kind === 'finished') {
      this.pending.delete(ev.pid);
      this.show(`done: ${ev.value}`, false);
    } else if (ev.kind === 'error') {
      this.show(`${ev.errorClass}: ${ev.message} (see the debugger)`, true);
      return false; // the debugger opens too
    }
    return true;
  }

  /** The process was terminated from the debugger. */
  forget(pid) {
    if (this.pending.delete(pid)) this.show('terminated', false);
  }
}
