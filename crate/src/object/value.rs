//! [`Value`]: one tagged 64-bit word, the unit of every slot and stack cell.
//!
//! Encoding (low three bits, as in Squeak's 64-bit Spur format):
//! - `…000` — reference to a heap object; the index is `bits >> 3`.
//! - `…001` — SmallInteger; the value is `(bits as i64) >> 3`, so the range
//!   is Squeak's: `-2^60 .. 2^60-1`.
//! - `…010` — Character; the code point is `bits >> 3`.
//! - `…100` — SmallFloat64: a Float of magnitude 2^-126 up to just under
//!   2^129, or ±0; Spur's encoding: the f64's bits rotated left by one (the
//!   sign to bit 0), the exponent rebased by 896 so that it fits in eight
//!   bits, shifted up past the tag. Other Floats (tiny, huge, infinite,
//!   NaN) are boxed on the heap.
//!
//! `nil`, `true` and `false` are the heap objects 0, 1 and 2.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Value(u64);

pub const TAG_MASK: u64 = 7;
pub const TAG_OBJ: u64 = 0;
pub const TAG_INT: u64 = 1;
pub const TAG_CHAR: u64 = 2;
pub const TAG_FLOAT: u64 = 4;
/// Spur's `smallFloatExponentOffset`: an immediate Float's 11-bit exponent
/// less this fits in eight bits (1..=255).
const FLOAT_EXP_OFFSET: u64 = 896;
// `Value::both_int` relies on this: only SmallIntegers have the low bit.
const _: () = assert!(TAG_INT & 1 == 1 && TAG_OBJ & 1 == 0 && TAG_CHAR & 1 == 0);
// `Value::either_float` relies on this: only Floats have the tag's top bit.
const _: () = assert!(TAG_FLOAT == 4 && TAG_INT & 4 == 0 && TAG_OBJ & 4 == 0 && TAG_CHAR & 4 == 0);

/// Largest SmallInteger (Squeak: `SmallInteger maxVal`).
pub const SMALL_MAX: i64 = (1 << 60) - 1;
/// Smallest SmallInteger.
pub const SMALL_MIN: i64 = -(1 << 60);

impl Value {
    pub const NIL: Value = Value(0);
    pub const TRUE: Value = Value(1 << 3);
    pub const FALSE: Value = Value(2 << 3);

    #[inline(always)]
    pub fn obj(index: u32) -> Value {
        Value((index as u64) << 3)
    }
    /// A SmallInteger, or `None` if `i` is outside the SmallInteger range.
    #[inline(always)]
    pub fn int(i: i64) -> Option<Value> {
        if (SMALL_MIN..=SMALL_MAX).contains(&i) {
            Some(Value(((i as u64) << 3) | TAG_INT))
        } else {
            None
        }
    }
    /// A SmallInteger from a value known to be in range (small constants,
    /// sizes, indices).
    #[inline(always)]
    pub fn small(i: i64) -> Value {
        debug_assert!((SMALL_MIN..=SMALL_MAX).contains(&i));
        Value(((i as u64) << 3) | TAG_INT)
    }
    #[inline(always)]
    pub fn char(c: u32) -> Value {
        Value(((c as u64) << 3) | TAG_CHAR)
    }
    /// An immediate Float (SmallFloat64), or `None` if `f`'s exponent is
    /// outside the immediate range (it is then boxed on the heap).
    #[inline(always)]
    pub fn float(f: f64) -> Option<Value> {
        let bits = f.to_bits();
        let exp = (bits >> 52) & 0x7FF;
        if exp.wrapping_sub(FLOAT_EXP_OFFSET + 1) < 255 {
            let rot = bits.rotate_left(1) - (FLOAT_EXP_OFFSET << 53);
            Some(Value((rot << 3) | TAG_FLOAT))
        } else if bits << 1 == 0 {
            // ±0: the sign alone, below every rebased exponent
            Some(Value((bits.rotate_left(1) << 3) | TAG_FLOAT))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn is_float(self) -> bool {
        self.0 & TAG_MASK == TAG_FLOAT
    }
    /// The f64 of an immediate Float.
    #[inline(always)]
    pub fn as_float(self) -> Option<f64> {
        if self.is_float() {
            Some(self.float_unchecked())
        } else {
            None
        }
    }
    /// The f64 of a value known to be an immediate Float.
    #[inline(always)]
    pub fn float_unchecked(self) -> f64 {
        let rot = self.0 >> 3;
        let rot = if rot > 1 {
            rot + (FLOAT_EXP_OFFSET << 53)
        } else {
            rot
        };
        f64::from_bits(rot.rotate_right(1))
    }
    #[inline(always)]
    pub fn bool(b: bool) -> Value {
        if b {
            Value::TRUE
        } else {
            Value::FALSE
        }
    }
    #[inline(always)]
    pub fn is_int(self) -> bool {
        self.0 & TAG_MASK == TAG_INT
    }
    /// Both SmallIntegers, in one test: the SmallInteger tag is the only
    /// one with its low bit set.
    #[inline(always)]
    pub fn both_int(self, other: Value) -> bool {
        self.0 & other.0 & 1 != 0
    }
    /// Either one an immediate Float, in one test: the Float tag is the
    /// only one with its top bit set.
    #[inline(always)]
    pub fn either_float(self, other: Value) -> bool {
        (self.0 | other.0) & TAG_FLOAT != 0
    }
    #[inline(always)]
    pub fn is_char(self) -> bool {
        self.0 & TAG_MASK == TAG_CHAR
    }
    #[inline(always)]
    pub fn is_obj(self) -> bool {
        self.0 & TAG_MASK == TAG_OBJ
    }
    #[inline(always)]
    pub fn is_nil(self) -> bool {
        self == Value::NIL
    }
    #[inline(always)]
    pub fn as_int(self) -> Option<i64> {
        if self.is_int() {
            Some((self.0 as i64) >> 3)
        } else {
            None
        }
    }
    /// The integer of a value known to be a SmallInteger.
    #[inline(always)]
    pub fn int_unchecked(self) -> i64 {
        (self.0 as i64) >> 3
    }
    #[inline(always)]
    pub fn as_char(self) -> Option<u32> {
        if self.is_char() {
            Some((self.0 >> 3) as u32)
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_obj(self) -> Option<u32> {
        if self.is_obj() {
            Some((self.0 >> 3) as u32)
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn obj_index(self) -> usize {
        (self.0 >> 3) as usize
    }
    #[inline(always)]
    pub fn bits(self) -> u64 {
        self.0
    }
    /// The value whose word is `bits` (the slot space's headers; a
    /// snapshot's words).
    #[inline(always)]
    pub(crate) const fn from_bits(bits: u64) -> Value {
        Value(bits)
    }

    /// `self op other` for two SmallIntegers, computed on the tagged words
    /// where that is exact: the sum and difference of `x << 3 | 1` and
    /// `y << 3` overflow an `i64` exactly when `x + y` (or `x - y`) leaves
    /// the SmallInteger range, and tagged words compare as their values.
    /// `None` on overflow (or for an operation this does not cover).
    #[inline(always)]
    pub fn small_add(self, other: Value) -> Option<Value> {
        debug_assert!(self.is_int() && other.is_int());
        (self.0 as i64)
            .checked_add((other.0 - TAG_INT) as i64)
            .map(|r| Value(r as u64))
    }
    /// See [`Value::small_add`].
    #[inline(always)]
    pub fn small_sub(self, other: Value) -> Option<Value> {
        debug_assert!(self.is_int() && other.is_int());
        (self.0 as i64)
            .checked_sub((other.0 - TAG_INT) as i64)
            .map(|r| Value(r as u64))
    }
    /// `small_sub` if `sub`, else `small_add`: both computed, one chosen
    /// without a branch.
    #[inline(always)]
    pub fn small_add_or_sub(self, other: Value, sub: bool) -> Option<Value> {
        debug_assert!(self.is_int() && other.is_int());
        let (x, d) = (self.0 as i64, (other.0 - TAG_INT) as i64);
        let (a, s) = (x.overflowing_add(d), x.overflowing_sub(d));
        let (r, overflow) = if sub { s } else { a };
        (!overflow).then_some(Value(r as u64))
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(i) = self.as_int() {
            write!(f, "{}", i)
        } else if let Some(c) = self.as_char() {
            write!(f, "${}", char::from_u32(c).unwrap_or('?'))
        } else if let Some(x) = self.as_float() {
            write!(f, "{x:?}")
        } else if *self == Value::NIL {
            write!(f, "nil")
        } else if *self == Value::TRUE {
            write!(f, "true")
        } else if *self == Value::FALSE {
            write!(f, "false")
        } else {
            write!(f, "@{}", self.obj_index())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediate_floats_round_trip_in_spurs_range() {
        let inside = [
            0.0,
            -0.0,
            1.0,
            -1.5,
            0.1,
            std::f64::consts::PI,
            1e38,
            -1e-37,
            2f64.powi(-126),
            2f64.powi(128) * 1.999,
            f64::from_bits(0x3FF0_0000_0000_0001),
        ];
        for f in inside {
            let v = Value::float(f).unwrap_or_else(|| panic!("{f:e} is immediate"));
            assert!(v.is_float() && !v.is_obj() && !v.is_int() && !v.is_char());
            assert_eq!(v.as_float().unwrap().to_bits(), f.to_bits(), "{f:e}");
        }
        assert_ne!(Value::float(0.0), Value::float(-0.0));
        let outside = [
            2f64.powi(-127),
            f64::MIN_POSITIVE,
            5e-324,
            2f64.powi(129),
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for f in outside {
            assert_eq!(Value::float(f), None, "{f:e} is boxed");
        }
        assert_eq!(Value::int(1).unwrap().as_float(), None);
    }
    #[test]
    fn encoding() {
        assert_eq!(Value::int(SMALL_MAX).unwrap().as_int(), Some(SMALL_MAX));
        assert_eq!(Value::int(SMALL_MIN).unwrap().as_int(), Some(SMALL_MIN));
        assert!(Value::int(SMALL_MAX + 1).is_none());
        assert_eq!(Value::int(-5).unwrap().as_int(), Some(-5));
        assert_eq!(Value::char(0x10FFFF).as_char(), Some(0x10FFFF));
        assert_eq!(Value::obj(7).as_obj(), Some(7));
        assert_eq!(std::mem::size_of::<Value>(), 8);
    }

    #[test]
    fn tagged_arithmetic_matches_untagged() {
        let edge = [
            SMALL_MIN,
            SMALL_MIN + 1,
            -7,
            -1,
            0,
            1,
            3,
            SMALL_MAX - 1,
            SMALL_MAX,
        ];
        for &x in &edge {
            for &y in &edge {
                let (vx, vy) = (Value::small(x), Value::small(y));
                assert_eq!(vx.small_add(vy), Value::int(x + y), "{x} + {y}");
                assert_eq!(vx.small_sub(vy), Value::int(x - y), "{x} - {y}");
                assert_eq!(
                    (vx.bits() as i64).cmp(&(vy.bits() as i64)),
                    x.cmp(&y),
                    "{x} <=> {y}"
                );
            }
        }
    }
}
