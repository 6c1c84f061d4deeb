//! Indexable objects: indexed access (`basicAt:`, `basicAt:put:`,
//! `basicSize`, Squeak's 60-64), bulk replacement (105) and
//! concatenation, for pointer, byte and word objects alike.

use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::interp::classes::Format;
use crate::object::{Body, Bytes, Obj, Text, Value};

/// A 0-based index from a 1-based SmallInteger, if within `len` (a
/// SmallInteger may not fit a usize on a 32-bit target).
pub(super) fn check_index(i: Value, len: usize) -> Option<usize> {
    let i = usize::try_from(i.as_int()?).ok()?;
    (1..=len).contains(&i).then(|| i - 1)
}

/// `start..start + count` if it ends within `len` (without overflow).
fn span(start: usize, count: usize, len: usize) -> Option<std::ops::Range<usize>> {
    let end = start.checked_add(count)?;
    (end <= len).then_some(start..end)
}

/// `basic_at`'s answer for a byte object of a String class (the caller
/// knows the class): the Character at SmallInteger index `i`, or `None`
/// for any other body or an index out of range. What a special `at:`
/// runs when the method it finds is this primitive
/// (`Vm::special_in_place`).
#[inline(always)]
pub(crate) fn byte_char_at(r: &Obj, i: Value) -> Option<Value> {
    match &r.body {
        Body::Bytes(b) => check_index(i, b.len()).map(|ix| Value::char(b[ix] as u32)),
        _ => None,
    }
}

pub(super) fn basic_at(vm: &mut Vm, c: Args) -> PrimResult {
    // basicAt:
    let i = c.a0;
    let class = vm.class_of(c.r);
    let named = vm.classes[class as usize].inst_vars.len();
    let element = |vm: &Vm, code: u32| {
        if vm.inherits_from(class, vm.known.string) {
            Value(Value::char(code))
        } else {
            Value(Value::small(code as i64))
        }
    };
    match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(&Body::Slots(s)) => match check_index(i, s.len().saturating_sub(named)) {
            Some(ix) => Value(vm.heap.span(s)[named + ix]),
            None => Fail,
        },
        Some(Body::Bytes(b)) => match check_index(i, b.len()) {
            Some(ix) => element(vm, b[ix] as u32),
            None => Fail,
        },
        Some(Body::Words(w)) => match check_index(i, w.len()) {
            Some(ix) => element(vm, w[ix]),
            None => Fail,
        },
        _ => Fail,
    }
}

/// `basicAt:put:`. A String takes Characters: a ByteString those below
/// 256 (for a wider one the primitive fails, and `ByteString>>at:put:`
/// makes the receiver a WideString first), a WideString any. A ByteArray
/// takes bytes. Symbols are immutable.
pub(super) fn basic_at_put(vm: &mut Vm, c: Args) -> PrimResult {
    let class = vm.class_of(c.r);
    if class == vm.known.byte_symbol || class == vm.known.wide_symbol {
        return Fail; // symbols are immutable
    }
    let named = vm.classes[class as usize].inst_vars.len();
    // only byte and word objects need to know whether they hold characters
    let is_string = matches!(
        vm.heap.try_get(c.r).map(|o| &o.body),
        Some(Body::Bytes(_) | Body::Words(_))
    ) && vm.inherits_from(class, vm.known.string);
    // the code a byte or word object stores for the argument, below `limit`
    let code = |limit: u64| -> Option<u32> {
        let code = if is_string {
            c.a1.as_char()? as u64
        } else {
            u64::try_from(c.a1.as_int()?).ok()?
        };
        (code < limit).then_some(code as u32)
    };
    if let Some(s) = vm.heap.slots_mut(c.r) {
        return match check_index(c.a0, s.len().saturating_sub(named)) {
            Some(ix) => {
                s[named + ix] = c.a1;
                Value(c.a1)
            }
            None => Fail,
        };
    }
    match vm.heap.try_get_mut(c.r).map(|o| &mut o.body) {
        Some(Body::Bytes(b)) => match (check_index(c.a0, b.len()), code(256)) {
            (Some(ix), Some(byte)) => {
                b[ix] = byte as u8;
                Value(c.a1)
            }
            _ => Fail,
        },
        Some(Body::Words(w)) => match (check_index(c.a0, w.len()), code(1 << 32)) {
            (Some(ix), Some(word)) => {
                w[ix] = word;
                Value(c.a1)
            }
            _ => Fail,
        },
        _ => Fail,
    }
}

pub(super) fn basic_size(vm: &mut Vm, c: Args) -> PrimResult {
    let size = match vm.heap.try_get(c.r) {
        Some(Obj {
            body: Body::Bytes(b),
            ..
        }) => b.len(),
        Some(Obj {
            body: Body::Words(w),
            ..
        }) => w.len(),
        Some(&Obj {
            body: Body::Slots(s),
            class,
            ..
        }) => {
            let named = vm
                .classes
                .get(class as usize)
                .map_or(0, |k| k.inst_vars.len());
            s.len().saturating_sub(named)
        }
        _ => 0,
    };
    Value(Value::small(size as i64))
}

pub(super) fn replace_from_to(vm: &mut Vm, c: Args) -> PrimResult {
    // replaceFrom: start to: stop with: repl startingAt: repStart
    let (start, stop, rs) = match (c.a0.as_int(), c.a1.as_int(), c.a3.as_int()) {
        (Some(s), Some(e), Some(rs)) => (s, e, rs),
        _ => return Fail,
    };
    if stop < start {
        return Value(c.r);
    }
    // 0-based; a SmallInteger may not fit a usize on a 32-bit target
    let (count, start, rs) = match (
        usize::try_from(stop - start + 1),
        usize::try_from(start - 1),
        usize::try_from(rs - 1),
    ) {
        (Ok(count), Ok(start), Ok(rs)) => (count, start, rs),
        _ => return Fail,
    };
    // (charged whether or not the range turns out valid: a failure costs
    // no more than a copy)
    vm.heap.charge(count.saturating_mul(8));
    // the common case first, without looking at the classes (the answer
    // does not depend on them): bytes into the bytes of another object
    // (a stream's `nextPutAll:` of a String)
    if c.r != c.a2 {
        if let Some((dst, src)) = vm.heap.pair_mut(c.r, c.a2) {
            if let (Body::Bytes(d), Body::Bytes(s)) = (&mut dst.body, &src.body) {
                let from = span(rs, count, s.len());
                let to = span(start, count, d.len());
                return match from.zip(to) {
                    Some((f, t)) => {
                        d[t].copy_from_slice(&s[f]);
                        Value(c.r)
                    }
                    None => Fail,
                };
            }
        }
    }
    let rc = vm.class_of(c.r);
    let named = vm.classes[rc as usize].inst_vars.len();
    let sc = vm.class_of(c.a2);
    let snamed = vm.classes[sc as usize].inst_vars.len();
    // (a copy within one object may overlap: Squeak copies it as if
    // through a buffer, as copy_within does)
    if c.r == c.a2 {
        if let Some(d) = vm.heap.slots_mut(c.r) {
            let from = rs
                .checked_add(named)
                .and_then(|at| span(at, count, d.len()));
            let to = start
                .checked_add(named)
                .and_then(|at| span(at, count, d.len()));
            let ok = from.zip(to).map(|(f, t)| d.copy_within(f, t.start));
            return if ok.is_some() { Value(c.r) } else { Fail };
        }
        let Some(obj) = vm.heap.try_get_mut(c.r) else {
            return Fail;
        };
        let ok = match &mut obj.body {
            Body::Bytes(d) => {
                let from = span(rs, count, d.len());
                let to = span(start, count, d.len());
                from.zip(to).map(|(f, t)| d.copy_within(f, t.start))
            }
            Body::Words(d) => {
                let from = span(rs, count, d.len());
                let to = span(start, count, d.len());
                from.zip(to).map(|(f, t)| d.copy_within(f, t.start))
            }
            _ => None,
        };
        return if ok.is_some() { Value(c.r) } else { Fail };
    }
    // characters of a ByteString widen into a WideString (a ByteString
    // taking wide ones fails here: `ByteString>>replaceFrom:to:with:startingAt:`
    // makes it wide first, as Squeak's does)
    let chars_from_bytes = vm.inherits_from(sc, vm.known.string);
    // two pointer objects: spans of the one slot space
    if let (Some(&Body::Slots(d)), Some(&Body::Slots(s))) = (
        vm.heap.try_get(c.r).map(|o| &o.body),
        vm.heap.try_get(c.a2).map(|o| &o.body),
    ) {
        let skip = snamed.min(s.len());
        let from = span(rs, count, s.len() - skip);
        let to = start
            .checked_add(named)
            .and_then(|at| span(at, count, d.len()));
        let ok = from.zip(to).map(|(f, t)| {
            let (sa, da) = (s.at as usize + skip, d.at as usize);
            vm.heap
                .space
                .copy_within(sa + f.start..sa + f.end, da + t.start)
        });
        return if ok.is_some() { Value(c.r) } else { Fail };
    }
    let Some((dst, src)) = vm.heap.pair_mut(c.r, c.a2) else {
        return Fail;
    };
    // (bytes into bytes were copied above)
    let ok = match (&mut dst.body, &src.body) {
        (Body::Words(d), Body::Words(s)) => {
            let from = span(rs, count, s.len());
            let to = span(start, count, d.len());
            from.zip(to).map(|(f, t)| d[t].copy_from_slice(&s[f]))
        }
        (Body::Words(d), Body::Bytes(s)) if chars_from_bytes => {
            let from = span(rs, count, s.len());
            let to = span(start, count, d.len());
            from.zip(to).map(|(f, t)| {
                for (w, &b) in d[t].iter_mut().zip(&s[f]) {
                    *w = b as u32;
                }
            })
        }
        _ => None,
    };
    if ok.is_some() {
        Value(c.r)
    } else {
        Fail
    }
}

/// `,` of two byte objects, two Strings of which one or both are wide
/// (a WideString), or two plain Arrays of one class. A Symbol receiver
/// gives a String.
pub(super) fn concat(vm: &mut Vm, c: Args) -> PrimResult {
    let rc = vm.class_of(c.r);
    let wide_class = vm.known.wide_string;
    let (out, class) = match (
        vm.heap.try_get(c.r).map(|o| &o.body),
        vm.heap.try_get(c.a0).map(|o| &o.body),
    ) {
        (Some(Body::Bytes(x)), Some(Body::Bytes(y))) => {
            let mut v = Bytes::with_capacity(x.len() + y.len());
            v.extend_from_slice(x);
            v.extend_from_slice(y);
            let class = if rc == vm.known.byte_symbol {
                vm.known.byte_string
            } else {
                rc
            };
            (Body::Bytes(v), class)
        }
        (
            Some(x @ (Body::Bytes(_) | Body::Words(_))),
            Some(y @ (Body::Bytes(_) | Body::Words(_))),
        ) if vm.inherits_from(rc, vm.known.string)
            && vm.inherits_from(vm.class_of(c.a0), vm.known.string) =>
        {
            let (Some(x), Some(y)) = (Text::of(x), Text::of(y)) else {
                return Fail;
            };
            let v: Vec<u32> = x.iter().chain(y.iter()).collect();
            // a WideString (or a subclass of it) keeps its class
            let keeps = matches!(vm.classes[rc as usize].format, Format::Words)
                && !vm.inherits_from(rc, vm.known.symbol);
            (Body::Words(v), if keeps { rc } else { wide_class })
        }
        (Some(&Body::Slots(x)), Some(&Body::Slots(y)))
            if vm.classes[rc as usize].inst_vars.is_empty() && vm.class_of(c.a0) == rc =>
        {
            let v = [vm.heap.span(x), vm.heap.span(y)].concat();
            return Value(vm.heap.alloc_slots(rc, &v));
        }
        _ => return Fail,
    };
    Value(vm.heap.alloc(class, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_and_spans_never_wrap() {
        let len = 3;
        let at = |i: i64| check_index(Value::small(i), len);
        assert_eq!((at(0), at(1), at(3), at(4)), (None, Some(0), Some(2), None));
        assert_eq!(at(-1), None);
        assert_eq!(at((1 << 32) + 1), None);
        assert_eq!(check_index(Value::NIL, len), None);
        assert_eq!(span(1, 2, 3), Some(1..3));
        assert_eq!(span(2, 2, 3), None);
        assert_eq!(span(usize::MAX - 1, 4, 3), None);
    }
}
