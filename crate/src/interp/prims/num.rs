//! Named primitives for numbers (Number, Integer, Float, Fraction, Character, Object basics).
//!
//! Index of a name: `BASE + position in NAMED`. Same contract as
//! [`super`]: answer a value, fail (the Smalltalk fallback runs),
//! or `Done`; never panic.

use super::PrimResult;
use crate::interp::classes::Format;
use crate::interp::Vm;
use crate::object::{Body, Value};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

pub const BASE: u16 = 2000;

pub const NAMED: &[&str] = &[
    // Float receiver: {numerator. denominator} of its exact value (reduced)
    "floatAsExactFraction",
    // Float receiver: a hash consistent with = for non-integral floats
    "floatHash",
    // Integer receiver: a hash consistent with =
    "intHash",
    // any receiver: (numerator, denominator) args → correctly rounded Float
    "ratioAsFloat",
    // Float receiver: base 10 logarithm
    "floatLog10",
    // Float receiver, Float arg: four-quadrant arc tangent (receiver is y)
    "floatArcTan2",
    // Float receiver: sign bit set? (distinguishes -0.0)
    "floatSignBit",
    // Float receiver: hyperbolic functions
    "floatSinh",
    "floatCosh",
    "floatTanh",
    // class receiver: are instances indexable (pointers or bytes)?
    "classIsVariable",
    // class receiver: #fixed, #variable, #bytes or #special (made by the VM only)
    "classInstSpec",
    // Integer receiver: Miller-Rabin (deterministic below 3.3e24)
    "intIsProbablyPrime",
    // Float receiver, base arg: shortest digits that read back exactly
    "floatPrintBase",
];

/// Runs named primitive `name` on receiver `r` with `args` (the
/// receiver and arguments are also still on the stack: `vm.stack[n -
/// args.len() - 1..]`).
pub fn call(vm: &mut Vm, name: &str, r: Value, args: &[Value], n: usize) -> PrimResult {
    let _ = n;
    let a0 = args.first().copied().unwrap_or(Value::NIL);
    let a1 = args.get(1).copied().unwrap_or(Value::NIL);
    match name {
        "floatAsExactFraction" => {
            let f = match float_of(vm, r) {
                Some(f) if f.is_finite() => f,
                _ => return PrimResult::Fail,
            };
            let (num, den) = exact_ratio(f);
            let nv = vm.int_from_big(num);
            let dv = vm.int_from_big(den);
            PrimResult::Value(vm.new_array(vec![nv, dv]))
        }
        "floatHash" => match float_of(vm, r) {
            Some(f) => {
                let b = f.to_bits();
                let h = (b ^ (b >> 29) ^ (b >> 47)) & 0x0FFF_FFFF;
                PrimResult::Value(Value::small(h as i64))
            }
            None => PrimResult::Fail,
        },
        "intHash" => match vm.to_big(r) {
            Some(b) => {
                if let Some(i) = b.to_i64() {
                    if let Some(v) = Value::int(i) {
                        return PrimResult::Value(v);
                    }
                }
                let (sign, bytes) = b.to_bytes_le();
                let mut h: u64 = 0xcbf29ce484222325;
                for c in bytes {
                    h ^= c as u64;
                    h = h.wrapping_mul(0x100000001b3);
                }
                if sign == num_bigint::Sign::Minus {
                    h = !h;
                }
                PrimResult::Value(Value::small((h & 0x0FFF_FFFF) as i64))
            }
            None => PrimResult::Fail,
        },
        "ratioAsFloat" => match (vm.to_big(a0), vm.to_big(a1)) {
            (Some(p), Some(q)) if !q.is_zero() => {
                let f = ratio_to_f64(&p, &q);
                PrimResult::Value(vm.new_float(f))
            }
            _ => PrimResult::Fail,
        },
        "floatLog10" | "floatSinh" | "floatCosh" | "floatTanh" => match float_of(vm, r) {
            Some(f) => {
                let v = match name {
                    "floatLog10" => f.log10(),
                    "floatSinh" => f.sinh(),
                    "floatCosh" => f.cosh(),
                    _ => f.tanh(),
                };
                PrimResult::Value(vm.new_float(v))
            }
            None => PrimResult::Fail,
        },
        "floatArcTan2" => match (float_of(vm, r), vm.to_float(a0)) {
            (Some(y), Some(x)) => PrimResult::Value(vm.new_float(y.atan2(x))),
            _ => PrimResult::Fail,
        },
        "floatSignBit" => match float_of(vm, r) {
            Some(f) => PrimResult::Value(Value::bool(f.is_sign_negative())),
            None => PrimResult::Fail,
        },
        "classIsVariable" => match vm.heap.try_get(r).map(|o| &o.body) {
            Some(Body::Class { id, .. }) => {
                let id = *id as usize;
                match vm.classes.get(id) {
                    Some(c) => PrimResult::Value(Value::bool(matches!(
                        c.format,
                        Format::Indexable | Format::Bytes
                    ))),
                    None => PrimResult::Fail,
                }
            }
            _ => PrimResult::Fail,
        },
        "classInstSpec" => match vm.heap.try_get(r).map(|o| &o.body) {
            Some(Body::Class { id, .. }) => {
                let id = *id as usize;
                let name = match vm.classes.get(id).map(|c| c.format) {
                    Some(Format::Pointers) => "fixed",
                    Some(Format::Indexable) => "variable",
                    Some(Format::Bytes) => "bytes",
                    Some(_) => "special",
                    None => return PrimResult::Fail,
                };
                PrimResult::Value(vm.intern(name))
            }
            _ => PrimResult::Fail,
        },
        "intIsProbablyPrime" => match vm.to_big(r) {
            Some(n) => PrimResult::Value(Value::bool(is_probably_prime(&n))),
            None => PrimResult::Fail,
        },
        "floatPrintBase" => match (float_of(vm, r), a0.as_int()) {
            (Some(f), Some(b)) if (2..=36).contains(&b) => {
                let text = format_float_base(f, b as u32);
                PrimResult::Value(vm.new_string(&text))
            }
            _ => PrimResult::Fail,
        },
        _ => PrimResult::Fail,
    }
}

/// Squeak's Float printing in any base (Float>>absPrintExactlyOn:base:,
/// the Burger & Dybvig free-format algorithm with exact integers): the
/// shortest digits that read back to the same float; fixed notation when
/// the point falls within -3 .. 16 digits, `1.0e16` style otherwise (the
/// exponent in decimal).
pub fn format_float_base(f: f64, base: u32) -> String {
    if let Some(s) = super::special_float(f) {
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

/// Miller-Rabin with the first prime bases: exact for n < 3.3e24, and
/// wrong with probability below 4^-20 beyond.
fn is_probably_prime(n: &BigInt) -> bool {
    const BASES: [u32; 20] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
    ];
    let two = BigInt::from(2);
    if n < &two {
        return false;
    }
    for &p in BASES.iter() {
        let p = BigInt::from(p);
        if n == &p {
            return true;
        }
        if (n % &p).is_zero() {
            return false;
        }
    }
    let one = BigInt::one();
    let n1 = n - &one;
    let mut d = n1.clone();
    let mut s = 0u64;
    while d.is_even() {
        d >>= 1;
        s += 1;
    }
    'bases: for &a in BASES.iter() {
        let mut x = BigInt::from(a).modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = (&x * &x) % n;
            if x == n1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// The f64 held by a Float object (not an Integer).
fn float_of(vm: &Vm, v: Value) -> Option<f64> {
    match vm.heap.try_get(v).map(|o| &o.body) {
        Some(Body::Float(f)) => Some(*f),
        _ => None,
    }
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
            assert_eq!(
                format_float_base(f, 10),
                crate::interp::prims::format_float(f),
                "{:e}",
                f
            );
        }
        assert_eq!(format_float_base(2.5, 2), "10.1");
        assert_eq!(format_float_base(255.5, 16), "FF.8");
        assert_eq!(format_float_base(-0.75, 2), "-0.11");
    }

    #[test]
    fn primality() {
        let p = |n: i64| is_probably_prime(&BigInt::from(n));
        let primes: Vec<i64> = (0..60).filter(|&n| p(n)).collect();
        assert_eq!(
            primes,
            vec![2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59]
        );
        assert!(p(7919));
        assert!(!p(3215031751)); // strong pseudoprime to 2, 3, 5, 7
        assert!(p(2305843009213693951)); // 2^61 - 1
        assert!(!p(-7));
        let m89 = (BigInt::one() << 89usize) - 1;
        assert!(is_probably_prime(&m89));
        assert!(!is_probably_prime(&(&m89 + 2)));
    }
}
