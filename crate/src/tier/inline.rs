//! Inlining callees that send: a method's or block's body rewritten to
//! run inside its caller's frame (see `InlineScope`).

use crate::bytecode::{small_const_for, ConstKind, Op};
use crate::object::Code;

/// Longest callee that sends inlined, in instructions.
pub const INLINE_MAX: usize = 48;
/// Most callees that send inlined into one piece of optimized code.
pub const SCOPES_MAX: usize = 64;

/// The body of `code` rewritten to run inside a caller's frame whose
/// temps from `off` on are its temps (see `InlineScope`), followed by the
/// return that falling off its end is (the returns' jumps back to the
/// caller are set where the body is placed), or `None` if it cannot be: a
/// primitive or a block method, blocks, `thisContext`, super sends,
/// stores into globals, a jump out of its body, or more than
/// `INLINE_MAX` instructions. Its other literals and globals stay
/// `PushLit`/`PushGlobal` here, with the callee's indices; placed in the
/// caller's code, they read the scope's literals (`Op::PushScopeLit`).
/// Sends stay `Send` with the callee's literal indices (the specializer
/// turns them into sites, reading the callee's literals), so this is the
/// canonical form of the body, which deoptimization maps back 1:1.
pub fn inline_body(code: &Code, off: u16) -> Option<Vec<Op>> {
    if code.info.primitive != 0 || code.info.marker != crate::object::Marker::None || code.is_block
    {
        return None;
    }
    rewrite_body(code, off, SelfIs::Receivers)
}

/// The body of block `code` (at a `value:`-like send whose receiver, the
/// closure, is temp `off - 1`), rewritten like a method's (`inline_body`)
/// except for `self` and instance variables: in the frame that made the
/// block (`own_frame`: `InlineScope::maker_frame`) they are the frame's
/// own and stay as they are; anywhere else they are the closure's
/// receiver's (`PushOuterSelf`, `PushOuterVar`, `StoreOuterVar`). The
/// block's end returns its value. `None` for a block with a `^` (it
/// needs its home context), a block inside it, or anything else
/// `inline_body` does not take.
pub fn inline_block_body(code: &Code, off: u16, own_frame: bool) -> Option<Vec<Op>> {
    if !code.is_block {
        return None;
    }
    rewrite_body(
        code,
        off,
        if own_frame {
            SelfIs::Frames
        } else {
            SelfIs::Closures
        },
    )
}

/// Where an inlined body finds its `self` (see `rewrite_body`).
#[derive(Clone, Copy, PartialEq)]
enum SelfIs {
    /// A method's: its receiver, temp `off - 1`.
    Receivers,
    /// A block's, in the frame that made it: the frame's own.
    Frames,
    /// A block's, elsewhere: the receiver of the closure in temp `off - 1`.
    Closures,
}

fn rewrite_body(code: &Code, off: u16, self_is: SelfIs) -> Option<Vec<Op>> {
    use crate::bytecode::Op::*;
    if code.ops.len() > INLINE_MAX
        || code.num_temps < code.num_args
        || off == 0
        || !code.blocks.is_empty()
    {
        return None;
    }
    let t = |i: u16| off.checked_add(i);
    let me = off - 1;
    let n = code.ops.len() as i64;
    let mut out = Vec::with_capacity(code.ops.len() + 1);
    for (pc, op) in code.ops.iter().enumerate() {
        let jump_ok = |d: i32| (0..=n).contains(&(pc as i64 + 1 + d as i64));
        out.push(match *op {
            // a block's self and instance variables, in the frame that
            // made it: the frame's own
            PushSelf | PushInstVar(_) | StoreInstVar(_) if self_is == SelfIs::Frames => *op,
            // ...elsewhere: the closure's receiver's
            PushSelf if self_is == SelfIs::Closures => PushOuterSelf(me),
            PushInstVar(idx) if self_is == SelfIs::Closures => PushOuterVar { t: me, idx },
            StoreInstVar(idx) if self_is == SelfIs::Closures => StoreOuterVar { t: me, idx },
            PushSelf => PushTemp(me),
            PushNil
            | PushTrue
            | PushFalse
            | PushInt(_)
            | Pop
            | Dup
            | Arith(_)
            | IdentityEq
            | Class
            | At
            | AtPut
            | MakeArray { .. } => *op,
            PushLit(k) => match small_const_for(*code.literals.get(k as usize)?) {
                Some((ConstKind::Nil, _)) => PushNil,
                Some((ConstKind::True, _)) => PushTrue,
                Some((ConstKind::False, _)) => PushFalse,
                Some((ConstKind::Int, i)) => PushInt(i as i32),
                // (read from the scope's code: `with_scope`)
                None => *op,
            },
            PushGlobal(k) if (k as usize) < code.literals.len() => *op,
            PushTemp(i) => PushTemp(t(i)?),
            // (a block's temp vectors; a method that has one has blocks)
            PushRemote { idx, vec } => PushRemote { idx, vec: t(vec)? },
            StoreRemote { idx, vec } => StoreRemote { idx, vec: t(vec)? },
            StoreTemp(i) => StoreTemp(t(i)?),
            PopTemp(i) => PopTemp(t(i)?),
            // (the callee's receiver is a temp here, and an instance
            // variable of a temp is what a remote temp is)
            PushInstVar(i) => PushRemote { idx: i, vec: me },
            StoreInstVar(i) => StoreRemote { idx: i, vec: me },
            Send { .. } => *op,
            Jump(d) | JumpIfTrue(d) | JumpIfFalse(d) | JumpIfNil(d) | JumpIfNotNil(d)
                if jump_ok(d) =>
            {
                *op
            }
            ReturnTop => InlineReturn {
                off,
                top: true,
                d: 0,
            },
            ReturnSelf => InlineReturn {
                off,
                top: false,
                d: 0,
            },
            _ => return None,
        });
    }
    out.push(InlineReturn {
        off,
        top: false,
        d: 0,
    });
    // the callee's temps must stay addressable as the caller's
    t(code.num_temps)?;
    Some(out)
}
