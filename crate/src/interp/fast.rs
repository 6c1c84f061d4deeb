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

use super::exec::arith_small;
use crate::bytecode::Op;
use crate::object::{Body, ClassId, Heap, Value};
use std::cell::Cell;

/// Where the instructions come from: canonical bytecode, or the tier's
/// rewritten copy of it (same length and pc space).
pub(super) trait Fetch<'a>: Copy {
    fn fetch(self, pc: usize) -> Option<&'a Op>;
}

impl<'a> Fetch<'a> for &'a [Op] {
    #[inline(always)]
    fn fetch(self, pc: usize) -> Option<&'a Op> {
        self.get(pc)
    }
}

impl<'a> Fetch<'a> for &'a [Cell<Op>] {
    #[inline(always)]
    fn fetch(self, pc: usize) -> Option<&'a Op> {
        // SAFETY: the fast loop never writes optimized code (only the
        // tier's send instructions do, in the general loop), so no
        // write can happen while this reference is used.
        self.get(pc).map(|c| unsafe { &*c.as_ptr() })
    }
}

/// What the fast loop stopped on.
pub(super) enum Exit {
    /// Run this instruction in the general loop (already fetched and
    /// charged; `pc` is past it).
    Slow(Op),
    /// The fuel ran out before the instruction at `pc`.
    Fuel,
    /// `pc` is past the last instruction.
    End,
}

/// The parts of a frame and of the VM the fast loop reads.
pub(super) struct FastFrame<'a> {
    /// The canonical instructions (what a failed tier guard re-runs).
    pub ops: &'a [Op],
    pub literals: &'a [Value],
    pub receiver: Value,
    /// Index in the operand stack of temp 0.
    pub bp: usize,
    /// Backward jumps go to the general loop (a loop head where the tier
    /// may replace the frame's code: on-stack replacement).
    pub backedge_exit: bool,
    /// Array's `at:`/`at:put:` are the primitives (see
    /// `Vm::array_prims_plain`), so `At`/`AtPut` may skip the send.
    pub array_plain: bool,
    pub array_class: ClassId,
}

/// Runs instructions from `code` starting at `*pc` until one needs the
/// general loop, the fuel runs out, or the code ends.
#[inline(never)]
pub(super) fn run<'a, F: Fetch<'a>>(
    code: F,
    f: &FastFrame,
    heap: &mut Heap,
    stack: &mut Vec<Value>,
    pc_io: &mut usize,
    fuel_io: &mut u64,
) -> Exit {
    // locals, so that they live in registers
    let mut st = std::mem::take(stack);
    let mut pc = *pc_io;
    let mut fuel = *fuel_io;
    let bp = f.bp;
    let recv = f.receiver;
    macro_rules! leave {
        ($e:expr) => {{
            *stack = st;
            *pc_io = pc;
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
            match f.ops.get(pc - 1) {
                Some(&Op::PushTemp(i)) => match st.get(bp + i as usize) {
                    Some(&v) => st.push(v),
                    None => leave!(Exit::Slow(Op::PushTemp(i))),
                },
                Some(&Op::PushSelf) => st.push(recv),
                Some(&other) => leave!(Exit::Slow(other)),
                None => leave!(Exit::End),
            }
        };
    }
    loop {
        if fuel == 0 {
            leave!(Exit::Fuel);
        }
        let op = match code.fetch(pc) {
            Some(op) => op,
            None => leave!(Exit::End),
        };
        fuel -= 1;
        pc += 1;
        match *op {
            Op::PushSelf => st.push(recv),
            Op::PushNil => st.push(Value::NIL),
            Op::PushTrue => st.push(Value::TRUE),
            Op::PushFalse => st.push(Value::FALSE),
            Op::PushInt(i) => st.push(Value::small(i as i64)),
            Op::PushLit(i) => match f.literals.get(i as usize) {
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
                let v = slot(heap, recv, i as usize);
                st.push(v);
            }
            Op::StoreInstVar(i) => match st.last() {
                Some(&v) if set_plain_slot(heap, recv, i as usize, v) => {}
                _ => leave!(Exit::Slow(*op)),
            },
            Op::PushRemote { idx, vec } => match st.get(bp + vec as usize) {
                Some(&tv) => {
                    let v = slot(heap, tv, idx as usize);
                    st.push(v);
                }
                None => leave!(Exit::Slow(*op)),
            },
            Op::StoreRemote { idx, vec } => {
                let (tv, v) = match (st.get(bp + vec as usize), st.last()) {
                    (Some(&tv), Some(&v)) => (tv, v),
                    _ => leave!(Exit::Slow(*op)),
                };
                if !set_plain_slot(heap, tv, idx as usize, v) {
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
                if !(f.array_plain && array_access(heap, f.array_class, &mut st, prim, argc)) {
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
                if d < 0 && (f.backedge_exit || heap.needs_gc()) {
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
                match (st.get(bp + a as usize), st.get(bp + b as usize)) {
                    (Some(&x), Some(&y)) if fuel >= 2 && x.is_int() && y.is_int() => {
                        match arith_small(aop, x.int_unchecked(), y.int_unchecked()) {
                            Some(r) => {
                                st.push(r);
                                fuel -= 2;
                                pc += 2;
                            }
                            None => unfuse!(),
                        }
                    }
                    _ => unfuse!(),
                }
            }
            Op::ArithTI { a, imm, op: aop } => match st.get(bp + a as usize) {
                Some(&x) if fuel >= 2 && x.is_int() => {
                    match arith_small(aop, x.int_unchecked(), imm as i64) {
                        Some(r) => {
                            st.push(r);
                            fuel -= 2;
                            pc += 2;
                        }
                        None => unfuse!(),
                    }
                }
                _ => unfuse!(),
            },
            Op::ArithSI { imm, op: aop } => {
                match (fuel >= 2 && recv.is_int())
                    .then(|| arith_small(aop, recv.int_unchecked(), imm as i64))
                    .flatten()
                {
                    Some(r) => {
                        st.push(r);
                        fuel -= 2;
                        pc += 2;
                    }
                    None => unfuse!(),
                }
            }
            Op::BranchTT { a, b, op: aop, d } => {
                match (st.get(bp + a as usize), st.get(bp + b as usize)) {
                    (Some(&x), Some(&y)) if fuel >= 3 && x.is_int() && y.is_int() => {
                        match arith_small(aop, x.int_unchecked(), y.int_unchecked()) {
                            Some(r) => {
                                fuel -= 3;
                                pc += 3;
                                if r == Value::FALSE {
                                    jump!(d);
                                }
                            }
                            None => unfuse!(),
                        }
                    }
                    _ => unfuse!(),
                }
            }
            Op::BranchTI { a, imm, op: aop, d } => match st.get(bp + a as usize) {
                Some(&x) if fuel >= 3 && x.is_int() => {
                    match arith_small(aop, x.int_unchecked(), imm as i64) {
                        Some(r) => {
                            fuel -= 3;
                            pc += 3;
                            if r == Value::FALSE {
                                jump!(d);
                            }
                        }
                        None => unfuse!(),
                    }
                }
                _ => unfuse!(),
            },
            Op::BranchSI { imm, op: aop, d } => {
                match (fuel >= 3 && recv.is_int())
                    .then(|| arith_small(aop, recv.int_unchecked(), imm as i64))
                    .flatten()
                {
                    Some(r) => {
                        fuel -= 3;
                        pc += 3;
                        if r == Value::FALSE {
                            jump!(d);
                        }
                    }
                    None => unfuse!(),
                }
            }
            Op::IncTemp { a, imm } => match st.get(bp + a as usize) {
                Some(&x) if fuel >= 3 && x.is_int() => {
                    match Value::int(x.int_unchecked() + imm as i64) {
                        Some(r) => {
                            st[bp + a as usize] = r;
                            fuel -= 3;
                            pc += 3;
                        }
                        None => unfuse!(),
                    }
                }
                _ => unfuse!(),
            },
            _ => leave!(Exit::Slow(*op)),
        }
    }
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
    let r = st[n - argc - 1];
    let i = match st[n - argc].as_int() {
        Some(i) if i >= 1 => i as usize - 1,
        _ => return false,
    };
    let obj = match heap.try_get_mut(r) {
        Some(o) if o.class == array => o,
        _ => return false,
    };
    let slots = match &mut obj.body {
        Body::Slots(s) if i < s.len() => s,
        _ => return false,
    };
    let v = if prim == 60 {
        slots[i]
    } else {
        let v = st[n - 1];
        slots[i] = v;
        v
    };
    st.truncate(n - argc);
    st[n - argc - 1] = v;
    true
}
