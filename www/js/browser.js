// A code browser: a class list, an instance/class side switch and a
// method list over an editable source with Accept (button or Ctrl/Cmd+S),
// a modified-not-accepted marker, the method's version, a badge for
// activations still running older versions, and compile errors marked
// inline at their line and column (LIVE.md R2: the typed text is kept and
// the running program does not notice). "New method" puts a method
// template in the editor; "New class" a class definition, which Accept
// evaluates. Choosing a class shows its definition; choosing a method
// its source. Text typed but not accepted is kept per method while the
// browser shows another one (and saved by the autosave).
//
// Everything is rendered as text: option labels, titles and errors with
// textContent, sources as textarea values.

import { el, newId, isShortcut, tabIndents } from './dom.js';
import { highlightEditor } from './highlight.js';

const TAB_SIZE = 4; // keep in step with `tab-size` in style.css

export const METHOD_TEMPLATE = 'messageSelectorAndArgumentNames\n\t"comment stating purpose of message"\n\t^ self';

/** The package list's value for the user's classes (no category is named so). */
const USER_PACKAGE = '\u0000user';

export function classTemplate(category = 'Demo') {
  return `Object subclass: #NameOfSubclass\n\tinstanceVariableNames: ''\n\tclassVariableNames: ''\n\tpackage: '${category.replace(/'/g, "''")}'`;
}

/** Modes of the editor: an installed method, a method not yet accepted,
 * a class definition, a class not yet defined. */
const MODES = ['method', 'newMethod', 'class', 'newClass'];

export class CodeBrowser {
  /**
   * @param vm         a LiveVm
   * @param spec       { className, meta, selector, mode, text } (text: unaccepted edits)
   * @param announcer  an Announcer
   * @param onAccepted called after a successful accept of a method
   * @param onDefined  called after a class was defined
   * @param onChanged  called when what the browser shows or holds changes (autosave)
   * @param onClose    called when the user closes the browser
   */
  constructor(vm, spec, { announcer, onAccepted, onDefined, onChanged, onClose, onHistory }) {
    this.vm = vm;
    this.className = spec.className || 'Object';
    this.meta = !!spec.meta;
    this.selector = spec.selector || null;
    this.mode = MODES.includes(spec.mode) ? spec.mode : this.selector ? 'method' : 'class';
    this.announcer = announcer;
    this.onAccepted = onAccepted || (() => {});
    this.onDefined = onDefined || (() => {});
    this.onChanged = onChanged || (() => {});
    this.onClose = onClose || null;
    this.onHistory = onHistory || null;
    this.accepted = '';
    this.version = 0;
    this.error = null;
    this.drafts = new Map(); // key -> unaccepted text
    this.build();
    this.load();
    if (typeof spec.text === 'string' && spec.text !== this.textarea.value) {
      this.textarea.value = spec.text;
      this.refresh();
    }
  }

  get side() {
    return this.meta ? ' class' : '';
  }

  get title() {
    switch (this.mode) {
      case 'method':
        return `${this.className}${this.side}>>${this.selector}`;
      case 'newMethod':
        return `${this.className}${this.side}>>(new method)`;
      case 'class':
        return `${this.className} (class definition)`;
      default:
        return 'New class';
    }
  }

  /** What to save and restore (autosave). */
  state() {
    return {
      className: this.className,
      meta: this.meta,
      selector: this.selector,
      mode: this.mode,
      text: this.textarea.value,
    };
  }

  build() {
    const titleId = newId('browser-title');
    const errId = newId('browser-error');
    const sideId = newId('browser-side');
    this.titleEl = el('h2', { text: this.title, attrs: { id: titleId } });
    this.versionEl = el('span', { class: 'version', attrs: { title: 'installed version' } });
    this.modifiedEl = el('span', { class: 'modified', text: '● modified', attrs: { hidden: true } });
    this.badgeEl = el('span', { class: 'badge', attrs: { hidden: true } });
    this.liveEl = el('span', { class: 'live', attrs: { hidden: true } });
    this.acceptBtn = el('button', {
      class: 'accept',
      text: 'Accept',
      attrs: { type: 'button', title: 'Ctrl+S / Cmd+S' },
      on: { click: () => this.accept() },
    });
    this.historyBtn = el('button', {
      class: 'history-button',
      text: 'History',
      attrs: { type: 'button', 'aria-expanded': 'false' },
      on: { click: () => this.onHistory && this.onHistory(this) },
    });
    const closeBtn = this.onClose
      ? el('button', {
          class: 'close',
          text: 'Close',
          attrs: { type: 'button', 'aria-label': 'Close this browser' },
          on: { click: () => this.onClose(this) },
        })
      : null;
    // packages, as Squeak's browser has: the user's classes first, then
    // the kernel's categories, so that the kernel is one choice away
    this.packageList = el('select', {
      class: 'package-list',
      attrs: { 'aria-label': 'Package: your classes, or a kernel category' },
      on: { change: () => this.choosePackage(this.packageList.value) },
    });
    this.classList = el('select', {
      class: 'class-list',
      attrs: { size: 3, 'aria-label': 'Classes' },
      on: { change: () => this.chooseClass(this.classList.value) },
    });
    this.sideBox = el('input', {
      attrs: { type: 'checkbox', id: sideId },
      on: { change: () => this.chooseSide(this.sideBox.checked) },
    });
    this.methodList = el('select', {
      class: 'method-list',
      attrs: { size: 3, 'aria-label': 'Methods' },
      on: { change: () => this.chooseMethod(this.methodList.value) },
    });
    const newMethodBtn = el('button', {
      class: 'new-method',
      text: 'New method',
      attrs: { type: 'button' },
      on: { click: () => this.newMethod() },
    });
    const newClassBtn = el('button', {
      class: 'new-class',
      text: 'New class',
      attrs: { type: 'button' },
      on: { click: () => this.newClass() },
    });
    this.gutter = el('div', { class: 'gutter', attrs: { 'aria-hidden': 'true' } });
    this.errLine = el('div', { class: 'err-line', attrs: { hidden: true, 'aria-hidden': 'true' } });
    this.errCol = el('div', { class: 'err-col', attrs: { hidden: true, 'aria-hidden': 'true' } });
    this.liveLine = el('div', { class: 'live-line', attrs: { hidden: true, 'aria-hidden': 'true' } });
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
    tabIndents(this.textarea);
    this.textarea.addEventListener('input', () => this.edited());
    this.textarea.addEventListener('scroll', () => this.placeMarker());
    this.textarea.addEventListener('keydown', (ev) => {
      if (isShortcut(ev, 's')) {
        ev.preventDefault();
        this.accept();
      }
    });
    this.historyEl = el('div', { class: 'history', attrs: { hidden: true } });
    const codeWrap = el('div', { class: 'code-wrap' }, this.liveLine, this.errLine, this.errCol, this.textarea);
    this.hl = highlightEditor(this.textarea, codeWrap);
    this.root = el(
      'section',
      { class: 'pane browser', attrs: { 'aria-labelledby': titleId } },
      el(
        'header',
        { class: 'pane-head' },
        this.titleEl,
        this.versionEl,
        this.acceptBtn,
        this.historyBtn,
        closeBtn,
      ),
      // Squeak's panes across the top, left to right: package (and side),
      // classes, methods, then the buttons that make new ones
      el(
        'div',
        { class: 'browser-nav' },
        el(
          'div',
          { class: 'browser-package' },
          this.packageList,
          el('label', { class: 'side', attrs: { for: sideId } }, this.sideBox, ' class side'),
        ),
        this.classList,
        this.methodList,
        el('div', { class: 'browser-new' }, newMethodBtn, newClassBtn),
      ),
      el('div', { class: 'editor' }, this.gutter, codeWrap),
      // below the editor, so that the header keeps its size: edited, old
      // activations, where the program is
      el('div', { class: 'browser-status' }, this.modifiedEl, this.badgeEl, this.liveEl),
      this.errorEl,
      this.historyEl,
    );
  }

  /**
   * Fills the package and class lists (after a class was defined
   * anywhere). The package shown is the shown class's (the user's
   * classes, or its kernel category) until another is chosen.
   */
  refreshClasses() {
    const all = this.vm.classes() || [];
    const user = new Set(this.vm.workspaceClasses() || []);
    const packageOf = (c) => (user.has(c.name) ? USER_PACKAGE : c.category || 'Kernel');
    const kernelPackages = [...new Set(all.filter((c) => !user.has(c.name)).map(packageOf))].sort();
    const pkgKey = kernelPackages.join('\u0000');
    if (pkgKey !== this.packageKey) {
      this.packageKey = pkgKey;
      this.packageList.replaceChildren(
        el('option', { text: 'Your classes', attrs: { value: USER_PACKAGE } }),
        ...kernelPackages.map((p) => el('option', { text: p, attrs: { value: p } })),
      );
    }
    if (this.followShown || !this.chosenPackage) {
      const shown = all.find((c) => c.name === this.className);
      this.chosenPackage = shown && this.mode !== 'newClass' ? packageOf(shown) : USER_PACKAGE;
      this.followShown = false;
    }
    this.packageList.value = this.chosenPackage;
    const names = all.filter((c) => packageOf(c) === this.chosenPackage).map((c) => c.name);
    const key = `${this.chosenPackage}\u0000${names.join(' ')}`;
    if (key !== this.classKey) {
      this.classKey = key;
      this.classList.replaceChildren(...names.map((n) => el('option', { text: n, attrs: { value: n } })));
    }
    this.classList.value = this.mode === 'newClass' ? '' : this.className;
  }

  /** Lists a package's classes; the class shown stays until one is chosen. */
  choosePackage(pkg) {
    this.chosenPackage = pkg;
    this.refreshClasses();
  }

  /** Fills the method list of the class and side shown. */
  refreshMethods() {
    const ms = this.mode === 'newClass' ? [] : this.vm.methods(this.className, this.meta) || [];
    this.methodList.setAttribute('aria-label', `Methods of ${this.className}${this.side}`);
    this.methodList.replaceChildren(
      ...ms.map((m) => el('option', { text: `${m.selector}  v${m.version}`, attrs: { value: m.selector } })),
    );
    this.methodList.value = this.mode === 'method' ? this.selector : '';
    this.sideBox.checked = this.meta;
  }

  draftKey() {
    return `${this.mode}\u0000${this.className}\u0000${this.meta}\u0000${this.selector || ''}`;
  }

  /** Keeps unaccepted text of what is shown, before showing something else. */
  stash() {
    if (this.modified) this.drafts.set(this.draftKey(), this.textarea.value);
    else this.drafts.delete(this.draftKey());
  }

  /** Shows the installed source (or definition, or template). */
  load() {
    let text;
    this.version = 0;
    if (this.mode === 'method') {
      const m = this.vm.methodSource(this.className, this.meta, this.selector);
      if (m) {
        text = m.source;
        this.version = m.version;
      } else {
        // removed meanwhile: a template with the old pattern
        this.mode = 'newMethod';
        text = `${this.selector}\n\t"new method"\n\t^ self`;
      }
    } else if (this.mode === 'newMethod') {
      text = METHOD_TEMPLATE;
    } else if (this.mode === 'class') {
      const def = this.vm.classDefinition(this.className);
      if (def === null || def === undefined) {
        this.mode = 'newClass';
        text = classTemplate();
      } else {
        text = def;
      }
    } else {
      text = classTemplate();
    }
    this.accepted = text;
    this.textarea.value = this.drafts.get(this.draftKey()) ?? text;
    this.clearError();
    this.refreshMethods();
    // the lists follow what is shown (its package may be another)
    this.followShown = true;
    this.refreshClasses();
    this.refresh();
  }

  show(change) {
    this.stash();
    Object.assign(this, change);
    this.hideHistory();
    this.load();
    this.onChanged(this);
  }

  chooseClass(name) {
    if (!name) return;
    this.show({ className: name, mode: 'class', selector: null });
  }

  chooseSide(meta) {
    this.show({ meta, mode: 'class', selector: null });
  }

  chooseMethod(selector) {
    if (!selector) return;
    this.show({ selector, mode: 'method' });
    this.announcer.say(`${this.title}, version ${this.version}.`);
  }

  newMethod() {
    this.show({ mode: 'newMethod', selector: null });
    this.textarea.focus();
  }

  newClass() {
    this.show({ mode: 'newClass', selector: null });
    this.textarea.focus();
  }

  edited() {
    if (this.error) this.clearError();
    this.refresh();
    this.onChanged(this);
  }

  get modified() {
    return this.textarea.value !== this.accepted;
  }

  get isMethod() {
    return this.mode === 'method';
  }

  refresh() {
    this.titleEl.textContent = this.title;
    const showVersion = this.mode === 'method' || this.mode === 'newMethod';
    this.versionEl.hidden = !showVersion;
    this.versionEl.textContent = this.version ? `v${this.version}` : 'new';
    this.historyBtn.hidden = this.mode !== 'method' || !this.onHistory;
    this.modifiedEl.hidden = !this.modified;
    this.root.classList.toggle('is-modified', this.modified);
    if (this.mode !== 'method') this.showActivations([]);
    const n = this.textarea.value.split('\n').length;
    if (n !== this.gutterLines) {
      this.gutterLines = n;
      this.gutter.textContent = Array.from({ length: n }, (_, i) => String(i + 1)).join('\n');
      // the editor grows with its text, as far as the window leaves room (style.css)
      this.textarea.style.setProperty('--lines', String(n));
    }
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  /** Compiles and installs the text: a method as a new version, or a class definition. */
  accept() {
    const source = this.textarea.value;
    if (this.mode === 'class' || this.mode === 'newClass') return this.acceptClass(source);
    const r = this.vm.accept(this.className, this.meta, source);
    if (!r.ok) {
      this.showError(r.error, source);
      return false;
    }
    this.drafts.delete(this.draftKey());
    this.clearError();
    this.mode = 'method';
    if (r.selector) this.selector = r.selector;
    this.accepted = source;
    this.version = r.version;
    this.drafts.delete(this.draftKey());
    this.refreshMethods();
    this.refresh();
    this.announcer.say(`Accepted ${this.title} as version ${r.version}.`);
    if (r.warnings?.length) this.showWarnings(r.warnings, source);
    this.onAccepted(this);
    this.onChanged(this);
    return true;
  }

  acceptClass(source) {
    const r = this.vm.defineClass(source);
    if (!r.ok) {
      this.showError(r.error, source);
      return false;
    }
    this.drafts.delete(this.draftKey());
    this.clearError();
    this.className = r.name;
    this.meta = false;
    this.mode = 'class';
    this.selector = null;
    this.drafts.delete(this.draftKey());
    this.load();
    this.refreshClasses();
    this.announcer.say(`Defined class ${r.name}.`);
    this.onDefined(this, r.name);
    this.onChanged(this);
    return true;
  }

  /** Puts `source` in the editor as if typed (history revert, restore). */
  setText(source) {
    this.textarea.value = source;
    this.edited();
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

  /**
   * Warnings of an accepted method (`NAME:LINE:COL: warning: undeclared
   * variable Foo`, as the command line prints them): said under the editor
   * and marked at the first one's place, as a compile error is; the method
   * is installed (as Squeak does with Undeclared), and the variable reads
   * as nil until it is defined. Typing clears the mark.
   */
  showWarnings(warnings, source) {
    const found = warnings.map((w) => /:(\d+):(\d+): warning: (.*)$/.exec(w)).filter(Boolean);
    if (!found.length) return;
    const said = found.map(([, l, c, m]) => `Line ${l}, column ${c}: ${m}`).join('; ');
    this.errorEl.textContent = `${said} — accepted; it reads as nil until it is defined.`;
    this.errorEl.classList.add('is-warning');
    this.errorEl.hidden = false;
    this.root.classList.add('has-warning');
    this.announcer.say(`Warning in ${this.title}: ${said}.`);
    // the first one's place, as a UTF-16 index into the source
    const [, line, col] = found[0].map(Number);
    const lines = source.split('\n');
    let start = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
    start += [...(lines[line - 1] ?? '')].slice(0, col - 1).join('').length;
    this.error = { start };
    this.errorSource = source;
    this.placeMarker();
  }

  clearError() {
    this.error = null;
    this.errorEl.hidden = true;
    this.errorEl.textContent = '';
    this.errorEl.classList.remove('is-warning');
    this.root.classList.remove('has-warning');
    this.errLine.hidden = true;
    this.errCol.hidden = true;
    this.textarea.removeAttribute('aria-invalid');
    this.root.classList.remove('has-error');
  }

  /** Top (px, relative to the code area) and height of lines `a..b` (0-based) of the textarea. */
  lineBox(a, b) {
    const cs = getComputedStyle(this.textarea);
    const lineH = parseFloat(cs.lineHeight) || 20;
    const padTop = parseFloat(cs.paddingTop) || 0;
    return { top: padTop + a * lineH - this.textarea.scrollTop, height: (b - a + 1) * lineH, cs };
  }

  /** Positions the line band and the column caret over the textarea. */
  placeMarker() {
    this.gutter.scrollTop = this.textarea.scrollTop;
    if (this.live) this.placeLive();
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
    const { top, height, cs } = this.lineBox(line, line);
    const padLeft = parseFloat(cs.paddingLeft) || 0;
    const left = padLeft + visual * charWidth(cs.font) - this.textarea.scrollLeft;
    this.errLine.style.top = `${top}px`;
    this.errLine.style.height = `${height}px`;
    this.errCol.style.top = `${top}px`;
    this.errCol.style.height = `${height}px`;
    this.errCol.style.left = `${left}px`;
    this.errLine.hidden = false;
    this.errCol.hidden = false;
  }

  /**
   * Live highlight: `pos` is { start, end, version, label } (UTF-16 range of
   * the installed source of this method) or null. Marks the statement's
   * lines with a band, and says which line runs in the header (text).
   * Only while the editor shows that version's source unmodified.
   */
  showLive(pos) {
    const usable = pos && this.mode === 'method' && !this.modified && pos.version === this.version;
    const key = usable ? `${pos.start}:${pos.end}:${pos.label}:${pos.state}` : '';
    if (key === this.liveKey) return;
    this.liveKey = key;
    this.live = usable ? pos : null;
    this.root.classList.toggle('is-live', !!usable);
    if (usable) this.root.dataset.live = pos.state || 'running';
    else delete this.root.dataset.live;
    if (!usable) {
      this.liveLine.hidden = true;
      this.liveEl.hidden = true;
      this.liveEl.textContent = '';
      return;
    }
    const text = this.textarea.value;
    const lineOf = (i) => text.slice(0, Math.min(i, text.length)).split('\n').length - 1;
    pos.lines = [lineOf(pos.start), lineOf(Math.max(pos.start, pos.end - 1))];
    this.liveEl.textContent =
      pos.lines[0] === pos.lines[1] ? `${pos.label} line ${pos.lines[0] + 1}` : `${pos.label} lines ${pos.lines[0] + 1}–${pos.lines[1] + 1}`;
    this.liveEl.hidden = false;
    this.placeLive();
  }

  placeLive() {
    const p = this.live;
    if (!p) return;
    const { top, height } = this.lineBox(p.lines[0], p.lines[1]);
    this.liveLine.style.top = `${top}px`;
    this.liveLine.style.height = `${height}px`;
    this.liveLine.hidden = false;
  }

  /** Shows how many activations still run an older version (R3). */
  showActivations(versions) {
    const old = this.mode === 'method' ? versions.filter((v) => v.version < this.version) : [];
    if (old.length === 0) {
      this.badgeEl.hidden = true;
      this.badgeEl.textContent = '';
      return;
    }
    const parts = old.map((v) => `${v.activations} activation${v.activations === 1 ? '' : 's'} still run${v.activations === 1 ? 's' : ''} v${v.version}`);
    this.badgeEl.textContent = parts.join(', ');
    this.badgeEl.hidden = false;
  }

  hideHistory() {
    this.historyEl.hidden = true;
    this.historyEl.replaceChildren();
    this.historyBtn.setAttribute('aria-expanded', 'false');
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
