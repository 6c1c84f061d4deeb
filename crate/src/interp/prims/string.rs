//! String, Symbol and Character primitives: comparison, hashing,
//! searching, case, conversions between Strings, Symbols, Numbers and
//! Characters. A String's characters are Latin-1 bytes (ByteString,
//! ByteSymbol) or code points (WideString, WideSymbol); every primitive
//! here takes either form, and equal text is equal (and hashes alike)
//! in both, as in Squeak 6.

use super::PrimResult::{self, *};
use super::{room_for, Args, Vm};
use crate::object::text::{char_or_replacement, Text};
use crate::object::{Body, Bytes, Heap, Obj, Value};
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

/// Character `asString`: a new String of the one character, a
/// ByteString in Latin-1, else a WideString (as `String with:` makes it,
/// in one step instead of five sends: tokenizers and parsers make one per
/// character they read).
pub(super) fn char_as_string(vm: &mut Vm, c: Args) -> PrimResult {
    match c.r.as_char() {
        Some(ch) if ch <= 0xFF => Value(vm.heap.alloc(
            vm.known.byte_string,
            Body::Bytes(Bytes::from_slice(&[ch as u8])),
        )),
        Some(ch) => Value(vm.heap.alloc(vm.known.wide_string, Body::Words(vec![ch]))),
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

/// How many leading elements two slices share, compared a block at a
/// time (at `memcmp`'s speed) so that the caller knows what it read.
fn common_prefix<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    const BLOCK: usize = 4096;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i < n {
        let end = (i + BLOCK).min(n);
        let (x, y) = (&a[i..end], &b[i..end]);
        if x != y {
            return i + x.iter().zip(y).take_while(|(p, q)| p == q).count();
        }
        i = end;
    }
    n
}

/// How many leading characters two texts share.
fn text_prefix(x: Text, y: Text) -> usize {
    match (x, y) {
        (Text::Bytes(a), Text::Bytes(b)) => common_prefix(a, b),
        (Text::Words(a), Text::Words(b)) => common_prefix(a, b),
        _ => x.iter().zip(y.iter()).take_while(|(p, q)| p == q).count(),
    }
}

/// The bytes of `x` and `y` read in comparing their first `chars`
/// characters (what [`Heap::charge`](crate::object::Heap::charge) is
/// given: comparing megabytes is not one instruction).
fn read_bytes(x: Text, y: Text, chars: usize) -> usize {
    chars.saturating_mul(x.width() + y.width())
}

pub(super) fn compare(vm: &mut Vm, c: Args) -> PrimResult {
    let (Some(x), Some(y)) = (vm.text_of(c.r), vm.text_of(c.a0)) else {
        return Fail;
    };
    let p = text_prefix(x, y);
    let o = if p < x.len() && p < y.len() {
        x.at(p).cmp(&y.at(p))
    } else {
        x.len().cmp(&y.len())
    };
    let read = read_bytes(x, y, p + 1);
    vm.heap.charge(read);
    order(o)
}

/// Whether two texts hold the same code points, and the bytes read to
/// tell.
pub(super) fn same_text(x: Text, y: Text) -> (bool, usize) {
    if x.len() != y.len() {
        return (false, 0);
    }
    let p = text_prefix(x, y);
    (p == x.len(), read_bytes(x, y, p + 1))
}

/// The longest byte strings `eq` compares without charging: reading
/// both costs less than one unit of fuel (`BYTES_PER_FUEL`).
const SHORT_EQ: usize = crate::object::heap::BYTES_PER_FUEL / 2 - 2;

/// The bytes of `x` and `y` if both are byte objects of one class (two
/// ByteStrings: the common case of `eq`).
#[inline(always)]
fn byte_pair<'a>(x: &'a Obj, y: &'a Obj) -> Option<(&'a [u8], &'a [u8])> {
    match (&x.body, &y.body) {
        (Body::Bytes(p), Body::Bytes(q)) if x.class == y.class => Some((p, q)),
        _ => None,
    }
}

/// Whether byte strings `p` and `q` are equal when that costs no fuel:
/// of different sizes, or of at most `SHORT_EQ` bytes (what is read,
/// twice the common prefix and one, is under a unit); `None` otherwise.
#[inline(always)]
fn short_bytes_eq(p: &[u8], q: &[u8]) -> Option<Value> {
    if p.len() != q.len() {
        return Some(Value::FALSE);
    }
    // (a loop: most are a few bytes, under a memcmp call)
    (p.len() <= SHORT_EQ).then(|| Value::bool(p.iter().zip(q).all(|(a, b)| a == b)))
}

/// `eq`'s answer for two byte objects of one class that costs no fuel
/// (`short_bytes_eq`); `None` for anything else. What a special `=` runs
/// when the method it finds is this primitive (`Vm::special_in_place`).
#[inline(always)]
pub(crate) fn eq_short(heap: &Heap, r: &Obj, a: Value) -> Option<Value> {
    byte_pair(r, heap.try_get(a)?).and_then(|(p, q)| short_bytes_eq(p, q))
}

pub(super) fn eq(vm: &mut Vm, c: Args) -> PrimResult {
    let pair = match (vm.heap.try_get(c.r), vm.heap.try_get(c.a0)) {
        (Some(x), Some(y)) => byte_pair(x, y),
        _ => None,
    };
    let Some((a, b)) = pair else {
        return eq_text(vm, c);
    };
    if let Some(v) = short_bytes_eq(a, b) {
        return Value(v);
    }
    // longer ones: charged for what is read
    let (p, n) = (common_prefix(a, b), a.len());
    vm.heap.charge((p + 1).saturating_mul(2));
    Value(Value::bool(p == n))
}

/// `eq` of anything but two byte objects of one class (kept out of line:
/// the common case saves registers).
#[cold]
#[inline(never)]
fn eq_text(vm: &mut Vm, c: Args) -> PrimResult {
    match (vm.text_of(c.r), vm.text_of(c.a0)) {
        (Some(x), Some(y)) => {
            let ca = vm.class_of(c.r);
            let cb = vm.class_of(c.a0);
            // (two Strings, or two ByteArrays, are the common case)
            let both_text = ca == cb
                || vm.inherits_from(ca, vm.known.string) == vm.inherits_from(cb, vm.known.string);
            let (same, read) = if both_text {
                same_text(x, y)
            } else {
                (false, 0)
            };
            vm.heap.charge(read);
            Value(Value::bool(same))
        }
        (Some(_), None) => Value(Value::FALSE),
        _ => Fail,
    }
}

pub(super) fn hash(vm: &mut Vm, c: Args) -> PrimResult {
    match vm.text_of(c.r) {
        Some(t) => {
            let (h, read) = (text_hash(t), t.len().saturating_mul(t.width()));
            vm.heap.charge(read);
            Value(Value::small(h))
        }
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
            // read, and hashed to look it up
            vm.heap.charge(s.len().saturating_mul(2));
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
    // the search's table, one word per character of the needle, takes
    // room the heap has (without it, the Smalltalk fallback searches)
    let table = needle.len().saturating_mul(4);
    if needle.len() > u32::MAX as usize || vm.heap.would_exceed(table) {
        return Fail;
    }
    let (found, scanned) = find(hay, needle, start);
    let read = scanned
        .saturating_mul(hay.width())
        .saturating_add(needle.len().saturating_mul(2 * needle.width()))
        .saturating_add(table);
    vm.heap.charge(read);
    Value(Value::small(found.map(|p| (p + 1) as i64).unwrap_or(0)))
}

/// The first index at or after `start` where `needle` (not empty, no
/// longer than what `hay` has from `start`) occurs in `hay`, and how many
/// characters of `hay` were read: Knuth-Morris-Pratt, linear in both
/// lengths whatever they hold (a plain search can take the product).
fn find(hay: Text, needle: Text, start: usize) -> (Option<usize>, usize) {
    let m = needle.len();
    // fail[k]: the length of the longest proper border of needle[..=k]
    let mut fail = vec![0u32; m];
    let mut k = 0usize;
    for q in 1..m {
        while k > 0 && needle.at(q) != needle.at(k) {
            k = fail[k - 1] as usize;
        }
        if needle.at(q) == needle.at(k) {
            k += 1;
        }
        fail[q] = k as u32;
    }
    let mut k = 0usize;
    for i in start..hay.len() {
        let ch = hay.at(i);
        while k > 0 && ch != needle.at(k) {
            k = fail[k - 1] as usize;
        }
        if ch == needle.at(k) {
            k += 1;
        }
        if k == m {
            return (Some(i + 1 - m), i + 1 - start);
        }
    }
    (None, hay.len() - start)
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
    let scanned = found.map(|p| p + 1).unwrap_or(hay.len() - start);
    let read = scanned.saturating_mul(hay.width());
    vm.heap.charge(read);
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
    Value(vm.heap.alloc(
        vm.known.byte_string,
        Body::Bytes(Bytes::from_vec(s.into_bytes())),
    ))
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
        (Some(x), Some(y)) => {
            let p = x
                .iter()
                .map(fold)
                .zip(y.iter().map(fold))
                .take_while(|(a, b)| a == b)
                .count();
            let o = if p < x.len() && p < y.len() {
                fold(x.at(p)).cmp(&fold(y.at(p)))
            } else {
                x.len().cmp(&y.len())
            };
            let read = read_bytes(x, y, p + 1);
            vm.heap.charge(read);
            order(o)
        }
        _ => Fail,
    }
}

/// Reads a number the way Smalltalk source writes it (`'-12' asNumber`,
/// `'1.5e3'`, `'16r1F'`); nil if the text is not a number.
fn parse_number(vm: &mut Vm, s: &str) -> Value {
    use crate::syntax::lexer::Lexer;
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let toks = Lexer::tokenize(body);
    if toks.len() != 2 {
        return Value::NIL;
    }
    number_value(vm, &toks[0].tok, neg).unwrap_or(Value::NIL)
}

/// The Number a number token stands for, negated if `neg`; None for any
/// other token.
fn number_value(vm: &mut Vm, tok: &crate::syntax::lexer::Tok, neg: bool) -> Option<Value> {
    use crate::syntax::lexer::Tok;
    Some(match tok {
        Tok::Integer(n) => {
            let n = if neg { -n.clone() } else { n.clone() };
            vm.int_from_big(n)
        }
        Tok::Float(f) => vm.new_float(if neg { -f } else { *f }),
        Tok::Fraction { num, den } => {
            let num = if neg { -num.clone() } else { num.clone() };
            vm.literal_value(&crate::syntax::ast::Literal::Fraction {
                num,
                den: den.clone(),
            })
        }
        Tok::Scaled { num, den, scale } => {
            let num = if neg { -num.clone() } else { num.clone() };
            vm.literal_value(&crate::syntax::ast::Literal::Scaled {
                num,
                den: den.clone(),
                scale: *scale,
            })
        }
        _ => return None,
    })
}

pub(super) fn number_prefix(vm: &mut Vm, c: Args) -> PrimResult {
    let s = match vm.str_of(c.r) {
        Some(s) => s,
        None => return Fail,
    };
    match read_number_prefix(vm, &s) {
        Some((n, used)) => {
            let used = Value::small(used as i64);
            Value(vm.new_array(vec![n, used]))
        }
        None => Value(Value::NIL),
    }
}

/// The number `s` starts with, as Squeak's ExtendedNumberParser reads it
/// (an optional sign, then Smalltalk number syntax, `NaN` or `Infinity`;
/// no white space first), and how many characters it took; None if `s`
/// does not start with one.
fn read_number_prefix(vm: &mut Vm, s: &str) -> Option<(Value, usize)> {
    use crate::syntax::lexer::Lexer;
    let (neg, sign) = match s.chars().next() {
        Some('-') => (true, 1),
        Some('+') => (false, 1),
        _ => (false, 0),
    };
    let body = &s[sign..];
    if body.starts_with("NaN") {
        return Some((vm.new_float(f64::NAN), sign + 3));
    }
    if body.starts_with("Infinity") {
        let inf = if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some((vm.new_float(inf), sign + 8));
    }
    if !body.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let token = Lexer::new(body).next_token();
    let n = number_value(vm, &token.tok, neg)?;
    let end = (token.span.end as usize).min(body.len());
    Some((n, sign + body[..end].chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain search `find` replaces.
    fn naive(hay: &[u32], needle: &[u32], start: usize) -> Option<usize> {
        (start..=hay.len() - needle.len()).find(|&p| hay[p..p + needle.len()] == *needle)
    }

    #[test]
    fn find_agrees_with_a_plain_search() {
        // every pair of texts over a two-letter alphabet up to a length
        // (borders of every shape), both forms
        let texts: Vec<Vec<u32>> = (0..=7usize)
            .flat_map(|n| {
                (0..1u32 << n).map(move |bits| (0..n).map(|i| 97 + (bits >> i & 1)).collect())
            })
            .collect();
        for hay in &texts {
            let hay_bytes: Vec<u8> = hay.iter().map(|&c| c as u8).collect();
            for needle in texts
                .iter()
                .filter(|n| !n.is_empty() && n.len() <= hay.len())
            {
                for start in 0..=hay.len() - needle.len() {
                    let want = naive(hay, needle, start);
                    let (got, scanned) = find(Text::Bytes(&hay_bytes), Text::Words(needle), start);
                    assert_eq!(got, want, "{hay:?} {needle:?} from {start}");
                    assert!(scanned <= hay.len() - start);
                    assert_eq!(find(Text::Words(hay), Text::Words(needle), start).0, want);
                }
            }
        }
    }
}
