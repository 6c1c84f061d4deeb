//! Integer primitives: SmallInteger and LargeInteger arithmetic,
//! comparison and bit operations (Squeak's 1-17, 20, 40), printing,
//! parsing, hashing and primality; and the VM's conversions between
//! Integer values and `BigInt`.

use super::PrimResult::{self, *};
use super::{out_of_memory, room_for};
use super::{Args, Vm};
use crate::bytecode::arith::arith_small;
use crate::bytecode::Arith;
use crate::object::large;
use crate::object::{Body, Bytes, Value};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

impl Vm {
    /// An Integer value from a BigInt (SmallInteger when it fits).
    pub fn int_from_big(&mut self, n: BigInt) -> Value {
        if let Some(i) = n.to_i64() {
            if let Some(v) = Value::int(i) {
                return v;
            }
        }
        let class = if n.is_negative() {
            self.known.large_negative
        } else {
            self.known.large_positive
        };
        self.heap.alloc(class, Body::Large(Box::new(n)))
    }

    /// An Integer value from an i128 (SmallInteger when it fits).
    pub fn int_from_i128(&mut self, n: i128) -> Value {
        if let Ok(i) = i64::try_from(n) {
            if let Some(v) = Value::int(i) {
                return v;
            }
        }
        self.int_from_big(BigInt::from(n))
    }

    /// Any Integer as a BigInt.
    pub fn to_big(&self, v: Value) -> Option<BigInt> {
        if let Some(i) = v.as_int() {
            return Some(BigInt::from(i));
        }
        match self.heap.try_get(v).map(|o| &o.body) {
            Some(Body::Large(b)) => Some((**b).clone()),
            _ => None,
        }
    }
}

/// The receiver and argument when both are SmallIntegers: the operations
/// below answer those without making BigInts of them (an allocation
/// each), and fall back on BigInts when the result is not a SmallInteger.
fn small_pair(c: &Args) -> Option<(i64, i64)> {
    Some((c.r.as_int()?, c.a0.as_int()?))
}

/// Runs `op` on the receiver and argument as BigInts; fails unless both
/// are Integers and `op` answers.
fn binary(
    vm: &mut Vm,
    c: Args,
    op: impl FnOnce(&mut Vm, BigInt, BigInt) -> Option<Value>,
) -> PrimResult {
    match (vm.to_big(c.r), vm.to_big(c.a0)) {
        (Some(x), Some(y)) => op(vm, x, y).map_or(Fail, Value),
        _ => Fail,
    }
}

pub(super) fn add(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |vm, x, y| Some(vm.int_from_big(x + y)))
}

pub(super) fn sub(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |vm, x, y| Some(vm.int_from_big(x - y)))
}

pub(super) fn lt(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |_, x, y| Some(Value::bool(x < y)))
}

pub(super) fn gt(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |_, x, y| Some(Value::bool(x > y)))
}

pub(super) fn le(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |_, x, y| Some(Value::bool(x <= y)))
}

pub(super) fn ge(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |_, x, y| Some(Value::bool(x >= y)))
}

pub(super) fn eq(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |_, x, y| Some(Value::bool(x == y)))
}

pub(super) fn ne(vm: &mut Vm, c: Args) -> PrimResult {
    binary(vm, c, |_, x, y| Some(Value::bool(x != y)))
}

/// Bytes of the largest LargeInteger a product may be (64 Mbit). A
/// multiplication beyond one step's work is made in steps
/// (`Integer>>timesInSteps:`), so the bound is on memory, not time.
pub const MAX_LARGE_BYTES: u64 = 8 << 20;

/// The bytes the product of `x` and `y` takes, as the heap counts it
/// (known before it is computed).
fn product_bytes(x: &BigInt, y: &BigInt) -> u64 {
    (x.bits() + y.bits()) / 8 + 32
}

pub(super) fn mul(vm: &mut Vm, c: Args) -> PrimResult {
    let (Some(x), Some(y)) = (vm.to_big(c.r), vm.to_big(c.a0)) else {
        return Fail;
    };
    // the product's size is known before it is computed: one too large
    // for a primitive or for the heap fails first, and the fallback
    // signals OutOfMemory (`Integer>>*`)
    let bytes = product_bytes(&x, &y);
    let room = if bytes > MAX_LARGE_BYTES {
        // (collecting gives back a reserve lent before)
        vm.collect_garbage();
        Err(out_of_memory(vm))
    } else {
        room_for(vm, bytes as usize)
    };
    match room {
        // more work than one step: the fallback makes the product from
        // smaller ones (`Integer>>timesInSteps:`)
        Ok(()) if !within_step(vm, large::mul_work(&x, &y)) => Fail,
        Ok(()) => Value(vm.int_from_big(x * y)),
        Err(no_room) => no_room,
    }
}

/// Whether the product of two Integers fits in memory (in one
/// LargeInteger, and in the heap as it is now) but is more work than one
/// step: what `Integer>>*` asks when its primitive fails.
pub(super) fn mul_in_steps(vm: &mut Vm, c: Args) -> PrimResult {
    let (Some(x), Some(y)) = (vm.to_big(c.r), vm.to_big(c.a0)) else {
        return Fail;
    };
    let bytes = product_bytes(&x, &y);
    let fits = bytes <= MAX_LARGE_BYTES && !vm.heap.would_exceed(bytes as usize);
    Value(Value::bool(fits && large::mul_work(&x, &y) > vm.large_step))
}

/// Whether `work` fits in one step ([`STEP_WORK`](large::STEP_WORK), or
/// `Vm::large_step`); if so, the running program owes its fuel.
fn within_step(vm: &mut Vm, work: u64) -> bool {
    if work > vm.large_step {
        return false;
    }
    vm.heap.owe(large::fuel_for(work));
    true
}

/// Runs a division `op` of the receiver by the argument, which must be
/// Integers, the argument not zero and the work one step
/// (`large::division_work`): otherwise the method's code signals
/// ZeroDivide, or an ArithmeticError naming the limit
/// (`Integer>>divisionTooLarge:`).
fn division(
    vm: &mut Vm,
    c: Args,
    op: impl FnOnce(&mut Vm, BigInt, BigInt) -> Option<Value>,
) -> PrimResult {
    binary(vm, c, |vm, x, y| {
        if y.is_zero() || !within_step(vm, large::division_work(&x, &y)) {
            return None;
        }
        op(vm, x, y)
    })
}

pub(super) fn div_exact(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some((x, y)) = small_pair(&c) {
        if y != 0 && x % y == 0 {
            if let Some(v) = x.checked_div(y).and_then(Value::int) {
                return Value(v);
            }
        }
    }
    division(vm, c, |vm, x, y| {
        if !(&x % &y).is_zero() {
            return None;
        }
        Some(vm.int_from_big(x / y))
    })
}

pub(super) fn modulo(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some(v) = small_pair(&c).and_then(|(x, y)| arith_small(Arith::Mod, x, y)) {
        return Value(v);
    }
    division(vm, c, |vm, x, y| Some(vm.int_from_big(x.mod_floor(&y))))
}

pub(super) fn div_floor(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some(v) = small_pair(&c).and_then(|(x, y)| arith_small(Arith::Div, x, y)) {
        return Value(v);
    }
    division(vm, c, |vm, x, y| Some(vm.int_from_big(x.div_floor(&y))))
}

pub(super) fn quo(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some(v) = small_pair(&c).and_then(|(x, y)| x.checked_div(y).and_then(Value::int)) {
        return Value(v);
    }
    division(vm, c, |vm, x, y| Some(vm.int_from_big(x / y)))
}

pub(super) fn rem(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some(v) = small_pair(&c).and_then(|(x, y)| x.checked_rem(y).and_then(Value::int)) {
        return Value(v);
    }
    division(vm, c, |vm, x, y| Some(vm.int_from_big(x % y)))
}

pub(super) fn bit_and(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some((x, y)) = small_pair(&c) {
        return Value(Value::small(x & y));
    }
    binary(vm, c, |vm, x, y| Some(vm.int_from_big(x & y)))
}

pub(super) fn bit_or(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some((x, y)) = small_pair(&c) {
        return Value(Value::small(x | y));
    }
    binary(vm, c, |vm, x, y| Some(vm.int_from_big(x | y)))
}

pub(super) fn bit_xor(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some((x, y)) = small_pair(&c) {
        return Value(Value::small(x ^ y));
    }
    binary(vm, c, |vm, x, y| Some(vm.int_from_big(x ^ y)))
}

pub(super) fn bit_shift(vm: &mut Vm, c: Args) -> PrimResult {
    if let Some((x, s)) = small_pair(&c) {
        if s <= 0 {
            // (an arithmetic shift: past 63 places, 0 or -1)
            return Value(Value::small(x >> s.unsigned_abs().min(63)));
        }
        if s < 63 {
            let r = x << s;
            if r >> s == x {
                if let Some(v) = Value::int(r) {
                    return Value(v);
                }
            }
        }
    }
    binary(vm, c, |vm, x, y| {
        // (unsigned_abs: -2^63 is out of range, not an overflow)
        match y.to_i64().filter(|s| s.unsigned_abs() <= 1 << 24) {
            Some(s) if s >= 0 => Some(vm.int_from_big(x << s as usize)),
            Some(s) => Some(vm.int_from_big(x >> (-s) as usize)),
            // a shift right past every bit leaves the sign, as Squeak
            // answers (and as the SmallInteger path above does); one
            // left that far is refused (the primitive fails)
            None if y.is_negative() => Some(Value::small(if x.is_negative() { -1 } else { 0 })),
            None => None,
        }
    })
}

pub(super) fn as_float(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_big(c.r).and_then(|b| b.to_f64()) {
        Some(f) => Value(vm.new_float(f)),
        None => Fail,
    }
}

/// The largest LargeInteger printed in a base that is not a power of two
/// (4 Mbit, about 1.26 million decimal digits: half a second here; twice
/// the bits take three times as long).
pub const MAX_PRINT_BITS: u64 = 1 << 22;

pub(super) fn print_base(vm: &mut Vm, c: Args) -> PrimResult {
    let base = if c.argc > 0 {
        c.a0.as_int().unwrap_or(10)
    } else {
        10
    };
    if !(2..=36).contains(&base) {
        return Fail;
    }
    // a SmallInteger's digits without a BigInt (the common case:
    // printString, printOn:, Transcript show: n printString)
    if let Some(i) = c.r.as_int() {
        let mut buf = [0u8; 65];
        let digits = small_digits_in(i, base as u64, &mut buf);
        return Value(
            vm.heap
                .alloc(vm.known.byte_string, Body::Bytes(Bytes::from_slice(digits))),
        );
    }
    match vm.to_big(c.r) {
        // digits in a base that is not a power of two take more than
        // linear time: a primitive that may not take seconds fails
        Some(b) if !(base as u64).is_power_of_two() && b.bits() > MAX_PRINT_BITS => Fail,
        Some(b) => {
            if !(base as u64).is_power_of_two() {
                vm.heap.owe(large::fuel_for(large::print_work(&b)));
            }
            let s = b.to_str_radix(base as u32).to_uppercase();
            Value(vm.new_string(&s))
        }
        None => Fail,
    }
}

/// The digits of `i` in `base` (2..=36), upper-case, with a leading `-`.
#[cfg(test)]
fn small_digits(i: i64, base: u64) -> String {
    let mut buf = [0u8; 65];
    String::from_utf8_lossy(small_digits_in(i, base, &mut buf)).into_owned()
}

/// The same in `buf`, whose end they take: no allocation.
fn small_digits_in(i: i64, base: u64, buf: &mut [u8; 65]) -> &[u8] {
    let mut n = i.unsigned_abs();
    let mut at = buf.len();
    // (a constant divisor is a multiplication)
    if base == 10 {
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
    } else {
        loop {
            at -= 1;
            buf[at] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(n % base) as usize];
            n /= base;
            if n == 0 {
                break;
            }
        }
    }
    if i < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// Fails beyond [`STEP_WORK`](large::STEP_WORK): `Integer>>gcd:` then goes on by Euclid's
/// algorithm in Smalltalk, a remainder at a time.
pub(super) fn gcd(vm: &mut Vm, c: Args) -> PrimResult {
    match (vm.to_big(c.r), vm.to_big(c.a0)) {
        (Some(x), Some(y)) if within_step(vm, large::gcd_work(&x, &y)) => {
            Value(vm.int_from_big(x.gcd(&y)))
        }
        _ => Fail,
    }
}

pub(super) fn high_bit(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_big(c.r) {
        Some(x) => Value(Value::small(x.bits() as i64)),
        None => Fail,
    }
}

/// Fails beyond [`STEP_WORK`](large::STEP_WORK): `Integer>>sqrtFloor` then goes on by
/// Newton's iteration in Smalltalk, a division at a time.
pub(super) fn sqrt_floor(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_big(c.r) {
        Some(x) if !x.is_negative() && within_step(vm, large::sqrt_work(&x)) => {
            Value(vm.int_from_big(x.sqrt()))
        }
        _ => Fail,
    }
}

pub(super) fn from_string(vm: &mut Vm, c: Args) -> PrimResult {
    let s = match vm.str_of(c.r) {
        Some(s) => s,
        None => return Fail,
    };
    let base = c.a0.as_int().unwrap_or(10);
    if !(2..=36).contains(&base) {
        return Fail;
    }
    vm.heap.owe(large::fuel_for(large::parse_work(s.len())));
    match large::parse_int(s.trim(), base as u32) {
        Some(b) => Value(vm.int_from_big(b)),
        None => Value(Value::NIL),
    }
}

pub(super) fn hash(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.to_big(c.r) {
        Some(b) => {
            if let Some(i) = b.to_i64() {
                if let Some(v) = Value::int(i) {
                    return Value(v);
                }
            }
            let (sign, bytes) = b.to_bytes_le();
            let mut h: u64 = 0xcbf29ce484222325;
            for byte in bytes {
                h ^= byte as u64;
                h = h.wrapping_mul(0x100000001b3);
            }
            if sign == num_bigint::Sign::Minus {
                h = !h;
            }
            Value(Value::small((h & 0x0FFF_FFFF) as i64))
        }
        None => Fail,
    }
}

/// Beyond [`STEP_WORK`](large::STEP_WORK) it answers what a step can
/// decide: false for a multiple of a base, or for a number the first
/// base proves composite (as it does most composites), if one round fits
/// the bound; otherwise it fails, and `Integer>>isProbablyPrime` runs the
/// same test in Smalltalk, a square at a time.
pub(super) fn is_probably_prime(vm: &mut Vm, c: Args) -> PrimResult {
    let Some(n) = vm.to_big(c.r) else {
        return Fail;
    };
    let work = large::prime_work(&n);
    if within_step(vm, work) {
        return Value(Value::bool(probably_prime(&n)));
    }
    if let Some(answer) = by_trial_division(&n) {
        return Value(Value::bool(answer));
    }
    if within_step(vm, work / BASES.len() as u64) && !strong_probable_prime(&n, BASES[0]) {
        return Value(Value::FALSE);
    }
    Fail
}

/// Miller-Rabin's bases: the first 20 primes.
const BASES: [u32; 20] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
];

/// Miller-Rabin with the first prime bases: exact for n < 3.3e24, and
/// wrong with probability below 4^-20 beyond.
fn probably_prime(n: &BigInt) -> bool {
    by_trial_division(n).unwrap_or_else(|| BASES.iter().all(|&a| strong_probable_prime(n, a)))
}

/// What trying the bases as divisors decides: below 2 false, a base
/// true, a multiple of one false; `None` for any other number.
fn by_trial_division(n: &BigInt) -> Option<bool> {
    if n < &BigInt::from(2) {
        return Some(false);
    }
    for &p in BASES.iter() {
        let p = BigInt::from(p);
        if n == &p {
            return Some(true);
        }
        if (n % &p).is_zero() {
            return Some(false);
        }
    }
    None
}

/// Whether odd `n` (past the bases) is a strong probable prime to base
/// `a`: with n - 1 = d * 2^s, d odd, a^d is 1 or one of a^(d 2^r) is
/// n - 1.
fn strong_probable_prime(n: &BigInt, a: u32) -> bool {
    let one = BigInt::one();
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s as usize;
    let mut x = BigInt::from(a).modpow(&d, n);
    if x == one || x == n1 {
        return true;
    }
    for _ in 1..s {
        x = (&x * &x) % n;
        if x == n1 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_digits_agree_with_bigint() {
        use crate::object::value::{SMALL_MAX, SMALL_MIN};
        for i in [0, 1, -1, 7, -255, 1 << 40, SMALL_MAX, SMALL_MIN, 123456789] {
            for base in 2..=36u32 {
                let want = BigInt::from(i).to_str_radix(base).to_uppercase();
                assert_eq!(small_digits(i, base as u64), want, "{i} base {base}");
            }
        }
    }

    #[test]
    fn primality() {
        let p = |n: i64| probably_prime(&BigInt::from(n));
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
        assert!(probably_prime(&m89));
        assert!(!probably_prime(&(&m89 + 2)));
    }
}
