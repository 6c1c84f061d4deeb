//! Named primitives for collections, strings, symbols and streams.
//!
//! Index of a name: `BASE + position in NAMED`. Same contract as
//! [`super`]: answer a value, fail (the Smalltalk fallback runs),
//! or `Done`; never panic.

use super::PrimResult;
use crate::interp::Vm;
use crate::object::{Body, Value};

pub const BASE: u16 = 3000;

pub const NAMED: &[&str] = &[
    // String receiver, String arg, SmallInteger start: 1-based index of the
    // first occurrence of arg at or after start, or 0
    "stringIndexOfSubstring",
    // String receiver, Character arg, SmallInteger start: 1-based index of
    // the character at or after start, or 0
    "stringIndexOfChar",
    // String receiver: a new ByteString, Latin-1 letters upper-cased
    "stringAsUppercase",
    // String receiver: a new ByteString, Latin-1 letters lower-cased
    "stringAsLowercase",
    // String receiver, String arg: 1/2/3 (before/equal/after), case ignored
    "stringCompareIgnoringCase",
];

/// The bytes of a String (ByteString or ByteSymbol), not of a ByteArray.
fn string_bytes(vm: &Vm, v: Value) -> Option<&[u8]> {
    if !v.is_obj() {
        return None;
    }
    let c = vm.class_of(v);
    if !vm.inherits_from(c, vm.k.string) {
        return None;
    }
    match vm.heap.try_get(v).map(|o| &o.body) {
        Some(Body::Bytes(b)) => Some(b),
        _ => None,
    }
}

fn upper(c: u8) -> u8 {
    if c.is_ascii_lowercase() || ((224..=254).contains(&c) && c != 247) {
        c - 32
    } else {
        c
    }
}

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

/// Runs named primitive `name` on receiver `r` with `args` (the
/// receiver and arguments are also still on the stack: `vm.stack[n -
/// args.len() - 1..]`).
pub fn call(vm: &mut Vm, name: &str, r: Value, args: &[Value], n: usize) -> PrimResult {
    let _ = n;
    let a0 = args.first().copied().unwrap_or(Value::NIL);
    let a1 = args.get(1).copied().unwrap_or(Value::NIL);
    match name {
        "stringIndexOfSubstring" => {
            let start = match start_index(a1) {
                Some(s) => s,
                None => return PrimResult::Fail,
            };
            let (hay, needle) = match (string_bytes(vm, r), string_bytes(vm, a0)) {
                (Some(h), Some(nd)) => (h, nd),
                _ => return PrimResult::Fail,
            };
            if needle.is_empty() || start >= hay.len() || needle.len() > hay.len() - start {
                return PrimResult::Value(Value::small(0));
            }
            let found = hay[start..]
                .windows(needle.len())
                .position(|w| w == needle)
                .map(|p| (p + start + 1) as i64)
                .unwrap_or(0);
            PrimResult::Value(Value::small(found))
        }
        "stringIndexOfChar" => {
            let start = match start_index(a1) {
                Some(s) => s,
                None => return PrimResult::Fail,
            };
            let ch = match a0.as_char() {
                Some(c) => c,
                None => return PrimResult::Fail,
            };
            let hay = match string_bytes(vm, r) {
                Some(h) => h,
                None => return PrimResult::Fail,
            };
            if ch > 255 || start >= hay.len() {
                return PrimResult::Value(Value::small(0));
            }
            let found = hay[start..]
                .iter()
                .position(|&b| b as u32 == ch)
                .map(|p| (p + start + 1) as i64)
                .unwrap_or(0);
            PrimResult::Value(Value::small(found))
        }
        "stringAsUppercase" | "stringAsLowercase" => {
            let bytes: Vec<u8> = match string_bytes(vm, r) {
                Some(b) => {
                    if name == "stringAsUppercase" {
                        b.iter().map(|&c| upper(c)).collect()
                    } else {
                        b.iter().map(|&c| lower(c)).collect()
                    }
                }
                None => return PrimResult::Fail,
            };
            if vm.heap.would_exceed(bytes.len()) {
                return PrimResult::Fail;
            }
            PrimResult::Value(vm.heap.alloc(vm.k.byte_string, Body::Bytes(bytes)))
        }
        "stringCompareIgnoringCase" => match (string_bytes(vm, r), string_bytes(vm, a0)) {
            (Some(x), Some(y)) => {
                let xs = x.iter().map(|&c| lower(c));
                let ys = y.iter().map(|&c| lower(c));
                PrimResult::Value(Value::small(match xs.cmp(ys) {
                    std::cmp::Ordering::Less => 1,
                    std::cmp::Ordering::Equal => 2,
                    std::cmp::Ordering::Greater => 3,
                }))
            }
            _ => PrimResult::Fail,
        },
        _ => PrimResult::Fail,
    }
}
