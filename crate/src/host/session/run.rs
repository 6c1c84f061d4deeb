//! Running the session's processes: the program and the workspace's
//! do-its and print-its in time slices, with bounded reports; and the
//! fileIn do-its the session runs to the end itself, hidden.

use super::*;
use crate::interp::{Outcome, ProcState};
use std::cell::Cell;
use std::collections::VecDeque;

/// The processes the session keeps track of, and their events for the
/// page.
#[derive(Default)]
pub(super) struct Book {
    /// Events not yet reported by `run`.
    pub pending: VecDeque<Event>,
    /// Workspace processes whose value should be printed.
    pub want_print: HashSet<usize>,
    /// printString process → the workspace process it prints for.
    pub printing: HashMap<usize, usize>,
    /// Processes the host runs itself (fileIn do-its): not reported.
    pub hidden: HashSet<usize>,
    /// The workspace's evaluations and their print-its' printString
    /// processes: what they and the processes they fork write to the
    /// Transcript is reported apart (`workspace_output`).
    pub evaluations: HashSet<usize>,
}

impl Session {
    /// Starts `expr` as the program process (not run until `run`).
    pub fn start(&mut self, expr: &str) -> Reply {
        match self.vm.start(expr, PROGRAM_PRIORITY) {
            Ok(pid) => Reply {
                ok: true,
                pid: Some(pid),
                ..Reply::default()
            },
            Err(e) => failure(host_error(e)),
        }
    }

    /// Starts a workspace do-it (or, with `print`, a print-it) as a
    /// process above the program's priority. Its result arrives as a
    /// `finished` (or `printed`) event from `run`.
    pub fn evaluate(&mut self, source: &str, print: bool) -> Reply {
        match self.vm.start(source, WORKSPACE_PRIORITY) {
            Ok(pid) => {
                self.book.evaluations.insert(pid);
                if print {
                    self.book.want_print.insert(pid);
                }
                Reply {
                    ok: true,
                    pid: Some(pid),
                    ..Reply::default()
                }
            }
            Err(e) => failure(host_error(e)),
        }
    }

    /// Runs at most `fuel` instructions of the ready processes and
    /// reports what happened, with the Transcript output produced.
    pub fn run(&mut self, fuel: f64) -> RunReport {
        self.run_report(clamp_fuel(fuel), None)
    }

    /// Like `run`, and also stops once `ms` milliseconds have passed on
    /// the VM clock (`performance.now()`): the VM reads the clock every
    /// few thousand instructions, so a time slice ends on time whatever
    /// the code does (a fuel estimate cannot follow code whose speed
    /// changes). A report's `now` is that clock.
    pub fn run_for(&mut self, ms: f64, fuel: f64) -> RunReport {
        let ms = if ms.is_nan() {
            0.0
        } else {
            ms.clamp(0.0, 60_000.0)
        };
        let deadline = (self.vm.clock)() + ms;
        self.run_report(clamp_fuel(fuel), Some(deadline))
    }

    /// Collections: the page's collection point is [`Self::host_gc_bytes`];
    /// with a deadline, `run_until` collects where it fits before the
    /// deadline, or puts the collection off to the next call (`gcDeferred`;
    /// the call then also ends after a process event, instead of running
    /// on with what is left of its time).
    ///
    /// A report is bounded, so that handling it costs the page little
    /// whatever the code did: it carries the newest [`MAX_REPORT_LINES`]
    /// lines of output ([`MAX_REPORT_OUTPUT`] bytes at most) and
    /// [`MAX_REPORT_TIER_EVENTS`] tier events, and says how much it left out.
    fn run_report(&mut self, fuel: u64, deadline: Option<f64>) -> RunReport {
        let started_at = (self.vm.clock)();
        self.watch.reset(started_at);
        let collections = self.vm.heap.collections;
        (self.vm.heap.soft_threshold, self.vm.heap.soft_objects) = self.host_gc_points();
        if deadline.is_none() {
            self.vm.collect_if_due(None);
        }
        let start = self.vm.insn_count;
        // The workspace phase: while an evaluation is ready it runs first,
        // with the processes below its priority set aside. When the program
        // is ready too, the evaluation has the first half of the slice and
        // the program the second (the fair share); alone, either has the
        // whole slice.
        let mut phase = None;
        if self.vm.ready_at(WORKSPACE_PRIORITY) {
            let share = deadline.filter(|_| self.vm.ready_below(WORKSPACE_PRIORITY));
            let until = match share {
                Some(d) => Some(started_at + (d - started_at) / 2.0),
                None => deadline,
            };
            let below = self.set_aside_below(WORKSPACE_PRIORITY);
            phase = Some(self.run_phase(start, fuel, until));
            self.put_back_below(below);
        }
        let used = self.vm.insn_count - start;
        let time_left = deadline.is_none_or(|d| (self.vm.clock)() < d);
        let (status, until) = match phase {
            Some(done) if used >= fuel || !time_left => done,
            _ => {
                // the program's phase: evaluations made ready meanwhile (a
                // Delay that fired) wait for the next call's workspace phase
                let aside = self.vm.set_aside_priority(WORKSPACE_PRIORITY);
                let (mut status, mut until) = self.run_phase(start, fuel, deadline);
                self.vm.put_back_priority(WORKSPACE_PRIORITY, aside);
                if status != "yielded" && self.vm.ready_at(WORKSPACE_PRIORITY) {
                    // the program blocked or ended, an evaluation has not
                    (status, until) = ("yielded", None);
                }
                (status, until)
            }
        };
        let now = (self.vm.clock)();
        let collected = self.vm.heap.collections != collections;
        let stall_ms = self
            .watch
            .stall(collected.then_some(self.vm.heap.gc_last_ms));
        // every write is tagged with its writer's origin: what the
        // evaluations (and what they forked) wrote comes apart too
        let (text, runs) = self.vm.transcript.take_runs();
        let mut workspace_output = String::new();
        for r in &runs {
            if self.book.evaluations.contains(&r.origin) {
                workspace_output.push_str(text.get(r.start..r.end).unwrap_or_default());
            }
        }
        let (output, output_dropped) = newest_output(text, MAX_REPORT_LINES, MAX_REPORT_OUTPUT);
        let output_runs = output_runs(&output, output_dropped, &runs, &self.book.evaluations);
        // (an evaluation is kept while a process of its origin is)
        let live: HashSet<usize> = self.vm.procs.iter().map(|p| p.origin).collect();
        self.book.evaluations.retain(|pid| live.contains(pid));
        let (workspace_output, workspace_output_dropped) = newest_output(
            workspace_output,
            MAX_REPORT_WORKSPACE_LINES,
            MAX_REPORT_WORKSPACE_OUTPUT,
        );
        let mut tier_events = self.vm.take_tier_events();
        let tier_events_dropped = tier_events.len().saturating_sub(MAX_REPORT_TIER_EVENTS);
        tier_events.drain(..tier_events_dropped);
        let report = RunReport {
            status,
            until,
            executed: (self.vm.insn_count - start) as f64,
            started_at,
            now,
            late_ms: deadline.map_or(0.0, |d| (now - d).max(0.0)),
            collections: self.vm.heap.collections as f64,
            gc_last_ms: self.vm.heap.gc_last_ms,
            gc_max_ms: self.vm.heap.gc_max_ms,
            gc_deferred: self.vm.heap.gc_deferred,
            events: self.book.pending.drain(..).collect(),
            tier_events: tier_events.iter().map(TierEventReport::new).collect(),
            output,
            output_dropped: output_dropped as f64,
            output_runs,
            workspace_output,
            workspace_output_dropped: workspace_output_dropped as f64,
            tier_events_dropped: tier_events_dropped as f64,
            stall_ms,
        };
        report
    }

    /// Sets aside the ready processes of every priority below `pr` (see
    /// `Vm::set_aside_priority`), highest first.
    fn set_aside_below(&mut self, pr: u8) -> Vec<(u8, VecDeque<usize>)> {
        let mut out = Vec::new();
        for p in (1..pr).rev() {
            if self.vm.ready_at(p) {
                out.push((p, self.vm.set_aside_priority(p)));
            }
        }
        out
    }

    /// Puts back what [`Self::set_aside_below`] set aside.
    fn put_back_below(&mut self, aside: Vec<(u8, VecDeque<usize>)>) {
        for (p, q) in aside.into_iter().rev() {
            self.vm.put_back_priority(p, q);
        }
    }

    /// Runs the ready processes until `fuel` (counted from `start`) is
    /// spent, `deadline` passes, or nothing can run.
    fn run_phase(
        &mut self,
        start: u64,
        fuel: u64,
        deadline: Option<f64>,
    ) -> (&'static str, Option<f64>) {
        loop {
            let used = self.vm.insn_count - start;
            if used >= fuel {
                return ("yielded", None);
            }
            let outcome = match deadline {
                Some(d) => self.vm.run_until(fuel - used, d),
                None => self.vm.run(fuel - used),
            };
            match outcome {
                Outcome::Yielded => return ("yielded", None),
                Outcome::Waiting { until: t } => return ("waiting", Some(t)),
                Outcome::Idle => return ("idle", None),
                ev => {
                    self.book.note(&mut self.vm, ev);
                    // a put-off collection waits for the next call
                    if self.vm.heap.gc_deferred || deadline.is_some_and(|d| (self.vm.clock)() >= d)
                    {
                        return ("yielded", None);
                    }
                }
            }
        }
    }

    /// Pauses a process; it keeps its stack.
    pub fn pause(&mut self, pid: u32) -> Reply {
        let r = self.vm.pause(pid as usize);
        result(r)
    }

    /// Resumes a paused process, or proceeds one stopped on an error
    /// (the failed operation answers nil, as Squeak's Proceed does).
    pub fn resume(&mut self, pid: u32) -> Reply {
        let r = self.vm.resume(pid as usize);
        result(r)
    }

    /// Terminates a process, running its `ensure:` blocks.
    pub fn terminate(&mut self, pid: u32) -> Reply {
        let r = self.vm.terminate_process(pid as usize);
        result(r)
    }

    /// Restarts frame `frame` (an `index` from `stack`) of a process with
    /// the method now installed for its selector (R8). A process stopped
    /// on an error stays suspended until `resume`.
    pub fn restart(&mut self, pid: u32, frame: u32) -> Reply {
        let r = self.vm.restart_frame(pid as usize, frame as usize);
        result(r)
    }

    /// Takes the Transcript output not yet reported.
    pub fn take_transcript(&mut self) -> String {
        self.vm.take_transcript()
    }

    /// Takes the Canvas drawing commands not yet taken, oldest first:
    /// `{ commands: [{ op: 'clear' | 'color' | 'fillRect' | 'fillCircle' |
    /// 'line' | 'text', ... }], dropped }`. `dropped` counts commands lost
    /// because the bounded buffer was full since the last take.
    pub fn take_drawing(&mut self) -> DrawingReport {
        let dropped = self.vm.drawing.dropped as f64;
        DrawingReport {
            commands: self.vm.drawing.take(),
            dropped,
        }
    }

    /// Takes the commands of whole pictures for `paint` to paint (see
    /// `Drawing::take_pictures`; with `whole`, every command) and reports
    /// them: `painted`, what is still `held`, `dropped`, the `last` few.
    pub fn take_pictures(
        &mut self,
        whole: bool,
        paint: impl FnOnce(&[crate::interp::prims::draw::DrawCmd]),
    ) -> PaintReport {
        let dropped = self.vm.drawing.dropped as f64;
        let cmds = self.vm.drawing.take_pictures(whole);
        paint(&cmds);
        PaintReport {
            painted: cmds.len() as f64,
            held: self.vm.drawing.len() as f64,
            dropped,
            last: cmds[cmds.len().saturating_sub(8)..].to_vec(),
        }
    }

    /// When the page collects, in bytes and in objects made: after
    /// [`HOST_GC_BYTES`] or [`HOST_GC_OBJECTS`], or later while the stacks
    /// are deep, since every collection scans every frame (a 200 000-frame
    /// runaway recursion costs ~20 ms natively per collection);
    /// `Heap::gc_due` caps the bytes at three quarters of the VM's own
    /// trigger.
    fn host_gc_points(&self) -> (usize, usize) {
        let frames =
            self.vm.frames.len() + self.vm.procs.iter().map(|p| p.frames.len()).sum::<usize>();
        (
            HOST_GC_BYTES.max(frames * HOST_GC_BYTES_PER_FRAME),
            HOST_GC_OBJECTS.max(frames),
        )
    }
}

impl Book {
    /// Turns a process outcome into an event for the page, chaining a
    /// printString process for print-its.
    pub(super) fn note(&mut self, vm: &mut Vm, ev: Outcome) {
        match ev {
            Outcome::Finished { pid, value } => {
                if self.hidden.remove(&pid) {
                    return;
                }
                if let Some(orig) = self.printing.remove(&pid) {
                    let text = vm
                        .str_of(value)
                        .unwrap_or_else(|| "<printString did not answer a String>".into());
                    self.pending.push_back(Event::Printed { pid: orig, text });
                } else if self.want_print.remove(&pid) {
                    match vm.start_send(value, "printString", &[], WORKSPACE_PRIORITY) {
                        Some(p) => {
                            self.printing.insert(p, pid);
                            self.evaluations.insert(p);
                        }
                        None => {
                            let text = vm.quick_print(value);
                            self.pending.push_back(Event::Printed { pid, text });
                        }
                    }
                } else {
                    let value = vm.quick_print(value);
                    self.pending.push_back(Event::Finished { pid, value });
                }
            }
            Outcome::Error { pid } => {
                if self.hidden.contains(&pid) {
                    return; // run_to_end sees the state
                }
                let (error_class, message) = match vm.procs.get(pid).and_then(|p| p.error.as_ref())
                {
                    Some(e) => (e.class_name.clone(), e.message.clone()),
                    None => ("Error".into(), String::new()),
                };
                if let Some(orig) = self.printing.remove(&pid) {
                    vm.terminate(pid);
                    let text = format!("<error printing: {}: {}>", error_class, message);
                    self.pending.push_back(Event::Printed { pid: orig, text });
                } else {
                    self.want_print.remove(&pid);
                    self.pending.push_back(Event::Error {
                        pid,
                        error_class,
                        message,
                    });
                }
            }
            Outcome::Yielded | Outcome::Waiting { .. } | Outcome::Idle => {}
        }
    }
}

/// Runs process `pid` (high priority) until it ends, within
/// [`FILE_IN_FUEL`]. Events of other processes are kept for `run`.
pub(super) fn run_to_end(vm: &mut Vm, book: &mut Book, pid: usize) -> Result<(), String> {
    let start = vm.insn_count;
    loop {
        match &vm.procs[pid].state {
            ProcState::Finished => return Ok(()),
            ProcState::Errored => {
                let (c, m) = match &vm.procs[pid].error {
                    Some(e) => (e.class_name.clone(), e.message.clone()),
                    None => ("Error".into(), String::new()),
                };
                vm.terminate(pid);
                return Err(format!("{}: {}", c, m));
            }
            ProcState::Terminated => return Err("the do-it was terminated".into()),
            ProcState::Sleeping(_) => {
                vm.terminate(pid);
                return Err("a fileIn do-it cannot wait on a Delay in the browser".into());
            }
            _ => {}
        }
        if vm.insn_count - start >= FILE_IN_FUEL {
            vm.terminate(pid);
            return Err(format!(
                "the do-it did not finish within {} instructions",
                FILE_IN_FUEL
            ));
        }
        match vm.run(FILE_IN_CHUNK) {
            Outcome::Yielded => {}
            Outcome::Waiting { .. } | Outcome::Idle => {
                if matches!(vm.procs[pid].state, ProcState::Ready) {
                    continue;
                }
                if matches!(vm.procs[pid].state, ProcState::Sleeping(_)) {
                    continue; // reported above
                }
                vm.terminate(pid);
                return Err("the do-it is waiting and nothing can wake it".into());
            }
            ev => book.note(vm, ev),
        }
    }
}

/// Watches the VM's clock: every reading goes through [`ClockWatch::note`],
/// which keeps the two longest gaps between consecutive readings since
/// the last [`ClockWatch::reset`] (see `RunReport::stall_ms`).
#[derive(Default)]
pub(super) struct ClockWatch {
    last: Cell<f64>,
    /// The longest gap and the second longest (ms).
    gaps: Cell<(f64, f64)>,
}

impl ClockWatch {
    pub(super) fn note(&self, t: f64) {
        let gap = t - self.last.replace(t);
        let (a, b) = self.gaps.get();
        if gap > a {
            self.gaps.set((gap, a));
        } else if gap > b {
            self.gaps.set((a, gap));
        }
    }

    fn reset(&self, t: f64) {
        self.last.set(t);
        self.gaps.set((0.0, 0.0));
    }

    /// The longest gap that was not the collection timed `gc_ms` (pass
    /// `None` when nothing was collected): a collection reads the clock
    /// when it starts and when it ends, and nothing in between.
    fn stall(&self, gc_ms: Option<f64>) -> f64 {
        let (a, b) = self.gaps.get();
        if gc_ms == Some(a) {
            b
        } else {
            a
        }
    }
}

/// Who wrote `output`, the part of the Transcript's text from byte `cut`
/// on, whose writers' byte ranges in the whole text are `runs`: one
/// [`OutputRun`] per run (in UTF-16 code units), the oldest merged into
/// one of pid 0 beyond [`MAX_REPORT_RUNS`].
fn output_runs(
    output: &str,
    cut: usize,
    runs: &[crate::interp::Run],
    evaluations: &HashSet<usize>,
) -> Vec<OutputRun> {
    let mut out: Vec<OutputRun> = Vec::new();
    for r in runs.iter().filter(|r| r.end > cut) {
        let (a, b) = (r.start.max(cut) - cut, r.end - cut);
        let len = output.get(a..b).map_or(0, |s| s.encode_utf16().count());
        if len == 0 {
            continue;
        }
        out.push(OutputRun {
            pid: r.pid,
            origin: r.origin,
            workspace: evaluations.contains(&r.origin),
            len,
        });
    }
    if out.len() > MAX_REPORT_RUNS {
        let merged = out.len() - MAX_REPORT_RUNS + 1;
        let len = out[..merged].iter().map(|r| r.len).sum();
        out.splice(
            ..merged,
            [OutputRun {
                pid: 0,
                origin: 0,
                workspace: false,
                len,
            }],
        );
    }
    out
}

/// The newest `max_lines` lines of `out` (the line being written counts
/// as one), at most `max_bytes` bytes of them, from a line start if that
/// leaves at least one line; and how many bytes were left out.
fn newest_output(mut out: String, max_lines: usize, max_bytes: usize) -> (String, usize) {
    let bytes = out.as_bytes();
    // the start of the newest MAX_REPORT_LINES lines
    let mut cut = 0;
    let mut lines = 1;
    for (i, &b) in bytes.iter().enumerate().rev() {
        if b == b'\n' {
            if lines == max_lines {
                cut = i + 1;
                break;
            }
            lines += 1;
        }
        if bytes.len() - i > max_bytes {
            // too long: cut within the byte limit, at a line start if one is left
            cut = i + 1;
            while !out.is_char_boundary(cut) {
                cut += 1;
            }
            if let Some(j) = out[cut..].find('\n') {
                if cut + j + 1 < out.len() {
                    cut += j + 1;
                }
            }
            break;
        }
    }
    if cut == 0 {
        return (out, 0);
    }
    let kept = out.split_off(cut);
    (kept, cut)
}
