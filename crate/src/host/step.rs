//! The debugger's step (over and into) and the statement a frame is at.

use super::HostError;
use crate::interp::frame::{Frame, ProcState};
use crate::interp::{Outcome, Vm};

/// How far [`Vm::step`] runs a paused process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepMode {
    /// To the next statement of the top frame, running whole any sends it
    /// makes; or to the caller, just after the top frame returned.
    Over,
    /// Like `Over`, but stop too at the first instruction of a method or
    /// block the top frame calls.
    Into,
}

/// Where [`Vm::step`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// At a statement boundary (or just after a return); still paused.
    Stopped,
    /// The process returned from its bottom frame.
    Finished,
    /// The process stopped on an unhandled error (reported by the next
    /// `run`, like any error).
    Error,
    /// The process waits (a Delay or a Semaphore) and is no longer paused:
    /// it goes on when what it waits for happens.
    Blocked,
    /// The statement did not end within [`MAX_STEP_INSTRUCTIONS`], or
    /// within a heap's worth of bulk work (see [`Vm::step`]); the process
    /// is paused wherever it got to.
    Limit,
}

/// Instructions one step may run, so that stepping over an endless loop
/// cannot freeze the host.
pub const MAX_STEP_INSTRUCTIONS: u64 = 100_000;

/// The statements of the method (or do-it) `code` belongs to, including
/// those inside blocks, as byte spans of its source.
pub fn code_statements(code: &crate::object::Code) -> Vec<(u32, u32)> {
    // do-its are compiled with category "doits" and version 0
    let doit = code.info.version == 0 && code.info.category == "doits";
    statement_spans(&code.info.source, doit)
}

/// The statements of a method source (a do-it's if `doit`), including
/// those inside blocks, as byte spans (empty if the source does not parse).
pub fn statement_spans(source: &str, doit: bool) -> Vec<(u32, u32)> {
    use crate::syntax::ast::{Expr, Stmt};
    fn expr(e: &Expr, out: &mut Vec<(u32, u32)>) {
        match e {
            Expr::Literal(..) | Expr::Var(_) => {}
            Expr::Assign { value, .. } => expr(value, out),
            Expr::Send(s) => {
                expr(&s.receiver, out);
                s.message.args.iter().for_each(|a| expr(a, out));
            }
            Expr::Cascade { first, rest, .. } => {
                expr(&first.receiver, out);
                first.message.args.iter().for_each(|a| expr(a, out));
                rest.iter()
                    .flat_map(|m| m.args.iter())
                    .for_each(|a| expr(a, out));
            }
            Expr::Block(b) => stmts(&b.body, out),
            Expr::Brace(es, _) => es.iter().for_each(|a| expr(a, out)),
        }
    }
    fn stmts(body: &[Stmt], out: &mut Vec<(u32, u32)>) {
        for s in body {
            let span = s.span();
            out.push((span.start, span.end));
            match s {
                Stmt::Expr(e) | Stmt::Return(e, _) => expr(e, out),
            }
        }
    }
    let parsed = if doit {
        crate::syntax::parse_doit(source)
    } else {
        crate::syntax::parse_method(source)
    };
    let mut out = Vec::new();
    if let Ok(m) = parsed {
        stmts(&m.body, &mut out);
    }
    out
}

/// The innermost statement of `stmts` that contains the instruction span
/// `at`; the instruction's own span if none does.
pub fn statement_of(stmts: &[(u32, u32)], at: (u32, u32)) -> (u32, u32) {
    stmts
        .iter()
        .filter(|(s, e)| *s <= at.0 && at.1 <= *e)
        .min_by_key(|(s, e)| e - s)
        .copied()
        .unwrap_or(at)
}

/// True if statement `s` contains other statements of `stmts`.
fn is_container(stmts: &[(u32, u32)], s: (u32, u32)) -> bool {
    stmts.iter().any(|o| *o != s && s.0 <= o.0 && o.1 <= s.1)
}

impl Vm {
    /// The statement a frame is at: for the top frame of a paused process
    /// the one its next instruction belongs to (`next`), for the others
    /// the one whose send is in progress.
    pub fn frame_statement(frame: &Frame, stmts: &[(u32, u32)], next: bool) -> (u32, u32) {
        let pc = if next {
            frame.pc as usize
        } else {
            (frame.pc as usize).saturating_sub(1)
        };
        let s = frame.code.span_at(pc);
        statement_of(stmts, (s.start, s.end))
    }

    /// Step (LIVE.md's debugger, issue 4): runs paused process `pid`, and
    /// nothing else, until its top frame reaches the next statement, or
    /// returns (`Over`), or calls a method or block (`Into`). Between two
    /// instructions like everything else (R1): the fuel-1 run the golden
    /// suite already checks. Other processes keep their places; their
    /// events stay queued for the host.
    ///
    /// A step runs at most [`MAX_STEP_INSTRUCTIONS`] instructions, and
    /// primitives' bulk work (what they allocate or copy, which costs fuel:
    /// `Heap::charge`) of at most the heap's limit: a statement that makes
    /// a 200 MB Array is stepped over whole, an endless loop of them stops
    /// (`StepOutcome::Limit`).
    pub fn step(&mut self, pid: usize, mode: StepMode) -> Result<StepOutcome, HostError> {
        self.check_pid(pid)?;
        if self.procs[pid].state != ProcState::Suspended {
            return Err(HostError::Invalid(
                "only a paused process can be stepped".into(),
            ));
        }
        // stepping goes statement by statement through the interpreter's
        // frames, inlined callees included
        self.materialize_process(pid);
        let (depth0, serial0, stmts, stmt0) = {
            let frames = self.frames_of(pid);
            let Some(top) = frames.last() else {
                return Err(HostError::Invalid("the process has no frames".into()));
            };
            let stmts = code_statements(&top.code);
            let stmt0 = Vm::frame_statement(top, &stmts, true);
            (frames.len(), top.serial, stmts, stmt0)
        };
        // set everything else aside: the active process back in front of
        // its queue, the queues, the sleepers and undelivered events
        let aside = self.set_aside_others(pid);
        let mut forwarded = Vec::new();
        let start = self.insn_count;
        // the fuel primitives' bulk work cost, paid at once (counted as
        // `run` counts it) and bounded on its own
        let mut work = 0u64;
        let max_work = (self.heap.limit / crate::object::heap::BYTES_PER_FUEL) as u64;
        let outcome = loop {
            let owed = std::mem::take(&mut self.heap.fuel_owed);
            self.insn_count += owed;
            work += owed;
            if self.insn_count - start - work >= MAX_STEP_INSTRUCTIONS || work > max_work {
                break StepOutcome::Limit;
            }
            let ran = self.run(1);
            if self.active == pid {
                self.materialize_process(pid);
            }
            match ran {
                Outcome::Yielded => {}
                ev @ Outcome::Finished { pid: p, .. } => {
                    forwarded.push(ev);
                    if p == pid {
                        break StepOutcome::Finished;
                    }
                    continue;
                }
                ev @ Outcome::Error { pid: p } => {
                    forwarded.push(ev);
                    if p == pid {
                        break StepOutcome::Error;
                    }
                    continue;
                }
                Outcome::Waiting { .. } | Outcome::Idle => {
                    if self.procs[pid].state == ProcState::Ready {
                        continue;
                    }
                    break StepOutcome::Blocked;
                }
            }
            if self.active != pid {
                match self.procs[pid].state {
                    ProcState::Ready => continue, // a process it made ready runs first
                    ProcState::Finished => break StepOutcome::Finished,
                    ProcState::Errored => break StepOutcome::Error,
                    _ => break StepOutcome::Blocked,
                }
            }
            let d = self.frames.len();
            let Some(top) = self.frames.last() else {
                continue;
            };
            if d < depth0 || (d == depth0 && top.serial != serial0) {
                break StepOutcome::Stopped;
            }
            if d > depth0 {
                if mode == StepMode::Into {
                    break StepOutcome::Stopped;
                }
                continue;
            }
            let now = Vm::frame_statement(top, &stmts, true);
            // a statement holding others (`[c] whileTrue: [...]`) is not
            // a boundary of its own: its loop jumps are not a step
            if now != stmt0 && !is_container(&stmts, now) {
                break StepOutcome::Stopped;
            }
        };
        // pid was checked on entry
        let _ = self.pause(pid);
        // put the others back, with what became ready or asleep meanwhile
        self.put_back_others(aside, pid, forwarded);
        Ok(outcome)
    }

    /// The top frame of a process and the statement it is at (next to
    /// run): (`Class>>selector`, version, statement as a byte span of the
    /// method source, the source).
    pub fn step_position(&self, pid: usize) -> Option<(String, u32, (u32, u32), String)> {
        self.procs.get(pid)?;
        let frames = self.virtual_frames(pid);
        let top = frames.last()?;
        let source = top.code.info.source.to_string();
        let stmts = code_statements(&top.code);
        let at = Vm::frame_statement(top, &stmts, true);
        Some((top.code.print_name(), top.code.info.version, at, source))
    }
}
