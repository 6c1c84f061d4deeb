//! LargeIntegers within a bounded time per step. Reading digits is
//! subquadratic here (num-bigint's is quadratic in a base that is not a
//! power of two: a million decimal digits took a second, the 8 MiB a
//! share link may hold a minute). The operations whose work grows faster
//! than their operands have a work estimate each, in units of about a
//! nanosecond natively, which a primitive compares with [`STEP_WORK`]
//! before it starts: beyond it, the primitive fails and Smalltalk code
//! goes on one bounded step at a time, or signals an error naming the
//! limit, instead of holding the page for seconds or hours.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::Num;

/// The most work one LargeInteger primitive may do: about 60 ms natively
/// (two or three times that in the browser), by each operation's
/// estimate below, whose factor comes from times measured natively.
pub const STEP_WORK: u64 = 60_000_000;

/// The fuel a primitive that did `work` owes: one instruction per 2
/// units (about what the interpreter runs in that time), so that fuel
/// bounds time with LargeIntegers too (a loop of 50 ms gcds cost a few
/// instructions each, and 100,000 instructions took minutes).
pub fn fuel_for(work: u64) -> u64 {
    work / 2
}

/// num-bigint's multiplication (schoolbook, then Karatsuba and Toom-3 on
/// operands of many limbs): about the longer's limbs times the shorter's
/// to the power 0.585 (30 by 16 Mbit took 376 ms).
pub fn mul_work(x: &BigInt, y: &BigInt) -> u64 {
    let (a, b) = (limbs(x.bits()), limbs(y.bits()));
    let (short, long) = (a.min(b), a.max(b));
    if short <= 32 {
        return short.saturating_mul(long) / 4;
    }
    (long as f64 * (short as f64).powf(0.585) * 0.6) as u64
}

/// Printing in a base that is not a power of two (num-bigint's
/// conversion): about the square of the limbs over 16 (4 Mbit took 249
/// ms).
pub fn print_work(x: &BigInt) -> u64 {
    let l = limbs(x.bits());
    l.saturating_mul(l) / 16
}

/// Reading `digits` digits with `parse_int` (a million took 89 ms).
pub fn parse_work(digits: usize) -> u64 {
    let d = digits as u64;
    d.saturating_mul(64 - d.leading_zeros() as u64)
        .saturating_mul(4)
}

/// 64-bit limbs of a `bits`-bit magnitude.
fn limbs(bits: u64) -> u64 {
    bits / 64 + 1
}

/// num-bigint's (schoolbook) division of `x` by `y`: quotient limbs times
/// divisor limbs, about 12 a nanosecond (5.6 Mbit by 2.8 Mbit took 157
/// ms).
pub fn division_work(x: &BigInt, y: &BigInt) -> u64 {
    let (xb, yb) = (x.bits(), y.bits());
    (limbs(xb.saturating_sub(yb)).saturating_mul(limbs(yb))) / 12
}

/// num-integer's (binary, Stein's) gcd: bits times limbs of the larger
/// operand, about 4 a nanosecond (3 and 1.6 Mbit took 31 s, 124 Kbit 79
/// ms).
pub fn gcd_work(x: &BigInt, y: &BigInt) -> u64 {
    let b = x.bits().max(y.bits());
    b.saturating_mul(limbs(b)) / 4
}

/// num-bigint's integer square root (Newton's iteration from a float
/// guess): a few divisions of half the bits by half (1 Mbit took 140
/// ms, 700 Kbit 44 ms).
pub fn sqrt_work(x: &BigInt) -> u64 {
    let h = limbs(x.bits() / 2);
    h.saturating_mul(h).saturating_mul(2)
}

/// Miller-Rabin with 20 bases: per base, `bits` squarings and remainders
/// of `bits`-bit numbers (schoolbook at these sizes); a prime of 4,423
/// bits took 765 ms. (A twentieth of it for one base.)
pub fn prime_work(n: &BigInt) -> u64 {
    let (b, l) = (n.bits(), limbs(n.bits()));
    b.saturating_mul(l).saturating_mul(l).saturating_mul(35)
}

/// Below this many digits num-bigint's own reading is as fast.
const DIRECT_DIGITS: usize = 2_000;

/// `s` read as an integer in `radix` (2..=36), exactly as num-bigint's
/// `BigInt::from_str_radix` reads it (an optional `-` or `+`, digits of
/// either case, `_` between them ignored), in subquadratic time: chunks
/// of digits that fit a u64, then pairs joined level by level,
/// `left * radix^(chunk * 2^level) + right`, which num-bigint multiplies
/// by Karatsuba and Toom-3. `None` when it is not a number.
pub fn parse_int(s: &str, radix: u32) -> Option<BigInt> {
    if !(2..=36).contains(&radix) {
        return None;
    }
    if s.len() <= DIRECT_DIGITS || radix.is_power_of_two() {
        return BigInt::from_str_radix(s, radix).ok();
    }
    let (sign, mut t) = match s.strip_prefix('-') {
        Some(tail) if !tail.starts_with('+') => (Sign::Minus, tail),
        _ => (Sign::Plus, s),
    };
    if let Some(tail) = t.strip_prefix('+') {
        if !tail.starts_with('+') {
            t = tail;
        }
    }
    if t.is_empty() || t.starts_with('_') {
        return None;
    }
    let mut digits = Vec::with_capacity(t.len());
    for b in t.bytes() {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            b'A'..=b'Z' => b - b'A' + 10,
            b'_' => continue,
            _ => return None,
        };
        if d as u32 >= radix {
            return None;
        }
        digits.push(d);
    }
    Some(BigInt::from_biguint(sign, join_digits(&digits, radix)))
}

/// The value of big-endian `digits` (each below `radix`, not a power of
/// two), joined as `parse_int` says, without recursion.
fn join_digits(digits: &[u8], radix: u32) -> BigUint {
    // digits per chunk: radix^chunk still fits a u64
    let mut chunk = 1usize;
    let mut unit = radix as u64;
    while let Some(next) = unit.checked_mul(radix as u64) {
        unit = next;
        chunk += 1;
    }
    // chunks from the right: all full but the first
    let mut level: Vec<BigUint> = Vec::with_capacity(digits.len() / chunk + 1);
    let first = digits.len() % chunk;
    let mut cut = |part: &[u8]| {
        let v = part.iter().fold(0u64, |v, &d| v * radix as u64 + d as u64);
        level.push(BigUint::from(v));
    };
    if first > 0 {
        cut(&digits[..first]);
    }
    for part in digits[first..].chunks(chunk) {
        cut(part);
    }
    let mut power = BigUint::from(unit);
    while level.len() > 1 {
        // pairs from the right, where every value stands for whole
        // chunks; an odd one out is the first, the shortest
        let mut joined = Vec::with_capacity(level.len() / 2 + 1);
        let mut rest = level.len();
        while rest >= 2 {
            let right = std::mem::take(&mut level[rest - 1]);
            let left = std::mem::take(&mut level[rest - 2]);
            joined.push(left * &power + right);
            rest -= 2;
        }
        if rest == 1 {
            joined.push(std::mem::take(&mut level[0]));
        }
        joined.reverse();
        level = joined;
        if level.len() > 1 {
            power = &power * &power;
        }
    }
    level.pop().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift).
    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn reads_what_num_bigint_reads() {
        let mut seed = 0x9E37_79B9_7F4A_7C15;
        for round in 0..300 {
            let radix = [3, 5, 7, 10, 12, 36][round % 6];
            let len = DIRECT_DIGITS + 1 + (next(&mut seed) % 6000) as usize;
            let mut s = String::new();
            match round % 5 {
                0 => s.push('-'),
                1 => s.push('+'),
                _ => {}
            }
            for i in 0..len {
                let d = (next(&mut seed) % radix as u64) as u32;
                let c = std::char::from_digit(d, radix).unwrap_or('0');
                s.push(if round % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                });
                if round % 7 == 3 && i % 97 == 5 {
                    s.push('_');
                }
            }
            assert_eq!(
                parse_int(&s, radix),
                BigInt::from_str_radix(&s, radix).ok(),
                "radix {radix}, {len} digits"
            );
        }
    }

    #[test]
    fn refuses_what_num_bigint_refuses() {
        let long = "7".repeat(DIRECT_DIGITS + 10);
        for bad in [
            format!("_{long}"),
            format!("--{long}"),
            format!("-+{long}"),
            format!("++{long}"),
            format!("{long}x"),
            format!("{long}9a"),
            format!("{long} "),
        ] {
            let want = BigInt::from_str_radix(&bad, 10).ok();
            assert_eq!(parse_int(&bad, 10), want, "{}", &bad[..3]);
            assert_eq!(want, None);
        }
        assert_eq!(parse_int("", 10), None);
        assert_eq!(parse_int("12", 1), None);
        assert_eq!(parse_int("12", 37), None);
        // leading zeros, a single chunk, exactly whole chunks
        for n in [DIRECT_DIGITS + 1, 19 * 200, 19 * 256] {
            let s = format!("{}1{}", "0".repeat(n), "0".repeat(n));
            assert_eq!(parse_int(&s, 10), BigInt::from_str_radix(&s, 10).ok());
        }
    }
}
