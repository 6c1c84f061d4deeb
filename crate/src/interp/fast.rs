//! The interpreter's fast path: a small loop that runs the instructions
//! which touch only the operand stack, the frame's temporaries and the
//! heap (pushes, stores, SmallInteger arithmetic, jumps, Array access,
//! the tier's fused arithmetic), and hands every other instruction back
//! to the general loop in `exec.rs`.
//!
//! Why a separate loop: the general loop is large (sends, returns,
//! unwinding, the tier), so its locals live in stack slots and every
//! instruction reloads pc, fuel and the stack's length from memory.
//! This loop has few live values, so they stay in registers, and the
//! common instructions cost a fraction of what they cost there (measured
//! with callgrind: see the README's Benchmarks section).
//!
//! Semantics are the general loop's: the fast loop charges one unit of
//! fuel per instruction (the fused tier instructions charge what they
//! replace), and an instruction it hands back has been fetched and
//! charged, with `pc` already past it, exactly as the general loop
//! expects. The general loop can run every instruction itself, so the
//! set handled here is purely a speed choice.

use super::exec::{arith_small, TierSend};
use super::frame::{Frame, OnReturn};
use super::{TierMode, Vm};
use crate::bytecode::{konst, Arith, Op};
use crate::object::{Body, ClassId, Closure, Code, Heap, Value};
use crate::tier::{Leaf, OptCode};
use std::rc::Rc;

/// What the fast loop stopped on. In every case the frames and the
/// operand stack are back in the VM, and each frame's `pc` is current.
pub(super) enum Exit {
    /// Run this instruction in the general loop, in the top frame (it has
    /// been fetched and charged; the frame's `pc` is past it).
    Slow(Op),
    /// The fuel ran out.
    Fuel,
    /// Something the general loop must look at happened (the frame ran
    /// off its end, a primitive switched processes, a collection is
    /// due): it starts again from the top frame.
    Frame,
}

/// Runs the active process's top frame, and the frames it calls and
/// returns to, until an instruction needs the general loop or the fuel
/// runs out. The caller guarantees a runnable process with a frame.
#[inline(never)]
pub(super) fn run(vm: &mut Vm, fuel_io: &mut u64) -> Exit {
    // the operand stack is a local, so its length stays in a register;
    // it goes back into the VM before anything that uses `vm.stack`
    let mut st = std::mem::take(&mut vm.stack);
    let mut fuel = *fuel_io;
    let tier_on = vm.tier != TierMode::Off;
    let array_class = vm.k.array;
    let mut array_plain = vm.array_prims_plain();
    // the running frame, in locals
    let mut fi;
    let mut code: Rc<Code>;
    let mut opt: Option<Rc<OptCode>>;
    let mut ops: Ops;
    let mut pc;
    let mut bp;
    let mut recv;
    macro_rules! load_top {
        () => {{
            fi = vm.frames.len() - 1;
            let f = &vm.frames[fi];
            code = f.code.clone();
            opt = f.opt.clone();
            ops = Ops::of(&code, &opt);
            pc = f.pc as usize;
            bp = f.bp as usize;
            recv = f.receiver;
        }};
    }
    load_top!();
    macro_rules! leave {
        ($e:expr) => {{
            vm.stack = st;
            vm.frames[fi].pc = pc as u32;
            *fuel_io = fuel;
            return $e;
        }};
    }
    macro_rules! jump {
        ($d:expr) => {
            pc = (pc as i64 + $d as i64) as usize
        };
    }
    // A fused instruction whose guard failed runs the first instruction
    // of the sequence it replaced instead (the following ones are still
    // canonical in the optimized code).
    macro_rules! unfuse {
        () => {
            match code.ops.get(pc - 1) {
                Some(&Op::PushTemp(i)) => match st.get(bp + i as usize) {
                    Some(&v) => st.push(v),
                    None => leave!(Exit::Slow(Op::PushTemp(i))),
                },
                Some(&Op::PushSelf) => st.push(recv),
                Some(&other) => leave!(Exit::Slow(other)),
                None => leave!(Exit::Frame),
            }
        };
    }
    // Operands of the fused instructions: a temp, or a constant.
    macro_rules! temp {
        ($i:expr) => {
            st.get(bp + $i as usize).copied()
        };
    }
    macro_rules! int {
        ($k:expr) => {
            Some(Value::small($k as i64))
        };
    }
    // A fused SmallInteger operation standing for `$n + 1` canonical
    // instructions: `$then` gets the result; a non-SmallInteger operand,
    // an overflow or too little fuel runs the first instruction instead.
    macro_rules! fused {
        ($x:expr, $y:expr, $aop:expr, $n:expr, |$r:ident| $then:expr) => {
            match ($x, $y) {
                (Some(x), Some(y)) if fuel >= $n && x.is_int() && y.is_int() => {
                    match arith_small($aop, x.int_unchecked(), y.int_unchecked()) {
                        Some($r) => {
                            fuel -= $n;
                            pc += $n;
                            $then;
                        }
                        None => unfuse!(),
                    }
                }
                _ => unfuse!(),
            }
        };
    }
    // A loop back-edge that also runs the loop test at its target
    // (`JumpBranchTT/TI`): into the body when it holds, else to the
    // test's `JumpIfFalse` with `false` pushed; when the operands are not
    // SmallIntegers or the fuel cannot cover the test, only the jump.
    macro_rules! jump_branch {
        ($op:expr, $d:expr, $x:expr, $y:expr, $aop:expr) => {{
            if vm.heap.needs_gc() {
                // the general loop collects at a back-edge
                leave!(Exit::Slow($op));
            }
            jump!($d);
            if let (Some(x), Some(y)) = ($x, $y) {
                if fuel >= 4 && x.is_int() && y.is_int() {
                    match arith_small($aop, x.int_unchecked(), y.int_unchecked()) {
                        Some(Value::TRUE) => {
                            fuel -= 4;
                            pc += 4;
                        }
                        Some(Value::FALSE) => {
                            st.push(Value::FALSE);
                            fuel -= 3;
                            pc += 3;
                        }
                        _ => {}
                    }
                }
            }
        }};
    }
    // After a primitive or a general send: a primitive answered, or
    // frames were pushed or popped, or the process stopped; a primitive
    // may also have redefined a method and deoptimized this frame (R6).
    // Carries on in whatever frame is on top now, reloaded, or lets the
    // general loop look first.
    macro_rules! after_call {
        () => {{
            if vm.frames.is_empty() || !vm.runnable_here() {
                vm.stack = st;
                *fuel_io = fuel;
                return Exit::Frame;
            }
            load_top!();
        }};
    }
    // Sends `selector` to the receiver under the top `argc` values: finds
    // the method (through `cached`, an inline cache's hit, or the global
    // lookup cache) and, if it has no primitive, pushes its frame and
    // carries on in it. Anything else is the general loop's, which runs
    // the instruction at `pc - 1` again from the start.
    macro_rules! send {
        ($op:expr, $selector:expr, $argc:expr, $cached:expr) => {{
            let argc: usize = $argc;
            let n = st.len();
            let r = match n.checked_sub(argc + 1) {
                Some(i) => st[i],
                None => leave!(Exit::Slow($op)),
            };
            let found: Option<(Value, Rc<Code>)> = match $cached {
                Some(hit) => Some(hit),
                None => {
                    let class = vm.class_of(r);
                    vm.lookup(class, $selector)
                }
            };
            let (method, callee) = match found {
                Some(x) => x,
                None => leave!(Exit::Slow($op)),
            };
            if callee.num_args as usize != argc {
                leave!(Exit::Slow($op));
            }
            vm.send_count += 1;
            vm.frames[fi].pc = pc as u32;
            if callee.info.primitive != 0 || vm.frames.len() >= vm.max_depth {
                // a primitive (or the depth limit): the general send,
                // then carry on in whatever frame is on top
                vm.stack = std::mem::take(&mut st);
                vm.invoke(method, callee, r, argc);
                st = std::mem::take(&mut vm.stack);
                // a primitive may have redefined at:/at:put: (R5)
                array_plain = vm.array_prims_plain();
                after_call!();
                continue;
            }
            let new_bp = n - argc;
            st.resize(new_bp + (callee.num_temps as usize).max(argc), Value::NIL);
            let serial = vm.next_serial;
            vm.next_serial += 1;
            vm.frames.push(Frame {
                code: callee,
                pc: 0,
                bp: new_bp as u32,
                receiver: r,
                method,
                closure: Value::NIL,
                serial,
                home: serial,
                on_return: OnReturn::Push,
                opt: None,
                ctx: Value::NIL,
            });
            if tier_on {
                vm.tier_enter();
            }
            load_top!();
        }};
    }
    // A tier send site the fast paths do not cover: `Vm::tier_send`
    // (inline-cache misses, first executions, inlined leaves).
    macro_rules! tier_send {
        ($op:expr, $site:expr) => {{
            let (op, site): (Op, u16) = ($op, $site);
            let o = match &opt {
                Some(o) => o.clone(),
                None => leave!(Exit::Slow(op)),
            };
            vm.stack = std::mem::take(&mut st);
            vm.frames[fi].pc = pc as u32;
            let result = vm.tier_send(&o, site as usize, pc - 1, op, &mut fuel);
            st = std::mem::take(&mut vm.stack);
            // a primitive may have redefined at:/at:put: (R5)
            array_plain = vm.array_prims_plain();
            match result {
                TierSend::Fallback => match code.ops.get(pc - 1) {
                    Some(&canonical) => leave!(Exit::Slow(canonical)),
                    None => leave!(Exit::Frame),
                },
                TierSend::Done => {}
                TierSend::Sent => after_call!(),
            }
        }};
    }
    loop {
        if fuel == 0 {
            leave!(Exit::Fuel);
        }
        // Matched through a reference, so each arm loads only its own
        // operands (a copied `Op` is first reassembled from its packed
        // bytes). Falling off the end behaves like returning self (the
        // general loop's `ReturnSelf`, charged like an instruction).
        let op: &Op = match ops.get(pc) {
            Some(op) => op,
            None => {
                fuel -= 1;
                leave!(Exit::Slow(Op::ReturnSelf));
            }
        };
        fuel -= 1;
        pc += 1;
        match *op {
            Op::PushGlobal(i) => match code.literals.get(i as usize) {
                Some(&assoc) => {
                    let v = vm.assoc_value(assoc);
                    st.push(v);
                }
                None => leave!(Exit::Slow(*op)),
            },
            // ----- sends and returns -----
            // A send to a method without a primitive pushes its frame
            // here and carries on in it; a return to a caller frame pops
            // and carries on in the caller. Everything else (primitives,
            // doesNotUnderstand:, the depth limit, unwinding, the end of
            // a process) is the general loop's.
            Op::Send { sel, argc } => {
                let selector = match code.literals.get(sel as usize) {
                    Some(&s) => s,
                    None => leave!(Exit::Slow(*op)),
                };
                send!(*op, selector, argc as usize, None);
            }
            Op::ReturnTop | Op::ReturnSelf => {
                let v = if matches!(*op, Op::ReturnTop) {
                    match st.pop() {
                        Some(v) => v,
                        None => leave!(Exit::Slow(*op)),
                    }
                } else {
                    recv
                };
                if fi == 0 || !matches!(vm.frames[fi].on_return, OnReturn::Push) || bp == 0 {
                    if matches!(*op, Op::ReturnTop) {
                        st.push(v);
                    }
                    leave!(Exit::Slow(*op));
                }
                vm.frames.pop();
                st.truncate(bp - 1);
                st.push(v);
                load_top!();
            }
            // The tier's send sites: a megamorphic one is an ordinary send;
            // an inline cache's hit skips the lookup. Misses, the first
            // execution and inlined leaves go through `Vm::tier_send`.
            Op::SendMega { .. } => match code.ops.get(pc - 1) {
                Some(&Op::Send { sel, argc }) => match code.literals.get(sel as usize) {
                    Some(&selector) => send!(*op, selector, argc as usize, None),
                    None => leave!(Exit::Slow(*op)),
                },
                Some(&other) => leave!(Exit::Slow(other)),
                None => leave!(Exit::Frame),
            },
            Op::SendCached { site } => match cache_hit(vm, &opt, site as usize, &st) {
                Some((selector, argc, hit)) => send!(*op, selector, argc, Some(hit)),
                None => tier_send!(*op, site),
            },
            Op::InlineLeaf { site } => match inline_leaf(vm, &opt, site as usize, &mut st, fuel) {
                Some(cost) => fuel -= cost - 1,
                None => tier_send!(*op, site),
            },
            Op::SendAdaptive { site } => tier_send!(*op, site),
            Op::PushSelf => st.push(recv),
            Op::PushNil => st.push(Value::NIL),
            Op::PushTrue => st.push(Value::TRUE),
            Op::PushFalse => st.push(Value::FALSE),
            Op::PushInt(i) => st.push(Value::small(i as i64)),
            Op::PushLit(i) => match code.literals.get(i as usize) {
                Some(&v) => st.push(v),
                None => leave!(Exit::Slow(*op)),
            },
            Op::PushTemp(i) => match st.get(bp + i as usize) {
                Some(&v) => st.push(v),
                None => leave!(Exit::Slow(*op)),
            },
            Op::StoreTemp(i) => {
                let v = match st.last() {
                    Some(&v) => v,
                    None => leave!(Exit::Slow(*op)),
                };
                match st.get_mut(bp + i as usize) {
                    Some(t) => *t = v,
                    None => leave!(Exit::Slow(*op)),
                }
            }
            Op::PopTemp(i) => {
                let n = st.len();
                if n == 0 || bp + (i as usize) >= n - 1 {
                    leave!(Exit::Slow(*op));
                }
                st[bp + i as usize] = st[n - 1];
                st.truncate(n - 1);
            }
            Op::PushInstVar(i) => {
                let v = slot(&vm.heap, recv, i as usize);
                st.push(v);
            }
            Op::StoreInstVar(i) => match st.last() {
                Some(&v) if set_plain_slot(&mut vm.heap, recv, i as usize, v) => {}
                _ => leave!(Exit::Slow(*op)),
            },
            Op::PushRemote { idx, vec } => match st.get(bp + vec as usize) {
                Some(&tv) => {
                    let v = slot(&vm.heap, tv, idx as usize);
                    st.push(v);
                }
                None => leave!(Exit::Slow(*op)),
            },
            Op::StoreRemote { idx, vec } => {
                let (tv, v) = match (st.get(bp + vec as usize), st.last()) {
                    (Some(&tv), Some(&v)) => (tv, v),
                    _ => leave!(Exit::Slow(*op)),
                };
                if !set_plain_slot(&mut vm.heap, tv, idx as usize, v) {
                    leave!(Exit::Slow(*op));
                }
            }
            Op::Pop => {
                st.pop();
            }
            Op::Dup => match st.last() {
                Some(&v) => st.push(v),
                None => leave!(Exit::Slow(*op)),
            },
            Op::Arith(a) => {
                let n = st.len();
                if n < 2 {
                    leave!(Exit::Slow(*op));
                }
                let (x, y) = (st[n - 2], st[n - 1]);
                if !(x.is_int() && y.is_int()) {
                    leave!(Exit::Slow(*op));
                }
                match arith_small(a, x.int_unchecked(), y.int_unchecked()) {
                    Some(r) => {
                        st[n - 2] = r;
                        st.truncate(n - 1);
                    }
                    None => leave!(Exit::Slow(*op)),
                }
            }
            Op::At | Op::AtPut => {
                let (prim, argc) = if matches!(*op, Op::At) {
                    (60, 1)
                } else {
                    (61, 2)
                };
                if !(array_plain && array_access(&mut vm.heap, array_class, &mut st, prim, argc)) {
                    leave!(Exit::Slow(*op));
                }
            }
            Op::IdentityEq => {
                // equal bits are identical; two objects with different
                // indices may still be equal Floats (the general loop)
                let n = st.len();
                if n < 2 {
                    leave!(Exit::Slow(*op));
                }
                let (x, y) = (st[n - 2], st[n - 1]);
                if x != y && x.is_obj() && y.is_obj() {
                    leave!(Exit::Slow(*op));
                }
                st[n - 2] = Value::bool(x == y);
                st.truncate(n - 1);
            }
            Op::Jump(d) => {
                if d < 0 && ((tier_on && opt.is_none()) || vm.heap.needs_gc()) {
                    leave!(Exit::Slow(*op));
                }
                jump!(d);
            }
            Op::JumpIfTrue(d) | Op::JumpIfFalse(d) => {
                let v = match st.last() {
                    Some(&v) if v == Value::TRUE || v == Value::FALSE => v,
                    _ => leave!(Exit::Slow(*op)),
                };
                st.pop();
                if (v == Value::TRUE) == matches!(*op, Op::JumpIfTrue(_)) {
                    jump!(d);
                }
            }
            Op::JumpIfNil(d) => {
                if st.pop().unwrap_or(Value::NIL) == Value::NIL {
                    jump!(d);
                }
            }
            Op::JumpIfNotNil(d) => {
                if st.pop().unwrap_or(Value::NIL) != Value::NIL {
                    jump!(d);
                }
            }
            // ----- optimized instructions (see crate::tier) -----
            // Each replaces a canonical sequence and charges its length;
            // when its guard fails, or the fuel cannot cover the whole
            // sequence, the sequence's first instruction runs instead.
            Op::ArithTT { a, b, op: aop } => {
                fused!(temp!(a), temp!(b), aop, 2, |r| st.push(r))
            }
            Op::ArithTI { a, imm, op: aop } => fused!(temp!(a), int!(imm), aop, 2, |r| st.push(r)),
            Op::ArithSI { imm, op: aop } => fused!(Some(recv), int!(imm), aop, 2, |r| st.push(r)),
            Op::BranchTT { a, b, op: aop, d } => {
                fused!(temp!(a), temp!(b), aop, 3, |r| if r == Value::FALSE {
                    jump!(d)
                })
            }
            Op::BranchTI { a, imm, op: aop, d } => {
                fused!(temp!(a), int!(imm), aop, 3, |r| if r == Value::FALSE {
                    jump!(d)
                })
            }
            Op::BranchSI { imm, op: aop, d } => {
                fused!(Some(recv), int!(imm), aop, 3, |r| if r == Value::FALSE {
                    jump!(d)
                })
            }
            Op::IncTemp { a, imm } => {
                fused!(temp!(a), int!(imm), Arith::Add, 3, |r| st
                    [bp + a as usize] =
                    r)
            }
            Op::SetTT { c, a, b, op: aop } if bp + (c as usize) < st.len() => {
                fused!(temp!(a), temp!(b), aop, 3, |r| st[bp + c as usize] = r)
            }
            Op::SetTI { c, a, imm, op: aop } if bp + (c as usize) < st.len() => {
                fused!(temp!(a), int!(imm), aop, 3, |r| st[bp + c as usize] = r)
            }
            Op::SetTT { .. } | Op::SetTI { .. } => unfuse!(),
            Op::PushTT { a, b } => match (st.get(bp + a as usize), st.get(bp + b as usize)) {
                (Some(&x), Some(&y)) if fuel >= 1 => {
                    st.push(x);
                    st.push(y);
                    fuel -= 1;
                    pc += 1;
                }
                _ => unfuse!(),
            },
            Op::AtPutPop => {
                if fuel >= 1
                    && array_plain
                    && array_access(&mut vm.heap, array_class, &mut st, 61, 2)
                {
                    st.pop();
                    fuel -= 1;
                    pc += 1;
                } else {
                    // the canonical AtPut (the send, or its failure)
                    leave!(Exit::Slow(Op::AtPut));
                }
            }
            Op::AtPutTTK { a, b, kind, imm } => match (temp!(a), temp!(b)) {
                (Some(r), Some(i)) if fuel >= 4 && array_plain => {
                    match array_cell(&mut vm.heap, array_class, r, i) {
                        Some(cell) => {
                            *cell = konst(kind, imm);
                            fuel -= 4;
                            pc += 4;
                        }
                        None => unfuse!(),
                    }
                }
                _ => unfuse!(),
            },
            Op::BranchAtTT { a, b, d } => match (temp!(a), temp!(b)) {
                (Some(r), Some(i)) if fuel >= 3 && array_plain => {
                    match array_cell(&mut vm.heap, array_class, r, i).map(|c| *c) {
                        Some(v) if v == Value::TRUE || v == Value::FALSE => {
                            fuel -= 3;
                            pc += 3;
                            if v == Value::FALSE {
                                jump!(d);
                            }
                        }
                        _ => unfuse!(),
                    }
                }
                _ => unfuse!(),
            },
            Op::JumpBranchTT { a, b, op: aop, d } => jump_branch!(*op, d, temp!(a), temp!(b), aop),
            Op::JumpBranchTI { a, imm, op: aop, d } => {
                jump_branch!(*op, d, temp!(a), int!(imm), aop)
            }
            Op::MakeClosure { block, copied } => {
                let (n, block) = match (
                    st.len().checked_sub(copied as usize),
                    code.blocks.get(block as usize),
                ) {
                    (Some(n), Some(b)) => (n, b.clone()),
                    _ => leave!(Exit::Slow(*op)),
                };
                let f = &vm.frames[fi];
                let c = Closure {
                    code: block,
                    method: f.method,
                    receiver: f.receiver,
                    home: f.home,
                    process: vm.procs[vm.active].obj,
                    outer: f.serial,
                    copied: st.split_off(n),
                };
                let v = vm
                    .heap
                    .alloc(vm.k.full_block_closure, Body::Closure(Box::new(c)));
                st.push(v);
                if vm.heap.needs_gc() {
                    // the general loop collects before the next instruction
                    leave!(Exit::Frame);
                }
            }
            Op::StoreGlobal(_)
            | Op::PushThisContext
            | Op::MakeArray { .. }
            | Op::SuperSend { .. }
            | Op::Class
            | Op::NonLocalReturn => leave!(Exit::Slow(*op)),
        }
    }
}

/// The running frame's instructions: its canonical code, or the tier's
/// optimized copy (`Cell<Op>` has `Op`'s layout), as one slice-like view
/// so that fetching does not ask which.
#[derive(Clone, Copy)]
struct Ops {
    ptr: *const Op,
    len: usize,
}

impl Ops {
    /// The view of `opt` if there is optimized code, else of `code`. The
    /// caller keeps both `Rc`s alive for as long as it uses the view.
    #[inline(always)]
    fn of(code: &Code, opt: &Option<Rc<OptCode>>) -> Ops {
        match opt {
            Some(o) => Ops {
                ptr: o.ops.as_ptr() as *const Op,
                len: o.ops.len(),
            },
            None => Ops {
                ptr: code.ops.as_ptr(),
                len: code.ops.len(),
            },
        }
    }

    #[inline(always)]
    fn get<'a>(self, pc: usize) -> Option<&'a Op> {
        if pc < self.len {
            // SAFETY: in bounds of a Vec that is never resized and that
            // the caller's `Rc<Code>`/`Rc<OptCode>` keeps alive (`of`).
            // `Cell<Op>` is `repr(transparent)` over `Op`. Optimized code
            // is written only inside `Vm::tier_send`, and the loop copies
            // what it needs from an instruction before calling that, so
            // no reference from here is used across a write.
            Some(unsafe { &*self.ptr.add(pc) })
        } else {
            None
        }
    }
}

/// An inlined leaf (`InlineLeaf`) in place, for the common leaves:
/// answers the fuel it costs, having replaced receiver and arguments
/// with its value, or `None` (nothing changed) when `Vm::tier_send` must
/// decide: a guard miss (it counts them), too little fuel, the depth
/// limit, or a leaf kind handled only there. Kept out of line: inlined,
/// it costs the main loop registers (callgrind: the sieve and benchFib,
/// which have no leaves, ran about 1% more instructions).
#[inline(never)]
fn inline_leaf(
    vm: &mut Vm,
    opt: &Option<Rc<OptCode>>,
    site: usize,
    st: &mut Vec<Value>,
    fuel: u64,
) -> Option<u64> {
    let s = opt.as_ref()?.sites.get(site)?.borrow();
    let (leaf, cost) = s.leaf?;
    let entry = s.entries.first()?;
    let argc = s.argc as usize;
    if fuel < cost - 1 || vm.frames.len() >= vm.max_depth {
        return None;
    }
    let n = st.len();
    let r = *st.get(n.checked_sub(argc + 1)?)?;
    if vm.class_of(r) != entry.class {
        return None;
    }
    let v = match leaf {
        Leaf::Const(v) => v,
        Leaf::Getter(i) => slot(&vm.heap, r, i as usize),
        Leaf::Setter(i) => {
            let arg = *st.last()?;
            if !set_plain_slot(&mut vm.heap, r, i as usize, arg) {
                return None;
            }
            r
        }
        Leaf::SelfLeaf => r,
        Leaf::SelfArith(aop, k) => r.as_int().and_then(|x| arith_small(aop, x, k as i64))?,
        Leaf::Global(b) => vm.assoc_value(b),
        Leaf::Straight => vm.eval_straight(&entry.code, r, &st[n - argc..])?,
        Leaf::ArrayAt | Leaf::ArrayAtPut => return None,
    };
    st.truncate(n - argc - 1);
    st.push(v);
    // counted as the send it stands for (`Time primSendCount`)
    vm.send_count += 1;
    Some(cost)
}

/// The inline cache of send site `site` of `opt`, for the receiver on
/// `st`: (selector, argument count, the cached method) on a hit.
#[inline(always)]
fn cache_hit(
    vm: &Vm,
    opt: &Option<Rc<OptCode>>,
    site: usize,
    st: &[Value],
) -> Option<(Value, usize, (Value, Rc<Code>))> {
    let s = opt.as_ref()?.sites.get(site)?.borrow();
    if s.epoch != vm.cache_epoch {
        return None;
    }
    let argc = s.argc as usize;
    let r = *st.get(st.len().checked_sub(argc + 1)?)?;
    let class = vm.class_of(r);
    // most sites are monomorphic: the first entry is checked first
    let e = match s.entries.first() {
        Some(e) if e.class == class => e,
        _ => s.entries.iter().find(|e| e.class == class)?,
    };
    Some((s.sel, argc, (e.method, e.code.clone())))
}

/// Slot `i` of a pointer object (nil if there is none).
#[inline]
pub(super) fn slot(heap: &Heap, obj: Value, i: usize) -> Value {
    match heap.try_get(obj).map(|o| &o.body) {
        Some(Body::Slots(s)) => s.get(i).copied().unwrap_or(Value::NIL),
        Some(Body::Class { slots, .. }) => slots.get(i).copied().unwrap_or(Value::NIL),
        _ => Value::NIL,
    }
}

/// Stores into slot `i` of an ordinary pointer object; false for
/// anything else (the general loop handles it).
#[inline]
fn set_plain_slot(heap: &mut Heap, obj: Value, i: usize, v: Value) -> bool {
    match heap.try_get_mut(obj).map(|o| &mut o.body) {
        Some(Body::Slots(s)) => match s.get_mut(i) {
            Some(x) => {
                *x = v;
                true
            }
            None => false,
        },
        _ => false,
    }
}

/// The cell of Array `r` at SmallInteger index `i` (1-based), if `r`
/// is an Array and `i` is in bounds.
#[inline(always)]
fn array_cell(heap: &mut Heap, array: ClassId, r: Value, i: Value) -> Option<&mut Value> {
    let i = i.as_int()?.checked_sub(1)?;
    let obj = heap.try_get_mut(r)?;
    if obj.class != array {
        return None;
    }
    match &mut obj.body {
        Body::Slots(s) => s.get_mut(usize::try_from(i).ok()?),
        _ => None,
    }
}

/// Fast path of `at:` / `at:put:` (primitives 60/61) on an Array
/// with an in-bounds SmallInteger index, on operand stack `st`. Answers
/// false to take the general primitive path (which also handles the
/// failures).
#[inline(always)]
pub(super) fn array_access(
    heap: &mut Heap,
    array: ClassId,
    st: &mut Vec<Value>,
    prim: u16,
    argc: usize,
) -> bool {
    let n = st.len();
    if argc != prim as usize - 59 || n < argc + 1 {
        return false;
    }
    let cell = match array_cell(heap, array, st[n - argc - 1], st[n - argc]) {
        Some(c) => c,
        None => return false,
    };
    let v = if prim == 60 {
        *cell
    } else {
        *cell = st[n - 1];
        st[n - 1]
    };
    st.truncate(n - argc);
    st[n - argc - 1] = v;
    true
}
