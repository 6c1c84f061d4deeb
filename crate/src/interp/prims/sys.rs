//! Named primitives for exceptions, blocks, contexts, processes and system services.
//!
//! Index of a name: `BASE + position in NAMED`. Same contract as
//! [`super`]: answer a value, fail (the Smalltalk fallback runs),
//! or `Done`; never panic.

use super::PrimResult;
use crate::interp::frame::ProcState;
use crate::interp::Vm;
use crate::object::{Body, Marker, Value};

pub const BASE: u16 = 4000;

pub const NAMED: &[&str] = &[
    "ctxReceiverPut",
    "ctxEqual",
    "ctxHash",
    "processName",
    "processNameSet",
    "processState",
    "newProcess",
    "sendCount",
    "insnCount",
    "ctxIsBlock",
    "processSuspendedContext",
    "bytesFree",
    "transcriptPut",
    "methodPrimitiveNumber",
    "ctxHome",
    "closureOuterContext",
];

/// (process id, frame index if the frame is still alive) of a Context.
fn ctx_frame(vm: &Vm, ctx: Value) -> Option<(usize, Option<usize>)> {
    let (process, serial) = match vm.heap.try_get(ctx).map(|o| &o.body) {
        Some(Body::Context { process, serial }) => (*process, *serial),
        _ => return None,
    };
    let pid = match vm.heap.try_get(process).map(|o| &o.body) {
        Some(Body::Process(p)) => *p as usize,
        _ => return None,
    };
    let frames = if pid == vm.active {
        &vm.frames
    } else {
        &vm.procs.get(pid)?.frames
    };
    Some((pid, frames.iter().rposition(|f| f.serial == serial)))
}

fn ctx_key(vm: &Vm, ctx: Value) -> Option<(Value, u64)> {
    match vm.heap.try_get(ctx).map(|o| &o.body) {
        Some(Body::Context { process, serial }) => Some((*process, *serial)),
        _ => None,
    }
}

fn process_id(vm: &Vm, v: Value) -> Option<usize> {
    match vm.heap.try_get(v).map(|o| &o.body) {
        Some(Body::Process(p)) if (*p as usize) < vm.procs.len() => Some(*p as usize),
        _ => None,
    }
}

/// Runs named primitive `name` on receiver `r` with `args` (the
/// receiver and arguments are also still on the stack: `vm.stack[n -
/// args.len() - 1..]`).
pub fn call(vm: &mut Vm, name: &str, r: Value, args: &[Value], n: usize) -> PrimResult {
    let a0 = args.first().copied().unwrap_or(Value::NIL);
    match name {
        "ctxReceiverPut" => {
            // aContext primReceiver: obj — for retryUsing:
            let (pid, fi) = match ctx_frame(vm, r) {
                Some((p, Some(f))) => (p, f),
                _ => return PrimResult::Fail,
            };
            let (frames, stack) = if pid == vm.active {
                (&mut vm.frames, &mut vm.stack)
            } else {
                let p = &mut vm.procs[pid];
                (&mut p.frames, &mut p.stack)
            };
            let f = &mut frames[fi];
            if f.code.is_block {
                return PrimResult::Fail;
            }
            f.receiver = a0;
            let at = (f.bp as usize).wrapping_sub(1);
            if let Some(x) = stack.get_mut(at) {
                *x = a0;
            }
            PrimResult::Value(r)
        }
        "ctxEqual" => match (ctx_key(vm, r), ctx_key(vm, a0)) {
            (Some(x), Some(y)) => PrimResult::Value(Value::bool(x == y)),
            (Some(_), None) => PrimResult::Value(Value::FALSE),
            _ => PrimResult::Fail,
        },
        "ctxHash" => match ctx_key(vm, r) {
            Some((_, serial)) => PrimResult::Value(Value::small((serial & 0x0FFF_FFFF) as i64)),
            None => PrimResult::Fail,
        },
        "ctxIsBlock" => {
            let (pid, fi) = match ctx_frame(vm, r) {
                Some((p, Some(f))) => (p, f),
                _ => return PrimResult::Fail,
            };
            let frames = vm.frames_of(pid);
            PrimResult::Value(Value::bool(frames[fi].code.is_block))
        }
        "processName" => match process_id(vm, r) {
            Some(pid) => {
                let s = vm.procs[pid].name.clone();
                PrimResult::Value(vm.new_string(&s))
            }
            None => PrimResult::Fail,
        },
        "processNameSet" => match (process_id(vm, r), vm.str_of(a0)) {
            (Some(pid), Some(s)) => {
                vm.procs[pid].name = s;
                PrimResult::Value(r)
            }
            _ => PrimResult::Fail,
        },
        "processState" => match process_id(vm, r) {
            Some(pid) => {
                let s = match vm.procs[pid].state {
                    ProcState::Ready => {
                        if pid == vm.active {
                            "running"
                        } else {
                            "ready"
                        }
                    }
                    ProcState::Suspended => "suspended",
                    ProcState::Errored => "suspended",
                    ProcState::Waiting => "waiting",
                    ProcState::Sleeping(_) => "waiting",
                    ProcState::Finished | ProcState::Terminated => "terminated",
                };
                PrimResult::Value(vm.intern(s))
            }
            None => PrimResult::Fail,
        },
        "newProcess" => {
            // aBlock newProcessAt: priority — created suspended
            let pr = match a0.as_int() {
                Some(p) if (1..=80).contains(&p) => p as u8,
                _ => return PrimResult::Fail,
            };
            match vm.heap.try_get(r).map(|o| &o.body) {
                Some(Body::Closure(c)) if c.code.num_args == 0 => {}
                _ => return PrimResult::Fail,
            }
            let _ = n;
            let pid = vm.start_block(r, pr);
            vm.procs[pid].state = ProcState::Suspended;
            PrimResult::Value(vm.procs[pid].obj)
        }
        "processSuspendedContext" => match process_id(vm, r) {
            Some(pid) => {
                if pid == vm.active {
                    return PrimResult::Value(Value::NIL);
                }
                // contexts see the interpreter's frames: inlined callees
                // first get frames of their own
                vm.materialize_inlined();
                let p = &vm.procs[pid];
                match p.frames.last() {
                    Some(f)
                        if p.state != ProcState::Finished && p.state != ProcState::Terminated =>
                    {
                        let serial = f.serial;
                        PrimResult::Value(vm.new_context(pid, serial))
                    }
                    _ => PrimResult::Value(Value::NIL),
                }
            }
            None => PrimResult::Fail,
        },
        "bytesFree" => {
            let free = vm
                .heap
                .limit
                .saturating_sub(vm.heap.live + vm.heap.allocated);
            PrimResult::Value(Value::small(free as i64))
        }
        "transcriptPut" => {
            // a Character or a String; Character cr and lf both end a line
            let text = match a0.as_char().and_then(char::from_u32) {
                Some(c) => c.to_string(),
                None => match vm.str_of(a0) {
                    Some(s) => s,
                    None => return PrimResult::Fail,
                },
            };
            vm.transcript
                .push_str(&text.replace("\r\n", "\n").replace('\r', "\n"));
            PrimResult::Value(r)
        }
        "methodPrimitiveNumber" => match vm.method_code(r) {
            // Squeak's primitive number: marker methods answer 198/199
            Some(code) => {
                let p = match code.info.marker {
                    Marker::Handler => 199,
                    Marker::Unwind => 198,
                    _ => code.info.primitive as i64,
                };
                PrimResult::Value(Value::small(p))
            }
            None => PrimResult::Fail,
        },
        "ctxHome" => {
            // the method activation a block activation belongs to
            let (pid, fi) = match ctx_frame(vm, r) {
                Some((p, Some(f))) => (p, f),
                _ => return PrimResult::Fail,
            };
            let frames = vm.frames_of(pid);
            let home = frames[fi].home;
            if !frames.iter().any(|f| f.serial == home) {
                return PrimResult::Value(Value::NIL);
            }
            PrimResult::Value(vm.new_context(pid, home))
        }
        "closureOuterContext" => {
            // the activation that created the closure, while it is alive
            let (process, outer) = match vm.heap.try_get(r).map(|o| &o.body) {
                Some(Body::Closure(c)) => (c.process, c.outer),
                _ => return PrimResult::Fail,
            };
            let pid = match vm.heap.try_get(process).map(|o| &o.body) {
                Some(Body::Process(p)) => *p as usize,
                _ => return PrimResult::Value(Value::NIL),
            };
            let alive =
                pid < vm.procs.len() && (vm.frames_of(pid)).iter().any(|f| f.serial == outer);
            if alive {
                PrimResult::Value(vm.new_context(pid, outer))
            } else {
                PrimResult::Value(Value::NIL)
            }
        }
        "sendCount" => {
            PrimResult::Value(Value::small((vm.send_count & 0x0FFF_FFFF_FFFF_FFFF) as i64))
        }
        "insnCount" => {
            PrimResult::Value(Value::small((vm.insn_count & 0x0FFF_FFFF_FFFF_FFFF) as i64))
        }
        _ => PrimResult::Fail,
    }
}
