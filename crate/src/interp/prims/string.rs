//! String, Symbol and Character primitives: comparison, hashing,
//! searching, case, conversions between Strings, Symbols, Numbers and
//! Characters. A String's characters are Latin-1 bytes (ByteString,
//! ByteSymbol) or code points (WideString, WideSymbol); every primitive
//! here takes either form, and equal text is equal (and hashes alike)
//! in both, as in Squeak 6.

use super::PrimResult::{self, *};
use super::{room_for, Args, Vm};
use crate::object::text::{char_or_replacement, Text};
use crate::object::{Body, Value};
use std::cmp::Ordering;

/// The text of a String (byte or wide, Symbols included), not of a
/// ByteArray.
fn string_text(vm: &Vm, v: Value) -> Option<Text<'_>> {
    if !v.is_obj() {
        return None;
    }
    let c = vm.class_of(v);
    if !vm.inherits_from(c, vm.known.string) {
        return None;
    }
    vm.text_of(v)
}

/// The number of arguments a selector (a Symbol) takes.
pub(super) fn selector_arity(vm: &Vm, sel: Value) -> Option<usize> {
    let s = vm.text_of(sel)?;
    if s.is_empty() {
        return None;
    }
    let colons = s.iter().filter(|&c| c == b':' as u32).count();
    let first = char_or_replacement(s.at(0));
    if colons > 0 {
        Some(colons)
    } else if first.is_alphabetic() || first == '_' {
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

/// The Latin-1 upper case of a byte (what a ByteString's letters become:
/// ÿ and µ, whose capitals are not Latin-1, stay).
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

/// A code point's simple (one to one) Unicode mapping by `f`, or itself
/// when it maps to several characters (ß to SS) or is no character.
fn simple_case(code: u32, f: fn(char) -> Option<char>) -> u32 {
    match char::from_u32(code).and_then(f) {
        Some(m) => m as u32,
        None => code,
    }
}

fn single<I: Iterator<Item = char>>(mut it: I) -> Option<char> {
    match (it.next(), it.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The Unicode upper case of a code point (one to one).
pub(super) fn upper_code(code: u32) -> u32 {
    simple_case(code, |c| single(c.to_uppercase()))
}

/// The Unicode lower case of a code point (one to one).
pub(super) fn lower_code(code: u32) -> u32 {
    simple_case(code, |c| single(c.to_lowercase()))
}

/// The case-folded form comparisons ignoring case use: Latin-1's lower
/// case below 256 (as a ByteString's), Unicode's above.
fn fold(code: u32) -> u32 {
    if code < 256 {
        lower(code as u8) as u32
    } else {
        lower_code(code)
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

/// Character `asUppercase`: Unicode's one-to-one mapping.
pub(super) fn char_as_uppercase(_: &mut Vm, c: Args) -> PrimResult {
    match c.r.as_char() {
        Some(ch) => Value(Value::char(upper_code(ch))),
        None => Fail,
    }
}

/// Character `asLowercase`: Unicode's one-to-one mapping.
pub(super) fn char_as_lowercase(_: &mut Vm, c: Args) -> PrimResult {
    match c.r.as_char() {
        Some(ch) => Value(Value::char(lower_code(ch))),
        None => Fail,
    }
}

/// A Unicode property of a Character: the argument 1 letter, 2 upper
/// case, 3 lower case.
pub(super) fn char_is(_: &mut Vm, c: Args) -> PrimResult {
    let (Some(code), Some(which)) = (c.r.as_char(), c.a0.as_int()) else {
        return Fail;
    };
    let Some(ch) = char::from_u32(code) else {
        return Value(Value::FALSE);
    };
    Value(Value::bool(match which {
        1 => ch.is_alphabetic(),
        2 => ch.is_uppercase(),
        3 => ch.is_lowercase(),
        4 => is_decimal_digit(code),
        _ => return Fail,
    }))
}

/// The first code point of each run of ten decimal digits (Unicode's
/// general category Nd, from UnicodeData 14.0: every Nd character is one of
/// these zeros plus 0 to 9).
const ND_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// Whether a code point is a decimal digit (general category Nd), as
/// Squeak 6's `Unicode isDigit:`.
fn is_decimal_digit(code: u32) -> bool {
    let i = ND_ZEROS.partition_point(|&z| z <= code);
    i > 0 && code - ND_ZEROS[i - 1] < 10
}

pub(super) fn compare(vm: &mut Vm, c: Args) -> PrimResult {
    match (vm.text_of(c.r), vm.text_of(c.a0)) {
        (Some(Text::Bytes(x)), Some(Text::Bytes(y))) => order(x.cmp(y)),
        (Some(x), Some(y)) => order(x.iter().cmp(y.iter())),
        _ => Fail,
    }
}

/// Whether two texts hold the same code points.
pub(super) fn same_text(x: Text, y: Text) -> bool {
    match (x, y) {
        (Text::Bytes(a), Text::Bytes(b)) => a == b,
        (Text::Words(a), Text::Words(b)) => a == b,
        _ => x.len() == y.len() && x.iter().eq(y.iter()),
    }
}

pub(super) fn eq(vm: &mut Vm, c: Args) -> PrimResult {
    match (vm.text_of(c.r), vm.text_of(c.a0)) {
        (Some(x), Some(y)) => {
            let ca = vm.class_of(c.r);
            let cb = vm.class_of(c.a0);
            let both_text =
                vm.inherits_from(ca, vm.known.string) == vm.inherits_from(cb, vm.known.string);
            Value(Value::bool(both_text && same_text(x, y)))
        }
        (Some(_), None) => Value(Value::FALSE),
        _ => Fail,
    }
}

pub(super) fn hash(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.text_of(c.r) {
        Some(t) => Value(Value::small(text_hash(t))),
        None => Fail,
    }
}

/// The hash of a String's (or byte object's) characters: FNV-1a over
/// the code points, folded into 28 bits; the same for a ByteString and
/// a WideString of the same characters.
pub(super) fn text_hash(t: Text) -> i64 {
    fn fnv<I: Iterator<Item = u64>>(codes: I) -> i64 {
        let mut h: u64 = 0xcbf29ce484222325;
        for code in codes {
            h ^= code;
            h = h.wrapping_mul(0x100000001b3);
        }
        (h & 0x0FFF_FFFF) as i64
    }
    // one loop per form: this hashes every String key of a Dictionary
    match t {
        Text::Bytes(b) => fnv(b.iter().map(|&x| x as u64)),
        Text::Words(w) => fnv(w.iter().map(|&x| x as u64)),
    }
}

/// The Symbol spelled by a String (a WideSymbol when it has characters
/// beyond Latin-1); fails for one holding a surrogate code point, which
/// no selector or Rust text can spell.
pub(super) fn as_symbol(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.text_of(c.r) {
        Some(t) if t.is_scalar() => {
            let s = t.to_string_lossy();
            Value(vm.intern(&s))
        }
        _ => Fail,
    }
}

/// A new String with the receiver's characters, in its form: a
/// ByteString from bytes, a WideString from words.
pub(super) fn symbol_as_string(vm: &mut Vm, c: Args) -> PrimResult {
    let (class, body) = match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Bytes(b)) => (vm.known.byte_string, Body::Bytes(b.clone())),
        Some(Body::Words(w)) => (vm.known.wide_string, Body::Words(w.clone())),
        _ => return Fail,
    };
    Value(vm.heap.alloc(class, body))
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
    let (hay, needle) = match (string_text(vm, c.r), string_text(vm, c.a0)) {
        (Some(h), Some(nd)) => (h, nd),
        _ => return Fail,
    };
    if needle.is_empty() || start >= hay.len() || needle.len() > hay.len() - start {
        return Value(Value::small(0));
    }
    let found = match (hay, needle) {
        (Text::Bytes(h), Text::Bytes(n)) => h[start..].windows(n.len()).position(|w| w == n),
        _ => (start..=hay.len() - needle.len())
            .position(|p| (0..needle.len()).all(|k| hay.at(p + k) == needle.at(k))),
    };
    Value(Value::small(
        found.map(|p| (p + start + 1) as i64).unwrap_or(0),
    ))
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
    let hay = match string_text(vm, c.r) {
        Some(h) => h,
        None => return Fail,
    };
    if start >= hay.len() {
        return Value(Value::small(0));
    }
    let found = match hay {
        Text::Bytes(_) if ch > 255 => None,
        Text::Bytes(b) => b[start..].iter().position(|&x| x as u32 == ch),
        Text::Words(w) => w[start..].iter().position(|&x| x == ch),
    };
    Value(Value::small(
        found.map(|p| (p + start + 1) as i64).unwrap_or(0),
    ))
}

/// `ByteString>>becomeWideString`: the receiver becomes, in place, a
/// WideString of the same characters, so that every reference to it sees
/// the wide form (Squeak's `self becomeForward: (WideString from: self)`,
/// with the identity hash kept). A WideString answers itself; a Symbol
/// or anything but a String fails.
pub(super) fn become_wide(vm: &mut Vm, c: Args) -> PrimResult {
    let class = vm.class_of(c.r);
    if !vm.inherits_from(class, vm.known.string) || vm.inherits_from(class, vm.known.symbol) {
        return Fail;
    }
    let size = match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Bytes(b)) => b.len(),
        Some(Body::Words(_)) => return Value(c.r),
        _ => return Fail,
    };
    if let Err(no_room) = room_for(vm, size * 4) {
        return no_room;
    }
    let words = match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Bytes(b)) => b.iter().map(|&x| x as u32).collect(),
        _ => return Fail,
    };
    vm.heap.morph(c.r, vm.known.wide_string, Body::Words(words));
    Value(c.r)
}

/// `squeakToUtf8`: a ByteString of the receiver's characters in UTF-8
/// (a surrogate code point as U+FFFD).
pub(super) fn to_utf8(vm: &mut Vm, c: Args) -> PrimResult {
    let Some(s) = string_text(vm, c.r).map(|t| t.to_string_lossy()) else {
        return Fail;
    };
    if let Err(no_room) = room_for(vm, s.len()) {
        return no_room;
    }
    Value(
        vm.heap
            .alloc(vm.known.byte_string, Body::Bytes(s.into_bytes())),
    )
}

/// `utf8ToSqueak`: the String a ByteString's (or ByteArray's) bytes spell
/// in UTF-8, byte or wide; a byte sequence that is not UTF-8 gives U+FFFD.
pub(super) fn from_utf8(vm: &mut Vm, c: Args) -> PrimResult {
    let s = match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        _ => return Fail,
    };
    if let Err(no_room) = room_for(vm, s.len() * 4) {
        return no_room;
    }
    Value(vm.new_string(&s))
}

/// A new String of the receiver's characters mapped: a ByteString's by
/// `bytes` (Latin-1), a WideString's by `codes` (Unicode), each keeping
/// its form.
fn map_case(vm: &mut Vm, c: Args, bytes: fn(u8) -> u8, codes: fn(u32) -> u32) -> PrimResult {
    let (class, body) = match string_text(vm, c.r) {
        Some(Text::Bytes(b)) => (
            vm.known.byte_string,
            Body::Bytes(b.iter().map(|&x| bytes(x)).collect()),
        ),
        Some(Text::Words(w)) => (
            vm.known.wide_string,
            Body::Words(w.iter().map(|&x| codes(x)).collect()),
        ),
        None => return Fail,
    };
    let size = match &body {
        Body::Bytes(b) => b.len(),
        Body::Words(w) => w.len() * 4,
        _ => 0,
    };
    if vm.heap.would_exceed(size) {
        return Fail;
    }
    Value(vm.heap.alloc(class, body))
}

pub(super) fn as_uppercase(vm: &mut Vm, c: Args) -> PrimResult {
    map_case(vm, c, upper, upper_code)
}

pub(super) fn as_lowercase(vm: &mut Vm, c: Args) -> PrimResult {
    map_case(vm, c, lower, lower_code)
}

pub(super) fn compare_ignoring_case(vm: &mut Vm, c: Args) -> PrimResult {
    match (string_text(vm, c.r), string_text(vm, c.a0)) {
        (Some(x), Some(y)) => order(x.iter().map(fold).cmp(y.iter().map(fold))),
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
        Tok::Scaled { num, den, scale } => {
            let num = if neg { -num.clone() } else { num.clone() };
            vm.literal_value(&crate::syntax::ast::Literal::Scaled {
                num,
                den: den.clone(),
                scale: *scale,
            })
        }
        _ => Value::NIL,
    }
}
