// Time slices: runs the VM inside requestAnimationFrame, a few
// milliseconds per frame, so an endless Smalltalk loop never freezes the
// page (LIVE.md, "Time slices"). Accept, pause, restart and stop happen
// between two calls of vm.run(fuel), i.e. between two instructions.
//
// Fuel (instructions per vm.run call) adapts to the measured speed: each
// call aims at CALL_TARGET_MS, or at a share (FIT) of what is left of the
// frame's budget when that is less, and calls repeat until less than
// MIN_CALL_MS is left. The browser then paints and handles input.
//
// Background tabs: browsers stop animation frames in hidden tabs, so the
// VM pauses there and continues where it was when the tab is shown again.
// Delays measure wall-clock time, so one that expired while hidden fires
// at the first frame back.

/** VM time per animation frame (ms); the rest of the ~16 ms is the page's. */
export const BUDGET_MS = 8;
/** When frames come late (a busy machine, heavy rendering), the VM's share
 * shrinks down to this, and grows back once frames are on time again. */
const MIN_BUDGET_MS = 3;
const LATE_FRAME_MS = 25;
const CALL_TARGET_MS = 2;
/** No call for less than this (ms): the frame ends instead. */
const MIN_CALL_MS = 0.4;
/** A call may take this share of the time left in the budget. */
const FIT = 0.75;
const MIN_FUEL = 1_000;
const MAX_FUEL = 50_000_000;

export class SliceRunner {
  /**
   * @param vm        a LiveVm
   * @param onReport  called with each vm.run report ({status, events, output, ...})
   * @param onFrame   called once per frame after the slices (render here)
   */
  constructor(vm, { onReport, onFrame, onCrash }) {
    this.vm = vm;
    this.onReport = onReport;
    this.onFrame = onFrame;
    this.onCrash = onCrash || ((err) => console.error(err));
    this.crashed = null;
    // instructions per ms: start low (wasm runs in its baseline tier for
    // the first calls) and let the measurements raise it
    this.rate = 5_000;
    this.scheduled = false;
    this.budget = BUDGET_MS;
    this.lastFrameTime = null;
    this.stats = {
      frames: 0,
      lastFrameMs: 0,
      maxFrameMs: 0,
      overBudget: 0, // frames whose VM time exceeded BUDGET_MS + 2 ms
      callsLastFrame: 0,
      fuelLastFrame: 0,
      insnPerMs: 0,
      status: 'idle',
      budget: BUDGET_MS, // the VM's share of the current frame (ms)
      executed: 0, // instructions since resetStats()
      vmMs: 0, // VM time since resetStats()
      // samples of VM time per frame (ms), newest last, for tests and the footer
      recent: [],
    };
    this.tick = this.tick.bind(this);
  }

  /** Makes sure a frame is scheduled (after start, resume, evaluate...). */
  wake() {
    if (!this.scheduled && !this.crashed) {
      this.scheduled = true;
      requestAnimationFrame(this.tick);
    }
  }

  tick(frameTime) {
    this.scheduled = false;
    const t0 = performance.now();
    if (this.lastFrameTime !== null) {
      const late = frameTime - this.lastFrameTime > LATE_FRAME_MS;
      this.budget = late
        ? Math.max(MIN_BUDGET_MS, this.budget * 0.7)
        : Math.min(BUDGET_MS, this.budget + 0.25);
    }
    this.lastFrameTime = frameTime;
    let status = 'yielded';
    let calls = 0;
    let executed = 0;
    let lastCallMs = 0;
    while (true) {
      // fit the call into what is left of the budget (with a margin for
      // the variance of the measured rate), so the last call of a frame
      // does not overrun it
      const left = this.budget - (performance.now() - t0);
      if (calls > 0 && left < MIN_CALL_MS) break;
      const ms = Math.min(CALL_TARGET_MS, left * FIT);
      const fuel = Math.min(MAX_FUEL, Math.max(MIN_FUEL, Math.round(this.rate * ms)));
      const c0 = performance.now();
      let report;
      try {
        report = this.vm.run(fuel);
      } catch (err) {
        // a trap in the VM (a bug: the VM must not panic); stop for good
        this.crashed = err;
        this.onCrash(err);
        return;
      }
      const c1 = performance.now();
      lastCallMs = c1 - c0;
      calls += 1;
      executed += report.executed;
      if (report.executed >= MIN_FUEL && lastCallMs > 1) {
        // smooth, but follow slowdowns (GC, printString-heavy code) fast
        const measured = report.executed / lastCallMs;
        this.rate = measured < this.rate ? measured : 0.8 * this.rate + 0.2 * measured;
      }
      try {
        this.onReport(report);
      } catch (err) {
        console.error(err); // as for onFrame below
      }
      status = report.status;
      if (status !== 'yielded') break;
    }
    const spent = performance.now() - t0;
    const s = this.stats;
    s.frames += 1;
    s.lastFrameMs = spent;
    s.maxFrameMs = Math.max(s.maxFrameMs, spent);
    if (spent > BUDGET_MS + 2) s.overBudget += 1;
    s.executed += executed;
    s.vmMs += spent;
    s.callsLastFrame = calls;
    s.fuelLastFrame = executed;
    s.insnPerMs = this.rate;
    s.status = status;
    s.recent.push(spent);
    if (s.recent.length > 600) s.recent.shift();
    s.budget = this.budget;
    try {
      this.onFrame(this.stats);
    } catch (err) {
      // a bug in a pane must not stop the program
      console.error(err);
    }
    // 'waiting' (a Delay) polls once per frame; 'idle' sleeps until wake()
    if (status !== 'idle') this.wake();
    else this.lastFrameTime = null; // the next frame after a pause is not late
  }

  /** Forget the maximum so far (tests measure a window). */
  resetStats() {
    this.stats.maxFrameMs = 0;
    this.stats.overBudget = 0;
    this.stats.recent = [];
    this.stats.executed = 0;
    this.stats.vmMs = 0;
  }
}
