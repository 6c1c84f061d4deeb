//! Evaluating to completion: run a do-it or a send until its process ends,
//! and print values with `printString`: the CLI's `eval` and `run`.

use crate::interp::frame::ProcState;
use crate::interp::{Outcome, Vm, USER_PRIORITY};
use crate::object::Value;

/// An error from evaluating source to completion.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// `LINE:COL: message` lines, relative to the evaluated text.
    Compile(String),
    /// An unhandled Smalltalk error; the process is left suspended.
    Runtime {
        pid: usize,
        class_name: String,
        message: String,
        stack: Vec<String>,
    },
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Compile(s) => write!(f, "{}", s),
            EvalError::Runtime {
                class_name,
                message,
                stack,
                ..
            } => {
                write!(f, "{}: {}", class_name, message)?;
                // deep stacks (runaway recursion) are elided in the middle
                let n = stack.len();
                for (i, s) in stack.iter().enumerate() {
                    if n > 40 && i == 30 {
                        write!(f, "\n... {} more frames ...", n - 40)?;
                    }
                    if n > 40 && (30..n - 10).contains(&i) {
                        continue;
                    }
                    write!(f, "\n{}", s)?;
                }
                Ok(())
            }
        }
    }
}

impl Vm {
    /// Runs until process `pid` finishes or stops on an error, sleeping
    /// for Delays. Other processes run too, as scheduled.
    pub fn run_until_done(&mut self, pid: usize) -> Result<Value, EvalError> {
        self.run_until_done_with(pid, &mut |_| {})
    }

    /// [`Vm::run_until_done`], calling `between` after each slice of
    /// `self.slice` instructions (the profiler's sample).
    pub fn run_until_done_with(
        &mut self,
        pid: usize,
        between: &mut dyn FnMut(&Vm),
    ) -> Result<Value, EvalError> {
        loop {
            match self.procs[pid].state {
                ProcState::Finished => return Ok(self.procs[pid].result.unwrap_or(Value::NIL)),
                ProcState::Errored => return Err(self.runtime_error(pid)),
                ProcState::Terminated => {
                    return Err(EvalError::Runtime {
                        pid,
                        class_name: "ProcessTerminated".into(),
                        message: "the process was terminated".into(),
                        stack: vec![],
                    })
                }
                _ => {}
            }
            let outcome = self.run(self.slice);
            between(self);
            if self.deopt_storm {
                self.deopt_all_frames();
            }
            match outcome {
                Outcome::Waiting { until } => {
                    let now = (self.clock)();
                    if until > now {
                        // a page cannot block: its host runs slices per
                        // animation frame instead of calling this
                        #[cfg(target_arch = "wasm32")]
                        return Err(EvalError::Runtime {
                            pid,
                            class_name: "WouldBlock".into(),
                            message: "the process waits on a Delay; run it in slices".into(),
                            stack: self.stack_names(pid),
                        });
                        #[cfg(not(target_arch = "wasm32"))]
                        // at most a second at a time: the loop checks again
                        std::thread::sleep(std::time::Duration::from_secs_f64(
                            ((until - now) / 1000.0).min(1.0),
                        ));
                    }
                }
                Outcome::Idle
                    if !matches!(
                        self.procs[pid].state,
                        ProcState::Finished | ProcState::Errored | ProcState::Terminated
                    ) =>
                {
                    return Err(EvalError::Runtime {
                        pid,
                        class_name: "Deadlock".into(),
                        message: "the process is waiting and nothing can wake it".into(),
                        stack: self.stack_names(pid),
                    });
                }
                _ => {}
            }
        }
    }

    /// The unhandled errors of every process stopped on one but `except`
    /// (a forked process's error, which no caller waits for).
    pub fn unhandled_errors(&mut self, except: Option<usize>) -> Vec<EvalError> {
        let errored: Vec<usize> = (self.procs.iter().enumerate())
            .filter(|&(p, proc)| Some(p) != except && proc.state == ProcState::Errored)
            .map(|(p, _)| p)
            .collect();
        errored.into_iter().map(|p| self.runtime_error(p)).collect()
    }

    fn runtime_error(&mut self, pid: usize) -> EvalError {
        let (class_name, message) = match &self.procs[pid].error {
            Some(e) => (e.class_name.clone(), e.message.clone()),
            None => ("Error".into(), String::new()),
        };
        EvalError::Runtime {
            pid,
            class_name,
            message,
            stack: self.stack_names(pid),
        }
    }

    /// `Class>>selector` per frame, innermost first, skipping the
    /// exception machinery above the frame that signalled.
    pub fn stack_names(&self, pid: usize) -> Vec<String> {
        let frames = self.virtual_frames(pid);
        let shown = match &self.procs[pid].error {
            Some(e) if self.procs[pid].state == ProcState::Errored => {
                e.user_frames.min(frames.len())
            }
            _ => frames.len(),
        };
        frames[..shown]
            .iter()
            .rev()
            .map(|f| f.code.print_name())
            .collect()
    }

    /// Evaluates a do-it to completion and answers its value.
    pub fn eval(&mut self, src: &str) -> Result<Value, EvalError> {
        let pid = self.start_doit(src)?;
        self.run_until_done(pid)
    }

    /// [`Vm::eval`] under the sampling profiler: one sample every `every`
    /// instructions (see [`crate::host::profile`]).
    pub fn eval_profiled(
        &mut self,
        src: &str,
        every: u64,
    ) -> (Result<Value, EvalError>, crate::host::profile::Profile) {
        let mut profile = crate::host::profile::Profile::new(every);
        let pid = match self.start_doit(src) {
            Ok(pid) => pid,
            Err(e) => return (Err(e), profile),
        };
        let slice = std::mem::replace(&mut self.slice, every.max(1));
        let r = self.run_until_done_with(pid, &mut |vm| profile.sample(vm));
        self.slice = slice;
        (r, profile)
    }

    /// Compiles a do-it (its warnings noted) and starts it as a process.
    fn start_doit(&mut self, src: &str) -> Result<usize, EvalError> {
        let m = self
            .compile_doit(src)
            .map_err(|e| EvalError::Compile(e.render(src)))?;
        self.note_warnings("<eval>", src, 0);
        Ok(self.start_method(m, Value::NIL, USER_PRIORITY, "do-it"))
    }

    /// Sends `printString` to `v` and answers the text (or a fallback
    /// if printing itself fails).
    pub fn print_string(&mut self, v: Value) -> String {
        match self.try_print_string(v) {
            Ok(s) => s,
            Err(e) => format!("<error printing: {}>", e),
        }
    }

    /// Sends `printString` to `v`: its text, or the error that stopped
    /// it (the printing process is terminated).
    pub fn try_print_string(&mut self, v: Value) -> Result<String, EvalError> {
        self.pinned.push(v);
        let r = match self.start_send(v, "printString", &[], USER_PRIORITY) {
            Some(pid) => match self.run_until_done(pid) {
                Ok(s) => Ok(self
                    .str_of(s)
                    .unwrap_or_else(|| "<printString did not answer a String>".into())),
                Err(e) => {
                    if let EvalError::Runtime { pid, .. } = e {
                        self.terminate(pid);
                    }
                    Err(e)
                }
            },
            None => Ok("<cannot print>".into()),
        };
        self.pinned.pop();
        r
    }

    /// Evaluates and prints (the CLI's `eval`): an error while printing
    /// is an error too.
    pub fn eval_print(&mut self, src: &str) -> Result<String, EvalError> {
        let v = self.eval(src)?;
        self.try_print_string(v)
    }
}
