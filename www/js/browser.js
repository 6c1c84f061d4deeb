// A code browser on one method: an editable source with Accept (button or
// Ctrl/Cmd+S), a modified-not-accepted marker, the method's version, a
// badge for activations still running older versions, and compile errors
// marked inline at their line and column (LIVE.md R2: the typed text is
// kept and the running program does not notice).

import { el, newId, isShortcut } from './dom.js';

const TAB_SIZE = 4; // keep in step with `tab-size` in style.css

export class CodeBrowser {
  /**
   * @param vm         a LiveVm
   * @param spec       { className, meta, selector }
   * @param announcer  an Announcer
   * @param onAccepted called after a successful accept
   */
  constructor(vm, spec, { announcer, onAccepted }) {
    this.vm = vm;
    this.className = spec.className;
    this.meta = spec.meta;
    this.selector = spec.selector;
    this.announcer = announcer;
    this.onAccepted = onAccepted || (() => {});
    this.accepted = '';
    this.version = 0;
    this.error = null;
    this.build();
    this.load();
  }

  get title() {
    return `${this.className}${this.meta ? ' class' : ''}>>${this.selector}`;
  }

  build() {
    const titleId = newId('browser-title');
    const errId = newId('browser-error');
    this.titleEl = el('h2', { text: this.title, attrs: { id: titleId } });
    this.versionEl = el('span', { class: 'version', attrs: { title: 'installed version' } });
    this.modifiedEl = el('span', { class: 'modified', text: '● modified', attrs: { hidden: true } });
    this.badgeEl = el('span', { class: 'badge', attrs: { hidden: true } });
    this.acceptBtn = el('button', {
      text: 'Accept',
      attrs: { type: 'button', title: 'Ctrl+S / Cmd+S' },
      on: { click: () => this.accept() },
    });
    this.gutter = el('div', { class: 'gutter', attrs: { 'aria-hidden': 'true' } });
    this.errLine = el('div', { class: 'err-line', attrs: { hidden: true, 'aria-hidden': 'true' } });
    this.errCol = el('div', { class: 'err-col', attrs: { hidden: true, 'aria-hidden': 'true' } });
    this.textarea = el('textarea', {
      class: 'code',
      attrs: {
        spellcheck: 'false',
        wrap: 'off',
        autocapitalize: 'off',
        'aria-labelledby': titleId,
        'aria-describedby': errId,
      },
    });
    this.errorEl = el('p', { class: 'compile-error', attrs: { id: errId, hidden: true } });
    this.textarea.addEventListener('input', () => this.edited());
    this.textarea.addEventListener('scroll', () => this.placeMarker());
    this.textarea.addEventListener('keydown', (ev) => {
      if (isShortcut(ev, 's')) {
        ev.preventDefault();
        this.accept();
      }
    });
    this.root = el(
      'section',
      { class: 'pane browser', attrs: { 'aria-labelledby': titleId } },
      el('header', { class: 'pane-head' }, this.titleEl, this.versionEl, this.modifiedEl, this.badgeEl, this.acceptBtn),
      el('div', { class: 'editor' }, this.gutter, el('div', { class: 'code-wrap' }, this.errLine, this.errCol, this.textarea)),
      this.errorEl,
    );
  }

  /** Shows the installed source of the method. */
  load() {
    const m = this.vm.methodSource(this.className, this.meta, this.selector);
    if (m) {
      this.accepted = m.source;
      this.version = m.version;
    } else {
      this.accepted = `${this.selector}\n\t"new method"\n\t^ self`;
      this.version = 0;
    }
    this.textarea.value = this.accepted;
    this.clearError();
    this.refresh();
  }

  edited() {
    if (this.error) this.clearError();
    this.refresh();
  }

  get modified() {
    return this.textarea.value !== this.accepted;
  }

  refresh() {
    this.titleEl.textContent = this.title;
    this.versionEl.textContent = this.version ? `v${this.version}` : 'new';
    this.modifiedEl.hidden = !this.modified;
    this.root.classList.toggle('is-modified', this.modified);
    const n = this.textarea.value.split('\n').length;
    if (n !== this.gutterLines) {
      this.gutterLines = n;
      this.gutter.textContent = Array.from({ length: n }, (_, i) => String(i + 1)).join('\n');
    }
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  /** Compiles and installs the text as a new version. */
  accept() {
    const source = this.textarea.value;
    const r = this.vm.accept(this.className, this.meta, source);
    if (!r.ok) {
      this.showError(r.error, source);
      return false;
    }
    this.clearError();
    if (r.selector && r.selector !== this.selector) this.selector = r.selector;
    this.accepted = source;
    this.version = r.version;
    this.refresh();
    this.announcer.say(`Accepted ${this.title} as version ${r.version}.`);
    this.onAccepted(this);
    return true;
  }

  showError(error, source) {
    this.error = error;
    const where = error.line ? `Line ${error.line}, column ${error.col}: ` : '';
    this.errorEl.textContent = `${where}${error.message} — nothing was installed.`;
    this.errorEl.hidden = false;
    this.textarea.setAttribute('aria-invalid', 'true');
    this.root.classList.add('has-error');
    this.announcer.say(`Compile error in ${this.title}. ${where}${error.message}. Nothing was installed.`, {
      urgent: true,
    });
    if (error.start !== undefined) {
      this.errorSource = source;
      this.placeMarker();
      // put the caret at the error, as Squeak does, keeping the text
      if (document.activeElement === this.textarea) {
        this.textarea.setSelectionRange(error.start, Math.max(error.start, error.end ?? error.start));
      }
    }
  }

  clearError() {
    this.error = null;
    this.errorEl.hidden = true;
    this.errorEl.textContent = '';
    this.errLine.hidden = true;
    this.errCol.hidden = true;
    this.textarea.removeAttribute('aria-invalid');
    this.root.classList.remove('has-error');
  }

  /** Positions the line band and the column caret over the textarea. */
  placeMarker() {
    this.gutter.scrollTop = this.textarea.scrollTop;
    const e = this.error;
    if (!e || e.start === undefined) return;
    const text = this.errorSource ?? this.textarea.value;
    const start = Math.min(e.start, text.length);
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const line = text.slice(0, lineStart).split('\n').length - 1; // 0-based
    let visual = 0;
    for (const ch of text.slice(lineStart, start)) {
      visual = ch === '\t' ? (Math.floor(visual / TAB_SIZE) + 1) * TAB_SIZE : visual + 1;
    }
    const cs = getComputedStyle(this.textarea);
    const lineH = parseFloat(cs.lineHeight) || 20;
    const padTop = parseFloat(cs.paddingTop) || 0;
    const padLeft = parseFloat(cs.paddingLeft) || 0;
    const top = padTop + line * lineH - this.textarea.scrollTop;
    const left = padLeft + visual * charWidth(cs.font) - this.textarea.scrollLeft;
    this.errLine.style.top = `${top}px`;
    this.errLine.style.height = `${lineH}px`;
    this.errCol.style.top = `${top}px`;
    this.errCol.style.height = `${lineH}px`;
    this.errCol.style.left = `${left}px`;
    this.errLine.hidden = false;
    this.errCol.hidden = false;
  }

  /** Shows how many activations still run an older version (R3). */
  showActivations(versions) {
    const old = versions.filter((v) => v.version < this.version);
    if (old.length === 0) {
      this.badgeEl.hidden = true;
      this.badgeEl.textContent = '';
      return;
    }
    const parts = old.map((v) => `${v.activations} activation${v.activations === 1 ? '' : 's'} still run${v.activations === 1 ? 's' : ''} v${v.version}`);
    this.badgeEl.textContent = parts.join(', ');
    this.badgeEl.hidden = false;
  }
}

const widths = new Map();
/** Width of one character of a monospace font, measured once per font. */
function charWidth(font) {
  if (!widths.has(font)) {
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = font;
    widths.set(font, ctx.measureText('M'.repeat(100)).width / 100 || 8);
  }
  return widths.get(font);
}
