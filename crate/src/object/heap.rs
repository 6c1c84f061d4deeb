//! The object memory: an arena of [`Obj`] indexed by [`Value`] references,
//! with a mark-sweep collector. Pointer objects keep their slots in one
//! shared slot space ([`Heap::space`], a [`Span`] each), so making one
//! is a bump of that space, not a Rust allocation; the collector slides
//! the live spans together after each sweep.
//!
//! Collection only happens at safe points chosen by the interpreter (when
//! every live value is reachable from a root it passes in), never inside
//! an allocation; so Rust code may hold `Value`s in locals between
//! allocations. The mark phase uses an explicit stack — no recursion, so
//! deep structures cannot overflow the Rust stack.

use super::method::Code;
use super::value::Value;
use num_bigint::BigInt;
use std::rc::Rc;

pub type ClassId = u32;

/// A byte object's bytes: up to 16 are kept in the object itself (most
/// Strings a program makes are short: a printed number, a key, one
/// character), longer ones in an allocation of their own.
pub type Bytes = smallvec::SmallVec<[u8; 16]>;

/// What an object holds.
#[derive(Debug)]
pub enum Body {
    /// A free arena cell; `next` links the free list.
    Free {
        next: u32,
    },
    /// Named and indexed pointer slots (named first), in the slot space.
    Slots(Span),
    /// Bytes: ByteStrings (Latin-1), ByteSymbols, ByteArrays.
    Bytes(Bytes),
    /// 32-bit words: WideStrings and WideSymbols (one Unicode code point
    /// each).
    Words(Vec<u32>),
    Float(f64),
    /// A LargePositiveInteger or LargeNegativeInteger (never in SmallInteger
    /// range).
    Large(Box<BigInt>),
    /// A CompiledMethod.
    Method(Rc<Code>),
    Closure(Box<Closure>),
    /// A context: a reference to a frame of a process, by serial number.
    Context {
        process: Value,
        serial: u64,
        /// The frame's index when the Context was made, where looking it
        /// up starts (the frames below it move only when inlined callees
        /// get frames of their own): finding a Context's frame costs how
        /// far it moved, not the depth of the stack.
        hint: u32,
    },
    /// A class or metaclass; `slots` hold the class-instance variables.
    Class {
        id: ClassId,
        slots: Vec<Value>,
    },
    /// A Process; the VM-side state lives in the scheduler table.
    Process(u32),
}

/// Where a pointer object's slots are: `len` values from `at` in the
/// heap's slot space ([`Heap::space`]). A non-empty span follows a
/// header word naming its object and length (see [`Heap::compact`]); an
/// empty one takes no room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub at: u32,
    pub len: u32,
}

impl Span {
    pub const EMPTY: Span = Span { at: 0, len: 0 };

    #[inline(always)]
    pub fn range(self) -> std::ops::Range<usize> {
        self.at as usize..self.at as usize + self.len as usize
    }
    #[inline(always)]
    pub fn len(self) -> usize {
        self.len as usize
    }
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// A span's header word in the slot space: its object's index and length.
#[inline(always)]
fn header(index: u32, len: u32) -> Value {
    Value::from_bits(((index as u64) << 32) | len as u64)
}

#[derive(Debug)]
pub struct Closure {
    pub code: Rc<Code>,
    /// The CompiledMethod object the block belongs to.
    pub method: Value,
    pub receiver: Value,
    /// Serial of the home method frame (target of `^` in the block).
    pub home: u64,
    /// The process the closure was created in (nil if unknown).
    pub process: Value,
    /// Serial of the frame that created the closure (its `outerContext`).
    pub outer: u64,
    /// The values the block copied when it was made (up to two kept in
    /// the closure, more in an allocation of their own).
    pub copied: smallvec::SmallVec<[Value; 2]>,
}

#[derive(Debug)]
pub struct Obj {
    pub class: ClassId,
    pub hash: u32,
    pub mark: bool,
    pub body: Body,
}

/// Approximate bytes an object costs (for the heap limit).
fn cost(body: &Body) -> usize {
    32 + match body {
        // (the span's header word is within the 32)
        Body::Slots(v) => v.len() * 8,
        Body::Bytes(b) => b.len(),
        Body::Words(w) => w.len() * 4,
        Body::Large(b) => (b.bits() / 8) as usize,
        Body::Closure(c) => 64 + c.copied.len() * 8,
        Body::Class { slots, .. } => slots.len() * 8,
        Body::Method(c) => c.footprint(),
        // and the scheduler's entry for it (frames and stack not counted)
        Body::Process(_) => PROCESS_COST,
        _ => 0,
    }
}

/// What a process costs besides its object: its entry in the scheduler's
/// table (`interp::proctable`), kept as long as the object is.
pub const PROCESS_COST: usize = 224;

pub struct Heap {
    pub objs: Vec<Obj>,
    /// The slots of every pointer object ([`Body::Slots`]), each span
    /// after its header word; garbage stays until the next collection.
    pub space: Vec<Value>,
    pub(crate) free: u32,
    pub(crate) next_hash: u32,
    /// Bytes allocated since the last collection.
    pub allocated: usize,
    /// Objects made since the last collection (what sweeping them costs
    /// follows their number, not their bytes).
    pub allocated_objects: usize,
    /// Estimated live bytes after the last collection.
    pub live: usize,
    /// Collect when `allocated` exceeds this.
    pub threshold: usize,
    /// Hard limit on live bytes; beyond it allocation fails.
    pub limit: usize,
    /// Bytes the VM holds outside objects and counts against the limit:
    /// class metadata (names, instance variable names, method
    /// dictionaries, versions, class variables), the symbol table's and
    /// the globals' keys. Set by every collection (`Vm::metadata_bytes`),
    /// raised between them as classes and symbols are made.
    pub metadata: usize,
    /// Bytes added to `limit` while an OutOfMemory is being signalled and
    /// handled (`Heap::grant_reserve`), 0 otherwise: the signal and its
    /// handler must be able to allocate.
    pub reserve: usize,
    pub collections: u64,
    /// Allocations that failed in a row (`OutOfMemory`) since a
    /// collection last made room for one: see [`Heap::worth_collecting`].
    pub failed_allocations: u64,
    /// Duration (ms, host clock) of the last collection, as timed by
    /// `Vm::collect_garbage`; 0 before the first.
    pub gc_last_ms: f64,
    /// The longest collection so far (ms).
    pub gc_max_ms: f64,
    /// Time spent collecting since the heap was made (ms).
    pub gc_total_ms: f64,
    /// What the next collection is expected to take (ms): follows the
    /// measured durations, rising fast and falling slowly. A host that
    /// slices time collects where this (times [`GC_FIT_FACTOR`], plus
    /// [`GC_FIT_MARGIN_MS`]) fits before its deadline, and otherwise puts
    /// the collection off once (`Vm::collect_if_due`).
    pub gc_estimate_ms: f64,
    /// The sliced host's collection point (bytes allocated): see
    /// [`Heap::gc_due`]. `usize::MAX` (the default) leaves it to
    /// `threshold`.
    pub soft_threshold: usize,
    /// The sliced host's collection point in objects made: see
    /// [`Heap::gc_due`]. `usize::MAX` (the default): none.
    pub soft_objects: usize,
    /// A due collection was put off because it did not fit before a
    /// deadline; the next slice starts with it, whatever its deadline.
    /// Cleared by a collection, or when none is due any longer.
    pub gc_deferred: bool,
    /// How many times a due collection was put off.
    pub gc_deferrals: u64,
    /// Fuel the running program owes for the bulk work of its primitives
    /// (see [`Heap::charge`]), paid before its next instruction.
    pub fuel_owed: u64,
}

/// Bytes a primitive allocates or copies per unit of fuel it costs on top
/// of its send: one instruction cannot zero, copy or collect megabytes
/// (`Array new: 1000000` in a loop would otherwise do gigabytes of work in
/// a few thousand instructions, and a slice of fuel would have no bound in
/// time).
pub const BYTES_PER_FUEL: usize = 1024;

/// The factor on [`Heap::gc_estimate_ms`] for deciding whether a
/// collection fits before a deadline (collections vary in length).
pub const GC_FIT_FACTOR: f64 = 1.5;
/// Added to the scaled estimate: the time to end the slice afterwards.
pub const GC_FIT_MARGIN_MS: f64 = 0.25;
/// [`Heap::gc_estimate_ms`] before the first collection is measured.
pub const GC_FIRST_ESTIMATE_MS: f64 = 1.0;

pub const NO_FREE: u32 = u32::MAX;

/// The identity hash generator's first state.
pub(crate) const HASH_SEED: u32 = 0x1234;
/// The bits of its state an identity hash takes.
pub(crate) const HASH_MASK: u32 = 0x3F_FFFF;

/// The identity hash generator's next state (a cheap xorshift gives
/// well-spread hashes): each allocation takes one.
#[inline]
pub(crate) fn xorshift(mut h: u32) -> u32 {
    h ^= h << 13;
    h ^= h >> 17;
    h ^= h << 5;
    h
}

impl Heap {
    pub fn new(limit: usize) -> Heap {
        Heap {
            objs: Vec::with_capacity(1 << 16),
            space: Vec::with_capacity(1 << 16),
            free: NO_FREE,
            next_hash: HASH_SEED,
            allocated: 0,
            allocated_objects: 0,
            live: 0,
            threshold: 8 << 20,
            limit,
            metadata: 0,
            reserve: 0,
            collections: 0,
            failed_allocations: 0,
            gc_last_ms: 0.0,
            gc_max_ms: 0.0,
            gc_total_ms: 0.0,
            gc_estimate_ms: GC_FIRST_ESTIMATE_MS,
            soft_threshold: usize::MAX,
            soft_objects: usize::MAX,
            gc_deferred: false,
            gc_deferrals: 0,
            fuel_owed: 0,
        }
    }

    /// Charges the running program for `bytes` of bulk work (an object a
    /// primitive made, a range it copied): one unit of fuel per
    /// [`BYTES_PER_FUEL`], owed until [`Heap::pay_owed`].
    #[inline]
    pub fn charge(&mut self, bytes: usize) {
        self.owe((bytes / BYTES_PER_FUEL) as u64);
    }

    /// Charges the running program `fuel` for work a primitive did
    /// without allocating or reading as much (LargeInteger arithmetic:
    /// `object::large::fuel_for`).
    #[inline]
    pub fn owe(&mut self, fuel: u64) {
        self.fuel_owed = self.fuel_owed.saturating_add(fuel);
    }

    /// Takes what is owed out of `fuel` (as much as it has; the rest stays
    /// owed) and answers the fuel left. The interpreter calls it before
    /// the next instruction after a primitive, so the same program stops
    /// at the same instruction whatever loop or tier ran it.
    #[inline]
    pub fn pay_owed(&mut self, fuel: u64) -> u64 {
        let paid = self.fuel_owed.min(fuel);
        self.fuel_owed -= paid;
        fuel - paid
    }

    /// Records how long a collection took (ms; negative or NaN readings of
    /// a misbehaving clock count as 0).
    ///
    /// Also updates [`Heap::gc_estimate_ms`]: half way to a longer
    /// duration at once, a tenth of the way to a shorter one (a single
    /// preempted collection does not make every later one look long, and
    /// a heap that grew is noticed by the next collection).
    pub fn note_gc_time(&mut self, ms: f64) {
        let ms = if ms > 0.0 { ms } else { 0.0 };
        self.gc_last_ms = ms;
        self.gc_max_ms = self.gc_max_ms.max(ms);
        self.gc_total_ms += ms;
        let w = if ms > self.gc_estimate_ms { 0.5 } else { 0.1 };
        self.gc_estimate_ms += w * (ms - self.gc_estimate_ms);
    }

    /// True when a host that slices time should collect at its next slice
    /// boundary: `allocated` is past `soft_threshold`, or past three
    /// quarters of `threshold` (so that the slice boundary usually comes
    /// before the interpreter's own trigger, [`Heap::needs_gc`]), or
    /// more objects than `soft_objects` were made (a pause is marking
    /// the live objects and sweeping the table: a few big objects need no
    /// early collection, many small ones do).
    #[inline]
    pub fn gc_due(&self) -> bool {
        self.allocated > self.soft_threshold.min(self.threshold / 4 * 3)
            || self.allocated_objects > self.soft_objects
    }

    /// True if a collection started at `now` is expected to end (with
    /// the safety factor and margin) by `deadline` (ms).
    pub fn gc_fits(&self, now: f64, deadline: f64) -> bool {
        now + self.gc_estimate_ms * GC_FIT_FACTOR + GC_FIT_MARGIN_MS <= deadline
    }

    #[inline]
    pub fn needs_gc(&self) -> bool {
        self.allocated > self.threshold
    }

    /// Whether `bytes` more would pass the limit.
    pub fn would_exceed(&self, bytes: usize) -> bool {
        self.used().saturating_add(bytes) > self.limit
    }

    /// Bytes counted against the limit: live objects (as of the last
    /// collection), allocated since, and the VM's metadata.
    pub fn used(&self) -> usize {
        self.live + self.allocated + self.metadata
    }

    /// Whether an allocation that does not fit should collect before it
    /// fails. Near the limit each collection costs about the whole heap,
    /// and a program that keeps retrying a failing allocation (handling
    /// its OutOfMemory) paid one per attempt. So after the first failure
    /// it collects at the 2nd, 4th, 8th... failure in a row (counted until
    /// a collection makes room: [`Heap::failed_allocations`]), or once a
    /// 32nd of the limit was allocated since the last collection: N
    /// failing attempts cost about log2(N) collections plus one per 32nd
    /// of the limit they allocate. A reference dropped before a retry is
    /// still noticed, a few failures later at most twice as many.
    pub fn worth_collecting(&self) -> bool {
        let n = self.failed_allocations;
        n == 0 || n.is_power_of_two() || self.allocated >= (self.limit - self.reserve) / 32
    }

    /// Lends a reserve (a sixteenth of the limit) to signal and handle an
    /// OutOfMemory; answers false if it is already lent (memory is out
    /// even with it). Given back by the first collection that leaves the
    /// heap under its own limit.
    pub fn grant_reserve(&mut self) -> bool {
        if self.reserve > 0 {
            return false;
        }
        self.reserve = (self.limit / 16).max(1 << 20);
        self.limit += self.reserve;
        true
    }

    /// True if live + allocated bytes exceed the hard limit.
    pub fn over_limit(&self) -> bool {
        self.would_exceed(0)
    }

    /// A new object of `class` with `body` (not a pointer object's: see
    /// [`Heap::alloc_slots`]).
    pub fn alloc(&mut self, class: ClassId, body: Body) -> Value {
        debug_assert!(
            !matches!(body, Body::Slots(_)),
            "slots go through alloc_slots"
        );
        self.place(class, body)
    }

    /// The cell the next object goes in: the free list's head, or a new
    /// one at the end.
    fn next_index(&self) -> u32 {
        if self.free != NO_FREE {
            self.free
        } else {
            self.objs.len() as u32
        }
    }

    /// Puts a new object in the next cell ([`Heap::next_index`]),
    /// counted as allocated.
    // (out of line: it is called from every allocating primitive, and
    // inlined there it grew the browser build by a few kilobytes)
    #[inline(never)]
    fn place(&mut self, class: ClassId, body: Body) -> Value {
        self.allocated += cost(&body);
        self.allocated_objects += 1;
        let h = xorshift(self.next_hash);
        self.next_hash = h;
        let obj = Obj {
            class,
            hash: h & HASH_MASK,
            mark: false,
            body,
        };
        let idx = self.free;
        match self.objs.get_mut(idx as usize) {
            Some(cell) => {
                // the free list's head: a `Free` cell, which owns nothing
                // (forgotten, not dropped: no drop glue to run)
                let old = std::mem::replace(cell, obj);
                debug_assert!(matches!(old.body, Body::Free { .. }));
                if let Body::Free { next } = old.body {
                    self.free = next;
                }
                std::mem::forget(old);
                Value::obj(idx)
            }
            None => {
                self.objs.push(obj);
                Value::obj((self.objs.len() - 1) as u32)
            }
        }
    }

    /// A new pointer object of `class` whose slots are `values`.
    #[inline]
    pub fn alloc_slots(&mut self, class: ClassId, values: &[Value]) -> Value {
        let span = self.span_of(self.next_index(), values);
        self.place(class, Body::Slots(span))
    }

    /// A new pointer object of `class` with `n` slots, all nil.
    #[inline]
    pub fn alloc_nils(&mut self, class: ClassId, n: usize) -> Value {
        let span = self.new_span(self.next_index(), n);
        self.place(class, Body::Slots(span))
    }

    /// Room for `n` nil slots of the object at `index`, at the end of the
    /// slot space (its header first).
    fn new_span(&mut self, index: u32, n: usize) -> Span {
        if n == 0 {
            return Span::EMPTY;
        }
        let len = u32::try_from(n).expect("a pointer object of 2^32 slots");
        let need = n + 1;
        if self.space.capacity() - self.space.len() < need {
            // grow by half at least: amortized, without doubling a big
            // space at once
            self.space.reserve(need.max(self.space.len() / 2));
        }
        self.space.push(header(index, len));
        let at = self.space.len();
        self.space.resize(at + n, Value::NIL);
        Span {
            at: u32::try_from(at).expect("a slot space of 2^32 words"),
            len,
        }
    }

    /// A new span of the object at `index` holding `values`.
    fn span_of(&mut self, index: u32, values: &[Value]) -> Span {
        let span = self.new_span(index, values.len());
        self.space[span.range()].copy_from_slice(values);
        span
    }

    /// The slots `values` of the object at `index` as a new span (a
    /// snapshot's objects, read in order); an error past the space's
    /// addressable size.
    pub(crate) fn push_span(&mut self, index: u32, values: &[Value]) -> Result<Span, String> {
        if values.len() >= u32::MAX as usize || self.space.len() + values.len() >= u32::MAX as usize
        {
            return Err("too many slots".into());
        }
        Ok(self.span_of(index, values))
    }

    /// Gives pointer object `v` the slots `values` instead of its own
    /// (a new span; the old one is garbage), keeping its identity: an
    /// instance of a redefined class. Counted as allocated.
    pub fn replace_slots(&mut self, v: Value, values: &[Value]) {
        if !matches!(self.try_get(v).map(|o| &o.body), Some(Body::Slots(_))) {
            return;
        }
        let span = self.span_of(v.obj_index() as u32, values);
        self.allocated += cost(&Body::Slots(span));
        self.objs[v.obj_index()].body = Body::Slots(span);
    }

    /// The slots of pointer object `v` (`None` for anything else).
    #[inline(always)]
    pub fn slots(&self, v: Value) -> Option<&[Value]> {
        match self.try_get(v).map(|o| &o.body) {
            Some(&Body::Slots(s)) => self.space.get(s.range()),
            _ => None,
        }
    }

    /// The slots of pointer object `v`, to change.
    #[inline(always)]
    pub fn slots_mut(&mut self, v: Value) -> Option<&mut [Value]> {
        match self.try_get(v).map(|o| &o.body) {
            Some(&Body::Slots(s)) => self.space.get_mut(s.range()),
            _ => None,
        }
    }

    /// The values of span `s`.
    #[inline(always)]
    pub fn span(&self, s: Span) -> &[Value] {
        self.space.get(s.range()).unwrap_or(&[])
    }

    /// Gives the object `v` another class and body in place: everything
    /// that referred to it sees the new form, and its identity hash stays
    /// (what Squeak's `becomeForward:` to a converted copy does; a
    /// ByteString turning wide). Growth counts as allocated.
    pub fn morph(&mut self, v: Value, class: ClassId, body: Body) {
        let Some(o) = self.try_get_mut(v) else {
            return;
        };
        let (old, new) = (cost(&o.body), cost(&body));
        o.class = class;
        o.body = body;
        self.allocated += new.saturating_sub(old);
    }

    #[inline(always)]
    pub fn get(&self, v: Value) -> &Obj {
        &self.objs[v.obj_index()]
    }
    /// The object `v` refers to, or `None` for immediates.
    #[inline]
    pub fn try_get(&self, v: Value) -> Option<&Obj> {
        if v.is_obj() {
            self.objs.get(v.obj_index())
        } else {
            None
        }
    }
    #[inline]
    pub fn try_get_mut(&mut self, v: Value) -> Option<&mut Obj> {
        if v.is_obj() {
            self.objs.get_mut(v.obj_index())
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn get_mut(&mut self, v: Value) -> &mut Obj {
        &mut self.objs[v.obj_index()]
    }
    /// Two different objects, the first to change (`None` for the same
    /// object twice or an immediate).
    pub fn pair_mut(&mut self, a: Value, b: Value) -> Option<(&mut Obj, &Obj)> {
        if !(a.is_obj() && b.is_obj()) {
            return None;
        }
        let [x, y] = self
            .objs
            .get_disjoint_mut([a.obj_index(), b.obj_index()])
            .ok()?;
        Some((x, y))
    }

    /// Mark everything reachable from `roots`, then sweep. `extra` marks
    /// additional roots given as a callback over a worklist.
    pub fn collect(&mut self, roots: &[Value]) {
        let mut stack: Vec<Value> = roots.to_vec();
        let space = &self.space;
        while let Some(v) = stack.pop() {
            if !v.is_obj() {
                continue;
            }
            let idx = v.obj_index();
            let obj = match self.objs.get_mut(idx) {
                Some(o) => o,
                None => continue,
            };
            if obj.mark {
                continue;
            }
            obj.mark = true;
            match &obj.body {
                Body::Slots(s) => stack.extend_from_slice(space.get(s.range()).unwrap_or(&[])),
                Body::Class { slots, .. } => stack.extend_from_slice(slots),
                Body::Method(code) => push_code_literals(code, &mut stack),
                Body::Closure(c) => {
                    stack.push(c.method);
                    stack.push(c.receiver);
                    stack.push(c.process);
                    stack.extend_from_slice(&c.copied);
                    push_code_literals(&c.code, &mut stack);
                }
                Body::Context { process, .. } => stack.push(*process),
                _ => {}
            }
        }
        // sweep
        let mut live = 0usize;
        for i in (0..self.objs.len()).rev() {
            let o = &mut self.objs[i];
            if o.mark {
                o.mark = false;
                live += cost(&o.body);
            } else if !matches!(o.body, Body::Free { .. }) {
                o.body = Body::Free { next: self.free };
                self.free = i as u32;
            }
        }
        self.compact();
        self.live = live;
        self.allocated = 0;
        self.allocated_objects = 0;
        self.threshold = (live / 2).max(8 << 20);
        // the reserve goes back once the heap is under its own limit again
        if self.reserve > 0 && live + self.metadata < self.limit - self.reserve {
            self.limit -= self.reserve;
            self.reserve = 0;
        }
        self.collections += 1;
        self.gc_deferred = false;
    }

    /// Slides the spans of live pointer objects to the start of the slot
    /// space, in order, after a sweep: a span is live if its header's
    /// object is a pointer object whose span starts right after it (a
    /// swept object is free; one whose slots were replaced has another
    /// span). Linear in the space, with no recursion and no allocation.
    fn compact(&mut self) {
        let (mut r, mut w) = (0usize, 0usize);
        let end = self.space.len();
        while r < end {
            let h = self.space[r].bits();
            let (index, len) = ((h >> 32) as usize, (h & 0xFFFF_FFFF) as usize);
            let next = (r + 1 + len).min(end);
            if let Some(Obj {
                body: Body::Slots(s),
                ..
            }) = self.objs.get_mut(index)
            {
                if s.at as usize == r + 1 {
                    if w != r {
                        self.space.copy_within(r..next, w);
                        s.at = (w + 1) as u32;
                    }
                    w += next - r;
                }
            }
            r = next;
        }
        self.space.truncate(w);
        if self.space.capacity() > 4 * w + (1 << 16) {
            self.space.shrink_to(2 * w + (1 << 16));
        }
    }

    /// Whether `v` refers to a free cell (an object the last collection
    /// swept, before anything was allocated again).
    pub fn is_free(&self, v: Value) -> bool {
        matches!(self.try_get(v).map(|o| &o.body), Some(Body::Free { .. }))
    }

    pub fn count_live(&self) -> usize {
        self.objs
            .iter()
            .filter(|o| !matches!(o.body, Body::Free { .. }))
            .count()
    }
}

fn push_code_literals(code: &Code, stack: &mut Vec<Value>) {
    stack.extend_from_slice(&code.literals);
    for b in &code.blocks {
        push_code_literals(b, stack);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(i: i64) -> Value {
        Value::small(i)
    }

    #[test]
    fn a_collection_slides_live_spans_together_and_keeps_their_values() {
        let mut h = Heap::new(1 << 30);
        let a = h.alloc_slots(7, &[int(1), int(2)]);
        let dead = h.alloc_slots(7, &[int(3); 100]);
        let empty = h.alloc_nils(7, 0);
        let b = h.alloc_slots(7, &[int(4), a, int(5)]);
        // a's slots replaced: its first span is garbage, its second after b's
        h.replace_slots(a, &[int(6), b, int(7), int(8)]);
        assert_eq!(h.space.len(), 3 + 101 + 4 + 5);
        h.collect(&[a, empty]);
        assert!(h.is_free(dead));
        assert_eq!(h.slots(a), Some(&[int(6), b, int(7), int(8)][..]));
        assert_eq!(h.slots(b), Some(&[int(4), a, int(5)][..]));
        assert_eq!(h.slots(empty), Some(&[][..]));
        // only the live spans and their headers are left, b's first
        assert_eq!(h.space.len(), 4 + 5);
        // a reused cell gets a new span; the swept object's is gone
        let c = h.alloc_slots(8, &[int(9)]);
        assert_eq!(c, dead);
        h.collect(&[a, c]);
        assert_eq!(h.slots(c), Some(&[int(9)][..]));
        assert_eq!(h.slots(a).map(|s| s.len()), Some(4));
        assert_eq!(h.space.len(), 4 + 5 + 2);
        // what a collection leaves can be changed in place
        h.slots_mut(c).unwrap()[0] = int(10);
        h.collect(&[c]);
        assert_eq!(h.slots(c), Some(&[int(10)][..]));
        assert_eq!(h.space.len(), 2);
    }
}
