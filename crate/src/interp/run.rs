//! Running processes in slices: [`Vm::run`] gives the ready processes up
//! to `fuel` instructions, [`Vm::run_until`] also stops at a deadline of
//! the host clock, and a slice ends with an [`Outcome`] (a process that
//! finished or stopped on an error is one).

use super::frame::{ErrorInfo, ProcState};
use super::Vm;
use crate::object::Value;

pub const NO_PROC: usize = usize::MAX;

/// What one call of [`Vm::run`] ended with.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The fuel ran out; call `run` again to continue.
    Yielded,
    /// A process returned from its bottom frame.
    Finished { pid: usize, value: Value },
    /// A process stopped on an unhandled error and is suspended (R9).
    Error { pid: usize },
    /// Nothing can run until the host clock reaches `until` (ms).
    Waiting { until: f64 },
    /// No process can run.
    Idle,
}

/// Instructions between two readings of the clock in [`Vm::run_until`],
/// at first and at least; [`Vm::run_until`] adapts the interval
/// (`Vm::clock_every`) so that readings come every [`CLOCK_MIN_MS`] to
/// [`CLOCK_MAX_MS`], up to [`CLOCK_CHECK_MAX`] instructions apart.
pub const CLOCK_CHECK: u64 = 4096;
/// The most instructions between two readings of the clock.
pub const CLOCK_CHECK_MAX: u64 = 1 << 17;
/// Readings closer than this (ms) double the interval: a reading costs a
/// call out of wasm, which at every 4,096 instructions took a tenth of the
/// sieve's time in the page.
pub const CLOCK_MIN_MS: f64 = 0.05;
/// Readings further apart than this (ms) halve it: a slice ends at most
/// about this late.
pub const CLOCK_MAX_MS: f64 = 0.2;

impl Vm {
    /// Like [`Vm::run`], and also stops (`Yielded`) once the host clock
    /// reads `deadline` (ms) or later; the clock is read every
    /// [`CLOCK_CHECK`] instructions. A host that slices time by the clock
    /// (the playground) gets slices that end on time even when the speed
    /// of the code changes, which a fuel estimate cannot promise.
    ///
    /// Collections are slice-aware: at the start and at every clock
    /// reading, a due collection ([`Heap::gc_due`](crate::object::Heap::gc_due))
    /// runs only if it is expected to end before `deadline`
    /// ([`Vm::collect_if_due`]). If not, it is put off (`heap.gc_deferred`)
    /// and the call runs on to its deadline without collecting (unless the
    /// interpreter's own trigger, [`Heap::needs_gc`](crate::object::Heap::needs_gc),
    /// is reached); the next call starts with the collection.
    ///
    /// A clock reading changes nothing in the frames: each chunk of fuel
    /// but the last may stop short (`Vm::soft_stop`) where the fast loop
    /// cannot carry on without counting, and the next chunk goes on in the
    /// same optimized code. The fuel is still exact: what a chunk leaves
    /// carries over.
    pub fn run_until(&mut self, fuel: u64, deadline: f64) -> Outcome {
        let mut put_off = !self.collect_if_due(Some(deadline));
        let mut left = fuel;
        // the fuel a chunk needs to carry the running code to a jump
        let mut need = CLOCK_CHECK;
        let mut last = (self.clock)();
        loop {
            let start = self.insn_count;
            let chunk = left.min(need.max(self.clock_every));
            self.soft_stop = chunk < left;
            let out = self.run(chunk);
            self.soft_stop = false;
            let short = self.stopped_short.take();
            let used = self.insn_count - start;
            left = left.saturating_sub(used);
            need = match short {
                // no progress: the next chunk covers the code
                Some(n) if used == 0 => n,
                _ => CLOCK_CHECK,
            };
            if out != Outcome::Yielded || left == 0 || (used == 0 && short.is_none()) {
                return out;
            }
            let now = (self.clock)();
            if now >= deadline {
                return out;
            }
            // (only a chunk that ran at least half its fuel tells the
            // rate: one that stopped short, at a loop kernel that had not
            // the fuel for a whole iteration, counts)
            if used * 2 >= self.clock_every {
                let dt = now - last;
                if dt < CLOCK_MIN_MS {
                    self.clock_every = (self.clock_every * 2).min(CLOCK_CHECK_MAX);
                } else if dt > CLOCK_MAX_MS {
                    self.clock_every = (self.clock_every / 2).max(CLOCK_CHECK);
                }
            }
            last = now;
            if !put_off {
                put_off = !self.collect_if_due(Some(deadline));
            }
        }
    }

    /// Runs up to `fuel` instructions of the ready processes.
    ///
    /// The end of a slice changes nothing in the frames: optimized frames
    /// stay optimized, with their inlined callees inside them, and the
    /// next call goes on in the optimized code. The host reads them
    /// through [`Vm::virtual_frames`]; what acts on a process's frames
    /// materializes that process first ([`Vm::materialize_process`]).
    pub fn run(&mut self, fuel: u64) -> Outcome {
        let mut fuel = fuel;
        self.wake_sleepers();
        loop {
            if let Some(ev) = self.events.pop_front() {
                if let Outcome::Finished { pid, .. } = ev {
                    self.procs[pid].event_pending = false;
                }
                return ev;
            }
            if self.active == NO_PROC || self.procs[self.active].state != ProcState::Ready {
                match self.pick_next() {
                    Some(p) => self.switch_to(p),
                    None => {
                        if let Some(until) = self.next_wakeup() {
                            return Outcome::Waiting { until };
                        }
                        return Outcome::Idle;
                    }
                }
            }
            if self.frames.is_empty() {
                // a process whose first send answered from a primitive that
                // had blocked it (`Vm::start_send`): it has finished, with
                // that answer
                let v = self.stack.pop().unwrap_or(Value::NIL);
                self.process_finished(v);
                continue;
            }
            if fuel == 0 {
                return Outcome::Yielded;
            }
            let before = fuel;
            fuel = self.interpret(fuel);
            self.insn_count += before - fuel;
            if self.stopped_short.is_some() {
                return Outcome::Yielded;
            }
        }
    }

    // ----- process ends -----

    pub(super) fn process_finished(&mut self, v: Value) {
        let pid = self.active;
        if pid == NO_PROC {
            return;
        }
        // the bottom frame's result is on the stack
        self.stack.clear();
        let p = &mut self.procs[pid];
        p.state = ProcState::Finished;
        p.result = Some(v);
        p.event_pending = true;
        self.events.push_back(Outcome::Finished { pid, value: v });
    }

    pub(super) fn process_terminated(&mut self) {
        let pid = self.active;
        if pid == NO_PROC {
            return;
        }
        self.stack.clear();
        self.procs[pid].state = ProcState::Terminated;
    }

    /// Stops the active process with a VM-level error (no Smalltalk
    /// handler could run). The stack stays inspectable.
    #[cold]
    pub(crate) fn fatal(&mut self, message: &str, class_name: &str) {
        let pid = self.active;
        if pid == NO_PROC {
            return;
        }
        // the stack as the interpreter alone would have it
        self.materialize_process(pid);
        self.procs[pid].state = ProcState::Errored;
        self.procs[pid].error = Some(ErrorInfo {
            exception: Value::NIL,
            class_name: class_name.to_string(),
            message: message.to_string(),
            user_frames: self.frames.len(),
        });
        self.events.push_back(Outcome::Error { pid });
    }
}
