//! The disassembler: the one listing of instructions, canonical and
//! optimized, that `Vm::disassemble` (the `disasm` command) shows.

use super::{small_const, Op};
use std::fmt::Write;

/// How the disassembler names what instructions refer to: literal `i`
/// of the code unit, and class `id` (a quickened instruction's guard).
pub struct Names<'a> {
    pub lit: &'a dyn Fn(u16) -> String,
    pub class: &'a dyn Fn(u32) -> String,
}

/// Writes `op` the way the disassembler shows it.
pub fn format_op(op: &Op, names: &Names) -> String {
    let lit = names.lit;
    match *op {
        Op::PushLit(i) => format!("PushLit {}", lit(i)),
        Op::PushGlobal(i) => format!("PushGlobal {}", lit(i)),
        Op::StoreGlobal(i) => format!("StoreGlobal {}", lit(i)),
        Op::Send { sel, argc } => format!("Send {} ({} args)", lit(sel), argc),
        Op::SuperSend { sel, argc } => format!("SuperSend {} ({} args)", lit(sel), argc),
        Op::Arith(a) => format!("Arith {}", a.selector()),
        Op::ArithTT { a, b, op } => format!("ArithTT t{} {} t{}", a, op.selector(), b),
        Op::ArithTI { a, imm, op } => format!("ArithTI t{} {} {}", a, op.selector(), imm),
        Op::BranchTT { a, b, op, .. } => format!("BranchUnless t{} {} t{}", a, op.selector(), b),
        Op::BranchTI { a, imm, op, .. } => format!("BranchUnless t{} {} {}", a, op.selector(), imm),
        Op::IncTemp { a, imm } => format!("IncTemp t{} by {}", a, imm),
        Op::SetTT { c, a, b, op } => format!("SetTT t{} := t{} {} t{}", c, a, op.selector(), b),
        Op::SetTI { c, a, imm, op } => {
            format!("SetTI t{} := t{} {} {}", c, a, op.selector(), imm)
        }
        Op::PushTT { a, b } => format!("PushTT t{} t{}", a, b),
        Op::AtPutPop => "AtPutPop".to_string(),
        Op::AtPutTTK { a, b, kind, imm } => {
            format!(
                "AtPutTTK t{} at: t{} put: {:?}",
                a,
                b,
                small_const(kind, imm)
            )
        }
        Op::BranchAtTT { a, b, .. } => format!("BranchUnless t{} at: t{}", a, b),
        Op::JumpBranchTT { a, b, op, .. } => {
            format!("JumpBranch t{} {} t{}", a, op.selector(), b)
        }
        Op::JumpBranchTI { a, imm, op, .. } => {
            format!("JumpBranch t{} {} {}", a, op.selector(), imm)
        }
        Op::ArithSI { imm, op } => format!("ArithSI self {} {}", op.selector(), imm),
        Op::BranchSI { imm, op, .. } => format!("BranchUnless self {} {}", op.selector(), imm),
        Op::GetterS { slot, class } => {
            format!("GetterS self.{} if {}", slot, (names.class)(class))
        }
        Op::GetterLeaf { site, slot, class } => {
            format!(
                "GetterLeaf {{ site: {site} }} .{slot} if {}",
                (names.class)(class)
            )
        }
        Op::ConstLeaf { site, k, class } => {
            format!(
                "ConstLeaf {{ site: {site} }} {:?} if {}",
                crate::bytecode::tiny_const(k),
                (names.class)(class)
            )
        }
        Op::SetterLeaf { site, slot, class } => {
            format!(
                "SetterLeaf {{ site: {site} }} .{slot} if {}",
                (names.class)(class)
            )
        }
        Op::GetterT { t, slot, class } => {
            format!("GetterT t{}.{} if {}", t, slot, (names.class)(class))
        }
        Op::ConstS { kind, imm, class } => {
            format!(
                "ConstS {:?} if self is {}",
                small_const(kind, imm),
                (names.class)(class)
            )
        }
        Op::ConstG { lit, k, class } => {
            format!(
                "ConstG {:?} if global {} is a {}",
                crate::bytecode::tiny_const(k),
                lit,
                (names.class)(class)
            )
        }
        Op::ConstT { t, imm, class } => {
            format!("ConstT {} if t{} is {}", imm, t, (names.class)(class))
        }
        Op::ConstNilT { t, nil, k, class } => format!(
            "ConstNilT {:?} if t{} is nil, {:?} if {}",
            crate::bytecode::tiny_const(nil),
            t,
            crate::bytecode::tiny_const(k),
            (names.class)(class)
        ),
        Op::InlineEnter {
            scope, int_body, ..
        } => format!(
            "InlineEnter scope {}{}",
            scope,
            if int_body != 0 {
                " (SmallInteger: tag guard)"
            } else {
                ""
            }
        ),
        Op::InlineReturn { off, top, .. } => format!(
            "InlineReturn {} (callee self t{})",
            if top { "top" } else { "self" },
            off.wrapping_sub(1)
        ),
        Op::Loop { kernel, .. } => format!("Loop (kernel {})", kernel),
        Op::PushScopeLit { scope, k, global } => format!(
            "PushScopeLit {} {} of scope {}",
            if global { "global" } else { "literal" },
            k,
            scope
        ),
        Op::PushOuterSelf(t) => format!("PushOuterSelf (the receiver of closure t{})", t),
        Op::PushOuterVar { t, idx } => format!("PushOuterVar {} of closure t{}'s receiver", idx, t),
        Op::StoreOuterVar { t, idx } => {
            format!("StoreOuterVar {} of closure t{}'s receiver", idx, t)
        }
        other => format!("{:?}", other),
    }
}

/// A listing of `ops` with pc numbers and jump targets.
pub fn disassemble(ops: &[Op], names: &Names) -> String {
    disassemble_at(ops, 0, names)
}

/// The same for `ops` that start at pc `first`.
pub fn disassemble_at(ops: &[Op], first: usize, names: &Names) -> String {
    let mut s = String::new();
    for (pc, op) in ops.iter().enumerate().map(|(i, op)| (first + i, op)) {
        let target = match *op {
            Op::Jump(d)
            | Op::JumpIfTrue(d)
            | Op::JumpIfFalse(d)
            | Op::JumpIfNil(d)
            | Op::JumpIfNotNil(d) => format!("  -> {}", pc as i64 + 1 + d as i64),
            Op::BranchTT { d, .. }
            | Op::BranchTI { d, .. }
            | Op::BranchSI { d, .. }
            | Op::BranchAtTT { d, .. } => format!("  -> {}", pc as i64 + 4 + d as i64),
            Op::JumpBranchTT { d, .. }
            | Op::JumpBranchTI { d, .. }
            | Op::InlineReturn { d, .. } => {
                format!("  -> {}", pc as i64 + 1 + d as i64)
            }
            _ => String::new(),
        };
        let _ = writeln!(s, "{:4}  {}{}", pc, format_op(op, names), target);
    }
    s
}
