//! The host layer: what the CLI, the live scripts and the page do to a VM,
//! above the interpreter and the tier.
//!
//! - [`eval`]: run to completion, print values;
//! - [`edit`]: the one fileIn driver, accept, remove, file out;
//! - [`process`]: start, pause, resume, terminate, restart a frame;
//! - [`inspect`]: stacks, values, classes and methods, without running code;
//! - [`step`]: the debugger's step over and into;
//! - [`disasm`]: a method's bytecode and optimized code as text;
//! - [`profile`]: a sampling profiler of Smalltalk methods;
//! - [`session`]: the playground's session (history, kernel versions,
//!   print-its, time-sliced runs) and [`report`], what it answers;
//! - [`share`]: share links; [`live_script`]: the scripted live scenarios.
//!
//! Every call here happens between two instructions (LIVE.md R1). None of
//! them may panic on bad input: they answer an error.

pub mod disasm;
pub mod edit;
pub mod eval;
pub mod inspect;
pub mod live_script;
pub mod process;
pub mod profile;
pub mod report;
pub mod session;
pub mod share;
pub mod step;

use crate::compiler::CompileError;

pub use edit::FileInError;
pub use eval::EvalError;
pub use inspect::{Activation, ClassSummary, FrameInfo, MethodSummary};
pub use step::{StepMode, StepOutcome};

/// Errors from the host-level API.
#[derive(Debug, Clone, PartialEq)]
pub enum HostError {
    Compile(CompileError, String),
    NoSuchClass(String),
    NoSuchMethod(String),
    NoSuchProcess(usize),
    NoSuchFrame(usize),
    Invalid(String),
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::Compile(e, src) => write!(f, "{}", e.render(src)),
            HostError::NoSuchClass(c) => write!(f, "no class named {}", c),
            HostError::NoSuchMethod(m) => write!(f, "no method {}", m),
            HostError::NoSuchProcess(p) => write!(f, "no process {}", p),
            HostError::NoSuchFrame(p) => write!(f, "no frame {}", p),
            HostError::Invalid(s) => write!(f, "{}", s),
        }
    }
}
