//! Frames and processes: the execution state that lives in VM data.
//!
//! A frame is plain data (no Rust stack involved), so a process can be
//! paused after any instruction, inspected, restarted or resumed.

use crate::object::{Code, Value};
use std::rc::Rc;

/// An unwind in progress, parked in the frame of the `ensure:` block
/// that is running on its behalf; when that block returns, the unwind
/// continues.
#[derive(Clone, Debug)]
pub struct Unwind {
    /// Serial of the frame the unwind goes to.
    pub target: u64,
    pub action: UnwindAction,
}

#[derive(Clone, Debug)]
pub enum UnwindAction {
    /// Pop the target frame and push `value` for its caller.
    ReturnFrom(Value),
    /// Restart the target frame from its first instruction, with the
    /// method currently installed for its selector (LIVE.md R8).
    Restart,
    /// Unwind the whole process, then terminate it.
    Terminate,
}

/// What a returning frame does with its result.
#[derive(Clone, Debug)]
pub enum OnReturn {
    /// Push it for the caller (an ordinary send).
    Push,
    /// Drop it (a call the VM injected between two instructions).
    Discard,
    /// Drop it and continue this unwind (an `ensure:` block run by the
    /// unwinder).
    ContinueUnwind(Box<Unwind>),
}

#[derive(Clone, Debug)]
pub struct Frame {
    pub code: Rc<Code>,
    /// Index of the next instruction.
    pub pc: u32,
    /// Index in the process stack of temp 0 (the receiver is at bp-1).
    pub bp: u32,
    pub receiver: Value,
    /// The CompiledMethod object (identity of the version being run).
    pub method: Value,
    /// The BlockClosure for block frames, nil for method frames.
    pub closure: Value,
    /// Unique id; contexts and closures refer to frames by serial.
    pub serial: u64,
    /// Serial of the home method frame (its own serial for methods).
    pub home: u64,
    /// What happens to this frame's result when it returns.
    pub on_return: OnReturn,
    /// Optimized code this frame runs (same pc space as `code`), if any.
    pub opt: Option<Rc<crate::tier::code::OptCode>>,
    /// The Context object for this frame once Smalltalk asked for one
    /// (`thisContext`, `sender`), so the same frame is always the same
    /// object (`thisContext == thisContext`).
    pub ctx: Value,
}

impl Frame {
    pub fn is_block(&self) -> bool {
        self.code.is_block
    }

    /// True while this frame runs the body of a callee inlined into its
    /// optimized code (its pc is past its canonical code): then it stands
    /// for two activations, its own and the callee's.
    #[inline]
    pub fn in_inlined(&self) -> bool {
        self.opt
            .as_ref()
            .is_some_and(|o| self.pc as usize >= o.canon_len)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProcState {
    /// In a ready queue (or running).
    Ready,
    /// Suspended by the host or `suspend`.
    Suspended,
    /// Suspended by an unhandled error (LIVE.md R9).
    Errored,
    /// Waiting on a Semaphore.
    Waiting,
    /// Sleeping on a Delay until the host clock reads this (ms).
    Sleeping(f64),
    /// Returned from its bottom frame.
    Finished,
    Terminated,
}

/// The wait a suspended process goes back to when it is resumed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rewait {
    /// The Semaphore (object index) it waited on.
    Semaphore(usize),
    /// The Delay it slept on, until the host clock reads this (ms).
    Sleep(f64),
}

/// Why a process stopped on an error.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    /// The exception object (nil for VM-level failures).
    pub exception: Value,
    /// Class name of the exception, e.g. `ZeroDivide`.
    pub class_name: String,
    /// Its messageText / description.
    pub message: String,
    /// Frames below the exception machinery (`signal` and what it
    /// called): the stack a user wants to see in an error report.
    pub user_frames: usize,
}

pub struct Process {
    pub obj: Value,
    pub priority: u8,
    pub state: ProcState,
    pub frames: Vec<Frame>,
    pub stack: Vec<Value>,
    pub result: Option<Value>,
    pub error: Option<ErrorInfo>,
    pub name: String,
    /// The ready queue it is in, by priority (kept by `Vm::enqueue` and
    /// `dequeue`, so that scheduling costs the same however many
    /// processes there are).
    pub queued: Option<u8>,
    /// A `Finished` outcome of this process is queued for the host (which
    /// may read its result): its entry is kept until `run` delivers it.
    pub event_pending: bool,
    /// The Semaphore (object index) it waits on, while it does: a
    /// semaphore's queue may keep places of processes that stopped waiting
    /// on it (terminated), which signals skip.
    pub waiting_on: Option<usize>,
    /// What a process suspended while it was blocked waits on again when
    /// it is resumed (Squeak 6's suspend, primitive 578, backs it up to
    /// its wait).
    pub rewait: Option<Rewait>,
    /// Whose work it is: its own id for a process the host started, its
    /// forker's origin for one a process forked (`fork`, `newProcessAt:`).
    /// The Transcript tags what it writes with it.
    pub origin: usize,
}
