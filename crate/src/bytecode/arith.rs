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

/// The Float paths of the special arithmetic instructions, as Squeak's
/// interpreter has them (`bytecodePrimAdd` and the rest try Floats after
/// SmallIntegers, without a lookup): two immediate Floats, or an immediate
/// Float and a SmallInteger that converts exactly (|i| <= 2^53), for
/// `+ - *` and the six comparisons. `None` means "send the selector
/// instead": another operation or operand, or a result outside the
/// immediate range (the primitive boxes it).
#[inline]
pub(crate) fn arith_float(a: Arith, x: Value, y: Value) -> Option<Value> {
    // two Floats first; a SmallInteger beside a Float out of line
    let (p, q) = if x.is_float() & y.is_float() {
        (x.float_unchecked(), y.float_unchecked())
    } else {
        float_operands(x, y)?
    };
    match a {
        Arith::Add => Value::float(p + q),
        Arith::Sub => Value::float(p - q),
        Arith::Mul => Value::float(p * q),
        _ => {
            // a comparison, by the orders it holds for (as
            // `compare_tagged`); unordered (a NaN): only `~=` holds
            let holds = holds_on(a)?;
            let order = match p.partial_cmp(&q) {
                Some(o) => o as i32 + 1,
                None => return Some(Value::bool(a == Arith::Ne)),
            };
            Some(Value::bool(holds >> order & 1 != 0))
        }
    }
}

/// `arith_float`'s operands when they are not two Floats: a Float and a
/// SmallInteger that converts exactly (|i| <= 2^53).
#[cold]
#[inline(never)]
fn float_operands(x: Value, y: Value) -> Option<(f64, f64)> {
    const EXACT: i64 = 1 << 53;
    let as_f64 = |v: Value| {
        if v.is_float() {
            Some(v.float_unchecked())
        } else {
            let i = v.as_int()?;
            (-EXACT..=EXACT).contains(&i).then_some(i as f64)
        }
    };
    if !x.either_float(y) {
        return None;
    }
    Some((as_f64(x)?, as_f64(y)?))
}

/// Whether comparison `a` holds for the operands `arith_float` takes, or
/// `None` where it answers `None` or `a` is not a comparison (the fused
/// compare-and-branch instructions' Float path).
#[inline(never)]
pub(crate) fn compare_float(a: Arith, x: Value, y: Value) -> Option<bool> {
    holds_on(a)?;
    arith_float(a, x, y).map(|v| v == Value::TRUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_paths() {
        let f = |x: f64| Value::float(x).unwrap();
        let i = |x: i64| Value::int(x).unwrap();
        let r = |v: Option<Value>| v.map(|v| v.as_float().unwrap());
        assert_eq!(r(arith_float(Arith::Add, f(1.5), f(2.25))), Some(3.75));
        assert_eq!(r(arith_float(Arith::Mul, i(3), f(0.5))), Some(1.5));
        assert_eq!(r(arith_float(Arith::Sub, f(0.5), i(2))), Some(-1.5));
        assert_eq!(arith_float(Arith::Lt, i(1), f(1.5)), Some(Value::TRUE));
        assert_eq!(arith_float(Arith::Eq, f(2.0), i(2)), Some(Value::TRUE));
        assert_eq!(arith_float(Arith::Ne, f(2.0), f(2.0)), Some(Value::FALSE));
        // not exactly convertible, not Floats, not these operations, or a
        // result to box: sent
        assert_eq!(arith_float(Arith::Lt, f(1.0), i((1 << 53) + 1)), None);
        assert_eq!(arith_float(Arith::Add, i(1), i(2)), None);
        assert_eq!(arith_float(Arith::Add, f(1.0), Value::NIL), None);
        assert_eq!(arith_float(Arith::Div, f(7.0), f(2.0)), None);
        assert_eq!(arith_float(Arith::Mul, f(1e38), f(1e38)), None);
    }
    /// Every comparison, on every order of two Floats (and of a Float and
    /// a SmallInteger), as f64's own operators answer, in `arith_float`
    /// and in the fused branches' `compare_float`.
    #[test]
    fn float_comparisons() {
        let f = |x: f64| Value::float(x).unwrap();
        let i = |x: i64| Value::int(x).unwrap();
        type Holds = fn(f64, f64) -> bool;
        let ops: [(Arith, Holds); 6] = [
            (Arith::Lt, |p, q| p < q),
            (Arith::Gt, |p, q| p > q),
            (Arith::Le, |p, q| p <= q),
            (Arith::Ge, |p, q| p >= q),
            (Arith::Eq, |p, q| p == q),
            (Arith::Ne, |p, q| p != q),
        ];
        let pairs = [
            (-1.5, 2.0),
            (2.0, 2.0),
            (2.0, -1.5),
            (0.0, -0.0),
            (-3.0, -3.0),
        ];
        for (a, want) in ops {
            for (p, q) in pairs {
                let w = Some(Value::bool(want(p, q)));
                assert_eq!(arith_float(a, f(p), f(q)), w, "{a:?} {p} {q}");
                assert_eq!(compare_float(a, f(p), f(q)), w.map(|v| v == Value::TRUE));
                if q.fract() == 0.0 {
                    assert_eq!(
                        arith_float(a, f(p), i(q as i64)),
                        w,
                        "{a:?} {p} {}",
                        q as i64
                    );
                }
            }
        }
        // not a comparison: no branch
        assert_eq!(compare_float(Arith::Add, f(1.0), f(2.0)), None);
    }
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
