//! Guard clauses: recognizing a callee that begins with
//! `a op b ifTrue: [^ value]` (`guard_of`), which every inline-cache
//! entry records for its callee.

use super::code::{CacheEntry, Guard, Leaf, Src, GUARD_TEST};
use crate::bytecode::Op;
use crate::object::{ClassId, Code, Value};
use std::rc::Rc;

impl CacheEntry {
    pub fn new(class: ClassId, method: Value, code: Rc<Code>) -> CacheEntry {
        // (a setter changes its receiver, and the Array primitives have
        // bounds to check: those run as sends)
        let leaf = super::leaf::leaf_of(&code)
            .filter(|(l, _)| !matches!(l, Leaf::Setter(_) | Leaf::ArrayAt | Leaf::ArrayAtPut));
        CacheEntry {
            class,
            method,
            guard: guard_of(&code),
            leaf,
            code,
        }
    }
}

/// The guard clause `code` begins with, if it does (see `Guard`).
pub fn guard_of(code: &Code) -> Option<Guard> {
    use crate::bytecode::Op::*;
    if code.info.primitive != 0 || code.info.marker != crate::object::Marker::None || code.is_block
    {
        return None;
    }
    let ops = &code.ops;
    let operand = |op: Op| -> Option<Src> {
        Some(match op {
            PushSelf => Src::Slot(0),
            PushTemp(i) if i < code.num_args => Src::Slot(i as u8 + 1),
            PushInt(k) => Src::Const(Value::small(k as i64)),
            PushNil => Src::Const(Value::NIL),
            PushTrue => Src::Const(Value::TRUE),
            PushFalse => Src::Const(Value::FALSE),
            PushLit(k) => Src::Const(*code.literals.get(k as usize)?),
            _ => return None,
        })
    };
    // the return at `pc` (through forward jumps): its value and the
    // instructions it takes
    let returns = |mut pc: usize| -> Option<(Src, u8)> {
        let mut n = 0u8;
        let mut value = None;
        loop {
            n += 1;
            match *ops.get(pc)? {
                Jump(d) if d >= 0 => pc += 1 + d as usize,
                ReturnTop => return Some((value?, n)),
                ReturnSelf if value.is_none() => return Some((Src::Slot(0), n)),
                op if value.is_none() && n == 1 => {
                    value = Some(operand(op)?);
                    pc += 1;
                }
                _ => return None,
            }
            if n > 4 {
                return None;
            }
        }
    };
    let (a, b) = (operand(*ops.first()?)?, operand(*ops.get(1)?)?);
    // (a constant compared must be a SmallInteger for the clause to
    // ever answer)
    for x in [a, b] {
        if matches!(x, Src::Const(v) if !v.is_int()) {
            return None;
        }
    }
    // a comparison, and the orders it holds for
    let (op, holds) = match *ops.get(2)? {
        Arith(op) => (op, crate::bytecode::arith::holds_on(op)?),
        _ => return None,
    };
    let (d, jumps_on) = match *ops.get(3)? {
        JumpIfFalse(d) if d >= 0 => (d as usize, false),
        JumpIfTrue(d) if d >= 0 => (d as usize, true),
        _ => return None,
    };
    // the branch not taken returns at once, or the one taken does; the
    // callee goes on at the other
    let t = GUARD_TEST as usize;
    let (when, (value, n), on) = match (returns(t), returns(t + d)) {
        (Some(r), _) => (!jumps_on, r, t + d),
        (None, Some(r)) => (jumps_on, r, t),
        (None, None) => return None,
    };
    let answers_on = (if when { holds } else { !holds & 0b111 }) as u8;
    // (turned around, less and greater trade places)
    let mirrored = (answers_on & 0b010) | (answers_on & 1) << 2 | (answers_on >> 2 & 1);
    let slot_const = match (a, b) {
        (Src::Slot(i), Src::Const(k)) => Some((i, k, answers_on)),
        (Src::Const(k), Src::Slot(i)) => Some((i, k, mirrored)),
        _ => None,
    };
    Some(Guard {
        a,
        b,
        op,
        when,
        value,
        cost: 1 + GUARD_TEST + n,
        answers_on,
        on: u8::try_from(on).ok()?,
        slot_const,
    })
}
