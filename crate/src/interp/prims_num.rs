//! Named primitives for numbers (Number, Integer, Float, Fraction, Character, Object basics).
//!
//! Index of a name: `BASE + position in NAMED`. Same contract as
//! [`super::prims`]: answer a value, fail (the Smalltalk fallback runs),
//! or `Done`; never panic.

use super::prims::PrimResult;
use super::Vm;
use crate::object::Value;

pub const BASE: u16 = 2000;

pub const NAMED: &[&str] = &[];

/// Runs named primitive `name` on receiver `r` with `args` (the
/// receiver and arguments are also still on the stack: `vm.stack[n -
/// args.len() - 1..]`).
pub fn call(vm: &mut Vm, name: &str, r: Value, args: &[Value], n: usize) -> PrimResult {
    let _ = (vm, r, args, n);
    match name {
        _ => PrimResult::Fail,
    }
}
