//! Process control for the host: start, pause, resume (proceed),
//! terminate, restart a frame (LIVE.md R8).

use super::HostError;
use crate::interp::frame::{ProcState, UnwindAction};
use crate::interp::Vm;
use crate::object::Value;

impl Vm {
    /// Starts evaluating `src` as a new process (not run yet).
    pub fn start(&mut self, src: &str, priority: u8) -> Result<usize, HostError> {
        let m = self
            .compile_doit(src)
            .map_err(|e| HostError::Compile(e, src.to_string()))?;
        Ok(self.start_method(m, Value::NIL, priority, src))
    }

    pub(crate) fn check_pid(&self, pid: usize) -> Result<(), HostError> {
        if self.procs.issued(pid) {
            Ok(())
        } else {
            Err(HostError::NoSuchProcess(pid))
        }
    }

    /// Pauses a process (it keeps its stack).
    pub fn pause(&mut self, pid: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        if self.procs[pid].state == ProcState::Ready {
            if self.active == pid {
                self.block_active(ProcState::Suspended);
            } else {
                self.procs[pid].state = ProcState::Suspended;
                self.dequeue(pid);
            }
        }
        Ok(())
    }

    /// Resumes a paused process, or proceeds one stopped on an error (the
    /// signal answers nil, as Squeak's debugger Proceed does).
    pub fn resume(&mut self, pid: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        match self.procs[pid].state {
            ProcState::Suspended | ProcState::Errored => {
                self.procs[pid].error = None;
                self.make_ready(pid);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn terminate_process(&mut self, pid: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        self.materialize_process(pid);
        self.terminate(pid);
        Ok(())
    }

    /// Restarts frame `index` (0 = innermost) of a process (R8): unwinds
    /// the frames above it, running ensure: blocks, and starts it again
    /// with the method now installed for its selector.
    pub fn restart_frame(&mut self, pid: usize, index: usize) -> Result<(), HostError> {
        self.check_pid(pid)?;
        // `index` counts the frames the host showed: one per inlined scope
        self.materialize_process(pid);
        let n = if pid == self.active {
            self.frames.len()
        } else {
            self.procs[pid].frames.len()
        };
        if index >= n {
            return Err(HostError::NoSuchFrame(index));
        }
        let state = self.procs[pid].state.clone();
        if matches!(state, ProcState::Finished | ProcState::Terminated) {
            return Err(HostError::Invalid("the process has ended".into()));
        }
        if self.active != pid {
            self.switch_to_for_unwind(pid);
        }
        let serial = self.frames[n - 1 - index].serial;
        self.unwind(serial, UnwindAction::Restart);
        self.procs[pid].error = None;
        if matches!(state, ProcState::Errored | ProcState::Suspended) {
            // keep it paused: the user presses resume
            self.block_active(ProcState::Suspended);
        }
        Ok(())
    }
}
