//! Reading and writing objects without a send, for both loops and the
//! primitives: slots, Array cells (`at:` and `at:put:` on an Array,
//! primitives 60 and 61), a closure's receiver, identity (`==`), and
//! making a small pointer object (`basicNew`, `basicNew:`, primitives 70
//! and 71).

use super::classes::Instance;
use super::Vm;
use crate::object::heap::BYTES_PER_FUEL;
use crate::object::{Body, Bytes, ClassId, Heap, Value};

impl Vm {
    /// Slot `i` of a pointer object (nil if there is none).
    #[inline]
    pub fn slot(&self, obj: Value, i: usize) -> Value {
        slot(&self.heap, obj, i)
    }

    #[inline]
    pub fn set_slot(&mut self, obj: Value, i: usize, v: Value) {
        if let Some(x) = slot_mut(&mut self.heap, obj, i) {
            *x = v;
            return;
        }
        if let Some(Body::Class { slots, .. }) = self.heap.try_get_mut(obj).map(|o| &mut o.body) {
            if i >= slots.len() {
                slots.resize(i + 1, Value::NIL);
            }
            slots[i] = v;
        }
    }

    /// `==`: identity (immediate Floats are identical when their bits
    /// are, as Squeak's SmallFloat64s).
    pub fn identical(&self, x: Value, y: Value) -> bool {
        x == y
    }
}

/// The receiver of closure `k` (`None` if `k` is not a closure).
#[inline]
pub(super) fn closure_receiver(heap: &Heap, k: Value) -> Option<Value> {
    match heap.try_get(k).map(|o| &o.body) {
        Some(Body::Closure(c)) => Some(c.receiver),
        _ => None,
    }
}

/// Slot `i` of a pointer object (nil if there is none). Inlined for an
/// ordinary object (a getter's whole work); a class's slots are read out
/// of line.
#[inline(always)]
pub(super) fn slot(heap: &Heap, obj: Value, i: usize) -> Value {
    match heap.try_get(obj).map(|o| &o.body) {
        Some(&Body::Slots(s)) if i < s.len() => heap
            .space
            .get(s.at as usize + i)
            .copied()
            .unwrap_or(Value::NIL),
        Some(Body::Slots(_)) => Value::NIL,
        _ => class_slot(heap, obj, i),
    }
}

/// A quickened getter's read (`Op::GetterS`/`GetterT`): slot `i` of
/// `obj` when it is an ordinary object of class `class`, with one look
/// at the object (its class and its slots); `None` otherwise.
#[inline(always)]
pub(super) fn getter(heap: &Heap, obj: Value, class: ClassId, i: usize) -> Option<Value> {
    let o = heap.try_get(obj)?;
    if o.class != class {
        return None;
    }
    match o.body {
        Body::Slots(s) if i < s.len() => heap.space.get(s.at as usize + i).copied(),
        Body::Slots(_) => Some(Value::NIL),
        _ => Some(class_slot(heap, obj, i)),
    }
}

/// Slot `i` of a pointer object, to change (`None` if it has none).
#[inline(always)]
pub(super) fn slot_mut(heap: &mut Heap, obj: Value, i: usize) -> Option<&mut Value> {
    match heap.try_get(obj).map(|o| &o.body) {
        Some(&Body::Slots(s)) if i < s.len() => heap.space.get_mut(s.at as usize + i),
        _ => None,
    }
}

/// Slot `i` of a class (a class-instance variable), nil for anything
/// else.
#[inline(never)]
fn class_slot(heap: &Heap, obj: Value, i: usize) -> Value {
    match heap.try_get(obj).map(|o| &o.body) {
        Some(Body::Class { slots, .. }) => slots.get(i).copied().unwrap_or(Value::NIL),
        _ => Value::NIL,
    }
}

/// Stores into slot `i` of an ordinary pointer object; false for
/// anything else (the general loop handles it).
#[inline]
pub(super) fn set_plain_slot(heap: &mut Heap, obj: Value, i: usize, v: Value) -> bool {
    match slot_mut(heap, obj, i) {
        Some(x) => {
            *x = v;
            true
        }
        None => false,
    }
}

/// The cell of Array `r` at SmallInteger index `i` (1-based), if `r`
/// is an Array and `i` is in bounds.
#[inline(always)]
pub(super) fn array_cell(
    heap: &mut Heap,
    array: ClassId,
    r: Value,
    i: Value,
) -> Option<&mut Value> {
    let i = i.as_int()?.checked_sub(1)?;
    let obj = heap.try_get(r)?;
    if obj.class != array {
        return None;
    }
    slot_mut(heap, r, usize::try_from(i).ok()?)
}

/// Fast path of `at:` / `at:put:` (primitives 60/61) on an Array
/// with an in-bounds SmallInteger index, on operand stack `st`. Answers
/// false to take the general primitive path (which also handles the
/// failures).
#[inline(always)]
pub(super) fn array_access(
    heap: &mut Heap,
    array: ClassId,
    st: &mut Vec<Value>,
    prim: u16,
    argc: usize,
) -> bool {
    let n = st.len();
    if argc != prim as usize - 59 || n < argc + 1 {
        return false;
    }
    let cell = match array_cell(heap, array, st[n - argc - 1], st[n - argc]) {
        Some(c) => c,
        None => return false,
    };
    let v = if prim == 60 {
        *cell
    } else {
        *cell = st[n - 1];
        st[n - 1]
    };
    st.truncate(n - argc);
    st[n - argc - 1] = v;
    true
}

/// Fast path of `basicNew` and `basicNew:` (primitives 70 and 71) sent
/// to `r` with `args`: a pointer or byte object whose bytes are under a
/// unit of fuel, with the heap far from its limit, made in place of the
/// primitive's call. `None` (nothing changed) when the primitive must
/// run: another receiver or size, or an object that costs fuel or may
/// not fit (checked at least as strictly as the primitive does). What it
/// makes and charges (nothing: under a unit) is what the primitive would.
#[inline]
pub(super) fn new_in_place(vm: &mut Vm, prim: u16, r: Value, args: &[Value]) -> Option<Value> {
    if args.len() != prim as usize - 70 {
        return None;
    }
    let class = match vm.heap.try_get(r).map(|o| &o.body) {
        Some(Body::Class { id, .. }) => *id,
        _ => return None,
    };
    let info = vm.classes.get(class as usize)?;
    let indexed = match args.first() {
        None => None,
        Some(size) => match size.as_int().map(usize::try_from) {
            Some(Ok(size)) if size < BYTES_PER_FUEL => Some(size),
            _ => return None,
        },
    };
    let instance = info.format.instance(info.inst_vars.len(), indexed)?;
    // what `Heap::cost` counts
    let bytes = match instance {
        Instance::Slots(n) => 32 + n * 8,
        Instance::Bytes(n) => 32 + n,
        // (few Words objects are made: the call makes them)
        Instance::Words(_) => return None,
    };
    // (and at least the room the primitive asks for: its indexed part)
    let asked = bytes.max(indexed.unwrap_or(0) * 8);
    if bytes >= BYTES_PER_FUEL || vm.heap.would_exceed(asked) {
        return None;
    }
    Some(match instance {
        Instance::Slots(n) => vm.heap.alloc_nils(class, n),
        Instance::Bytes(n) => vm.heap.alloc(class, Body::Bytes(Bytes::from_elem(0, n))),
        Instance::Words(_) => return None,
    })
}
