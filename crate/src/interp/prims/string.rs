//! String, Symbol and Character primitives: comparison, hashing,
//! searching, case, conversions between Strings, Symbols, Numbers and
//! Characters. Strings are bytes (Latin-1).

use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::object::{Body, Value};
use std::cmp::Ordering;

/// The bytes of a byte object (String, Symbol or ByteArray).
fn bytes_of(vm: &Vm, v: Value) -> Option<&[u8]> {
    match vm.heap.try_get(v).map(|o| &o.body) {
        Some(Body::Bytes(b)) => Some(b),
        _ => None,
    }
}

/// The bytes of a String (ByteString or ByteSymbol), not of a ByteArray.
fn string_bytes(vm: &Vm, v: Value) -> Option<&[u8]> {
    if !v.is_obj() {
        return None;
    }
    let c = vm.class_of(v);
    if !vm.inherits_from(c, vm.known.string) {
        return None;
    }
    bytes_of(vm, v)
}

/// The number of arguments a selector (a Symbol) takes.
pub(super) fn selector_arity(vm: &Vm, sel: Value) -> Option<usize> {
    let s = bytes_of(vm, sel)?;
    if s.is_empty() {
        return None;
    }
    let colons = s.iter().filter(|&&c| c == b':').count();
    if colons > 0 {
        Some(colons)
    } else if s[0].is_ascii_alphabetic() || s[0] == b'_' {
        Some(0)
    } else {
        Some(1)
    }
}

/// An ordering as Smalltalk's comparison primitives answer it: 1, 2 or 3.
fn order(o: Ordering) -> PrimResult {
    Value(Value::small(match o {
        Ordering::Less => 1,
        Ordering::Equal => 2,
        Ordering::Greater => 3,
    }))
}

/// The Latin-1 upper case of a byte.
fn upper(c: u8) -> u8 {
    if c.is_ascii_lowercase() || ((224..=254).contains(&c) && c != 247) {
        c - 32
    } else {
        c
    }
}

/// The Latin-1 lower case of a byte.
fn lower(c: u8) -> u8 {
    if c.is_ascii_uppercase() || ((192..=222).contains(&c) && c != 215) {
        c + 32
    } else {
        c
    }
}

/// 0-based start from a 1-based SmallInteger start (must be >= 1).
fn start_index(v: Value) -> Option<usize> {
    match v.as_int() {
        Some(s) if s >= 1 => usize::try_from(s - 1).ok(),
        _ => None,
    }
}

pub(super) fn char_value(_: &mut Vm, c: Args) -> PrimResult {
    match c.a0.as_int() {
        Some(code) if (0..=0x10FFFF).contains(&code) => Value(Value::char(code as u32)),
        _ => Fail,
    }
}

pub(super) fn char_code(_: &mut Vm, c: Args) -> PrimResult {
    match c.r.as_char() {
        Some(ch) => Value(Value::small(ch as i64)),
        None => Fail,
    }
}

pub(super) fn compare(vm: &mut Vm, c: Args) -> PrimResult {
    match (bytes_of(vm, c.r), bytes_of(vm, c.a0)) {
        (Some(x), Some(y)) => order(x.cmp(y)),
        _ => Fail,
    }
}

pub(super) fn eq(vm: &mut Vm, c: Args) -> PrimResult {
    match (bytes_of(vm, c.r), bytes_of(vm, c.a0)) {
        (Some(x), Some(y)) => {
            let ca = vm.class_of(c.r);
            let cb = vm.class_of(c.a0);
            let both_text =
                vm.inherits_from(ca, vm.known.string) == vm.inherits_from(cb, vm.known.string);
            Value(Value::bool(both_text && x == y))
        }
        (Some(_), None) => Value(Value::FALSE),
        _ => Fail,
    }
}

pub(super) fn hash(vm: &mut Vm, c: Args) -> PrimResult {
    match bytes_of(vm, c.r) {
        Some(b) => Value(Value::small(fnv_hash(b))),
        None => Fail,
    }
}

/// The hash of a byte object: FNV-1a, folded into 28 bits.
pub(super) fn fnv_hash(b: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &byte in b {
        h ^= byte as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    (h & 0x0FFF_FFFF) as i64
}

pub(super) fn as_symbol(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.r) {
        Some(s) => Value(vm.intern(&s)),
        None => Fail,
    }
}

pub(super) fn symbol_as_string(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.r) {
        Some(s) => Value(vm.new_string(&s)),
        None => Fail,
    }
}

pub(super) fn symbol_flush(_: &mut Vm, c: Args) -> PrimResult {
    Value(c.r)
}

pub(super) fn as_number(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.str_of(c.r) {
        Some(s) => Value(parse_number(vm, s.trim())),
        None => Fail,
    }
}

pub(super) fn index_of_substring(vm: &mut Vm, c: Args) -> PrimResult {
    let start = match start_index(c.a1) {
        Some(s) => s,
        None => return Fail,
    };
    let (hay, needle) = match (string_bytes(vm, c.r), string_bytes(vm, c.a0)) {
        (Some(h), Some(nd)) => (h, nd),
        _ => return Fail,
    };
    if needle.is_empty() || start >= hay.len() || needle.len() > hay.len() - start {
        return Value(Value::small(0));
    }
    let found = hay[start..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| (p + start + 1) as i64)
        .unwrap_or(0);
    Value(Value::small(found))
}

pub(super) fn index_of_char(vm: &mut Vm, c: Args) -> PrimResult {
    let start = match start_index(c.a1) {
        Some(s) => s,
        None => return Fail,
    };
    let ch = match c.a0.as_char() {
        Some(ch) => ch,
        None => return Fail,
    };
    let hay = match string_bytes(vm, c.r) {
        Some(h) => h,
        None => return Fail,
    };
    if ch > 255 || start >= hay.len() {
        return Value(Value::small(0));
    }
    let found = hay[start..]
        .iter()
        .position(|&b| b as u32 == ch)
        .map(|p| (p + start + 1) as i64)
        .unwrap_or(0);
    Value(Value::small(found))
}

/// A new ByteString of the receiver's bytes mapped by `f`.
fn map_bytes(vm: &mut Vm, c: Args, f: fn(u8) -> u8) -> PrimResult {
    let bytes: Vec<u8> = match string_bytes(vm, c.r) {
        Some(b) => b.iter().map(|&byte| f(byte)).collect(),
        None => return Fail,
    };
    if vm.heap.would_exceed(bytes.len()) {
        return Fail;
    }
    Value(vm.heap.alloc(vm.known.byte_string, Body::Bytes(bytes)))
}

pub(super) fn as_uppercase(vm: &mut Vm, c: Args) -> PrimResult {
    map_bytes(vm, c, upper)
}

pub(super) fn as_lowercase(vm: &mut Vm, c: Args) -> PrimResult {
    map_bytes(vm, c, lower)
}

pub(super) fn compare_ignoring_case(vm: &mut Vm, c: Args) -> PrimResult {
    match (string_bytes(vm, c.r), string_bytes(vm, c.a0)) {
        (Some(x), Some(y)) => {
            let xs = x.iter().map(|&byte| lower(byte));
            let ys = y.iter().map(|&byte| lower(byte));
            order(xs.cmp(ys))
        }
        _ => Fail,
    }
}

/// Reads a number the way Smalltalk source writes it (`'-12' asNumber`,
/// `'1.5e3'`, `'16r1F'`); nil if the text is not a number.
fn parse_number(vm: &mut Vm, s: &str) -> Value {
    use crate::syntax::lexer::{Lexer, Tok};
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let toks = Lexer::tokenize(body);
    if toks.len() != 2 {
        return Value::NIL;
    }
    match &toks[0].tok {
        Tok::Integer(n) => {
            let n = if neg { -n.clone() } else { n.clone() };
            vm.int_from_big(n)
        }
        Tok::Float(f) => vm.new_float(if neg { -f } else { *f }),
        _ => Value::NIL,
    }
}
