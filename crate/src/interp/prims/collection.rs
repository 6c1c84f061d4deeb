//! Indexable objects: indexed access (`basicAt:`, `basicAt:put:`,
//! `basicSize`, Squeak's 60-64), bulk replacement (105) and
//! concatenation, for pointer and byte objects alike.

use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::object::{Body, Value};

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

pub(super) fn basic_at(vm: &mut Vm, c: Args) -> PrimResult {
    // basicAt:
    let i = c.a0;
    let class = vm.class_of(c.r);
    let named = vm.classes[class as usize].inst_vars.len();
    match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Slots(s)) => match check_index(i, s.len().saturating_sub(named)) {
            Some(ix) => Value(s[named + ix]),
            None => Fail,
        },
        Some(Body::Bytes(b)) => match check_index(i, b.len()) {
            Some(ix) => {
                let byte = b[ix];
                let is_string = vm.inherits_from(class, vm.known.string);
                if is_string {
                    Value(Value::char(byte as u32))
                } else {
                    Value(Value::small(byte as i64))
                }
            }
            None => Fail,
        },
        _ => Fail,
    }
}

pub(super) fn basic_at_put(vm: &mut Vm, c: Args) -> PrimResult {
    let class = vm.class_of(c.r);
    if class == vm.known.byte_symbol {
        return Fail; // symbols are immutable
    }
    let named = vm.classes[class as usize].inst_vars.len();
    // only byte objects need to know whether they hold characters
    let is_string = matches!(vm.heap.try_get(c.r).map(|o| &o.body), Some(Body::Bytes(_)))
        && vm.inherits_from(class, vm.known.string);
    match vm.heap.try_get_mut(c.r).map(|o| &mut o.body) {
        Some(Body::Slots(s)) => match check_index(c.a0, s.len().saturating_sub(named)) {
            Some(ix) => {
                s[named + ix] = c.a1;
                Value(c.a1)
            }
            None => Fail,
        },
        Some(Body::Bytes(b)) => match check_index(c.a0, b.len()) {
            Some(ix) => {
                let byte = if is_string {
                    match c.a1.as_char() {
                        Some(ch) if ch < 256 => ch as u8,
                        _ => return Fail,
                    }
                } else {
                    match c.a1.as_int() {
                        Some(x) if (0..256).contains(&x) => x as u8,
                        _ => return Fail,
                    }
                };
                b[ix] = byte;
                Value(c.a1)
            }
            None => Fail,
        },
        _ => Fail,
    }
}

pub(super) fn basic_size(vm: &mut Vm, c: Args) -> PrimResult {
    let class = vm.class_of(c.r);
    let named = vm.classes[class as usize].inst_vars.len();
    match vm.heap.try_get(c.r).map(|o| &o.body) {
        Some(Body::Slots(s)) => Value(Value::small(s.len().saturating_sub(named) as i64)),
        Some(Body::Bytes(b)) => Value(Value::small(b.len() as i64)),
        _ => Value(Value::small(0)),
    }
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
    let rc = vm.class_of(c.r);
    let named = vm.classes[rc as usize].inst_vars.len();
    // (charged whether or not the range turns out valid: a failure costs
    // no more than a copy)
    vm.heap.charge(count.saturating_mul(8));
    let sc = vm.class_of(c.a2);
    let snamed = vm.classes[sc as usize].inst_vars.len();
    // (a copy within one object may overlap: Squeak copies it as if
    // through a buffer, as copy_within does)
    if c.r == c.a2 {
        let Some(obj) = vm.heap.try_get_mut(c.r) else {
            return Fail;
        };
        let ok = match &mut obj.body {
            Body::Slots(d) => {
                let from = rs
                    .checked_add(named)
                    .and_then(|at| span(at, count, d.len()));
                let to = start
                    .checked_add(named)
                    .and_then(|at| span(at, count, d.len()));
                from.zip(to).map(|(f, t)| d.copy_within(f, t.start))
            }
            Body::Bytes(d) => {
                let from = span(rs, count, d.len());
                let to = span(start, count, d.len());
                from.zip(to).map(|(f, t)| d.copy_within(f, t.start))
            }
            _ => None,
        };
        return if ok.is_some() { Value(c.r) } else { Fail };
    }
    let Some((dst, src)) = vm.heap.pair_mut(c.r, c.a2) else {
        return Fail;
    };
    let ok = match (&mut dst.body, &src.body) {
        (Body::Slots(d), Body::Slots(s)) => {
            let s = &s[snamed.min(s.len())..];
            let from = span(rs, count, s.len());
            let to = start
                .checked_add(named)
                .and_then(|at| span(at, count, d.len()));
            from.zip(to).map(|(f, t)| d[t].copy_from_slice(&s[f]))
        }
        (Body::Bytes(d), Body::Bytes(s)) => {
            let from = span(rs, count, s.len());
            let to = span(start, count, d.len());
            from.zip(to).map(|(f, t)| d[t].copy_from_slice(&s[f]))
        }
        _ => None,
    };
    if ok.is_some() {
        Value(c.r)
    } else {
        Fail
    }
}

pub(super) fn concat(vm: &mut Vm, c: Args) -> PrimResult {
    let rc = vm.class_of(c.r);
    let out = match (
        vm.heap.try_get(c.r).map(|o| &o.body),
        vm.heap.try_get(c.a0).map(|o| &o.body),
    ) {
        (Some(Body::Bytes(x)), Some(Body::Bytes(y))) => {
            let mut v = x.clone();
            v.extend_from_slice(y);
            Body::Bytes(v)
        }
        (Some(Body::Slots(x)), Some(Body::Slots(y)))
            if vm.classes[rc as usize].inst_vars.is_empty() && vm.class_of(c.a0) == rc =>
        {
            let mut v = x.clone();
            v.extend_from_slice(y);
            Body::Slots(v)
        }
        _ => return Fail,
    };
    let class = if rc == vm.known.byte_symbol {
        vm.known.byte_string
    } else {
        rc
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
