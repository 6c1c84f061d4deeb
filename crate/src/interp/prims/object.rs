//! Objects in general: instantiation (`basicNew`, `basicNew:`),
//! named fields (`instVarAt:`), identity and identity hashes, `class`
//! and `shallowCopy`.

use super::class::class_id_of;
use super::collection::check_index;
use super::room_for;
use super::PrimResult::{self, *};
use super::{Args, Vm};
use crate::interp::classes::Instance;
use crate::object::{Body, Bytes, Value};

pub(super) fn basic_new(vm: &mut Vm, c: Args) -> PrimResult {
    instantiate(vm, c.r, None)
}

pub(super) fn basic_new_sized(vm: &mut Vm, c: Args) -> PrimResult {
    // (a SmallInteger may not fit a usize on a 32-bit target)
    match c.a0.as_int().map(usize::try_from) {
        Some(Ok(size)) => instantiate(vm, c.r, Some(size)),
        _ => Fail,
    }
}

/// A new instance of class `r`, with `indexed` fields (`basicNew:`) or
/// none (`basicNew`, which also makes instances of non-indexable
/// classes). Near the heap limit it collects first, then fails (the
/// fallback signals OutOfMemory) or stops the process.
fn instantiate(vm: &mut Vm, r: Value, indexed: Option<usize>) -> PrimResult {
    let class = match class_id_of(vm, r) {
        Some(class) => class,
        None => return Fail,
    };
    let size = indexed.unwrap_or(0);
    if size > 64 << 20 {
        return Fail;
    }
    if let Err(no_room) = room_for(vm, size * 8) {
        return no_room;
    }
    let info = &vm.classes[class as usize];
    let body = match info.format.instance(info.inst_vars.len(), indexed) {
        Some(Instance::Slots(n)) => return Value(vm.heap.alloc_nils(class, n)),
        Some(Instance::Bytes(n)) => Body::Bytes(Bytes::from_elem(0, n)),
        Some(Instance::Words(n)) => Body::Words(zeroed(n)),
        None => return Fail,
    };
    Value(vm.heap.alloc(class, body))
}

/// `n` zeros: allocated, then cleared (`vec![0; n]` is a `calloc`, which
/// costs glibc several times a `malloc` for the small Strings most of
/// these are).
fn zeroed<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    v.resize(n, T::default());
    v
}

pub(super) fn inst_var_at(vm: &mut Vm, c: Args) -> PrimResult {
    let class = vm.class_of(c.r);
    let named = vm.classes[class as usize].inst_vars.len();
    match check_index(c.a0, named) {
        Some(i) => Value(vm.slot(c.r, i)),
        None => Fail,
    }
}

pub(super) fn inst_var_at_put(vm: &mut Vm, c: Args) -> PrimResult {
    let class = vm.class_of(c.r);
    let named = vm.classes[class as usize].inst_vars.len();
    match check_index(c.a0, named) {
        Some(i) => {
            vm.set_slot(c.r, i, c.a1);
            Value(c.a1)
        }
        None => Fail,
    }
}

pub(super) fn identity_hash(vm: &mut Vm, c: Args) -> PrimResult {
    Value(Value::small(identity_hash_of(vm, c.r)))
}

/// `identityHash` of any value.
pub(super) fn identity_hash_of(vm: &Vm, v: Value) -> i64 {
    if let Some(i) = v.as_int() {
        i
    } else if let Some(ch) = v.as_char() {
        ch as i64
    } else if v.is_float() {
        // Squeak's SmallFloat64>>identityHash: the bits, folded to a
        // positive SmallInteger
        let b = v.bits() >> 3;
        ((b ^ (b >> 31)) & 0x3FFF_FFFF) as i64
    } else {
        vm.heap.get(v).hash as i64
    }
}

pub(super) fn basic_identity_hash(vm: &mut Vm, c: Args) -> PrimResult {
    if c.r.is_obj() {
        Value(Value::small(vm.heap.get(c.r).hash as i64))
    } else {
        Fail
    }
}

pub(super) fn identical(vm: &mut Vm, c: Args) -> PrimResult {
    Value(Value::bool(vm.identical(c.r, c.a0)))
}

pub(super) fn not_identical(vm: &mut Vm, c: Args) -> PrimResult {
    Value(Value::bool(!vm.identical(c.r, c.a0)))
}

pub(super) fn class(vm: &mut Vm, c: Args) -> PrimResult {
    let class = vm.class_of(c.r);
    Value(vm.classes[class as usize].obj)
}

pub(super) fn shallow_copy(vm: &mut Vm, c: Args) -> PrimResult {
    if !c.r.is_obj() || c.r == Value::NIL || c.r == Value::TRUE || c.r == Value::FALSE {
        return Value(c.r);
    }
    let o = vm.heap.get(c.r);
    let class = o.class;
    let body = match &o.body {
        &Body::Slots(s) => {
            let v = vm.heap.span(s).to_vec();
            return Value(vm.heap.alloc_slots(class, &v));
        }
        Body::Bytes(b) => Body::Bytes(b.clone()),
        Body::Words(w) => Body::Words(w.clone()),
        Body::Float(f) => Body::Float(*f),
        Body::Large(b) => Body::Large(b.clone()),
        _ => return Value(c.r),
    };
    if class == vm.known.byte_symbol || class == vm.known.wide_symbol {
        return Value(c.r);
    }
    Value(vm.heap.alloc(class, body))
}
