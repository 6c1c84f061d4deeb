// The Tier pane (LIVE.md, "What the user can see of the tier"): the
// optimizing tier never changes what a program does, but it shows here.
//
// - The tier mode (off / on / eager).
// - Per method: interpreted or optimized, the callees inlined into its
//   optimized code, and how many times it was deoptimized
//   (vm.tierReport(), refreshed a few times per second, not every frame).
// - A live event log of what vm.run reported (`tierEvents`), newest last
//   and capped, so a deoptimization storm cannot grow the DOM.
// - Deoptimizations announced politely (at most about once a second) in
//   the pane's own status line, an aria-live region.
//
// Everything is rendered with textContent.

import { el, byId } from './dom.js';

/** Entries kept in the event log. */
export const MAX_LOG = 200;
/** Log entries added to the DOM per frame at most (the rest follow in the
 * next frames), so that a burst of events costs each frame little. */
export const MAX_ROWS_PER_FRAME = 20;
/** How often the per-method table is refreshed while the VM runs (ms). */
const TABLE_REFRESH_MS = 300;
/** How often, at most, deoptimizations are announced (ms). */
const ANNOUNCE_MS = 1000;

export class TierPane {
  /**
   * @param vm        a LiveVm
   * @param announcer an Announcer (for mode changes)
   */
  constructor(vm, { announcer }) {
    this.vm = vm;
    this.announcer = announcer;
    this.select = byId('tier');
    this.statusEl = byId('tier-status');
    this.tableBody = byId('tier-methods');
    this.logEl = byId('tier-log');
    this.countEl = byId('tier-log-count');
    this.entries = []; // { kind, method, text, time }, newest last
    this.fresh = []; // entries not yet in the DOM
    this.rebuild = false; // the DOM log must be rebuilt (cleared)
    this.total = 0; // events since the last Clear
    this.lastTable = 0;
    this.tableKey = null;
    this.deopts = { count: 0, last: null }; // not yet announced
    this.lastAnnounce = -Infinity;
    this.t0 = performance.now();

    this.vm.setTier(this.select.value);
    this.select.addEventListener('change', () => this.setMode(this.select.value));
    byId('tier-clear').addEventListener('click', () => this.clear());
    this.refreshTable();
    this.renderCount();
  }

  setMode(mode) {
    const r = this.vm.setTier(mode);
    this.announcer.say(r.ok ? `Tier ${mode}.` : r.error.message);
    this.refreshTable();
  }

  /**
   * Takes the tier events of one vm.run report (`dropped`: how many older
   * ones the report left out). No DOM work here: render() does it.
   */
  handle(events, dropped = 0) {
    this.total += dropped;
    if (!events || events.length === 0) return;
    const time = (performance.now() - this.t0) / 1000;
    for (const ev of events) {
      const entry = { kind: ev.kind, method: ev.method, text: ev.text, time };
      this.entries.push(entry);
      this.fresh.push(entry);
      this.total += 1;
      if (ev.kind === 'deoptimized') {
        this.deopts.count += ev.kind === 'deoptimized' ? 1 : 0;
        this.deopts.last = ev.text;
      }
    }
    if (this.entries.length > MAX_LOG) this.entries.splice(0, this.entries.length - MAX_LOG);
    if (this.fresh.length > MAX_LOG) this.fresh.splice(0, this.fresh.length - MAX_LOG);
  }

  /**
   * Called once per animation frame: appends new log entries, refreshes
   * the table every TABLE_REFRESH_MS (or now, with `force`: the VM is
   * about to sleep), and announces deoptimizations.
   */
  render(force = false) {
    const now = performance.now();
    this.renderLog();
    if (force || now - this.lastTable > TABLE_REFRESH_MS) this.refreshTable(now);
    if (this.deopts.last !== null && now - this.lastAnnounce > ANNOUNCE_MS) {
      this.lastAnnounce = now;
      const { count, last } = this.deopts;
      this.statusEl.textContent =
        count > 1 ? `${count} deoptimizations; the last: ${last}` : last;
      this.deopts = { count: 0, last: null };
    }
  }

  /**
   * Adds up to MAX_ROWS_PER_FRAME new entries to the DOM. Reads no layout:
   * the log's box keeps itself scrolled to the newest entry (style.css).
   */
  renderLog() {
    if (!this.rebuild && this.fresh.length === 0) return;
    const log = this.logEl;
    if (this.rebuild) {
      log.textContent = '';
      this.rebuild = false;
    }
    const frag = document.createDocumentFragment();
    for (const e of this.fresh.splice(0, MAX_ROWS_PER_FRAME)) {
      frag.append(
        el(
          'li',
          { class: `tier-event is-${e.kind}` },
          el('span', { class: 'tier-time', text: `${e.time.toFixed(1)} s` }),
          ' ',
          el('span', { class: 'tier-text', text: e.text }),
        ),
      );
    }
    log.append(frag);
    while (log.childElementCount > MAX_LOG) log.firstElementChild.remove();
    this.renderCount();
  }

  renderCount() {
    const shown = this.entries.length;
    this.countEl.textContent =
      shown < this.total ? `(last ${shown} of ${this.total})` : `(${shown} event${shown === 1 ? '' : 's'})`;
  }

  /** Re-reads vm.tierReport() and redraws the table if it changed. */
  refreshTable(now = performance.now()) {
    this.lastTable = now;
    const methods = this.vm.tierReport() || [];
    const key = JSON.stringify(methods) + this.select.value;
    if (key === this.tableKey) return;
    this.tableKey = key;
    const rows = methods.map((m) =>
      el(
        'tr',
        { class: m.optimized ? 'is-optimized' : 'is-interpreted', attrs: { 'data-method': m.method } },
        el('th', { text: m.method, attrs: { scope: 'row' } }),
        el('td', { class: 'tier-state', text: m.optimized ? 'optimized' : 'interpreted' }),
        el('td', { class: 'tier-inlined', text: m.inlined.length ? m.inlined.join(', ') : '—' }),
        el('td', { class: 'tier-deopts', text: m.deopts }),
      ),
    );
    if (rows.length === 0) {
      const why =
        this.select.value === 'off'
          ? 'The tier is off: every method runs interpreted.'
          : 'Nothing optimized yet: methods are optimized once they run hot.';
      rows.push(el('tr', {}, el('td', { class: 'tier-empty', text: why, attrs: { colspan: 4 } })));
    }
    this.tableBody.replaceChildren(...rows);
  }

  /** Empties the event log (the per-method table shows state, not history). */
  clear() {
    this.entries = [];
    this.fresh = [];
    this.total = 0;
    this.rebuild = true;
    this.deopts = { count: 0, last: null };
    this.statusEl.textContent = '';
    this.renderLog();
    this.renderCount();
    this.announcer.say('Tier event log cleared.');
  }

  /** The texts in the log, oldest first (for tests). */
  texts() {
    return this.entries.map((e) => e.text);
  }
}
