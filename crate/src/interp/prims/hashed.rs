//! `HashedCollection>>scanFor:` in the VM: the probe of Set, Dictionary,
//! IdentitySet and IdentityDictionary (Squeak's open addressing with
//! linear probing), for the keys whose `hash` and `=` the VM knows —
//! SmallIntegers, Characters, Strings and Symbols (byte or wide), or
//! anything under identity — as the kernel's Smalltalk computes them.
//!
//! The primitive answers what the method's Smalltalk code would, or fails
//! and lets it run: it checks, at each call, that every method that code
//! would send (`hashFor:`, `element:matches:`, the key's `hash` or
//! `identityHash`, `=`, `key`) is still the kernel's, so a redefinition
//! or a subclass's override is followed at once (LIVE.md R5), and it
//! fails on any element or key it does not know.

use super::PrimResult::{self, *};
use super::{object, Args, Vm};
use crate::object::{Body, ClassId, Text, Value};

/// The kernel methods the probe stands for, recorded once the kernel is
/// loaded (`Vm::note_kernel_methods`).
#[derive(Debug, Clone, Copy)]
pub struct HashedKernel {
    hash_eq: Value,
    hash_id: [Value; 2],
    match_elem_eq: Value,
    match_elem_id: Value,
    match_key_eq: Value,
    match_key_id: Value,
    lookup_key: Value,
    identity_hash: Value,
    string_eq: Value,
    string_hash: Value,
    symbol_eq: Value,
    symbol_hash: Value,
    int_hash: Value,
    char_eq: Value,
    char_hash: Value,
    /// The selectors the Smalltalk code sends, interned once.
    sels: Sels,
}

/// Selectors [`hashed_scan_for`] looks up.
#[derive(Debug, Clone, Copy)]
struct Sels {
    hash_for: Value,
    matches: Value,
    identity_hash: Value,
    hash: Value,
    eq: Value,
    key: Value,
}

impl Vm {
    /// Records the kernel's methods that [`hashed_scan_for`] stands for;
    /// without them (a kernel that lacks one) the primitive always fails.
    pub fn note_kernel_methods(&mut self) {
        let sels = Sels {
            hash_for: self.intern("hashFor:"),
            matches: self.intern("element:matches:"),
            identity_hash: self.intern("identityHash"),
            hash: self.intern("hash"),
            eq: self.intern("="),
            key: self.intern("key"),
        };
        let mut m = |class: &str, sel: &str| -> Option<Value> {
            let c = self.class_named(class)?;
            let s = self.intern(sel);
            self.classes[c as usize].methods.get(&s).copied()
        };
        let found = (|| {
            Some(HashedKernel {
                hash_eq: m("HashedCollection", "hashFor:")?,
                hash_id: [
                    m("IdentitySet", "hashFor:")?,
                    m("IdentityDictionary", "hashFor:")?,
                ],
                match_elem_eq: m("HashedCollection", "element:matches:")?,
                match_elem_id: m("IdentitySet", "element:matches:")?,
                match_key_eq: m("Dictionary", "element:matches:")?,
                match_key_id: m("IdentityDictionary", "element:matches:")?,
                lookup_key: m("LookupKey", "key")?,
                identity_hash: m("ProtoObject", "identityHash")?,
                string_eq: m("String", "=")?,
                string_hash: m("String", "hash")?,
                symbol_eq: m("Symbol", "=")?,
                symbol_hash: m("Symbol", "hash")?,
                int_hash: m("Integer", "hash")?,
                char_eq: m("Character", "=")?,
                char_hash: m("Character", "hash")?,
                sels,
            })
        })();
        self.hashed_kernel = found;
    }

    /// The method `class` finds for `sel` (through the global cache).
    fn finds(&mut self, class: ClassId, sel: Value) -> Option<Value> {
        self.lookup(class, sel).map(|(m, _)| m)
    }
}

/// How keys are hashed and compared.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `hash` and `=`.
    Equal,
    /// `identityHash` and `==`.
    Identity,
}

/// `HashedCollection>>scanFor: anObject`: the index (1-based) of the slot
/// holding `anObject` or of the empty slot where it would go, 0 if the
/// table is full without it.
pub(super) fn hashed_scan_for(vm: &mut Vm, c: Args) -> PrimResult {
    let Some(k) = vm.hashed_kernel else {
        return Fail;
    };
    let class = vm.class_of(c.r);
    let (hash_m, match_m) = (
        vm.finds(class, k.sels.hash_for),
        vm.finds(class, k.sels.matches),
    );
    let (mode, by_key) = match (hash_m, match_m) {
        (Some(h), Some(m)) if h == k.hash_eq && m == k.match_elem_eq => (Mode::Equal, false),
        (Some(h), Some(m)) if h == k.hash_eq && m == k.match_key_eq => (Mode::Equal, true),
        (Some(h), Some(m)) if k.hash_id.contains(&h) && m == k.match_elem_id => {
            (Mode::Identity, false)
        }
        (Some(h), Some(m)) if k.hash_id.contains(&h) && m == k.match_key_id => {
            (Mode::Identity, true)
        }
        _ => return Fail,
    };
    let key = c.a0;
    let key_class = vm.class_of(key);
    let hash = match mode {
        Mode::Identity => {
            if vm.finds(key_class, k.sels.identity_hash) != Some(k.identity_hash) {
                return Fail;
            }
            object::identity_hash_of(vm, key)
        }
        Mode::Equal => match equal_hash(vm, &k, key, key_class) {
            Some(h) => h,
            None => return Fail,
        },
    };
    // an element's key (`anAssociation key`) for a Dictionary
    let association = vm.known.association;
    if by_key && vm.finds(association, k.sels.key) != Some(k.lookup_key) {
        return Fail;
    }
    // `=` on two keys of the key's class, when it is the kernel's
    let same_class_eq = match mode {
        Mode::Identity => true,
        Mode::Equal => {
            let want = if key.is_int() {
                None
            } else if key.is_char() {
                Some(k.char_eq)
            } else {
                Some(text_eq(vm, &k, key_class))
            };
            match want {
                None => true,
                Some(w) => vm.finds(key_class, k.sels.eq) == Some(w),
            }
        }
    };
    if !same_class_eq {
        return Fail;
    }
    let array = super::super::access::slot(&vm.heap, c.r, 1);
    match vm.heap.try_get(array) {
        Some(o) if o.class == vm.known.array => {}
        _ => return Fail,
    }
    let size = match &vm.heap.get(array).body {
        &Body::Slots(slots) if !slots.is_empty() => slots.len() as i64,
        _ => return Fail,
    };
    // whether a text class other than the key's has the kernel's `=`
    // (a ByteString element met by a WideString key, say), looked up
    // once each
    let mut other_eq: [Option<bool>; 4] = [None; 4];
    let start = hash.rem_euclid(size) + 1;
    let mut index = start;
    // the probe's reads: a slot each, and the texts it compares (what it
    // costs in fuel: a probe through a large table or megabytes of keys
    // is not one instruction)
    let mut read = 0usize;
    let r = loop {
        read = read.saturating_add(8);
        let heap = &vm.heap;
        let element = match &heap.get(array).body {
            &Body::Slots(slots) => heap.span(slots)[(index - 1) as usize],
            _ => return Fail,
        };
        if element == Value::NIL {
            break Value(Value::small(index));
        }
        let e = if by_key {
            match heap.try_get(element) {
                Some(o) if o.class == association => match &o.body {
                    &Body::Slots(s) => heap.span(s).first().copied().unwrap_or(Value::NIL),
                    _ => return Fail,
                },
                _ => return Fail,
            }
        } else {
            element
        };
        let matches = match mode {
            Mode::Identity => e == key,
            Mode::Equal => {
                if e.is_int() && key.is_int() || e.is_char() && key.is_char() {
                    e == key
                } else if !(e.is_obj() && key.is_obj()) {
                    return Fail;
                } else {
                    let e_class = heap.get(e).class;
                    if e_class != key_class {
                        // `element = key` runs the element's `=`
                        let Some(slot) = text_slot(vm, e_class) else {
                            return Fail;
                        };
                        let ok = match other_eq[slot] {
                            Some(ok) => ok,
                            None => {
                                let want = text_eq(vm, &k, e_class);
                                let ok = vm.finds(e_class, k.sels.eq) == Some(want);
                                other_eq[slot] = Some(ok);
                                ok
                            }
                        };
                        if !ok {
                            return Fail;
                        }
                    }
                    let heap = &vm.heap;
                    if is_symbol(vm, e_class) {
                        // Symbol>>= is identity
                        e == key
                    } else {
                        match (Text::of(&heap.get(e).body), Text::of(&heap.get(key).body)) {
                            (Some(x), Some(y)) => {
                                let (same, bytes) = super::string::same_text(x, y);
                                read = read.saturating_add(bytes);
                                same
                            }
                            _ => return Fail,
                        }
                    }
                }
            }
        };
        if matches {
            break Value(Value::small(index));
        }
        index = index % size + 1;
        if index == start {
            break Value(Value::small(0));
        }
    };
    vm.heap.charge(read);
    r
}

/// Which of the four text classes `class` is (ByteString, WideString,
/// ByteSymbol, WideSymbol), if one.
fn text_slot(vm: &Vm, class: ClassId) -> Option<usize> {
    let k = &vm.known;
    [k.byte_string, k.wide_string, k.byte_symbol, k.wide_symbol]
        .iter()
        .position(|&c| c == class)
}

fn is_symbol(vm: &Vm, class: ClassId) -> bool {
    class == vm.known.byte_symbol || class == vm.known.wide_symbol
}

/// The kernel's `=` for a text class: Symbol's (identity) or String's.
fn text_eq(vm: &Vm, k: &HashedKernel, class: ClassId) -> Value {
    if is_symbol(vm, class) {
        k.symbol_eq
    } else {
        k.string_eq
    }
}

/// `key hash` for a key whose class's `hash` is the kernel's and which
/// the VM computes: a SmallInteger (itself), a Character (its code), a
/// String or Symbol, byte or wide (FNV-1a of its code points, as
/// `stringHash`).
fn equal_hash(vm: &mut Vm, k: &HashedKernel, key: Value, class: ClassId) -> Option<i64> {
    if let Some(i) = key.as_int() {
        return (vm.finds(class, k.sels.hash)? == k.int_hash).then_some(i);
    }
    if let Some(ch) = key.as_char() {
        return (vm.finds(class, k.sels.hash)? == k.char_hash).then_some(ch as i64);
    }
    text_slot(vm, class)?;
    let want = if is_symbol(vm, class) {
        k.symbol_hash
    } else {
        k.string_hash
    };
    if vm.finds(class, k.sels.hash)? != want {
        return None;
    }
    let t = vm.text_of(key)?;
    let (h, read) = (
        super::string::text_hash(t),
        t.len().saturating_mul(t.width()),
    );
    vm.heap.charge(read);
    Some(h)
}
