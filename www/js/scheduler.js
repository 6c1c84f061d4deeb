// Time slices: runs the VM inside requestAnimationFrame, a few
// milliseconds per frame, so an endless Smalltalk loop never freezes the
// page (LIVE.md, "Time slices"). Accept, pause, restart and stop happen
// between two calls of the VM, i.e. between two instructions.
//
// Each frame gives the VM what is left of its budget through
// vm.runFor(ms, fuel): the VM reads the clock (performance.now()) every
// few thousand instructions and stops at the deadline, so a slice ends on
// time even when the code's speed changes (printString-heavy code runs
// far fewer instructions per ms than a counting loop). A call also ends
// at a process event (finished, error), after which the frame goes on
// with another call while time is left. The browser then paints and
// handles input.
//
// Garbage collections are slice-aware: the VM collects only where the
// collection (timed by the VM, ~1-2 ms in wasm) fits before the call's
// deadline; when it does not, the call reports gcDeferred and the frame
// ends, so that the next frame's first call, which has the whole budget,
// starts with it. Calls still overrun their time now and then (the
// OS preempts the renderer, a long primitive runs between two clock
// readings): each call's time is cut by a margin that follows the recent
// overruns.
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
/** No call for less than this (ms): the frame ends instead. */
const MIN_CALL_MS = 0.4;
/** Kept back from each call for handling its report (Transcript, events). */
const REPORT_MS = 0.5;
/** What a call may not exceed in instructions (a bound, not an estimate). */
const MAX_FUEL = 50_000_000;
/** The overrun margin: the largest recent overrun of a call past its time,
 * decaying by this factor per call, and never more than MAX_MARGIN_MS. */
const MARGIN_DECAY = 0.9;
const MAX_MARGIN_MS = 1;

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
    // instructions per ms, measured (shown in the footer)
    this.rate = 5_000;
    this.scheduled = false;
    this.budget = BUDGET_MS;
    // kept back from each call for its overrun (ms; see MARGIN_DECAY)
    this.margin = 0;
    this.lastFrameTime = null;
    this.stats = {
      frames: 0,
      lastFrameMs: 0,
      maxFrameMs: 0,
      maxVmMs: 0, // the longest time one frame spent inside vm.runFor
      // the most one vm.runFor call ran past the time it was given (ms)
      maxCallOverrunMs: 0,
      // ...of which inside the VM (its report's lateMs)
      maxLateMs: 0,
      maxLateGcMs: 0, // ...the same for calls in which a collection ran
      maxReportMs: 0, // the longest time one frame spent in onReport
      collections: 0, // garbage collections since the VM was made
      gcCount: 0, // collections since resetStats()
      gcMaxMs: 0, // the longest of those (ms, timed by the VM)
      gcMs: 0, // time spent collecting since resetStats() (ms)
      gcDeferred: 0, // calls since resetStats() that put a collection off
      margin: 0, // the current overrun margin (ms)
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
    let inVm = 0; // time inside vm.runFor this frame
    let inReport = 0; // time inside onReport this frame
    while (true) {
      // the VM's share of what is left, less the time its report takes
      // and less the margin for its overrun
      const left = this.budget - REPORT_MS - this.margin - (performance.now() - t0);
      if (calls > 0 && left < MIN_CALL_MS) break;
      const c0 = performance.now();
      const ms = Math.max(left, 0);
      let report;
      try {
        report = this.vm.runFor(ms, MAX_FUEL);
      } catch (err) {
        // a trap in the VM (a bug: the VM must not panic); stop for good
        this.crashed = err;
        this.onCrash(err);
        return;
      }
      const c1 = performance.now();
      lastCallMs = c1 - c0;
      inVm += lastCallMs;
      calls += 1;
      executed += report.executed;
      const st = this.stats;
      const overrun = lastCallMs - ms;
      st.maxCallOverrunMs = Math.max(st.maxCallOverrunMs, overrun);
      st.maxLateMs = Math.max(st.maxLateMs, report.lateMs);
      this.margin = Math.min(MAX_MARGIN_MS, Math.max(overrun, this.margin * MARGIN_DECAY));
      if (report.collections !== st.collections) {
        st.maxLateGcMs = Math.max(st.maxLateGcMs, report.lateMs);
        // one collection per call at most, in practice; count them all
        st.gcCount += Math.max(0, report.collections - st.collections);
        st.gcMaxMs = Math.max(st.gcMaxMs, report.gcLastMs);
        st.gcMs += report.gcLastMs;
        st.collections = report.collections;
      }
      if (report.executed > 0 && lastCallMs > 1) {
        // the speed, for the footer (slices no longer depend on it)
        const measured = report.executed / lastCallMs;
        this.rate = 0.8 * this.rate + 0.2 * measured;
      }
      try {
        this.onReport(report);
      } catch (err) {
        console.error(err); // as for onFrame below
      }
      inReport += performance.now() - c1;
      status = report.status;
      if (status !== 'yielded') break;
      if (report.gcDeferred) {
        // the collection did not fit: the next frame starts with it
        st.gcDeferred += 1;
        break;
      }
    }
    const spent = performance.now() - t0;
    const s = this.stats;
    s.frames += 1;
    s.lastFrameMs = spent;
    s.maxFrameMs = Math.max(s.maxFrameMs, spent);
    s.maxVmMs = Math.max(s.maxVmMs, inVm);
    s.maxReportMs = Math.max(s.maxReportMs, inReport);
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
    s.margin = this.margin;
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
    this.stats.maxVmMs = 0;
    this.stats.maxCallOverrunMs = 0;
    this.stats.maxLateMs = 0;
    this.stats.maxLateGcMs = 0;
    this.stats.maxReportMs = 0;
    this.stats.gcCount = 0;
    this.stats.gcMaxMs = 0;
    this.stats.gcMs = 0;
    this.stats.gcDeferred = 0;
    this.stats.overBudget = 0;
    this.stats.recent = [];
    this.stats.executed = 0;
    this.stats.vmMs = 0;
  }
}
