//! Arithmetic on tagged values: the SmallInteger fast paths of the
//! special arithmetic instructions (`Op::Arith` and the tier's fused
//! forms), shared by both interpreter loops, the tier's leaves and guard
//! clauses, and the loop kernels.

use super::Arith;
use crate::object::Value;

/// [`arith_small`] on two SmallInteger values, the common operations
/// computed on the tagged words (no untagging and retagging).
#[inline(always)]
pub(crate) fn arith_tagged(a: Arith, x: Value, y: Value) -> Option<Value> {
    let (xb, yb) = (x.bits() as i64, y.bits() as i64);
    match a {
        Arith::Add => x.small_add(y),
        Arith::Sub => x.small_sub(y),
        Arith::Lt => Some(Value::bool(xb < yb)),
        Arith::Gt => Some(Value::bool(xb > yb)),
        Arith::Le => Some(Value::bool(xb <= yb)),
        Arith::Ge => Some(Value::bool(xb >= yb)),
        Arith::Eq => Some(Value::bool(xb == yb)),
        Arith::Ne => Some(Value::bool(xb != yb)),
        _ => arith_small(a, x.int_unchecked(), y.int_unchecked()),
    }
}

/// Whether comparison `a` holds for SmallIntegers `x` and `y` (tagged:
/// their order is their bits' order), or `None` if `a` is not one of the
/// six comparisons. Without a branch or a jump table: a comparison is
/// the set of orders it holds for (less, equal, greater: bits 0 to 2),
/// three bits each in `holds_on`'s table, from `Lt` on. (The fused
/// compare-and-branch instructions branch on the answer directly.)
#[inline(always)]
pub(crate) fn compare_tagged(a: Arith, x: Value, y: Value) -> Option<bool> {
    Some(holds_on(a)? >> order_tagged(x, y) & 1 != 0)
}

/// The orders (`order_tagged`: less, equal, greater as bits 0 to 2) for
/// which comparison `a` holds, or `None` if `a` is not a comparison.
#[inline(always)]
pub(crate) fn holds_on(a: Arith) -> Option<u32> {
    const ORDERS: u32 = 0b001 // <
        | 0b100 << 3 // >
        | 0b011 << 6 // <=
        | 0b110 << 9 // >=
        | 0b010 << 12 // =
        | 0b101 << 15; // ~=
    let k = (a as u32).wrapping_sub(Arith::Lt as u32);
    if k > Arith::Ne as u32 - Arith::Lt as u32 {
        return None;
    }
    Some(ORDERS >> (3 * k) & 0b111)
}

/// The order of SmallIntegers `x` and `y` (tagged: their order is their
/// bits' order): 0 less, 1 equal, 2 greater.
#[inline(always)]
pub(crate) fn order_tagged(x: Value, y: Value) -> u32 {
    let (x, y) = (x.bits() as i64, y.bits() as i64);
    (x >= y) as u32 + (x > y) as u32
}

/// SmallInteger fast paths; `None` means "send the selector instead"
/// (overflow into LargeInteger, division by zero, inexact division).
#[inline(always)]
pub(crate) fn arith_small(a: Arith, x: i64, y: i64) -> Option<Value> {
    match a {
        Arith::Add => Value::int(x + y),
        Arith::Sub => Value::int(x - y),
        Arith::Mul => x.checked_mul(y).and_then(Value::int),
        Arith::Lt => Some(Value::bool(x < y)),
        Arith::Gt => Some(Value::bool(x > y)),
        Arith::Le => Some(Value::bool(x <= y)),
        Arith::Ge => Some(Value::bool(x >= y)),
        Arith::Eq => Some(Value::bool(x == y)),
        Arith::Ne => Some(Value::bool(x != y)),
        Arith::Div => {
            if y == 0 {
                None
            } else {
                Value::int(
                    x.div_euclid(y)
                        - if (x.rem_euclid(y) != 0) && (y < 0) {
                            1
                        } else {
                            0
                        },
                )
            }
        }
        Arith::Mod => {
            if y == 0 {
                None
            } else {
                let r = x % y;
                Value::int(if r != 0 && ((r < 0) != (y < 0)) {
                    r + y
                } else {
                    r
                })
            }
        }
        Arith::BitAnd => Value::int(x & y),
        Arith::BitOr => Value::int(x | y),
    }
}

/// `arith_tagged` as the fast loop runs it: `+` and `-` (most of its
/// operations) first, with one conditional branch and no jump, before
/// the jump table over all the operations. (callgrind: a `+` or `-` made
/// two indirect jumps, the dispatch and the table's; timing follows the
/// indirect jumps more closely than the instruction count.)
#[inline(always)]
pub(crate) fn arith_fast(a: Arith, x: Value, y: Value) -> Option<Value> {
    if a == Arith::Add || a == Arith::Sub {
        return x.small_add_or_sub(y, a == Arith::Sub);
    }
    arith_tagged(a, x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn floored_division() {
        let d = |x, y| arith_small(Arith::Div, x, y).and_then(|v| v.as_int());
        let m = |x, y| arith_small(Arith::Mod, x, y).and_then(|v| v.as_int());
        assert_eq!(d(7, 2), Some(3));
        assert_eq!(d(-7, 2), Some(-4));
        assert_eq!(d(7, -2), Some(-4));
        assert_eq!(d(-7, -2), Some(3));
        assert_eq!(m(-7, 2), Some(1));
        assert_eq!(m(7, -2), Some(-1));
        assert_eq!(m(-7, -2), Some(-1));
    }
}
