//! Running one process in time slices, as the playground does, so that
//! the host gets control back every few milliseconds: the Transcript's
//! output appears as it comes, `watch` polls its files, and Ctrl-C stops
//! the process (which stays, paused, for inspection).

use super::term::{flush, say};
use livetalk::interp::ProcState;
use livetalk::object::Value;
use livetalk::{Outcome, Vm};
use std::time::Duration;

/// Length of a slice: the longest the host waits for control.
const SLICE_MS: f64 = 20.0;
/// The longest sleep while every process waits on a Delay.
const MAX_SLEEP: Duration = Duration::from_millis(50);

/// How a driven process stopped.
pub enum End {
    /// It returned this value.
    Finished(Value),
    /// It stopped on an unhandled error; it is suspended, with its stack.
    Errored,
    /// It was terminated (by another process).
    Terminated,
    /// Ctrl-C: it is paused, with its stack.
    Interrupted,
    /// It waits and nothing can wake it.
    Stuck,
}

/// Runs process `pid` (and whatever else is ready, as scheduled) until it
/// ends, printing Transcript output after each slice. `between` runs
/// between slices, at least every [`MAX_SLEEP`]. Unhandled errors in
/// other processes are reported as they happen; those processes stay
/// suspended.
pub fn drive(vm: &mut Vm, pid: usize, between: &mut dyn FnMut(&mut Vm)) -> End {
    loop {
        match vm.procs[pid].state {
            ProcState::Finished => {
                return End::Finished(vm.procs[pid].result.unwrap_or(Value::NIL))
            }
            ProcState::Errored => return End::Errored,
            ProcState::Terminated => return End::Terminated,
            _ => {}
        }
        if super::interrupt::take() {
            let _ = vm.pause(pid);
            flush(vm);
            return End::Interrupted;
        }
        let now = (vm.clock)();
        let outcome = vm.run_until(u64::MAX >> 2, now + SLICE_MS);
        flush(vm);
        match outcome {
            Outcome::Error { pid: p } if p != pid => {
                if let Err(e) = vm.run_until_done(p) {
                    say(&format!("in a forked process: {}", e));
                }
            }
            Outcome::Waiting { until } => {
                let wait = (until - (vm.clock)()).max(0.0);
                std::thread::sleep(Duration::from_secs_f64(wait / 1000.0).min(MAX_SLEEP));
            }
            // a paused process (`suspend`) or a Semaphore nobody signals
            Outcome::Idle
                if !matches!(
                    vm.procs[pid].state,
                    ProcState::Finished | ProcState::Errored | ProcState::Terminated
                ) =>
            {
                return End::Stuck;
            }
            _ => {}
        }
        between(vm);
    }
}
