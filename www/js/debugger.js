// The debugger pane (LIVE.md R9): when a process stops on an unhandled
// error it stays suspended; this shows its stack, innermost first, with
// each frame's method and version, source with the current statement
// marked, receiver and temporaries. Proceed, Restart frame (R8) and
// Terminate act between two slices.
//
// The selected frame's method can be edited and accepted right here: that
// installs a new version (the frame keeps running its own version, R3);
// Restart frame then runs the new one (R8).

import { el, byId, isShortcut, tabIndents } from './dom.js';
import { highlightEditor } from './highlight.js';

export class DebuggerPane {
  constructor(vm, { announcer, wake, onClosed, onAccepted }) {
    this.vm = vm;
    this.announcer = announcer;
    this.wake = wake;
    this.onClosed = onClosed || (() => {});
    this.onAccepted = onAccepted || (() => {});
    this.editBox = this.constructor.editParts();
    byId('dbg-accept').addEventListener('click', () => this.acceptEdit());
    tabIndents(this.editBox.textarea);
    this.editBox.textarea.addEventListener('keydown', (ev) => {
      if (isShortcut(ev, 's')) {
        ev.preventDefault();
        this.acceptEdit();
      }
    });
    this.editBox.textarea.addEventListener('input', () => {
      this.editBox.textarea.removeAttribute('aria-invalid');
      this.describeStatement();
    });
    // the frame's source is shown once: coloured, editable, with the
    // current statement marked (while unedited) in the <pre> behind it
    this.hl = highlightEditor(this.editBox.textarea, this.editBox.textarea.parentElement, { id: 'frame-source' });
    this.statementEl = byId('frame-statement');
    this.root = byId('debugger');
    this.title = byId('debugger-title');
    this.errorEl = byId('debugger-error');
    this.framesEl = byId('frames');
    this.varsEl = byId('frame-vars');
    this.pid = null;
    this.frames = [];
    this.selected = 0;
    this.queue = []; // further errored processes, shown in turn
    byId('dbg-proceed').addEventListener('click', () => this.proceed());
    byId('dbg-restart').addEventListener('click', () => this.restart());
    byId('dbg-terminate').addEventListener('click', () => this.terminate());
    this.framesEl.addEventListener('keydown', (ev) => this.keys(ev));
  }

  static editParts() {
    return {
      actions: byId('dbg-accept').parentElement,
      textarea: byId('frame-edit'),
      status: byId('frame-edit-status'),
    };
  }

  /** The class (and side) and source a frame's method is edited as; null for do-its. */
  editTarget(f) {
    if (!f || f.version === 0) return null;
    const meta = f.className.endsWith(' class');
    return { className: meta ? f.className.slice(0, -6) : f.className, meta, selector: f.selector };
  }

  /** Accepts the edited source of the selected frame's method. */
  acceptEdit() {
    const f = this.frames[this.selected];
    const t = this.editTarget(f);
    const { textarea, status } = this.editBox;
    if (!t) return false;
    const r = this.vm.accept(t.className, t.meta, textarea.value);
    if (!r.ok) {
      const e = r.error;
      const where = e.line ? `Line ${e.line}, column ${e.col}: ` : '';
      status.textContent = `${where}${e.message} — nothing was installed.`;
      status.classList.add('is-error');
      textarea.setAttribute('aria-invalid', 'true');
      if (e.start !== undefined) textarea.setSelectionRange(e.start, Math.max(e.start, e.end ?? e.start));
      this.announcer.say(`Compile error. ${where}${e.message}. Nothing was installed.`, { urgent: true });
      return false;
    }
    const name = `${f.className}>>${r.selector || t.selector}`;
    status.classList.remove('is-error');
    status.textContent = `Accepted ${name} as v${r.version}. This frame still runs v${f.version}: Restart frame runs v${r.version}.`;
    this.announcer.say(status.textContent);
    this.editedFor = `${f.index}:${f.version}`;
    this.onAccepted(t.className, t.meta, r.selector || t.selector);
    return true;
  }

  get isOpen() {
    return this.pid !== null;
  }

  /** Shows process `pid`, stopped on `errorClass`. */
  open(pid, errorClass, message) {
    if (this.pid !== null && this.pid !== pid) {
      if (!this.queue.some((q) => q.pid === pid)) this.queue.push({ pid, errorClass, message });
      return;
    }
    this.pid = pid;
    this.errorClass = errorClass;
    this.message = message;
    this.selected = -1; // load() picks the innermost frame of the page's own code
    this.load();
    this.root.hidden = false;
    // in view and focused at once (the same task as the error's report)
    const b = this.framesEl.querySelectorAll('button.frame')[this.selected];
    if (b) b.focus({ preventScroll: true });
    // (nearest: what is above it, e.g. the method to fix, stays in view if it can)
    this.root.scrollIntoView({ block: 'nearest' });
    const shown = this.frames[this.selected];
    const innermost = shown ? ` in ${shown.name}` : '';
    this.announcer.say(`${errorClass}${innermost}: ${message}. The process is suspended; the debugger shows its stack.`, {
      urgent: true,
    });
  }

  load() {
    const snap = this.vm.stack(this.pid);
    this.frames = snap.ok ? snap.frames : [];
    this.title.textContent = `Debugger — process ${this.pid}`;
    const msg = this.message && this.message !== this.errorClass ? `: ${this.message}` : '';
    this.errorEl.textContent = `${this.errorClass}${msg}`;
    const items = [];
    const user = new Set(this.vm.workspaceClasses() || []);
    // the page's own code (its classes and do-its) or the kernel's
    const isUser = (f) => f.version === 0 || user.has(f.className.replace(/ class$/, ''));
    this.frames.forEach((f, i) => {
      const kernel = !isUser(f);
      items.push(
        el(
          'li',
          { class: kernel ? 'is-kernel' : 'is-user' },
          el('button', {
            class: kernel ? 'frame is-kernel' : 'frame',
            text: `${f.name} v${f.version}`,
            attrs: {
              type: 'button',
              'aria-pressed': 'false',
              'data-index': i,
              title: kernel ? 'a kernel method (not defined on this page)' : null,
            },
            on: { click: () => this.select(i) },
          }),
        ),
      );
      const next = this.frames[i + 1];
      if (next && next.index > f.index + 1) {
        // a runaway recursion: the snapshot leaves out the middle
        items.push(el('li', { class: 'elided', text: `… ${next.index - f.index - 1} more frames …` }));
      }
    });
    this.framesEl.replaceChildren(...items);
    let i = this.selected;
    this.userIndex = Math.max(0, this.frames.findIndex(isUser));
    if (i < 0) i = this.userIndex;
    this.select(Math.min(i, Math.max(0, this.frames.length - 1)), false);
  }

  select(i, focus = true) {
    this.selected = i;
    const buttons = this.framesEl.querySelectorAll('button.frame');
    buttons.forEach((b, j) => b.setAttribute('aria-pressed', String(j === i)));
    if (focus && buttons[i]) buttons[i].focus();
    const f = this.frames[i];
    const ta = this.editBox.textarea;
    if (!f) {
      ta.value = '';
      this.hl.setMark(null);
      this.statementEl.textContent = '';
      this.varsEl.replaceChildren();
      return;
    }
    const src = f.source;
    const start = Math.min(f.start, src.length);
    const end = Math.min(Math.max(f.end, start), src.length);
    this.mark = { start, end, text: src };
    const t = this.editTarget(f);
    // do-its are shown, not edited
    ta.readOnly = !t;
    this.editBox.actions.hidden = !t;
    const key = `${f.index}:${f.version}`;
    if (this.editedFor !== key) {
      // the source the frame runs, marked; Accept installs the edited text
      ta.value = src;
      const m = t && this.vm.methodSource(t.className, t.meta, t.selector);
      this.editBox.status.textContent =
        m && m.version !== f.version
          ? `This frame runs v${f.version} (shown); v${m.version} is installed, and Accept would replace it with this text.`
          : '';
      this.editBox.status.classList.remove('is-error');
      ta.removeAttribute('aria-invalid');
      this.editedFor = key;
    }
    this.hl.setMark(this.mark);
    this.describeStatement();
    const row = (name, value) => el('tr', {}, el('th', { text: name, attrs: { scope: 'row' } }), el('td', { text: value }));
    this.varsEl.replaceChildren(row('self', f.receiver), ...f.temps.map((t) => row(t.name, t.value)));
  }

  /** Says where the frame stands (or that the text was edited). */
  describeStatement() {
    const m = this.mark;
    const ta = this.editBox.textarea;
    if (!m) return;
    if (ta.value !== m.text) {
      this.statementEl.textContent = 'Edited: Accept installs it as a new version.';
      return;
    }
    const line = m.text.slice(0, m.start).split('\n').length;
    const f = this.frames[this.selected];
    const name = f ? f.name : 'this method';
    const i = this.selected;
    this.statementEl.textContent =
      i === 0
        ? `Stopped on ${this.errorClass} at line ${line} of ${name} (marked).`
        : i === this.userIndex
          ? `${this.errorClass} came from the marked send, line ${line} of ${name} (the dimmed frames above are the kernel's).`
          : `Line ${line} of ${name} (marked): waiting for the send it made to return.`;
  }

  keys(ev) {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const d = ev.key === 'ArrowDown' ? 1 : -1;
      this.select(Math.min(this.frames.length - 1, Math.max(0, this.selected + d)));
    }
  }

  /** Proceed: the failed operation answers nil and the process goes on. */
  proceed() {
    if (this.pid === null) return;
    this.vm.resume(this.pid);
    this.close('proceeded');
  }

  /** Restart the selected frame with the method installed now, then go on. */
  restart() {
    if (this.pid === null) return;
    const f = this.frames[this.selected];
    if (!f) return;
    const r = this.vm.restart(this.pid, f.index);
    if (!r.ok) {
      this.announcer.say(`Cannot restart: ${r.error.message}`, { urgent: true });
      return;
    }
    this.vm.resume(this.pid);
    this.close(`restarted ${f.name}`);
  }

  terminate() {
    if (this.pid === null) return;
    this.vm.terminate(this.pid);
    this.close('terminated');
  }

  /** Forget `pid` if it is shown or queued (it was stopped elsewhere). */
  forget(pid) {
    this.queue = this.queue.filter((q) => q.pid !== pid);
    if (this.pid === pid) this.close(null);
  }

  close(action) {
    const pid = this.pid;
    this.editedFor = null;
    this.mark = null;
    this.pid = null;
    this.frames = [];
    this.selected = 0;
    this.root.hidden = true;
    if (action) this.announcer.say(`Process ${pid} ${action}.`);
    this.onClosed(pid, action);
    this.wake();
    const next = this.queue.shift();
    if (next) this.open(next.pid, next.errorClass, next.message);
  }
}
