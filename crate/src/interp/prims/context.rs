//! Contexts, blocks and sends: evaluating blocks (Squeak's 201-206),
//! `perform:` (83, 84), and the Context objects that stand for
//! activations (sender, receiver, temporaries, returning and restarting,
//! the handler search of exceptions).

use super::string::selector_arity;
use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::interp::frame::{OnReturn, UnwindAction};
use crate::object::{Body, Marker, Value};

impl Vm {
    /// The Context object of frame `fi` of process `pid`.
    pub(crate) fn context_at(&mut self, pid: usize, fi: usize) -> Value {
        let f = &self.frames_of(pid)[fi];
        if f.ctx != Value::NIL {
            return f.ctx;
        }
        let serial = f.serial;
        let process = self.procs[pid].obj;
        let ctx = self.heap.alloc(
            self.known.context,
            Body::Context {
                process,
                serial,
                hint: fi as u32,
            },
        );
        let frames = if pid == self.active {
            &mut self.frames
        } else {
            &mut self.procs[pid].frames
        };
        frames[fi].ctx = ctx;
        ctx
    }
}

/// Counts frames the context primitives look at (`Vm::frames_searched`).
fn searched(vm: &Vm, n: usize) {
    vm.frames_searched.set(vm.frames_searched.get() + n as u64);
}

/// The index of the frame with `serial`, looking outwards from `hint`
/// (where it was when its Context was made).
fn find_frame(
    vm: &Vm,
    frames: &[crate::interp::frame::Frame],
    serial: u64,
    hint: usize,
) -> Option<usize> {
    let n = frames.len();
    let hint = hint.min(n.saturating_sub(1));
    for d in 0..n {
        let (up, down) = (hint + d, hint.checked_sub(d));
        if up >= n && down.is_none() {
            break;
        }
        if frames.get(up).is_some_and(|f| f.serial == serial) {
            searched(vm, 2 * d + 1);
            return Some(up);
        }
        if d > 0 && down.is_some_and(|i| frames[i].serial == serial) {
            searched(vm, 2 * d + 1);
            return down;
        }
    }
    searched(vm, n);
    None
}

/// (process id, frame index if the frame is still alive) of a Context.
fn ctx_frame(vm: &Vm, ctx: Value) -> Option<(usize, Option<usize>)> {
    let (process, serial, hint) = match vm.heap.try_get(ctx).map(|o| &o.body) {
        Some(Body::Context {
            process,
            serial,
            hint,
        }) => (*process, *serial, *hint as usize),
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
    Some((pid, find_frame(vm, frames, serial, hint)))
}

/// What identifies a Context's activation: its process and frame serial.
fn ctx_key(vm: &Vm, ctx: Value) -> Option<(Value, u64)> {
    match vm.heap.try_get(ctx).map(|o| &o.body) {
        Some(Body::Context {
            process, serial, ..
        }) => Some((*process, *serial)),
        _ => None,
    }
}

/// (process id, frame index) of a Context whose activation is alive.
fn live_frame(vm: &Vm, ctx: Value) -> Option<(usize, usize)> {
    match ctx_frame(vm, ctx)? {
        (pid, Some(fi)) => Some((pid, fi)),
        _ => None,
    }
}

/// Whether `v` is a Symbol the VM made (byte or wide): what `perform:`
/// sends.
fn is_symbol(vm: &Vm, v: Value) -> bool {
    let c = vm.class_of(v);
    c == vm.known.byte_symbol || c == vm.known.wide_symbol
}

pub(super) fn perform(vm: &mut Vm, c: Args) -> PrimResult {
    // perform: sel with: ... — drop the selector, send
    if c.argc == 0 {
        return Fail;
    }
    let sel = c.a0;
    if !is_symbol(vm, sel) {
        return Fail;
    }
    if selector_arity(vm, sel) != Some(c.argc - 1) {
        return Fail;
    }
    vm.stack.remove(c.n - c.argc);
    vm.send(sel, c.argc - 1, None);
    Done
}

pub(super) fn perform_with_arguments(vm: &mut Vm, c: Args) -> PrimResult {
    let sel = c.a0;
    let args: Vec<Value> = match vm.heap.try_get(c.a1).map(|o| &o.body) {
        Some(&Body::Slots(s)) if vm.class_of(c.a1) == vm.known.array => vm.heap.span(s).to_vec(),
        _ => return Fail,
    };
    if !is_symbol(vm, sel) || selector_arity(vm, sel) != Some(args.len()) {
        return Fail;
    }
    vm.stack.truncate(c.n - c.argc);
    let k = args.len();
    vm.stack.extend(args);
    vm.send(sel, k, None);
    Done
}

/// The argument count of a block.
fn block_num_args(vm: &Vm, closure: Value) -> Option<usize> {
    match vm.heap.try_get(closure).map(|o| &o.body) {
        Some(Body::Closure(b)) => Some(b.code.num_args as usize),
        _ => None,
    }
}

pub(super) fn block_value(vm: &mut Vm, c: Args) -> PrimResult {
    if block_num_args(vm, c.r) != Some(c.argc) {
        return Fail;
    }
    if vm.activate_block(c.r, c.argc, OnReturn::Push) {
        Done
    } else {
        Fail
    }
}

pub(super) fn block_value_with_arguments(vm: &mut Vm, c: Args) -> PrimResult {
    let items: Vec<Value> = match vm.heap.try_get(c.a0).map(|o| &o.body) {
        Some(&Body::Slots(s)) if vm.class_of(c.a0) == vm.known.array => vm.heap.span(s).to_vec(),
        _ => return Fail,
    };
    let k = items.len();
    if block_num_args(vm, c.r) != Some(k) {
        return Fail;
    }
    vm.stack.truncate(c.n - c.argc);
    vm.stack.extend(items);
    if vm.activate_block(c.r, k, OnReturn::Push) {
        Done
    } else {
        Fail
    }
}

pub(super) fn closure_method(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Closure(b)) => Value(b.method),
        _ => Fail,
    }
}

pub(super) fn block_depth(vm: &mut Vm, c: Args) -> PrimResult {
    let (code, method) = match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Closure(b)) => (b.code.clone(), b.method),
        _ => match live_frame(vm, c.r) {
            Some((pid, fi)) => {
                let f = &vm.frames_of(pid)[fi];
                (f.code.clone(), f.method)
            }
            None => return Fail,
        },
    };
    let root = match vm.heap.try_get(method).map(|o| &o.body) {
        Some(Body::Method(root)) => root.clone(),
        _ => return Fail,
    };
    // the method's code units, depth first, with their depths
    let mut work = vec![(&root, 0usize)];
    let mut visited = 0;
    while let Some((unit, depth)) = work.pop() {
        visited += 1;
        if std::rc::Rc::ptr_eq(unit, &code) {
            searched(vm, visited);
            return Value(Value::small(depth as i64));
        }
        work.extend(unit.blocks.iter().map(|b| (b, depth + 1)));
    }
    searched(vm, visited);
    Fail
}

pub(super) fn closure_receiver(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Closure(b)) => Value(b.receiver),
        _ => Fail,
    }
}

pub(super) fn num_args(vm: &mut Vm, c: Args) -> PrimResult {
    match block_num_args(vm, c.r) {
        Some(k) => Value(Value::small(k as i64)),
        None => Fail,
    }
}

pub(super) fn closure_outer_context(vm: &mut Vm, c: Args) -> PrimResult {
    // the activation that created the closure, while it is alive
    let (process, outer) = match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Closure(b)) => (b.process, b.outer),
        _ => return Fail,
    };
    let pid = match vm.heap.try_get(process).map(|o| &o.body) {
        Some(Body::Process(p)) => *p as usize,
        _ => return Value(Value::NIL),
    };
    if !vm.procs.contains(pid) {
        return Value(Value::NIL);
    }
    match vm.frames_of(pid).iter().rposition(|f| f.serial == outer) {
        Some(fi) => Value(vm.context_at(pid, fi)),
        None => Value(Value::NIL),
    }
}

/// Runs `read` on the frame of Context `ctx` (process id, frame index):
/// fails if `ctx` is not a Context, answers nil once its activation has
/// returned. A frame inside an inlined callee's body would answer its
/// caller's pc there, and skip the callee as a sender: the interpreter's
/// frames first.
fn read_frame(
    vm: &mut Vm,
    ctx: Value,
    read: impl FnOnce(&mut Vm, usize, usize) -> Value,
) -> PrimResult {
    vm.materialize_if_inlined();
    match ctx_frame(vm, ctx) {
        Some((pid, Some(fi))) => Value(read(vm, pid, fi)),
        Some((_, None)) => Value(Value::NIL),
        None => Fail,
    }
}

pub(super) fn sender(vm: &mut Vm, c: Args) -> PrimResult {
    read_frame(vm, c.r, |vm, pid, fi| {
        if fi == 0 {
            Value::NIL
        } else {
            vm.context_at(pid, fi - 1)
        }
    })
}

pub(super) fn receiver(vm: &mut Vm, c: Args) -> PrimResult {
    read_frame(vm, c.r, |vm, pid, fi| vm.frames_of(pid)[fi].receiver)
}

pub(super) fn method(vm: &mut Vm, c: Args) -> PrimResult {
    read_frame(vm, c.r, |vm, pid, fi| vm.frames_of(pid)[fi].method)
}

pub(super) fn pc(vm: &mut Vm, c: Args) -> PrimResult {
    read_frame(vm, c.r, |vm, pid, fi| {
        Value::small(vm.frames_of(pid)[fi].pc as i64)
    })
}

pub(super) fn selector(vm: &mut Vm, c: Args) -> PrimResult {
    read_frame(vm, c.r, |vm, pid, fi| {
        let s = vm.frames_of(pid)[fi].code.info.selector.clone();
        vm.intern(&s)
    })
}

pub(super) fn print_name(vm: &mut Vm, c: Args) -> PrimResult {
    read_frame(vm, c.r, |vm, pid, fi| {
        let s = vm.frames_of(pid)[fi].code.print_name();
        vm.new_string(&s)
    })
}

pub(super) fn is_dead(vm: &mut Vm, c: Args) -> PrimResult {
    vm.materialize_if_inlined();
    match ctx_frame(vm, c.r) {
        Some((_, fi)) => Value(Value::bool(fi.is_none())),
        None => Fail,
    }
}

pub(super) fn is_block(vm: &mut Vm, c: Args) -> PrimResult {
    match live_frame(vm, c.r) {
        Some((pid, fi)) => Value(Value::bool(vm.frames_of(pid)[fi].code.is_block)),
        None => Fail,
    }
}

/// (process id, stack index) of the temporary a 1-based index (`a0`)
/// names in a live Context (`r`).
fn temp_slot(vm: &Vm, c: Args) -> Option<(usize, usize)> {
    let (pid, fi) = live_frame(vm, c.r)?;
    // (a SmallInteger may not fit a usize on a 32-bit target)
    let i = usize::try_from(c.a0.as_int()? - 1).ok()?;
    let f = &vm.frames_of(pid)[fi];
    if i >= f.code.num_temps as usize {
        return None;
    }
    Some((pid, f.bp as usize + i))
}

pub(super) fn temp_at(vm: &mut Vm, c: Args) -> PrimResult {
    match temp_slot(vm, c) {
        Some((pid, at)) => Value(vm.stack_of(pid).get(at).copied().unwrap_or(Value::NIL)),
        None => Fail,
    }
}

pub(super) fn temp_at_put(vm: &mut Vm, c: Args) -> PrimResult {
    let (pid, at) = match temp_slot(vm, c) {
        Some(x) => x,
        None => return Fail,
    };
    let stack = if pid == vm.active {
        &mut vm.stack
    } else {
        &mut vm.procs[pid].stack
    };
    if let Some(x) = stack.get_mut(at) {
        *x = c.a1;
    }
    Value(c.a1)
}

pub(super) fn receiver_put(vm: &mut Vm, c: Args) -> PrimResult {
    // aContext primReceiver: obj — for retryUsing:
    let (pid, fi) = match live_frame(vm, c.r) {
        Some(x) => x,
        None => return Fail,
    };
    let (frames, stack) = if pid == vm.active {
        (&mut vm.frames, &mut vm.stack)
    } else {
        let p = &mut vm.procs[pid];
        (&mut p.frames, &mut p.stack)
    };
    let f = &mut frames[fi];
    if f.code.is_block {
        return Fail;
    }
    f.receiver = c.a0;
    let at = (f.bp as usize).wrapping_sub(1);
    if let Some(x) = stack.get_mut(at) {
        *x = c.a0;
    }
    Value(c.r)
}

/// Unwinds the active process to a live Context (`r`) of it, popping
/// the primitive's own receiver and arguments first.
fn unwind_to(vm: &mut Vm, c: Args, action: UnwindAction) -> PrimResult {
    vm.materialize_if_inlined();
    let (pid, fi) = match live_frame(vm, c.r) {
        Some(x) => x,
        None => return Fail,
    };
    if pid != vm.active {
        return Fail;
    }
    let serial = vm.frames[fi].serial;
    c.pop(vm);
    vm.unwind(serial, action);
    Done
}

pub(super) fn return_value(vm: &mut Vm, c: Args) -> PrimResult {
    unwind_to(vm, c, UnwindAction::ReturnFrom(c.a0))
}

pub(super) fn restart(vm: &mut Vm, c: Args) -> PrimResult {
    unwind_to(vm, c, UnwindAction::Restart)
}

pub(super) fn find_handler(vm: &mut Vm, c: Args) -> PrimResult {
    vm.materialize_if_inlined();
    // first handler frame at or below the receiver context
    let (pid, fi) = match ctx_frame(vm, c.r) {
        Some((p, Some(f))) => (p, f),
        Some((_, None)) => return Value(Value::NIL),
        None => return Fail,
    };
    let found = vm.frames_of(pid)[..=fi]
        .iter()
        .rposition(|f| f.code.info.marker == Marker::Handler && !f.code.is_block);
    searched(vm, fi + 1 - found.unwrap_or(0));
    match found {
        Some(i) => Value(vm.context_at(pid, i)),
        None => Value(Value::NIL),
    }
}

pub(super) fn equal(vm: &mut Vm, c: Args) -> PrimResult {
    match (ctx_key(vm, c.r), ctx_key(vm, c.a0)) {
        (Some(x), Some(y)) => Value(Value::bool(x == y)),
        (Some(_), None) => Value(Value::FALSE),
        _ => Fail,
    }
}

pub(super) fn hash(vm: &mut Vm, c: Args) -> PrimResult {
    match ctx_key(vm, c.r) {
        Some((_, serial)) => Value(Value::small((serial & 0x0FFF_FFFF) as i64)),
        None => Fail,
    }
}

pub(super) fn home(vm: &mut Vm, c: Args) -> PrimResult {
    // the method activation a block activation belongs to
    let (pid, fi) = match live_frame(vm, c.r) {
        Some(x) => x,
        None => return Fail,
    };
    // the home frame is below its blocks' frames
    let frames = vm.frames_of(pid);
    let home = frames[fi].home;
    let found = frames[..=fi].iter().rposition(|f| f.serial == home);
    searched(vm, fi + 1 - found.unwrap_or(0));
    match found {
        Some(i) => Value(vm.context_at(pid, i)),
        None => Value(Value::NIL),
    }
}
