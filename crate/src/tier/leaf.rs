//! Leaf inlining: recognizing a callee that can run in place of its
//! send, without a frame (a constant, an accessor, a straight-line
//! expression).

use super::code::Leaf;
use crate::object::{Code, Value};

/// Longest straight-line leaf inlined, in instructions.
pub const STRAIGHT_MAX: usize = 16;
/// Deepest operand stack a straight-line leaf may use.
pub const STRAIGHT_DEPTH: usize = 8;

/// True if `code` is a straight-line leaf: pushes of self, arguments,
/// instance variables and constants, and SmallInteger arithmetic, ending
/// in one `ReturnTop`, within `STRAIGHT_MAX` instructions and
/// `STRAIGHT_DEPTH` operands. Nothing in it has a side effect, so giving
/// up half-way (and sending instead) is always safe.
pub fn straight_ops(code: &Code) -> bool {
    use crate::bytecode::Op::*;
    let ops = &code.ops;
    if ops.len() < 2 || ops.len() > STRAIGHT_MAX || ops.last() != Some(&ReturnTop) {
        return false;
    }
    let mut depth = 0usize;
    for op in &ops[..ops.len() - 1] {
        match op {
            PushSelf | PushNil | PushTrue | PushFalse | PushInt(_) | PushInstVar(_) => depth += 1,
            PushTemp(i) if (*i as usize) < code.num_args as usize => depth += 1,
            PushLit(k) if (*k as usize) < code.literals.len() => depth += 1,
            Arith(_) if depth >= 2 => depth -= 1,
            _ => return false,
        }
        if depth > STRAIGHT_DEPTH {
            return false;
        }
    }
    depth == 1
}

/// Recognizes a callee the tier can inline as a leaf, with its fuel cost
/// (the send plus the callee's instructions).
pub fn leaf_of(code: &Code) -> Option<(Leaf, u64)> {
    use crate::bytecode::Op::*;
    match (code.info.primitive, code.num_args) {
        // the primitive answers without a frame: the send is the cost
        (60, 1) => return Some((Leaf::ArrayAt, 1)),
        (61, 2) => return Some((Leaf::ArrayAtPut, 1)),
        _ => {}
    }
    if code.info.primitive != 0
        || code.info.marker != crate::object::Marker::None
        || code.is_block
        || code.num_temps != code.num_args
    {
        return None;
    }
    let leaf = match (code.ops.as_slice(), code.num_args) {
        ([PushInt(n), ReturnTop], 0) => Leaf::Const(Value::small(*n as i64)),
        ([PushLit(k), ReturnTop], 0) => Leaf::Const(*code.literals.get(*k as usize)?),
        ([PushNil, ReturnTop], 0) => Leaf::Const(Value::NIL),
        ([PushTrue, ReturnTop], 0) => Leaf::Const(Value::TRUE),
        ([PushFalse, ReturnTop], 0) => Leaf::Const(Value::FALSE),
        ([PushInstVar(i), ReturnTop], 0) => Leaf::Getter(*i),
        ([PushSelf, ReturnTop], 0) | ([ReturnSelf], 0) => Leaf::SelfLeaf,
        ([PushTemp(0), StoreInstVar(i), Pop, ReturnSelf], 1) => Leaf::Setter(*i),
        ([PushSelf, PushInt(k), Arith(op), ReturnTop], 0) => Leaf::SelfArith(*op, *k),
        ([PushGlobal(k), ReturnTop], 0) => Leaf::Global(*code.literals.get(*k as usize)?),
        _ if straight_ops(code) => Leaf::Straight,
        _ => return None,
    };
    Some((leaf, 1 + code.ops.len() as u64))
}
