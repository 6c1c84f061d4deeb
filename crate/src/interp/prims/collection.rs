//! Indexable objects: indexed access (`basicAt:`, `basicAt:put:`,
//! `basicSize`, Squeak's 60-64), bulk replacement (105) and
//! concatenation, for pointer and byte objects alike.

use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::object::{Body, Value};

/// A 0-based index from a 1-based SmallInteger, if within `len`.
fn check_index(i: Value, len: usize) -> Option<usize> {
    let i = i.as_int()?;
    if i >= 1 && (i as usize) <= len {
        Some(i as usize - 1)
    } else {
        None
    }
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
                let is_string = vm.inherits_from(class, vm.k.string);
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
    if class == vm.k.byte_symbol {
        return Fail; // symbols are immutable
    }
    let named = vm.classes[class as usize].inst_vars.len();
    // only byte objects need to know whether they hold characters
    let is_string = matches!(vm.heap.try_get(c.r).map(|o| &o.body), Some(Body::Bytes(_)))
        && vm.inherits_from(class, vm.k.string);
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
    if start < 1 || rs < 1 {
        return Fail;
    }
    let count = (stop - start + 1) as usize;
    let (start, rs) = (start as usize - 1, rs as usize - 1);
    let rc = vm.class_of(c.r);
    let named = vm.classes[rc as usize].inst_vars.len();
    let sc = vm.class_of(c.a2);
    let snamed = vm.classes[sc as usize].inst_vars.len();
    let src: Result<Vec<Value>, Vec<u8>> = match vm.heap.try_get(c.a2).map(|o| &o.body) {
        Some(Body::Slots(s)) => {
            let s = &s[snamed.min(s.len())..];
            if rs + count > s.len() {
                return Fail;
            }
            Ok(s[rs..rs + count].to_vec())
        }
        Some(Body::Bytes(b)) => {
            if rs + count > b.len() {
                return Fail;
            }
            Err(b[rs..rs + count].to_vec())
        }
        _ => return Fail,
    };
    match (vm.heap.try_get_mut(c.r).map(|o| &mut o.body), src) {
        (Some(Body::Slots(d)), Ok(v)) => {
            if named + start + count > d.len() {
                return Fail;
            }
            d[named + start..named + start + count].copy_from_slice(&v);
        }
        (Some(Body::Bytes(d)), Err(v)) => {
            if start + count > d.len() {
                return Fail;
            }
            d[start..start + count].copy_from_slice(&v);
        }
        _ => return Fail,
    }
    Value(c.r)
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
    let class = if rc == vm.k.byte_symbol {
        vm.k.byte_string
    } else {
        rc
    };
    Value(vm.heap.alloc(class, out))
}
