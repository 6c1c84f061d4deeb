//! Float primitives: arithmetic and comparison (Squeak's 41-59), the
//! elementary functions, exact conversions to and from ratios, hashing,
//! and printing (shortest digits that read back, in any base).

use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::object::{Body, Value};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

impl Vm {
    /// Any Number (SmallInteger, LargeInteger or Float) as an f64.
    pub fn to_float(&self, v: Value) -> Option<f64> {
        if let Some(i) = v.as_int() {
            return Some(i as f64);
        }
        if let Some(f) = v.as_float() {
            return Some(f);
        }
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Float(f)) => Some(*f),
            Some(Body::Large(b)) => b.to_f64(),
            _ => None,
        }
    }
}

/// The f64 held by a Float object (not an Integer).
fn float_of(vm: &Vm, v: Value) -> Option<f64> {
    vm.float_value(v)
}

/// Runs `op` on a Float receiver and a Number argument. A LargeInteger
/// argument fails, so the Smalltalk fallback compares exactly (Squeak's
/// rule); SmallIntegers convert exactly enough.
fn binary(vm: &mut Vm, c: Args, op: impl FnOnce(&mut Vm, f64, f64) -> Option<Value>) -> PrimResult {
    let x = match float_of(vm, c.r) {
        Some(x) => x,
        None => return Fail,
    };
    let y = match vm.heap.try_get(c.a0).map(|o| &o.body) {
        Some(Body::Large(_)) => return Fail,
        _ => match vm.to_float(c.a0) {
            Some(y) => y,
            None => return Fail,
        },
    };
    op(vm, x, y).map_or(Fail, Value)
}

/// A comparison of a Float with a Number: exact, so a SmallInteger that
/// an f64 cannot hold (beyond 2^53) fails like a LargeInteger, and the
/// Smalltalk fallback compares exactly.
fn compare(vm: &mut Vm, c: Args, op: fn(f64, f64) -> bool) -> PrimResult {
    if c.a0.as_int().is_some_and(|i| i.unsigned_abs() > 1 << 53) {
        return Fail;
    }
    binary(vm, c, |_, x, y| Some(Value::bool(op(x, y))))
}

pub(super) fn add(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |vm, x, y| Some(vm.new_float(x + y)))
}

pub(super) fn sub(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |vm, x, y| Some(vm.new_float(x - y)))
}

pub(super) fn lt(vm: &mut Vm, c: Args) -> PrimResult {
    compare(vm, c, |x, y| x < y)
}

pub(super) fn gt(vm: &mut Vm, c: Args) -> PrimResult {
    compare(vm, c, |x, y| x > y)
}

pub(super) fn le(vm: &mut Vm, c: Args) -> PrimResult {
    compare(vm, c, |x, y| x <= y)
}

pub(super) fn ge(vm: &mut Vm, c: Args) -> PrimResult {
    compare(vm, c, |x, y| x >= y)
}

pub(super) fn eq(vm: &mut Vm, c: Args) -> PrimResult {
    compare(vm, c, |x, y| x == y)
}

pub(super) fn ne(vm: &mut Vm, c: Args) -> PrimResult {
    compare(vm, c, |x, y| x != y)
}

pub(super) fn mul(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |vm, x, y| Some(vm.new_float(x * y)))
}

pub(super) fn div(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |vm, x, y| (y != 0.0).then(|| vm.new_float(x / y)))
}

pub(super) fn times_two_power(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |vm, x, y| {
        Some(vm.new_float(x * 2f64.powi(y.clamp(-2000.0, 2000.0) as i32)))
    })
}

/// A new Float `op(receiver)` for any Number receiver.
fn unary(vm: &mut Vm, c: Args, op: fn(f64) -> f64) -> PrimResult {
    match vm.to_float(c.r) {
        Some(f) => Value(vm.new_float(op(f))),
        None => Fail,
    }
}

pub(super) fn truncated(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_float(c.r) {
        Some(f) if f.is_finite() => {
            let t = f.trunc();
            if t.abs() < 1e18 {
                Value(vm.int_from_i128(t as i128))
            } else {
                Value(vm.int_from_big(float_to_big(t)))
            }
        }
        _ => Fail,
    }
}

pub(super) fn fraction_part(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::fract)
}

pub(super) fn exponent(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_float(c.r) {
        Some(f) if f != 0.0 && f.is_finite() => Value(Value::small(binary_exponent(f))),
        _ => Fail,
    }
}

/// The power of two of a finite nonzero `f`'s leading bit, read from its
/// bits (`log2` rounds up just below a power of two: `Float fmax`).
fn binary_exponent(f: f64) -> i64 {
    let bits = f.to_bits();
    let biased = ((bits >> 52) & 0x7FF) as i64;
    if biased != 0 {
        return biased - 1023;
    }
    let mantissa = bits & ((1 << 52) - 1);
    -1074 + 63 - mantissa.leading_zeros() as i64
}

pub(super) fn sqrt(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::sqrt)
}

pub(super) fn sin(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::sin)
}

pub(super) fn arc_tan(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::atan)
}

pub(super) fn ln(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::ln)
}

pub(super) fn exp(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::exp)
}

pub(super) fn cos(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::cos)
}

pub(super) fn tan(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::tan)
}

pub(super) fn arc_sin(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::asin)
}

pub(super) fn arc_cos(vm: &mut Vm, c: Args) -> PrimResult {
    unary(vm, c, f64::acos)
}

pub(super) fn is_nan(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_float(c.r) {
        Some(f) => Value(Value::bool(f.is_nan())),
        None => Fail,
    }
}

pub(super) fn is_infinite(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_float(c.r) {
        Some(f) => Value(Value::bool(f.is_infinite())),
        None => Fail,
    }
}

pub(super) fn floor_log10(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_float(c.r) {
        Some(f) if f > 0.0 && f.is_finite() => Value(Value::small(f.log10().floor() as i64)),
        _ => Fail,
    }
}

pub(super) fn raised_to(vm: &mut Vm, c: Args) -> PrimResult {
    match (vm.to_float(c.r), vm.to_float(c.a0)) {
        (Some(x), Some(y)) => Value(vm.new_float(x.powf(y))),
        _ => Fail,
    }
}

/// A new Float `op(receiver)` for a Float receiver.
fn float_unary(vm: &mut Vm, c: Args, op: fn(f64) -> f64) -> PrimResult {
    match float_of(vm, c.r) {
        Some(f) => Value(vm.new_float(op(f))),
        None => Fail,
    }
}

pub(super) fn log10(vm: &mut Vm, c: Args) -> PrimResult {
    float_unary(vm, c, f64::log10)
}

pub(super) fn sinh(vm: &mut Vm, c: Args) -> PrimResult {
    float_unary(vm, c, f64::sinh)
}

pub(super) fn cosh(vm: &mut Vm, c: Args) -> PrimResult {
    float_unary(vm, c, f64::cosh)
}

pub(super) fn tanh(vm: &mut Vm, c: Args) -> PrimResult {
    float_unary(vm, c, f64::tanh)
}

pub(super) fn successor(vm: &mut Vm, c: Args) -> PrimResult {
    float_unary(vm, c, f64::next_up)
}

pub(super) fn predecessor(vm: &mut Vm, c: Args) -> PrimResult {
    float_unary(vm, c, f64::next_down)
}

pub(super) fn as_ieee32_bit_word(vm: &mut Vm, c: Args) -> PrimResult {
    match float_of(vm, c.r) {
        Some(f) => Value(Value::small(ieee32_word(f) as i64)),
        None => Fail,
    }
}

pub(super) fn from_ieee32_bit(vm: &mut Vm, c: Args) -> PrimResult {
    match c.a0.as_int().and_then(|w| u32::try_from(w).ok()) {
        Some(w) => {
            let f = f32::from_bits(w);
            // every NaN word reads as the one NaN `Float nan` is
            Value(vm.new_float(if f.is_nan() { f64::NAN } else { f as f64 }))
        }
        None => Fail,
    }
}

/// `f` rounded to single precision, to nearest with ties to even (what
/// Squeak's `Float>>asIEEE32BitWord` computes bit by bit), as its word. A
/// NaN keeps its sign and the top of its payload, rounded the same way,
/// and is never made an infinity (Rust leaves NaN payloads to the target).
fn ieee32_word(f: f64) -> u32 {
    if !f.is_nan() {
        return (f as f32).to_bits();
    }
    let bits = f.to_bits();
    let sign = ((bits >> 32) as u32) & 0x8000_0000;
    let mut mantissa = ((bits >> 29) as u32) & 0x7F_FFFF;
    let truncated = (bits as u32) & 0x1FFF_FFFF;
    if truncated & 0x1000_0000 != 0 && (mantissa & 1 != 0 || truncated & 0x0FFF_FFFF != 0) {
        mantissa = (mantissa + 1) & 0x7F_FFFF;
    }
    sign | 0x7F80_0000 | mantissa.max(1)
}

pub(super) fn arc_tan2(vm: &mut Vm, c: Args) -> PrimResult {
    match (float_of(vm, c.r), vm.to_float(c.a0)) {
        (Some(y), Some(x)) => Value(vm.new_float(y.atan2(x))),
        _ => Fail,
    }
}

pub(super) fn sign_bit(vm: &mut Vm, c: Args) -> PrimResult {
    match float_of(vm, c.r) {
        Some(f) => Value(Value::bool(f.is_sign_negative())),
        None => Fail,
    }
}

pub(super) fn hash(vm: &mut Vm, c: Args) -> PrimResult {
    match float_of(vm, c.r) {
        Some(f) => {
            let b = f.to_bits();
            let h = (b ^ (b >> 29) ^ (b >> 47)) & 0x0FFF_FFFF;
            Value(Value::small(h as i64))
        }
        None => Fail,
    }
}

pub(super) fn as_exact_fraction(vm: &mut Vm, c: Args) -> PrimResult {
    let f = match float_of(vm, c.r) {
        Some(f) if f.is_finite() => f,
        _ => return Fail,
    };
    let (num, den) = exact_ratio(f);
    let nv = vm.int_from_big(num);
    let dv = vm.int_from_big(den);
    Value(vm.new_array(vec![nv, dv]))
}

pub(super) fn ratio_as_float(vm: &mut Vm, c: Args) -> PrimResult {
    match (vm.to_big(c.a0), vm.to_big(c.a1)) {
        (Some(p), Some(q)) if !q.is_zero() => {
            let f = ratio_to_f64(&p, &q);
            Value(vm.new_float(f))
        }
        _ => Fail,
    }
}

pub(super) fn print_string(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_float(c.r) {
        Some(f) => Value(vm.new_string(&format_float(f))),
        None => Fail,
    }
}

pub(super) fn print_base(vm: &mut Vm, c: Args) -> PrimResult {
    match (float_of(vm, c.r), c.a0.as_int()) {
        (Some(f), Some(b)) if (2..=36).contains(&b) => {
            let text = format_float_base(f, b as u32);
            Value(vm.new_string(&text))
        }
        _ => Fail,
    }
}

pub(super) fn print_exact(_: &mut Vm, _: Args) -> PrimResult {
    Fail
}

/// How Squeak prints NaN, the infinities and the zeros (any base).
pub fn special_float(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f.is_infinite() {
        Some(if f > 0.0 { "Infinity" } else { "-Infinity" })
    } else if f == 0.0 {
        Some(if f.is_sign_negative() { "-0.0" } else { "0.0" })
    } else {
        None
    }
}

/// Squeak's float print format (Float>>absPrintExactlyOn:base:):
/// shortest digits that read back to the same float; fixed notation
/// when the decimal exponent is in -4 .. 15, `1.0e16` / `1.0e-5` style
/// otherwise.
pub fn format_float(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits
    let e = format!("{:e}", f.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let s = if exp >= 0 {
            let int_len = (exp + 1) as usize;
            if digits.len() <= int_len {
                format!("{}{}.0", digits, "0".repeat(int_len - digits.len()))
            } else {
                format!("{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        };
        format!("{}{}", sign, s)
    } else {
        let frac = if digits.len() > 1 { &digits[1..] } else { "0" };
        format!("{}{}.{}e{}", sign, &digits[..1], frac, exp)
    }
}

/// The exact BigInt of an integral float.
fn float_to_big(f: f64) -> BigInt {
    let bits = f.to_bits();
    let neg = bits >> 63 != 0;
    let exp = ((bits >> 52) & 0x7FF) as i64;
    let mant = if exp == 0 {
        (bits & ((1 << 52) - 1)) << 1
    } else {
        (bits & ((1 << 52) - 1)) | (1 << 52)
    };
    let e = exp - 1075;
    let mut b = BigInt::from(mant);
    if e > 0 {
        b <<= e as usize;
    } else if e < 0 {
        b >>= (-e) as usize;
    }
    if neg {
        -b
    } else {
        b
    }
}

/// Squeak's Float printing in any base (Float>>absPrintExactlyOn:base:,
/// the Burger & Dybvig free-format algorithm with exact integers): the
/// shortest digits that read back to the same float; fixed notation when
/// the point falls within -3 .. 16 digits, `1.0e16` style otherwise (the
/// exponent in decimal).
pub fn format_float_base(f: f64, base: u32) -> String {
    if let Some(s) = special_float(f) {
        return s.into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    let v = f.abs();
    let bits = v.to_bits();
    let bexp = ((bits >> 52) & 0x7FF) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mant, e) = if bexp == 0 {
        (frac, -1074i64)
    } else {
        (frac | (1u64 << 52), bexp - 1075)
    };
    let round = mant % 2 == 0;
    let big_b = BigInt::from(base);
    let f_big = BigInt::from(mant);
    let boundary = mant == 1u64 << 52;
    let (mut r, mut s, mut m_plus, mut m_minus);
    if e >= 0 {
        let be = BigInt::one() << (e as usize);
        if !boundary {
            r = &f_big * &be * 2;
            s = BigInt::from(2);
            m_plus = be.clone();
            m_minus = be;
        } else {
            let be1 = &be * 2;
            r = &f_big * &be1 * 2;
            s = BigInt::from(4);
            m_plus = be1;
            m_minus = be;
        }
    } else if e == -1074 || !boundary {
        r = &f_big * 2;
        s = (BigInt::one() << ((-e) as usize)) * 2;
        m_plus = BigInt::one();
        m_minus = BigInt::one();
    } else {
        r = &f_big * 4;
        s = (BigInt::one() << ((1 - e) as usize)) * 2;
        m_plus = BigInt::from(2);
        m_minus = BigInt::one();
    }
    let mut k = (v.log2() / (base as f64).log2() - 1e-10).ceil() as i64;
    if k >= 0 {
        s *= big_b.pow(k as u32);
    } else {
        let scale = big_b.pow((-k) as u32);
        r *= &scale;
        m_plus *= &scale;
        m_minus *= &scale;
    }
    let high = |r: &BigInt, m_plus: &BigInt, s: &BigInt| {
        let t = r + m_plus;
        t > *s || (round && t == *s)
    };
    if high(&r, &m_plus, &s) {
        k += 1;
    } else {
        r *= &big_b;
        m_plus *= &big_b;
        m_minus *= &big_b;
    }
    let mut digits: Vec<u32> = Vec::new();
    loop {
        let (d, rem) = r.div_rem(&s);
        r = rem;
        let mut d = d.to_u32().unwrap_or(0);
        let tc1 = r < m_minus || (round && r == m_minus);
        let tc2 = high(&r, &m_plus, &s);
        if !(tc1 || tc2) {
            digits.push(d);
            r *= &big_b;
            m_plus *= &big_b;
            m_minus *= &big_b;
            if digits.len() > 1100 {
                break;
            }
            continue;
        }
        if tc2 && (!tc1 || &r * 2 >= s) {
            d += 1;
        }
        digits.push(d);
        break;
    }
    let ds: String = digits
        .iter()
        .map(|&d| {
            std::char::from_digit(d, 36)
                .unwrap_or('?')
                .to_ascii_uppercase()
        })
        .collect();
    let body = if (-3..=16).contains(&k) {
        if k <= 0 {
            format!("0.{}{}", "0".repeat((-k) as usize), ds)
        } else {
            let k = k as usize;
            if ds.len() <= k {
                format!("{}{}.0", ds, "0".repeat(k - ds.len()))
            } else {
                format!("{}.{}", &ds[..k], &ds[k..])
            }
        }
    } else {
        let rest = if ds.len() > 1 { &ds[1..] } else { "0" };
        format!("{}.{}e{}", &ds[..1], rest, k - 1)
    };
    format!("{}{}", sign, body)
}

/// Exact value of a finite float as a reduced (numerator, denominator).
fn exact_ratio(f: f64) -> (BigInt, BigInt) {
    if f == 0.0 {
        return (BigInt::zero(), BigInt::one());
    }
    let bits = f.to_bits();
    let neg = bits >> 63 != 0;
    let bexp = ((bits >> 52) & 0x7FF) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mut mant, mut exp) = if bexp == 0 {
        (frac, -1074i64)
    } else {
        (frac | (1u64 << 52), bexp - 1075)
    };
    while mant & 1 == 0 && exp < 0 {
        mant >>= 1;
        exp += 1;
    }
    let mut num = BigInt::from(mant);
    let mut den = BigInt::one();
    if exp >= 0 {
        num <<= exp as usize;
    } else {
        den <<= (-exp) as usize;
    }
    if neg {
        num = -num;
    }
    (num, den)
}

/// p / q correctly rounded to the nearest f64 (ties to even).
fn ratio_to_f64(p: &BigInt, q: &BigInt) -> f64 {
    let neg = p.is_negative() != q.is_negative();
    let mut a = p.abs();
    let mut b = q.abs();
    if a.is_zero() {
        return if neg { -0.0 } else { 0.0 };
    }
    // scale so that the quotient has 54 or 55 bits
    let shift: i64 = 54 - (a.bits() as i64 - b.bits() as i64);
    if shift > 0 {
        a <<= shift as usize;
    } else if shift < 0 {
        b <<= (-shift) as usize;
    }
    let (qt, rm) = a.div_rem(&b);
    // value = (qt + rm/b) * 2^e
    let e = -shift;
    let qbits = qt.bits() as i64;
    let mut drop = qbits - 53;
    // subnormals: the lowest kept bit must weigh at least 2^-1074
    if e + drop < -1074 {
        drop = -1074 - e;
    }
    if drop > qbits + 1 {
        // far below the smallest subnormal
        return if neg { -0.0 } else { 0.0 };
    }
    let (mut keep, exact_low, half_cmp) = if drop > 0 {
        let d = drop as usize;
        let keep: BigInt = &qt >> d;
        let low: BigInt = &qt - (&keep << d);
        let half: BigInt = BigInt::one() << (d - 1);
        (keep, rm.is_zero(), low.cmp(&half))
    } else {
        (qt.clone(), rm.is_zero(), std::cmp::Ordering::Less)
    };
    use std::cmp::Ordering::*;
    let round_up = match half_cmp {
        Greater => true,
        Equal => !exact_low || keep.is_odd(),
        Less => false,
    };
    if round_up {
        keep += 1;
    }
    let mut exp = e + drop; // value = keep * 2^exp
    let mut k = keep.to_u64().unwrap_or(u64::MAX);
    if k >= 1u64 << 53 {
        k >>= 1;
        exp += 1;
    }
    let bits: u64 = if k < 1u64 << 52 {
        // subnormal (exp == -1074)
        k
    } else {
        let biased = exp + 52 + 1023;
        if biased >= 2047 {
            return if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
        }
        ((biased as u64) << 52) | (k - (1u64 << 52))
    };
    let f = f64::from_bits(bits);
    if neg {
        -f
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_rounding() {
        let f = |p: i64, q: i64| ratio_to_f64(&BigInt::from(p), &BigInt::from(q));
        assert_eq!(f(1, 3), 1.0 / 3.0);
        assert_eq!(f(1, 10), 0.1);
        assert_eq!(f(-7, 2), -3.5);
        assert_eq!(f(2, 3), 2.0 / 3.0);
        let big = BigInt::from(10).pow(400);
        assert_eq!(ratio_to_f64(&BigInt::one(), &big), 0.0);
        assert_eq!(ratio_to_f64(&big, &BigInt::one()), f64::INFINITY);
        let (n, d) = exact_ratio(0.1);
        assert_eq!(ratio_to_f64(&n, &d), 0.1);
        let (n, d) = exact_ratio(5e-324);
        assert_eq!(ratio_to_f64(&n, &d), 5e-324);
        let (n, d) = exact_ratio(-1.5e300);
        assert_eq!(ratio_to_f64(&n, &d), -1.5e300);
    }

    #[test]
    fn float_printing_agrees_with_base_10_printer() {
        let mut x: u64 = 0x9E3779B97F4A7C15;
        let mut samples = vec![
            0.1,
            100.0,
            1e16,
            1e15,
            1e-4,
            1e-5,
            5e-324,
            1.7976931348623157e308,
            2.5,
            1.0 / 3.0,
            123456789.0,
            0.3,
            2f64.powi(60),
        ];
        for _ in 0..20000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if f.is_finite() {
                samples.push(f);
            }
        }
        for f in samples {
            assert_eq!(format_float_base(f, 10), format_float(f), "{:e}", f);
        }
        assert_eq!(format_float_base(2.5, 2), "10.1");
        assert_eq!(format_float_base(255.5, 16), "FF.8");
        assert_eq!(format_float_base(-0.75, 2), "-0.11");
    }
}
