// The Tier pane: the optimizing tier never changes what a program does,
// but it shows here.
//
// - The tier mode (off / on / eager); a change of mode is logged.
// - Per method: interpreted or optimized, the callees inlined into its
//   optimized code, and how many times it was deoptimized
//   (vm.tierReport(), refreshed a few times per second, not every frame).
//   The page's own methods first; the kernel's behind "show kernel methods".
// - A live event log of what vm.run reported (`tierEvents`), newest last
//   and capped, so a deoptimization storm cannot grow the DOM. Identical
//   events collapse into one line with a count, until the method is
//   deoptimized (what comes after is a new chapter of its story).
// - Deoptimizations are kept apart too (pinned), so that they stay in view
//   when the log has moved on.
// - The chosen method's story (optimized, inlined X, deoptimized because
//   ..., re-optimized) and, on request, its optimized code beside its
//   source (vm.disassemble), inlined scopes and guards marked.
// - Deoptimizations announced politely (at most about once a second) in
//   the pane's own status line, an aria-live region.
//
// Everything is rendered with textContent.

import { el, byId } from './dom.js';
import { render as highlight } from './highlight.js';
import { disassemblyLines, DisassemblyLinks } from './disasm-links.js';

/** Entries kept in the event log. */
export const MAX_LOG = 200;
/** Log entries added to the DOM per frame at most (the rest follow in the
 * next frames), so that a burst of events costs each frame little. */
export const MAX_ROWS_PER_FRAME = 20;
/** Steps kept per method story, and deoptimizations pinned. */
const MAX_STORY = 60;
const MAX_PINS = 30;
/** How often the per-method table is refreshed while the VM runs (ms). */
const TABLE_REFRESH_MS = 300;
/** ...and how soon after an event (the log and the table agree within it). */
const TABLE_SOON_MS = 60;
/** How often, at most, deoptimizations are announced (ms). */
const ANNOUNCE_MS = 1000;

/** `Foo class>>bar:` -> { className: 'Foo', meta: true, selector: 'bar:' } */
export function parseMethod(name) {
  const i = name.indexOf('>>');
  if (i < 0) return null;
  const cls = name.slice(0, i);
  const meta = cls.endsWith(' class');
  return { className: meta ? cls.slice(0, -6) : cls, meta, selector: name.slice(i + 2) };
}

/** The words of one story step (the event, told for its method). */
function storyText(e, reoptimized) {
  const t = e.text;
  switch (e.kind) {
    case 'optimized': {
      const osr = / at loop head \(OSR\)$/.test(t) ? ' at a loop head, while it ran' : '';
      return `${reoptimized ? 're-optimized' : 'optimized'}${osr}`;
    }
    case 'inlined': {
      const m = /^inlined (.*) into /.exec(t);
      return `inlined ${m ? m[1] : t}`;
    }
    case 'deoptimized': {
      const i = t.indexOf(`${e.method}: `);
      const reason = i >= 0 ? t.slice(i + e.method.length + 2) : t;
      const m = /^deoptimized (\d+ activations?)/.exec(t);
      return `deoptimized${m ? ` (${m[1]})` : ''}: ${reason}`;
    }
    case 'guardFailed':
      return t.replace(/^guard failed in \S+ /, 'a guard failed ');
    default:
      return t;
  }
}

export class TierPane {
  /**
   * @param vm        a LiveVm
   * @param announcer an Announcer (for mode changes)
   */
  constructor(vm, { announcer }) {
    this.vm = vm;
    this.announcer = announcer;
    this.select = byId('tier');
    this.kernelBox = byId('tier-kernel');
    this.statusEl = byId('tier-status');
    this.tableBody = byId('tier-methods');
    this.logEl = byId('tier-log');
    this.countEl = byId('tier-log-count');
    this.pinsWrap = byId('tier-pins-wrap');
    this.pinsEl = byId('tier-pins');
    this.detailEl = byId('tier-detail');
    this.detailTitle = byId('tier-detail-title');
    this.storyEl = byId('tier-story');
    this.codeToggle = byId('tier-code-toggle');
    this.codeEl = byId('tier-code');
    this.sourceEl = byId('tier-source');
    this.disasmEl = byId('tier-disasm');
    this.links = new DisassemblyLinks(this.disasmEl, this.sourceEl, byId('tier-code-link'));
    this.entries = []; // unique { kind, method, text, time, count, key }, newest last
    this.byKey = new Map(); // key -> entry in the log
    this.fresh = []; // entries not yet in the DOM
    this.recount = new Set(); // entries in the DOM whose count changed
    this.rebuild = false; // the DOM log must be rebuilt (cleared)
    this.total = 0; // events since the last Clear
    this.epochs = new Map(); // method -> deoptimizations seen (a new chapter each)
    this.stories = new Map(); // method -> { steps: [{ kind, text, count, key }], keys: Map }
    this.pins = []; // { text, time, count }
    this.storyDirty = false;
    this.pinsDirty = false;
    this.lastTable = 0;
    this.tableStale = false; // events came since the table was refreshed
    this.tableKey = null;
    this.methods = [];
    this.chosen = null; // the method whose story is shown
    this.codeKey = null;
    this.deopts = { count: 0, last: null }; // not yet announced
    this.lastAnnounce = -Infinity;
    this.t0 = performance.now();

    this.vm.setTier(this.select.value);
    this.select.addEventListener('change', () => this.setMode(this.select.value));
    this.kernelBox.addEventListener('change', () => {
      this.tableKey = null;
      this.refreshTable();
    });
    byId('tier-clear').addEventListener('click', () => this.clear());
    this.codeToggle.addEventListener('click', () => this.toggleCode());
    this.refreshTable();
    this.renderCount();
  }

  setMode(mode) {
    const r = this.vm.setTier(mode);
    this.announcer.say(r.ok ? `Tier ${mode}.` : r.error.message);
    if (r.ok) {
      const what = {
        off: 'every method runs interpreted from its next call',
        on: 'methods are optimized once they run hot',
        eager: 'methods are optimized at their first call',
      }[mode];
      this.handle([{ kind: 'mode', method: '', text: `tier set to ${mode}${what ? `: ${what}` : ''}` }]);
      this.renderLog();
    }
    this.refreshTable();
  }

  /**
   * Takes the tier events of one vm.run report (`dropped`: how many older
   * ones the report left out). No DOM work here: render() does it.
   */
  handle(events, dropped = 0) {
    this.total += dropped;
    if (!events || events.length === 0) return;
    // the table is state: show it soon after the log says it changed
    this.tableStale = true;
    const time = (performance.now() - this.t0) / 1000;
    for (const ev of events) {
      this.total += 1;
      if (ev.kind === 'deoptimized') {
        this.deopts.count += 1;
        this.deopts.last = ev.text;
        this.epochs.set(ev.method, (this.epochs.get(ev.method) || 0) + 1);
        this.pin(ev.text, time);
      }
      const epoch = this.epochs.get(ev.method) || 0;
      // the same event again in the same chapter: counted, not repeated
      const key = `${epoch}\u0000${ev.text}`;
      const seen = this.byKey.get(key);
      if (seen) {
        seen.count += 1;
        if (seen.counted) this.recount.add(seen);
      } else {
        const entry = { kind: ev.kind, method: ev.method, text: ev.text, time, count: 1, key };
        this.byKey.set(key, entry);
        this.entries.push(entry);
        this.fresh.push(entry);
      }
      if (ev.method) this.tell(ev, key);
    }
    if (this.entries.length > MAX_LOG) {
      for (const e of this.entries.splice(0, this.entries.length - MAX_LOG)) this.byKey.delete(e.key);
    }
    if (this.fresh.length > MAX_LOG) this.fresh.splice(0, this.fresh.length - MAX_LOG);
  }

  /** Adds an event to its method's story. */
  tell(ev, key) {
    let s = this.stories.get(ev.method);
    if (!s) {
      s = { steps: [], keys: new Map() };
      this.stories.set(ev.method, s);
    }
    const seen = s.keys.get(key);
    if (seen) {
      seen.count += 1;
    } else {
      const reoptimized = ev.kind === 'optimized' && (this.epochs.get(ev.method) || 0) > 0;
      const step = { kind: ev.kind, text: storyText(ev, reoptimized), full: ev.text, count: 1, key, re: reoptimized };
      s.keys.set(key, step);
      s.steps.push(step);
      if (s.steps.length > MAX_STORY) {
        // the oldest step goes, but deoptimizations stay (pinned)
        const i = s.steps.findIndex((x) => x.kind !== 'deoptimized');
        const [gone] = s.steps.splice(i < 0 ? 0 : i, 1);
        s.keys.delete(gone.key);
      }
    }
    if (ev.method === this.chosen) this.storyDirty = true;
  }

  pin(text, time) {
    const last = this.pins.find((p) => p.text === text);
    if (last) last.count += 1;
    else this.pins.push({ text, time, count: 1 });
    if (this.pins.length > MAX_PINS) this.pins.splice(0, this.pins.length - MAX_PINS);
    this.pinsDirty = true;
  }

  /**
   * Called once per animation frame: appends new log entries, refreshes
   * the table every TABLE_REFRESH_MS (or now, with `force`: the VM is
   * about to sleep), and announces deoptimizations.
   */
  render(force = false) {
    const now = performance.now();
    this.renderLog();
    if (this.pinsDirty) this.renderPins();
    const since = now - this.lastTable;
    if (force || since > TABLE_REFRESH_MS || (this.tableStale && since > TABLE_SOON_MS)) this.refreshTable(now);
    if (this.storyDirty) this.renderStory();
    if (this.deopts.last !== null && now - this.lastAnnounce > ANNOUNCE_MS) {
      this.lastAnnounce = now;
      const { count, last } = this.deopts;
      this.statusEl.textContent =
        count > 1 ? `${count} deoptimizations; the last: ${last}` : last;
      this.deopts = { count: 0, last: null };
    }
  }

  /**
   * Adds up to MAX_ROWS_PER_FRAME new entries to the DOM and updates the
   * counts of repeated ones. Reads no layout: the log's box keeps itself
   * scrolled to the newest entry (style.css).
   */
  renderLog() {
    if (!this.rebuild && this.fresh.length === 0 && this.recount.size === 0) return;
    const log = this.logEl;
    if (this.rebuild) {
      log.textContent = '';
      this.rebuild = false;
    }
    for (const e of this.recount) if (e.countEl) e.countEl.textContent = ` ×${e.count}`;
    this.recount.clear();
    const frag = document.createDocumentFragment();
    for (const e of this.fresh.splice(0, MAX_ROWS_PER_FRAME)) {
      e.countEl = el('span', { class: 'tier-repeat', text: e.count > 1 ? ` ×${e.count}` : '' });
      e.counted = true;
      frag.append(
        el(
          'li',
          { class: `tier-event is-${e.kind}` },
          el('span', { class: 'tier-time', text: `${e.time.toFixed(1)} s` }),
          ' ',
          el('span', { class: 'tier-text', text: e.text }),
          e.countEl,
        ),
      );
    }
    log.append(frag);
    while (log.childElementCount > MAX_LOG) log.firstElementChild.remove();
    this.renderCount();
  }

  renderPins() {
    this.pinsDirty = false;
    this.pinsWrap.hidden = this.pins.length === 0;
    this.pinsEl.replaceChildren(
      ...this.pins.map((p) =>
        el(
          'li',
          { class: 'tier-pin' },
          el('span', { class: 'tier-time', text: `${p.time.toFixed(1)} s` }),
          ' ',
          el('span', { class: 'tier-text', text: p.text }),
          el('span', { class: 'tier-repeat', text: p.count > 1 ? ` ×${p.count}` : '' }),
        ),
      ),
    );
  }

  renderCount() {
    const lines = this.entries.length;
    this.countEl.textContent =
      lines === this.total
        ? `(${lines} event${lines === 1 ? '' : 's'})`
        : `(${lines} line${lines === 1 ? '' : 's'} for ${this.total} events)`;
  }

  /** The page's own classes (the rest is the kernel's). */
  userClasses() {
    return new Set(this.vm.workspaceClasses() || []);
  }

  /** Re-reads vm.tierReport() and redraws the table if it changed. */
  refreshTable(now = performance.now()) {
    this.lastTable = now;
    this.tableStale = false;
    const methods = this.vm.tierReport() || [];
    const key = JSON.stringify(methods) + this.select.value + this.kernelBox.checked + this.chosen;
    if (key === this.tableKey) return;
    const changed = this.tableKey === null || !this.tableKey.startsWith(JSON.stringify(methods));
    this.tableKey = key;
    const user = this.userClasses();
    const isUser = (m) => {
      const p = parseMethod(m.method);
      return p && user.has(p.className);
    };
    const mine = methods.filter(isUser);
    const kernel = methods.filter((m) => !isUser(m));
    this.methods = methods;
    if (!this.chosen && mine.length) this.chosen = mine[0].method;
    const row = (m, isKernel) => {
      const inlined = m.inlined.length ? m.inlined.join(', ') : '—';
      const tr = el(
        'tr',
        {
          class: `${m.optimized ? 'is-optimized' : 'is-interpreted'}${isKernel ? ' is-kernel' : ''}`,
          attrs: { 'data-method': m.method, 'aria-current': m.method === this.chosen ? 'true' : null },
        },
        el('th', {
          text: m.method,
          attrs: { scope: 'row', title: `${m.method}: show its story and optimized code`, tabindex: 0 },
          on: {
            click: () => this.choose(m.method),
            keydown: (ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                this.choose(m.method);
              }
            },
          },
        }),
        el('td', { class: 'tier-state', text: m.optimized ? 'optimized' : 'interpreted' }),
        el('td', { class: 'tier-inlined', text: inlined, attrs: { title: inlined } }),
        el('td', { class: 'tier-deopts', text: m.deopts }),
      );
      return tr;
    };
    const rows = mine.map((m) => row(m, false));
    if (this.kernelBox.checked) rows.push(...kernel.map((m) => row(m, true)));
    else if (kernel.length) {
      rows.push(
        el(
          'tr',
          { class: 'tier-hidden-note' },
          el('td', {
            class: 'tier-empty',
            text: `${kernel.length} kernel method${kernel.length === 1 ? '' : 's'} hidden (show kernel methods)`,
            attrs: { colspan: 4 },
          }),
        ),
      );
    }
    if (methods.length === 0) {
      const why =
        this.select.value === 'off'
          ? 'The tier is off: every method runs interpreted.'
          : 'Nothing optimized yet: methods are optimized once they run hot.';
      rows.push(el('tr', {}, el('td', { class: 'tier-empty', text: why, attrs: { colspan: 4 } })));
    }
    // keyboard focus on a method name stays there when the rows are redrawn
    const focused = this.tableBody.contains(document.activeElement) ? document.activeElement.closest('tr')?.dataset.method : null;
    this.tableBody.replaceChildren(...rows);
    if (focused) {
      const th = [...this.tableBody.querySelectorAll('tr[data-method] th')].find((x) => x.parentElement.dataset.method === focused);
      if (th) th.focus();
    }
    this.renderStory();
    if (changed && !this.codeEl.hidden) this.renderCode();
  }

  /** Shows the story (and the code, when open) of `method`. */
  choose(method) {
    this.chosen = method;
    this.codeKey = null;
    this.tableKey = null;
    this.refreshTable();
    if (!this.codeEl.hidden) this.renderCode();
    this.announcer.say(`${method}: ${this.storyEl.childElementCount} steps.`);
  }

  renderStory() {
    this.storyDirty = false;
    const m = this.chosen;
    this.detailEl.hidden = !m;
    if (!m) return;
    this.detailTitle.textContent = `What the tier did with ${m}`;
    const s = this.stories.get(m);
    const steps = s ? s.steps : [];
    // one step per event, but callees inlined one after the other are one
    // step of the story (several pills)
    const items = [];
    const pill = (st) => [
      el('span', { class: 'tier-step-text', text: st.text, attrs: { title: st.full } }),
      el('span', { class: 'tier-repeat', text: st.count > 1 ? ` ×${st.count}` : '' }),
    ];
    let group = null;
    for (const st of steps) {
      if (st.kind === 'inlined' && group) {
        group.append(...pill(st));
        continue;
      }
      const li = el('li', { class: `tier-step is-${st.kind}${st.re ? ' is-re' : ''}` }, ...pill(st));
      group = st.kind === 'inlined' ? li : null;
      items.push(li);
    }
    if (items.length === 0) items.push(el('li', { class: 'tier-step is-none', text: 'No events yet (or cleared).' }));
    this.storyEl.replaceChildren(...items);
  }

  toggleCode() {
    const open = this.codeEl.hidden;
    this.codeEl.hidden = !open;
    this.codeToggle.setAttribute('aria-expanded', String(open));
    this.codeToggle.textContent = open ? 'Hide optimized code' : 'Show optimized code';
    if (open) {
      this.codeKey = null;
      this.renderCode();
    }
    // (the pane may move: wide when the code is shown, style.css)
    this.detailEl.scrollIntoView({ block: 'nearest' });
  }

  /** Source and disassembly of the chosen method, side by side. */
  renderCode() {
    const p = this.chosen && parseMethod(this.chosen);
    if (!p) return;
    const src = this.vm.methodSource(p.className, p.meta, p.selector);
    const dis = this.vm.disassemble(p.className, p.meta, p.selector);
    const key = `${this.chosen}\u0000${src ? src.version : ''}\u0000${dis}`;
    if (key === this.codeKey) return;
    this.codeKey = key;
    this.sourceEl.replaceChildren(src ? highlight(src.source) : 'No source.');
    const lines = (dis || 'Not available.').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    // each line linked to where it came from in the source (when the
    // source shown is the code's: same version)
    const map = src && dis ? this.vm.disassemblySources(p.className, p.meta, p.selector) : null;
    this.disasmEl.replaceChildren(...disassemblyLines(lines, map));
    this.links.reset();
    // the optimized part in view (on the user's request only: reads layout)
    const opt = this.disasmEl.querySelector('.dis-opt');
    this.disasmEl.scrollTop = opt ? opt.offsetTop - 4 : 0; // (the <pre> is positioned)
  }

  /** Empties the event log (the per-method table shows state, not history). */
  clear() {
    this.entries = [];
    this.byKey.clear();
    this.fresh = [];
    this.recount.clear();
    this.total = 0;
    this.rebuild = true;
    this.stories.clear();
    this.pins = [];
    this.pinsDirty = true;
    this.deopts = { count: 0, last: null };
    this.statusEl.textContent = '';
    this.renderLog();
    this.renderPins();
    this.renderStory();
    this.renderCount();
    this.announcer.say('Tier event log cleared.');
  }

  /** The texts in the log, oldest first (for tests). */
  texts() {
    return this.entries.map((e) => e.text);
  }
}
