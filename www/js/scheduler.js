// Time slices: runs the VM inside requestAnimationFrame, a few
// milliseconds per frame, so an endless Smalltalk loop never freezes the
// page (LIVE.md, "Time slices"). Accept, pause, restart and stop happen
// between two calls of the VM, i.e. between two instructions.
//
// The budget (BUDGET_MS) is for everything the page's script does in a
// frame: rendering, running the VM, and handling the VM's reports; the
// rest of the ~16 ms frame is the browser's (style, layout, paint, input).
// Each frame therefore first renders what the previous frame's slices
// produced (onFrame: Transcript, Canvas, live highlight, Tier pane, each
// bounded per frame and reading no layout after writing), and then gives
// the VM what is left of the budget through vm.runFor(ms, fuel): the VM
// reads the clock (performance.now()) every few thousand instructions and
// stops at the deadline, so a slice ends on time even when the code's
// speed changes (printString-heavy code runs far fewer instructions per
// ms than a counting loop). A call also ends at a process event
// (finished, error), after which the frame goes on with another call
// while time is left. Handling a report (onReport) is bounded too: the VM
// caps what one report carries (the newest 64 KiB of output, 100 tier
// events) and the page only files it; DOM work waits for onFrame. When
// rendering used up the budget, the VM sits the frame out (never two
// frames in a row). Rendering at the start of the next frame shows a
// slice's output one frame later than rendering at the end of its own,
// but that is what makes the page's work of a frame known before the VM
// gets its share; on the last frame before the loop sleeps, the frame
// renders again at its end.
//
// Garbage collections are slice-aware: the VM collects only where the
// collection (timed by the VM, ~1-2 ms in wasm) fits before the call's
// deadline; when it does not, the call reports gcDeferred and the frame
// ends, so that the next frame's first call starts with it. A call's end
// still comes a little after its deadline (the last stretch between two
// clock readings, ~0.1 ms, and the report), and each call's time is cut by
// a margin that follows the recent overruns. What a frame cannot plan for
// is the OS running something else in the middle of a call (the machine
// is busy): the VM reports the longest stretch it went without reading
// the clock (stallMs), and when its work began (startedAt), so that the
// rest of the call (entering it, building the report, returning: bounded
// work of ~0.05 ms) is known too; when either took STALL_MS or more, the
// thread was taken away (the OS, or the browser collecting its own
// garbage) and such frames are counted apart (stats.stalled).
//
// Background tabs: browsers stop animation frames in hidden tabs, so the
// VM pauses there and continues where it was when the tab is shown again.
// Delays measure wall-clock time, so one that expired while hidden fires
// at the first frame back.

/** The page's script time per animation frame (ms): rendering, the VM
 * and handling its reports; the rest of the ~16 ms is the browser's. */
export const BUDGET_MS = 8;
/** A frame counts as over the budget past BUDGET_MS + this (ms). */
export const FRAME_SLACK_MS = 1;
/** A call that went this long (ms) without reading the clock was stalled
 * (the VM reads it every ~0.1 ms of work). */
export const STALL_MS = 1;
/** When frames come late (a busy machine, heavy rendering), the budget
 * shrinks down to this, and grows back once frames are on time again. */
const MIN_BUDGET_MS = 3;
const LATE_FRAME_MS = 25;
/** No call for less than this (ms): the frame ends instead. */
const MIN_CALL_MS = 0.4;
/** Kept back from each call for handling its report (Transcript, events). */
const REPORT_MS = 0.5;
/** What a call may not exceed in instructions (a bound, not an estimate). */
const MAX_FUEL = 50_000_000;
/** The overrun margin: the largest recent overrun of a call past its time
 * (stalls aside), decaying by this factor per call, and never more than
 * MAX_MARGIN_MS. */
const MARGIN_DECAY = 0.9;
const MAX_MARGIN_MS = 1;

export class SliceRunner {
  /**
   * @param vm        a LiveVm
   * @param onReport  called with each vm.runFor report ({status, events, output, ...});
   *                  files what it needs, no DOM work
   * @param onFrame   called once per frame before the slices (render here), and
   *                  once more after them when the loop goes to sleep
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
    this.skipped = false; // the VM sat the last frame out
    this.stats = {
      frames: 0,
      lastFrameMs: 0,
      maxFrameMs: 0, // the longest frame: rendering + VM + reports
      maxVmMs: 0, // the longest time one frame spent inside vm.runFor
      maxReportMs: 0, // ...in onReport
      maxRenderMs: 0, // ...in onFrame
      // the longest frame less the stalls inside its VM calls
      maxFrameLessStallMs: 0,
      // the most one vm.runFor call ran past the time it was given (ms)
      maxCallOverrunMs: 0,
      // ...of which inside the VM (its report's lateMs)
      maxLateMs: 0,
      maxLateGcMs: 0, // ...the same for calls in which a collection ran
      maxStallMs: 0, // the longest stall in a call (report.stallMs)
      // the longest time a call spent outside the VM's work (see STALL_MS)
      maxOutsideMs: 0,
      collections: 0, // garbage collections since the VM was made
      gcCount: 0, // collections since resetStats()
      gcMaxMs: 0, // the longest of those (ms, timed by the VM)
      gcMs: 0, // time spent collecting since resetStats() (ms)
      gcDeferred: 0, // calls since resetStats() that put a collection off
      margin: 0, // the current overrun margin (ms)
      overBudget: 0, // frames over BUDGET_MS + FRAME_SLACK_MS
      stalled: 0, // ...of which within it but for a stall of the OS
      skipped: 0, // frames the VM sat out (rendering used the budget)
      callsLastFrame: 0,
      fuelLastFrame: 0,
      insnPerMs: 0,
      status: 'idle',
      budget: BUDGET_MS, // the budget of the current frame (ms)
      executed: 0, // instructions since resetStats()
      vmMs: 0, // time inside vm.runFor since resetStats()
      // samples of frame time (ms), newest last, for tests and the footer
      recent: [],
      // ...and less the stalls inside their VM calls
      recentLessStalls: [],
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

  /** onFrame, timed; a bug in a pane must not stop the program. */
  render() {
    const r0 = performance.now();
    try {
      this.onFrame(this.stats);
    } catch (err) {
      console.error(err);
    }
    return performance.now() - r0;
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
    const st = this.stats;
    // the page's work first: what the last frame's slices produced
    let inRender = this.render();
    let status = 'yielded';
    let calls = 0;
    let executed = 0;
    let inVm = 0; // time inside vm.runFor this frame
    let inReport = 0; // time inside onReport this frame
    let stall = 0; // time the calls of this frame were stalled (ms)
    while (true) {
      // what is left of the budget, less the time the report takes and
      // the margin for the call's overrun
      const left = this.budget - REPORT_MS - this.margin - (performance.now() - t0);
      // the VM sits a frame out when rendering used it up, but not two
      if (left < MIN_CALL_MS && (calls > 0 || !this.skipped)) break;
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
      const callMs = c1 - c0;
      inVm += callMs;
      calls += 1;
      executed += report.executed;
      const overrun = callMs - ms;
      st.maxCallOverrunMs = Math.max(st.maxCallOverrunMs, overrun);
      st.maxLateMs = Math.max(st.maxLateMs, report.lateMs);
      st.maxStallMs = Math.max(st.maxStallMs, report.stallMs);
      // the call less the VM's work: entering, the report, returning
      // (bounded work, 0.05-0.5 ms: a report carries 64 KiB of output and
      // 100 tier events at most, so a millisecond more is a stall)
      const outside = callMs - (report.now - report.startedAt);
      st.maxOutsideMs = Math.max(st.maxOutsideMs, outside);
      const callStall = (report.stallMs >= STALL_MS ? report.stallMs : 0) + (outside >= STALL_MS ? outside : 0);
      stall += callStall;
      // a stall is not the VM's doing and does not predict the next one
      const own = Math.max(0, overrun - callStall);
      this.margin = Math.min(MAX_MARGIN_MS, Math.max(own, this.margin * MARGIN_DECAY));
      if (report.collections !== st.collections) {
        st.maxLateGcMs = Math.max(st.maxLateGcMs, report.lateMs);
        // one collection per call at most, in practice; count them all
        st.gcCount += Math.max(0, report.collections - st.collections);
        st.gcMaxMs = Math.max(st.gcMaxMs, report.gcLastMs);
        st.gcMs += report.gcLastMs;
        st.collections = report.collections;
      }
      if (report.executed > 0 && callMs > 1) {
        // the speed, for the footer (slices no longer depend on it)
        const measured = report.executed / callMs;
        this.rate = 0.8 * this.rate + 0.2 * measured;
      }
      try {
        this.onReport(report);
      } catch (err) {
        console.error(err); // as for onFrame
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
    this.skipped = calls === 0;
    if (this.skipped) st.skipped += 1;
    st.status = status;
    st.callsLastFrame = calls;
    st.fuelLastFrame = executed;
    st.insnPerMs = this.rate;
    st.budget = this.budget;
    st.margin = this.margin;
    // no frame follows: render the last slices' output now
    if (status === 'idle') inRender += this.render();
    const spent = performance.now() - t0;
    st.frames += 1;
    st.lastFrameMs = spent;
    st.maxFrameMs = Math.max(st.maxFrameMs, spent);
    st.maxFrameLessStallMs = Math.max(st.maxFrameLessStallMs, spent - stall);
    st.maxVmMs = Math.max(st.maxVmMs, inVm);
    st.maxReportMs = Math.max(st.maxReportMs, inReport);
    st.maxRenderMs = Math.max(st.maxRenderMs, inRender);
    if (spent > BUDGET_MS + FRAME_SLACK_MS) {
      st.overBudget += 1;
      if (spent - stall <= BUDGET_MS + FRAME_SLACK_MS) st.stalled += 1;
    }
    st.executed += executed;
    st.vmMs += inVm;
    st.recent.push(spent);
    if (st.recent.length > 600) st.recent.shift();
    st.recentLessStalls.push(spent - stall);
    if (st.recentLessStalls.length > 600) st.recentLessStalls.shift();
    // 'waiting' (a Delay) polls once per frame; 'idle' sleeps until wake()
    if (status !== 'idle') this.wake();
    else this.lastFrameTime = null; // the next frame after a pause is not late
  }

  /** Forget the maximum so far (tests measure a window). */
  resetStats() {
    const s = this.stats;
    for (const k of ['maxFrameMs', 'maxVmMs', 'maxReportMs', 'maxRenderMs', 'maxFrameLessStallMs', 'maxCallOverrunMs', 'maxLateMs', 'maxLateGcMs', 'maxStallMs', 'maxOutsideMs']) s[k] = 0;
    for (const k of ['gcCount', 'gcMaxMs', 'gcMs', 'gcDeferred', 'overBudget', 'stalled', 'skipped', 'executed', 'vmMs']) s[k] = 0;
    s.recent = [];
    s.recentLessStalls = [];
  }
}
