//! Processes and their synchronization: forking, yielding, suspending,
//! resuming and terminating processes, priorities and names,
//! Semaphores and Delays, and stopping a process on an unhandled error.

use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::interp::frame::ProcState;
use crate::interp::{ErrorInfo, Outcome};
use crate::object::{Body, Value};

/// The id of a Process object (one the VM knows).
fn process_id(vm: &Vm, v: Value) -> Option<usize> {
    match vm.heap.try_get(v).map(|o| &o.body) {
        Some(Body::Process(p)) if vm.procs.contains(*p as usize) => Some(*p as usize),
        _ => None,
    }
}

/// Whether `v` is a block without arguments.
fn is_niladic_block(vm: &Vm, v: Value) -> bool {
    matches!(vm.heap.try_get(v).map(|o| &o.body), Some(Body::Closure(b)) if b.code.num_args == 0)
}

pub(super) fn suspend_unhandled(vm: &mut Vm, c: Args) -> PrimResult {
    // receiver: the exception; a0: its description
    // (the report shows the interpreter's frames)
    vm.materialize_process(vm.active);
    let pid = vm.active;
    let class_name = {
        let class = vm.class_of(c.r);
        vm.classes[class as usize].name.clone()
    };
    let message = vm.str_of(c.a0).unwrap_or_default();
    // hide `signal` and the handler search above it in reports
    let user_frames = vm
        .frames
        .iter()
        .position(|f| f.receiver == c.r && f.code.info.selector.starts_with("signal"))
        .unwrap_or(vm.frames.len());
    // the primitive answers nil when the process is proceeded
    c.answer(vm, Value::NIL);
    vm.procs[pid].error = Some(ErrorInfo {
        exception: c.r,
        class_name,
        message,
        user_frames,
    });
    vm.block_active(ProcState::Errored);
    vm.events.push_back(Outcome::Error { pid });
    Done
}

pub(super) fn new_process(vm: &mut Vm, c: Args) -> PrimResult {
    // aBlock newProcessAt: priority — created suspended
    let priority = match c.a0.as_int() {
        Some(p) if (1..=80).contains(&p) => p as u8,
        _ => return Fail,
    };
    if !is_niladic_block(vm, c.r) {
        return Fail;
    }
    let Some(pid) = vm.start_block(c.r, priority) else {
        return Fail;
    };
    vm.procs[pid].state = ProcState::Suspended;
    Value(vm.procs[pid].obj)
}

pub(super) fn yield_active(vm: &mut Vm, c: Args) -> PrimResult {
    c.answer(vm, c.r);
    vm.yield_active();
    Done
}

pub(super) fn active_process(vm: &mut Vm, _: Args) -> PrimResult {
    if vm.procs.contains(vm.active) {
        Value(vm.procs[vm.active].obj)
    } else {
        Value(Value::NIL)
    }
}

pub(super) fn terminate(vm: &mut Vm, c: Args) -> PrimResult {
    let pid = match process_id(vm, c.r) {
        Some(p) => p,
        None => return Fail,
    };
    c.answer(vm, c.r);
    vm.terminate(pid);
    Done
}

pub(super) fn suspend(vm: &mut Vm, c: Args) -> PrimResult {
    let pid = match process_id(vm, c.r) {
        Some(p) => p,
        None => return Fail,
    };
    // as Squeak 6's (primitive 578): nil for the active process (when it
    // is resumed) and for a blocked one, which goes back to its wait when
    // resumed; the receiver for a ready one (Squeak: its run queue)
    if pid == vm.active {
        c.answer(vm, Value::NIL);
        vm.block_active(ProcState::Suspended);
    } else if vm.procs[pid].state == ProcState::Ready {
        c.answer(vm, c.r);
        vm.procs[pid].state = ProcState::Suspended;
        vm.dequeue(pid);
    } else if matches!(
        vm.procs[pid].state,
        ProcState::Waiting | ProcState::Sleeping(_)
    ) {
        c.answer(vm, Value::NIL);
        vm.suspend_blocked(pid);
    } else {
        c.answer(vm, c.r);
    }
    Done
}

pub(super) fn resume(vm: &mut Vm, c: Args) -> PrimResult {
    let pid = match process_id(vm, c.r) {
        Some(p) => p,
        None => return Fail,
    };
    // Squeak's primitive 87 fails for a process that is not suspended:
    // the active one, a ready or waiting one, one that ended
    match vm.procs[pid].state {
        ProcState::Suspended => {
            // answered first: a resumed process of higher priority
            // preempts the active one, whose stack then leaves the CPU
            c.answer(vm, c.r);
            vm.resume_suspended(pid);
            Done
        }
        ProcState::Errored => Value(c.r),
        _ => Fail,
    }
}

pub(super) fn priority(vm: &mut Vm, c: Args) -> PrimResult {
    match process_id(vm, c.r) {
        Some(pid) => Value(Value::small(vm.procs[pid].priority as i64)),
        None => Fail,
    }
}

pub(super) fn priority_set(vm: &mut Vm, c: Args) -> PrimResult {
    match (process_id(vm, c.r), c.a0.as_int()) {
        (Some(pid), Some(p)) if (1..=80).contains(&p) => {
            // (as in Squeak, a ready process stays in the queue it is in
            // until it runs)
            vm.procs[pid].priority = p as u8;
            Value(c.r)
        }
        _ => Fail,
    }
}

pub(super) fn name(vm: &mut Vm, c: Args) -> PrimResult {
    match process_id(vm, c.r) {
        Some(pid) => {
            let s = vm.procs[pid].name.clone();
            Value(vm.new_string(&s))
        }
        None => Fail,
    }
}

pub(super) fn name_set(vm: &mut Vm, c: Args) -> PrimResult {
    match (process_id(vm, c.r), vm.str_of(c.a0)) {
        (Some(pid), Some(s)) => {
            vm.procs[pid].name = s;
            Value(c.r)
        }
        _ => Fail,
    }
}

pub(super) fn state(vm: &mut Vm, c: Args) -> PrimResult {
    let pid = match process_id(vm, c.r) {
        Some(pid) => pid,
        None => return Fail,
    };
    let s = match vm.procs[pid].state {
        ProcState::Ready if pid == vm.active => "running",
        ProcState::Ready => "ready",
        ProcState::Suspended | ProcState::Errored => "suspended",
        ProcState::Waiting | ProcState::Sleeping(_) => "waiting",
        ProcState::Finished | ProcState::Terminated => "terminated",
    };
    Value(vm.intern(s))
}

pub(super) fn suspended_context(vm: &mut Vm, c: Args) -> PrimResult {
    let pid = match process_id(vm, c.r) {
        Some(pid) => pid,
        None => return Fail,
    };
    if pid == vm.active {
        return Value(Value::NIL);
    }
    // contexts see the interpreter's frames: inlined callees first get
    // frames of their own
    vm.materialize_inlined();
    let p = &vm.procs[pid];
    match p.frames.len() {
        n if n > 0 && p.state != ProcState::Finished && p.state != ProcState::Terminated => {
            Value(vm.context_at(pid, n - 1))
        }
        _ => Value(Value::NIL),
    }
}

pub(super) fn sem_signal(vm: &mut Vm, c: Args) -> PrimResult {
    c.answer(vm, c.r);
    vm.semaphore_signal(c.r);
    Done
}

pub(super) fn sem_wait(vm: &mut Vm, c: Args) -> PrimResult {
    c.answer(vm, c.r);
    vm.semaphore_wait(c.r);
    Done
}

pub(super) fn delay_wait(vm: &mut Vm, c: Args) -> PrimResult {
    let ms = match vm.to_float(c.a0) {
        // infinite or NaN waits fail: nothing could ever wake them
        Some(ms) if ms >= 0.0 && ms.is_finite() => ms,
        _ => return Fail,
    };
    c.answer(vm, c.r);
    let until = (vm.clock)() + ms;
    vm.block_active(ProcState::Sleeping(until));
    Done
}
