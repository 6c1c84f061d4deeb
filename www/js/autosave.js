// Autosave (issue 4): the workspace is saved to localStorage under a
// versioned key, on every accept and, debounced, while editing, with the
// text typed but not yet accepted. A reload restores it: the user's
// classes and methods (as a share link, the same v1 codec as the Share
// button), kernel methods the user changed, the browsers with their
// editors' text, the workspace text, the run expression and the tier.
// Restoring never runs anything: the program starts only with Run.
//
// A share link in the URL wins over the autosave. An entry that cannot be
// read (not JSON, an unknown schema, a damaged link) is moved aside to
// KEY + '.bad', reported in a visible and announced notice, and the demo
// opens instead; it never stops the page.

export const KEY = 'livetalk.autosave.v1';
export const SCHEMA = 1;
const DEBOUNCE_MS = 400;

/** Reads the saved entry: null (none), { ok: true, data } or { ok: false, message }. */
export function readAutosave(storage = safeStorage()) {
  if (!storage) return null;
  let raw;
  try {
    raw = storage.getItem(KEY);
  } catch {
    return null;
  }
  if (raw === null) return null;
  let data;
  try {
    data = JSON.parse(raw);
  } catch {
    return bad(storage, raw, 'it is not valid JSON');
  }
  if (!data || typeof data !== 'object') return bad(storage, raw, 'it is not an object');
  if (data.schema !== SCHEMA) return bad(storage, raw, `unknown schema version ${JSON.stringify(data.schema)}`);
  const str = (v) => typeof v === 'string';
  if (!str(data.link) || !data.link.startsWith('#v1/')) return bad(storage, raw, 'it holds no workspace');
  if (!Array.isArray(data.browsers) || !Array.isArray(data.kernelMethods)) return bad(storage, raw, 'its lists are missing');
  if (!str(data.run) || !str(data.tier) || !str(data.workspace)) return bad(storage, raw, 'its settings are missing');
  for (const b of data.browsers) {
    if (!b || !str(b.className) || !str(b.mode) || !str(b.text) || typeof b.meta !== 'boolean') {
      return bad(storage, raw, 'a browser entry is damaged');
    }
  }
  for (const m of data.kernelMethods) {
    if (!m || !str(m.className) || !str(m.source) || typeof m.meta !== 'boolean') {
      return bad(storage, raw, 'a method entry is damaged');
    }
  }
  return { ok: true, data };
}

/** Moves the saved entry aside (it could not be restored). */
export function setAside(storage = safeStorage()) {
  try {
    const raw = storage && storage.getItem(KEY);
    if (raw !== null && raw !== undefined) bad(storage, raw, '');
  } catch {
    // nothing to keep
  }
}

function bad(storage, raw, why) {
  try {
    storage.setItem(`${KEY}.bad`, raw);
    storage.removeItem(KEY);
  } catch {
    // full or disabled: the notice still shows
  }
  return { ok: false, message: why };
}

/**
 * Restores `data` into a fresh `vm` (classes, methods, tier). Answers
 * { ok: true } or { ok: false, message }; never throws, never runs code
 * except class definitions.
 */
export function restoreInto(vm, data) {
  try {
    const r = vm.openLink(data.link);
    if (!r || !r.ok) return { ok: false, message: `the saved workspace is damaged (${r && r.error ? r.error.message : 'unknown error'})` };
    for (const m of data.kernelMethods) {
      const a = vm.accept(m.className, m.meta, m.source);
      if (!a || !a.ok) return { ok: false, message: `a saved method of ${m.className} does not compile` };
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, message: String(err && err.message ? err.message : err) };
  }
}

/**
 * Opens the page's storage ahead of reading it: the first access takes
 * tens of milliseconds in a fresh profile, time the page has while the VM
 * compiles.
 */
export function openStorage() {
  safeStorage();
}

function safeStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export class Autosaver {
  /**
   * @param vm        a LiveVm
   * @param snapshot  () => { browsers, run, tier, workspace }
   * @param onError   (message) => void, once per failure streak
   */
  constructor(vm, { snapshot, onError }) {
    this.vm = vm;
    this.snapshot = snapshot;
    this.onError = onError || (() => {});
    this.timer = null;
    this.failing = false;
    this.saves = 0;
  }

  /** Saves soon (while typing). */
  soon() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.now(), DEBOUNCE_MS);
  }

  /** Saves now if a save is pending (the page is being left). */
  flush() {
    if (this.timer) this.now();
  }

  /** Saves now (after an accept). */
  now() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const storage = safeStorage();
    if (!storage) return;
    try {
      const s = this.snapshot();
      const link = this.vm.shareLink(this.vm.workspaceClasses(), s.run, s.tier);
      if (!link || !link.ok) throw new Error(link && link.error ? link.error.message : 'cannot capture the workspace');
      const data = {
        schema: SCHEMA,
        savedAt: new Date().toISOString(),
        link: link.link,
        kernelMethods: (this.vm.changedKernelMethods() || []).map((m) => ({
          className: m.className,
          meta: m.meta,
          source: m.source,
        })),
        browsers: s.browsers,
        run: s.run,
        tier: s.tier,
        workspace: s.workspace,
      };
      storage.setItem(KEY, JSON.stringify(data));
      this.saves += 1;
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.onError(`Autosave failed: ${err && err.message ? err.message : err}`);
      this.failing = true;
    }
  }
}
