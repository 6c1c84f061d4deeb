// When the VM traps. A panic in the VM (a bug: it must not happen) or a
// stack overflow inside the wasm leaves the instance's stack pointer and
// allocator inconsistent: no call into it can be trusted again, and a new
// LiveVm in the same instance is not a recovery. So the page starts again
// with a fresh instance: it saves what the user typed (the editors, the
// workspace, the run expression and the tier, into the autosave, whose
// classes and methods were saved at every accept), notes what happened in
// sessionStorage and reloads. The next start restores the autosave and
// says in plain words that the VM stopped and was started again.
//
// A trap while the page starts (restoring the autosave or opening a share
// link) would come back at every start: that autosave is set aside and
// that link dropped first, so the next start shows the demo.
//
// Every call into the VM goes through guard(), so a trap is noticed
// wherever it happens, even inside a pane's own try/catch.

import { KEY, setAside } from './autosave.js';

const NOTE = 'livetalk.crashed';

/** What a call into a VM that trapped throws, without entering it. */
export class VmStopped extends Error {
  constructor() {
    super('the VM has stopped; the page is starting again');
    this.name = 'VmStopped';
  }
}

/** Whether `err`, thrown by a call into the VM, means the instance is
 * unusable: a WebAssembly trap (`unreachable` after a panic, an access
 * out of bounds) or a stack overflow inside it. */
export function isTrap(err) {
  return err instanceof WebAssembly.RuntimeError || err instanceof RangeError;
}

/** The note left by the last recovery, removed as it is read: null or
 * { message, starting }. */
export function takeCrashNote() {
  try {
    const raw = sessionStorage.getItem(NOTE);
    if (raw === null) return null;
    sessionStorage.removeItem(NOTE);
    const note = JSON.parse(raw);
    return note && typeof note.message === 'string' ? note : null;
  } catch {
    return null;
  }
}

/** The plain words for a recovery note. */
export function crashNotice(note, restored) {
  const where = note.starting ? 'while the page was starting' : '';
  const what = restored
    ? 'your classes and methods were restored from the autosave, and nothing runs until you press Run'
    : note.starting
      ? 'what it was opening was set aside, and the demo is shown'
      : 'there was no autosave to restore, so the demo is shown';
  return `The VM stopped with an internal error${where ? ` ${where}` : ''} (${note.message}) and was started again: ${what}.`;
}

export class Recovery {
  /**
   * @param snapshot  () => { browsers, run, tier, workspace }: what the
   *                  user typed, read from the page (not from the VM)
   * @param onTrap    (message, restarting) => void: shows that the page
   *                  starts again (or, restarting false, that it cannot)
   * @param previous  the note of the last recovery (takeCrashNote)
   */
  constructor({ snapshot, onTrap, previous }) {
    this.snapshot = snapshot;
    this.onTrap = onTrap || (() => {});
    this.previous = previous;
    this.starting = true;
    this.trapped = null;
  }

  /** Wraps a LiveVm so that a trap in any of its calls starts the
   * recovery (the error is still thrown to the caller). */
  guard(vm) {
    const recovery = this;
    return new Proxy(vm, {
      get(target, key) {
        const v = Reflect.get(target, key, target);
        if (typeof v !== 'function') return v;
        return function guarded(...args) {
          // a VM that trapped is not entered again: what it answered
          // could be garbage (and be saved)
          if (recovery.trapped) throw new VmStopped();
          try {
            return v.apply(target, args);
          } catch (err) {
            if (isTrap(err)) recovery.trap(err);
            throw err;
          }
        };
      },
    });
  }

  /** The VM trapped: save what can be saved without it and start again. */
  trap(err) {
    if (this.trapped) return;
    const message = String(err && err.message ? err.message : err);
    this.trapped = message;
    if (this.starting) {
      // what was being opened must not trap again at the next start
      setAside();
      try {
        history.replaceState(null, '', location.pathname + location.search);
      } catch {
        // a sandboxed page: the link stays
      }
    } else {
      this.saveTyped();
    }
    try {
      sessionStorage.setItem(NOTE, JSON.stringify({ message, starting: this.starting }));
    } catch {
      // storage disabled: the page still starts again, without the notice
    }
    // a start that traps right after a start that trapped: the module
    // itself cannot start here, and starting again would loop
    const restarting = !(this.starting && this.previous && this.previous.starting);
    try {
      this.onTrap(message, restarting);
    } catch {
      // the page goes anyway
    }
    // after the current event: the caller's stack unwinds first
    if (restarting) setTimeout(() => location.reload(), 0);
  }

  /** Whether an error that reached the window is one this handled (the
   * trap itself, or a call refused after it). */
  handled(err) {
    return !!this.trapped && (isTrap(err) || err instanceof VmStopped);
  }

  /** Puts the editors' text, the workspace, the expression and the tier
   * into the autosaved entry (its classes and methods are as of the last
   * accept: the VM can no longer be asked). */
  saveTyped() {
    try {
      const raw = localStorage.getItem(KEY);
      if (raw === null) return;
      const data = JSON.parse(raw);
      const s = this.snapshot();
      Object.assign(data, {
        browsers: s.browsers,
        run: s.run,
        tier: s.tier,
        workspace: s.workspace,
        savedAt: new Date().toISOString(),
      });
      localStorage.setItem(KEY, JSON.stringify(data));
    } catch {
      // what was saved at the last accept stays
    }
  }
}
