//! The interpreter loop: `run(fuel)` and everything a send, return,
//! non-local return or unwind does to the frame stack.
//!
//! Every transfer of control edits `Vm::frames`; none calls back into
//! Rust recursively. After any instruction the loop can stop and later
//! resume exactly where it was (fuel 1 gives the same result as
//! unlimited fuel).

use super::fast::{self, Exit};
use super::frame::{Frame, OnReturn, ProcState, Unwind, UnwindAction};
use super::prims::{self, PrimResult};
use super::sites::TierSend;
use super::TierMode;
use super::{CacheEntry, ErrorInfo, Vm, CACHE_SIZE};
use crate::bytecode::arith::arith_small;
use crate::bytecode::{Arith, Op};
use crate::object::{Body, ClassId, Closure, Code, Marker, Value};
use crate::tier::code::OptCode;
use std::cell::Cell;
use std::rc::Rc;

pub const NO_PROC: usize = usize::MAX;

/// What one call of [`Vm::run`] ended with.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The fuel ran out; call `run` again to continue.
    Yielded,
    /// A process returned from its bottom frame.
    Finished { pid: usize, value: Value },
    /// A process stopped on an unhandled error and is suspended (R9).
    Error { pid: usize },
    /// Nothing can run until the host clock reaches `until` (ms).
    Waiting { until: f64 },
    /// No process can run.
    Idle,
}

/// Instructions between two readings of the clock in [`Vm::run_until`],
/// at first and at least; [`Vm::run_until`] adapts the interval
/// (`Vm::clock_every`) so that readings come every [`CLOCK_MIN_MS`] to
/// [`CLOCK_MAX_MS`], up to [`CLOCK_CHECK_MAX`] instructions apart.
pub const CLOCK_CHECK: u64 = 4096;
/// The most instructions between two readings of the clock.
pub const CLOCK_CHECK_MAX: u64 = 1 << 17;
/// Readings closer than this (ms) double the interval: a reading costs a
/// call out of wasm, which at every 4,096 instructions took a tenth of the
/// sieve's time in the page.
pub const CLOCK_MIN_MS: f64 = 0.05;
/// Readings further apart than this (ms) halve it: a slice ends at most
/// about this late.
pub const CLOCK_MAX_MS: f64 = 0.2;

/// Headroom above `max_depth` for handling a stack overflow error.
const OVERFLOW_HEADROOM: usize = 20_000;

impl Vm {
    /// Like [`Vm::run`], and also stops (`Yielded`) once the host clock
    /// reads `deadline` (ms) or later; the clock is read every
    /// [`CLOCK_CHECK`] instructions. A host that slices time by the clock
    /// (the playground) gets slices that end on time even when the speed
    /// of the code changes, which a fuel estimate cannot promise.
    ///
    /// Collections are slice-aware: at the start and at every clock
    /// reading, a due collection ([`Heap::gc_due`](crate::object::Heap::gc_due))
    /// runs only if it is expected to end before `deadline`
    /// ([`Vm::collect_if_due`]). If not, it is put off (`heap.gc_deferred`)
    /// and the call runs on to its deadline without collecting (unless the
    /// interpreter's own trigger, [`Heap::needs_gc`](crate::object::Heap::needs_gc),
    /// is reached); the next call starts with the collection.
    ///
    /// A clock reading changes nothing in the frames: each chunk of fuel
    /// but the last may stop short (`Vm::soft_stop`) where the fast loop
    /// cannot carry on without counting, and the next chunk goes on in the
    /// same optimized code. The fuel is still exact: what a chunk leaves
    /// carries over.
    pub fn run_until(&mut self, fuel: u64, deadline: f64) -> Outcome {
        let mut put_off = !self.collect_if_due(Some(deadline));
        let mut left = fuel;
        // the fuel a chunk needs to carry the running code to a jump
        let mut need = CLOCK_CHECK;
        let mut last = (self.clock)();
        loop {
            let start = self.insn_count;
            let chunk = left.min(need.max(self.clock_every));
            self.soft_stop = chunk < left;
            let out = self.run(chunk);
            self.soft_stop = false;
            let short = self.stopped_short.take();
            let used = self.insn_count - start;
            left = left.saturating_sub(used);
            need = match short {
                // no progress: the next chunk covers the code
                Some(n) if used == 0 => n,
                _ => CLOCK_CHECK,
            };
            if out != Outcome::Yielded || left == 0 || (used == 0 && short.is_none()) {
                return out;
            }
            let now = (self.clock)();
            if now >= deadline {
                return out;
            }
            // (only a full chunk tells the rate)
            if used >= self.clock_every {
                let dt = now - last;
                if dt < CLOCK_MIN_MS {
                    self.clock_every = (self.clock_every * 2).min(CLOCK_CHECK_MAX);
                } else if dt > CLOCK_MAX_MS {
                    self.clock_every = (self.clock_every / 2).max(CLOCK_CHECK);
                }
            }
            last = now;
            if !put_off {
                put_off = !self.collect_if_due(Some(deadline));
            }
        }
    }

    /// A slice boundary's collection. If a collection is due
    /// ([`Heap::gc_due`](crate::object::Heap::gc_due)), runs it when it
    /// fits before `deadline` (`None`: no deadline, it always fits), or
    /// when it must not wait: it was already put off once since the last
    /// collection, or the interpreter's own trigger has been reached.
    /// Otherwise puts it off (`heap.gc_deferred`, `heap.gc_deferrals`) and
    /// answers false: the caller should not call again before its next
    /// slice (the next call collects, whatever its deadline), so that a
    /// slice with its whole budget starts with the collection. A
    /// collection is thus put off at most once.
    ///
    /// Near the heap limit (live plus allocated bytes past half of it) it
    /// does nothing and leaves collecting to the interpreter, which signals
    /// OutOfMemory when a collection does not free enough.
    ///
    /// Should the heap still be over its limit after collecting, the
    /// interpreter's trigger is set so that its next step collects again
    /// and signals OutOfMemory there.
    pub fn collect_if_due(&mut self, deadline: Option<f64>) -> bool {
        if !self.heap.gc_due() || self.heap.live + self.heap.allocated > self.heap.limit / 2 {
            // nothing (any longer) put off
            self.heap.gc_deferred = false;
            return true;
        }
        let fits = deadline.is_none_or(|d| self.heap.gc_fits((self.clock)(), d));
        if fits || self.heap.gc_deferred || self.heap.needs_gc() {
            self.collect_garbage();
            if self.heap.over_limit() {
                self.heap.allocated = self.heap.threshold.saturating_add(1);
            }
            true
        } else {
            self.heap.gc_deferred = true;
            self.heap.gc_deferrals += 1;
            false
        }
    }

    /// Runs up to `fuel` instructions of the ready processes.
    ///
    /// The end of a slice changes nothing in the frames: optimized frames
    /// stay optimized, with their inlined callees inside them, and the
    /// next call goes on in the optimized code. The host reads them
    /// through [`Vm::virtual_frames`]; what acts on a process's frames
    /// materializes that process first ([`Vm::materialize_process`]).
    pub fn run(&mut self, fuel: u64) -> Outcome {
        let mut fuel = fuel;
        self.wake_sleepers();
        loop {
            if let Some(ev) = self.events.pop_front() {
                return ev;
            }
            if self.active == NO_PROC || self.procs[self.active].state != ProcState::Ready {
                match self.pick_next() {
                    Some(p) => self.switch_to(p),
                    None => {
                        if let Some(until) = self.next_wakeup() {
                            return Outcome::Waiting { until };
                        }
                        return Outcome::Idle;
                    }
                }
            }
            if fuel == 0 {
                return Outcome::Yielded;
            }
            let before = fuel;
            fuel = self.interpret(fuel);
            self.insn_count += before - fuel;
            if self.stopped_short.is_some() {
                return Outcome::Yielded;
            }
        }
    }

    /// Runs the active process until fuel runs out or it stops being
    /// runnable (finished, waiting, errored, or preempted).
    ///
    /// Each time round `'frame`, the fast loop (`fast.rs`) runs first; it
    /// hands back the instructions it leaves to this loop, which runs them
    /// (and whatever follows, up to the next send, return or back-edge).
    fn interpret(&mut self, mut fuel: u64) -> u64 {
        'frame: loop {
            if self.active == NO_PROC || self.procs[self.active].state != ProcState::Ready {
                return fuel;
            }
            if self.frames.is_empty() {
                return fuel;
            }
            if self.heap.needs_gc() {
                self.collect_garbage();
                if self.heap.over_limit() {
                    self.heap.allocated = 0;
                    // signalling allocates: within a reserve, once
                    if self.heap.grant_reserve() {
                        self.inject_send(Value::NIL, self.sel.out_of_memory);
                    } else {
                        self.fatal("out of memory", "OutOfMemory");
                    }
                    continue 'frame;
                }
            }
            // the fast loop runs until an instruction needs this one
            let mut first = if self.fast_loop {
                match fast::run(self, &mut fuel) {
                    Exit::Fuel | Exit::Short => return fuel,
                    Exit::Frame => continue 'frame,
                    Exit::Slow(op) => Some(op),
                }
            } else {
                None
            };
            // (the fast loop hands back no instruction of an inlined
            // callee; this loop runs it in a frame of its own)
            if first.is_none() {
                let fi = self.frames.len() - 1;
                if self.frames[fi].in_inlined() {
                    self.split_active(fi);
                }
            }
            let fi = self.frames.len() - 1;
            let code: Rc<Code> = self.frames[fi].code.clone();
            let ops: &[Op] = &code.ops;
            let opt: Option<Rc<OptCode>> = self.frames[fi].opt.clone();
            let opt_ops: Option<&[Cell<Op>]> = opt.as_deref().map(|o| &o.ops[..]);
            let mut pc = self.frames[fi].pc as usize;
            let bp = self.frames[fi].bp as usize;
            let recv = self.frames[fi].receiver;
            'insn: loop {
                // The instruction is matched through a reference, so each
                // arm loads just its own operands. Optimized code lives in
                // `Cell`s, so it is copied into `held` first.
                let held: Op;
                let handed = first.is_some();
                let mut cur: &Op = if let Some(op) = first.take() {
                    // handed back by the fast loop, fetched and charged
                    held = op;
                    &held
                } else {
                    if fuel == 0 {
                        self.frames[fi].pc = pc as u32;
                        return fuel;
                    }
                    fuel -= 1;
                    let fetched = match opt_ops {
                        Some(o) => match o.get(pc) {
                            Some(c) => {
                                held = c.get();
                                Some(&held)
                            }
                            None => None,
                        },
                        None => ops.get(pc),
                    };
                    match fetched {
                        Some(op) => {
                            pc += 1;
                            op
                        }
                        None => {
                            // falling off the end behaves like returning self
                            self.frames[fi].pc = pc as u32;
                            self.return_value(recv);
                            continue 'frame;
                        }
                    }
                };
                'dispatch: loop {
                    match *cur {
                        Op::PushSelf => self.stack.push(recv),
                        Op::PushNil => self.stack.push(Value::NIL),
                        Op::PushTrue => self.stack.push(Value::TRUE),
                        Op::PushFalse => self.stack.push(Value::FALSE),
                        Op::PushInt(i) => self.stack.push(Value::small(i as i64)),
                        Op::PushLit(i) => self.stack.push(code.literals[i as usize]),
                        Op::PushGlobal(i) => {
                            let v = self.assoc_value(code.literals[i as usize]);
                            self.stack.push(v);
                        }
                        Op::StoreGlobal(i) => {
                            let v = self.top();
                            self.set_assoc_value(code.literals[i as usize], v);
                        }
                        Op::PushTemp(i) => {
                            let v = self.stack[bp + i as usize];
                            self.stack.push(v);
                        }
                        Op::StoreTemp(i) => {
                            let v = self.top();
                            self.stack[bp + i as usize] = v;
                        }
                        Op::PopTemp(i) => {
                            let v = self.stack.pop().unwrap_or(Value::NIL);
                            self.stack[bp + i as usize] = v;
                        }
                        Op::PushRemote { idx, vec } => {
                            let tv = self.stack[bp + vec as usize];
                            let v = self.slot(tv, idx as usize);
                            self.stack.push(v);
                        }
                        Op::StoreRemote { idx, vec } => {
                            let tv = self.stack[bp + vec as usize];
                            let v = self.top();
                            self.set_slot(tv, idx as usize, v);
                        }
                        Op::PushInstVar(i) => {
                            let v = self.slot(recv, i as usize);
                            self.stack.push(v);
                        }
                        Op::StoreInstVar(i) => {
                            let v = self.top();
                            self.set_slot(recv, i as usize, v);
                        }
                        Op::PushThisContext => {
                            // contexts see the interpreter's frames: an
                            // inlined callee below becomes a frame first,
                            // then the instruction runs again
                            if self.materialize_inlined() {
                                if let Some(f) = self.frames.last_mut() {
                                    f.pc = (pc - 1) as u32;
                                }
                                fuel += 1;
                                continue 'frame;
                            }
                            let ctx = self.context_for(fi);
                            self.stack.push(ctx);
                        }
                        Op::Pop => {
                            self.stack.pop();
                        }
                        Op::Dup => {
                            let v = self.top();
                            self.stack.push(v);
                        }
                        Op::MakeArray { size, nils } => {
                            let v = if size == 0 {
                                self.new_array(vec![Value::NIL; nils as usize])
                            } else {
                                let n = self.stack.len() - size as usize;
                                let items = self.stack.split_off(n);
                                self.new_array(items)
                            };
                            self.stack.push(v);
                        }
                        Op::Send { sel, argc } => {
                            self.frames[fi].pc = pc as u32;
                            let serial = self.frames[fi].serial;
                            self.send(code.literals[sel as usize], argc as usize, None);
                            // a primitive answered: stay in this frame's loop
                            if self.same_frame(fi, serial, &code, &opt) {
                                pc = self.frames[fi].pc as usize;
                                continue 'insn;
                            }
                            continue 'frame;
                        }
                        Op::SuperSend { sel, argc } => {
                            self.frames[fi].pc = pc as u32;
                            let sup = self.classes[code.info.class as usize].superclass;
                            match sup {
                                Some(s) => {
                                    self.send(code.literals[sel as usize], argc as usize, Some(s))
                                }
                                None => {
                                    // super of a root class: nothing to find
                                    self.does_not_understand(
                                        code.literals[sel as usize],
                                        argc as usize,
                                        None,
                                    )
                                }
                            }
                            continue 'frame;
                        }
                        Op::Arith(a) => {
                            let n = self.stack.len();
                            let (x, y) = (self.stack[n - 2], self.stack[n - 1]);
                            if x.is_int() && y.is_int() {
                                if let Some(r) =
                                    arith_small(a, x.int_unchecked(), y.int_unchecked())
                                {
                                    self.stack.truncate(n - 1);
                                    self.stack[n - 2] = r;
                                    continue 'insn;
                                }
                            }
                            self.frames[fi].pc = pc as u32;
                            let serial = self.frames[fi].serial;
                            let sel = self.arith_selector(a);
                            self.send(sel, 1, None);
                            if self.same_frame(fi, serial, &code, &opt) {
                                pc = self.frames[fi].pc as usize;
                                continue 'insn;
                            }
                            continue 'frame;
                        }
                        Op::At | Op::AtPut => {
                            let (prim, argc, sel) = if matches!(*cur, Op::At) {
                                (60, 1, self.sel.at)
                            } else {
                                (61, 2, self.sel.at_put)
                            };
                            if self.array_prims_plain()
                                && fast::array_access(
                                    &mut self.heap,
                                    self.k.array,
                                    &mut self.stack,
                                    prim,
                                    argc,
                                )
                            {
                                continue 'insn;
                            }
                            self.frames[fi].pc = pc as u32;
                            let serial = self.frames[fi].serial;
                            self.send(sel, argc, None);
                            if self.same_frame(fi, serial, &code, &opt) {
                                pc = self.frames[fi].pc as usize;
                                continue 'insn;
                            }
                            continue 'frame;
                        }
                        Op::IdentityEq => {
                            let y = self.stack.pop().unwrap_or(Value::NIL);
                            let x = self.stack.pop().unwrap_or(Value::NIL);
                            self.stack.push(Value::bool(self.identical(x, y)));
                        }
                        Op::Class => {
                            let x = self.stack.pop().unwrap_or(Value::NIL);
                            let c = self.class_of(x);
                            self.stack.push(self.classes[c as usize].obj);
                        }
                        Op::Jump(d) => {
                            pc = (pc as i64 + d as i64) as usize;
                            if d < 0 {
                                if self.heap.needs_gc() {
                                    self.frames[fi].pc = pc as u32;
                                    continue 'frame;
                                }
                                // a loop head: on-stack replacement into
                                // optimized code (R7)
                                if opt.is_none() && self.tier != TierMode::Off {
                                    self.frames[fi].pc = pc as u32;
                                    if self.tier_backedge(fi) {
                                        continue 'frame;
                                    }
                                }
                                // back to the fast loop
                                self.frames[fi].pc = pc as u32;
                                continue 'frame;
                            }
                        }
                        Op::JumpIfTrue(d) | Op::JumpIfFalse(d) => {
                            let v = self.stack.pop().unwrap_or(Value::NIL);
                            let want = matches!(*cur, Op::JumpIfTrue(_));
                            if v == Value::TRUE {
                                if want {
                                    pc = (pc as i64 + d as i64) as usize;
                                }
                            } else if v == Value::FALSE {
                                if !want {
                                    pc = (pc as i64 + d as i64) as usize;
                                }
                            } else {
                                // not a Boolean: send mustBeBoolean (its result
                                // is treated as the condition's value)
                                self.stack.push(v);
                                self.frames[fi].pc = pc as u32;
                                self.non_boolean(v);
                                continue 'frame;
                            }
                        }
                        Op::JumpIfNil(d) => {
                            if self.stack.pop().unwrap_or(Value::NIL) == Value::NIL {
                                pc = (pc as i64 + d as i64) as usize;
                            }
                        }
                        Op::JumpIfNotNil(d) => {
                            if self.stack.pop().unwrap_or(Value::NIL) != Value::NIL {
                                pc = (pc as i64 + d as i64) as usize;
                            }
                        }
                        Op::ReturnTop => {
                            let v = self.stack.pop().unwrap_or(Value::NIL);
                            self.frames[fi].pc = pc as u32;
                            self.return_value(v);
                            continue 'frame;
                        }
                        Op::ReturnSelf => {
                            self.frames[fi].pc = pc as u32;
                            self.return_value(recv);
                            continue 'frame;
                        }
                        Op::NonLocalReturn => {
                            let v = self.stack.pop().unwrap_or(Value::NIL);
                            self.frames[fi].pc = pc as u32;
                            self.non_local_return(v);
                            continue 'frame;
                        }
                        Op::MakeClosure { block, copied } => {
                            let n = self.stack.len() - copied as usize;
                            let copied = self.stack.split_off(n);
                            let f = &self.frames[fi];
                            let c = Closure {
                                code: code.blocks[block as usize].clone(),
                                method: f.method,
                                receiver: f.receiver,
                                home: f.home,
                                process: self.procs[self.active].obj,
                                outer: f.serial,
                                copied,
                            };
                            let v = self
                                .heap
                                .alloc(self.k.full_block_closure, Body::Closure(Box::new(c)));
                            self.stack.push(v);
                        }
                        // ----- optimized instructions (see crate::tier) -----
                        // The fused SmallInteger instructions are the fast
                        // loop's; here the canonical sequence they stand for
                        // runs instead (same result, same fuel).
                        Op::ArithTT { .. }
                        | Op::ArithTI { .. }
                        | Op::ArithSI { .. }
                        | Op::BranchTT { .. }
                        | Op::BranchTI { .. }
                        | Op::BranchSI { .. }
                        | Op::IncTemp { .. }
                        | Op::SetTT { .. }
                        | Op::SetTI { .. }
                        | Op::PushTT { .. }
                        | Op::AtPutPop
                        | Op::AtPutTTK { .. }
                        | Op::BranchAtTT { .. }
                        | Op::JumpBranchTT { .. }
                        | Op::JumpBranchTI { .. }
                        | Op::GetterS { .. }
                        | Op::GetterT { .. }
                        | Op::ConstS { .. }
                        | Op::ConstT { .. }
                        | Op::Loop { .. } => {
                            cur = &ops[pc - 1];
                            continue 'dispatch;
                        }
                        Op::InlineReturn { .. }
                        | Op::PushOuterSelf(_)
                        | Op::PushOuterVar { .. }
                        | Op::StoreOuterVar { .. } => {
                            // only in an inlined callee's body, which
                            // this loop never runs (see above): as a
                            // frame of its own, again
                            self.frames[fi].pc = (pc - 1) as u32;
                            fuel += 1;
                            if !self.split_active(fi) {
                                self.frames[fi].opt = None;
                            }
                            continue 'frame;
                        }
                        Op::InlineEnter { .. } if !handed && self.fast_loop => {
                            // the fast loop runs inlined callees: it
                            // takes over here (or, short of fuel for
                            // that, hands this back as the plain send)
                            self.frames[fi].pc = (pc - 1) as u32;
                            fuel += 1;
                            continue 'frame;
                        }
                        Op::SendAdaptive { site }
                        | Op::SendCached { site }
                        | Op::SendMega { site }
                        | Op::InlinePrefix { site }
                        | Op::InlineLeaf { site }
                        | Op::InlineEnter { scope: site, .. } => {
                            let o = match &opt {
                                Some(o) => o.clone(),
                                None => {
                                    cur = &ops[pc - 1];
                                    continue 'dispatch;
                                }
                            };
                            self.frames[fi].pc = pc as u32;
                            let serial = self.frames[fi].serial;
                            match self.tier_send(&o, site as usize, pc - 1, *cur, &mut fuel) {
                                TierSend::Fallback => {
                                    cur = &ops[pc - 1];
                                    continue 'dispatch;
                                }
                                TierSend::Done => {
                                    continue 'insn;
                                }
                                TierSend::Sent => {
                                    if self.same_frame(fi, serial, &code, &opt) {
                                        pc = self.frames[fi].pc as usize;
                                        continue 'insn;
                                    }
                                    continue 'frame;
                                }
                            }
                        }
                    }
                    break 'dispatch;
                }
            }
        }
    }

    /// True if, after a send, frame `fi` (with this serial and code) is
    /// still the running top frame of a runnable process — i.e. a
    /// primitive answered and the interpreter may keep its locals.
    #[inline(always)]
    fn same_frame(
        &self,
        fi: usize,
        serial: u64,
        code: &Rc<Code>,
        opt: &Option<Rc<OptCode>>,
    ) -> bool {
        self.frames.len() == fi + 1
            && self.frames[fi].serial == serial
            && Rc::ptr_eq(&self.frames[fi].code, code)
            && match (&self.frames[fi].opt, opt) {
                (None, None) => true,
                (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                _ => false,
            }
            && self.active != NO_PROC
            && self.procs[self.active].state == ProcState::Ready
            && !self.heap.needs_gc()
            && self.events.is_empty()
    }

    /// True if the active process may keep running without the general
    /// loop looking first (no process switch, collection or event due).
    #[inline(always)]
    pub(super) fn runnable_here(&self) -> bool {
        self.active != NO_PROC
            && self.procs[self.active].state == ProcState::Ready
            && !self.heap.needs_gc()
            && self.events.is_empty()
    }

    #[inline(always)]
    pub(crate) fn top(&self) -> Value {
        *self.stack.last().unwrap_or(&Value::NIL)
    }

    /// Slot `i` of a pointer object (nil if there is none).
    #[inline]
    pub fn slot(&self, obj: Value, i: usize) -> Value {
        fast::slot(&self.heap, obj, i)
    }

    #[inline]
    pub fn set_slot(&mut self, obj: Value, i: usize, v: Value) {
        match self.heap.try_get_mut(obj).map(|o| &mut o.body) {
            Some(Body::Slots(s)) => {
                if let Some(x) = s.get_mut(i) {
                    *x = v;
                }
            }
            Some(Body::Class { slots, .. }) => {
                if i >= slots.len() {
                    slots.resize(i + 1, Value::NIL);
                }
                slots[i] = v;
            }
            _ => {}
        }
    }

    /// `==`: identity, except that Floats compare by bits like Squeak's
    /// immediate SmallFloat64s do.
    pub fn identical(&self, x: Value, y: Value) -> bool {
        if x == y {
            return true;
        }
        match (self.heap.try_get(x), self.heap.try_get(y)) {
            (Some(a), Some(b)) => match (&a.body, &b.body) {
                (Body::Float(p), Body::Float(q)) => {
                    a.class == self.k.small_float && p.to_bits() == q.to_bits()
                }
                _ => false,
            },
            _ => false,
        }
    }

    fn arith_selector(&self, a: Arith) -> Value {
        self.sel.arith[a as usize]
    }

    // ----- sends -----

    /// Looks up a method through the global cache.
    #[inline]
    pub(super) fn lookup(&mut self, class: ClassId, sel: Value) -> Option<(Value, Rc<Code>)> {
        let h = ((class as usize).wrapping_mul(31) ^ (sel.bits() as usize >> 3)) & (CACHE_SIZE - 1);
        let e = &self.cache[h];
        if e.class == class && e.sel == sel && e.epoch == self.cache_epoch {
            if let Some(c) = &e.code {
                return Some((e.method, c.clone()));
            }
        }
        let m = self.lookup_uncached(class, sel)?;
        let code = self.method_code(m)?;
        self.cache[h] = CacheEntry {
            epoch: self.cache_epoch,
            class,
            sel,
            method: m,
            code: Some(code.clone()),
        };
        Some((m, code))
    }

    /// Sends `sel` to the receiver below the top `argc` stack values.
    pub(crate) fn send(&mut self, sel: Value, argc: usize, lookup_class: Option<ClassId>) {
        self.send_count += 1;
        let n = self.stack.len();
        let recv = self.stack[n - argc - 1];
        let class = lookup_class.unwrap_or_else(|| self.class_of(recv));
        match self.lookup(class, sel) {
            Some((m, code)) => self.invoke(m, code, recv, argc),
            None => self.does_not_understand(sel, argc, lookup_class),
        }
    }

    pub(crate) fn invoke(&mut self, method: Value, code: Rc<Code>, recv: Value, argc: usize) {
        let prim = code.info.primitive;
        if prim != 0 {
            if (prim == 60 || prim == 61) && self.array_access(prim, argc) {
                return;
            }
            match prims::call(self, prim, argc) {
                PrimResult::Value(v) => {
                    let n = self.stack.len();
                    self.stack.truncate(n - argc - 1);
                    self.stack.push(v);
                    return;
                }
                PrimResult::Done => return,
                PrimResult::Fail => {}
            }
        }
        self.activate(method, code, recv, argc);
    }

    /// True while Array's `at:` and `at:put:` are the primitives, so the
    /// special instructions may bypass the send (R5: a redefinition is
    /// seen at once, since installing either selector resets the answer).
    #[inline]
    pub(super) fn array_prims_plain(&mut self) -> bool {
        if let Some(b) = self.array_prims {
            return b;
        }
        let array = self.k.array;
        let prim_of = |vm: &Vm, sel: Value| {
            vm.lookup_uncached(array, sel)
                .and_then(|m| vm.method_code(m))
                .map(|c| c.info.primitive)
        };
        let b =
            prim_of(self, self.sel.at) == Some(60) && prim_of(self, self.sel.at_put) == Some(61);
        self.array_prims = Some(b);
        b
    }

    /// Fast path of `at:` / `at:put:` (primitives 60/61) on `self.stack`.
    #[inline]
    fn array_access(&mut self, prim: u16, argc: usize) -> bool {
        fast::array_access(&mut self.heap, self.k.array, &mut self.stack, prim, argc)
    }

    /// Pushes a frame for a method whose receiver and arguments are on
    /// the stack.
    pub(crate) fn activate(&mut self, method: Value, code: Rc<Code>, recv: Value, argc: usize) {
        if self.deep() && self.depth_exceeded(argc) {
            return;
        }
        self.push_method_frame(method, code, recv, argc, OnReturn::Push);
        if self.tier != TierMode::Off {
            self.tier_enter();
        }
    }

    /// Activates a block closure whose receiver (the closure) and args are
    /// on the stack. Fails (false) on an argument count mismatch.
    pub(crate) fn activate_block(
        &mut self,
        closure: Value,
        argc: usize,
        on_return: OnReturn,
    ) -> bool {
        let (code, method, receiver, home, ncopied) =
            match self.heap.try_get(closure).map(|o| &o.body) {
                Some(Body::Closure(c)) => {
                    (c.code.clone(), c.method, c.receiver, c.home, c.copied.len())
                }
                _ => return false,
            };
        if code.num_args as usize != argc {
            return false;
        }
        if self.deep() && self.depth_exceeded(argc) {
            return true;
        }
        let bp = self.stack.len() - argc;
        // the copied values go straight from the closure onto the stack
        // (no intermediate Vec: a block call allocates nothing)
        if let Some(Body::Closure(c)) = self.heap.try_get(closure).map(|o| &o.body) {
            self.stack.extend_from_slice(&c.copied);
        }
        let used = argc + ncopied;
        for _ in used..code.num_temps as usize {
            self.stack.push(Value::NIL);
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        self.frames.push(Frame {
            code,
            pc: 0,
            bp: bp as u32,
            receiver,
            method,
            closure,
            serial,
            home,
            on_return,
            opt: None,
            ctx: Value::NIL,
        });
        if self.tier != TierMode::Off {
            self.tier_enter();
        }
        true
    }

    /// At `max_depth` frames, a send becomes a StackOverflow error
    /// instead (its value, if resumed, is the send's value). Returns true
    /// if the send was replaced.
    #[cold]
    fn depth_exceeded(&mut self, argc: usize) -> bool {
        // counted as the interpreter alone would: inlined callees first
        // get frames of their own (see `deep`)
        self.materialize_if_inlined();
        let depth = self.frames.len();
        if depth == self.max_depth {
            let n = self.stack.len();
            self.stack.truncate(n - argc - 1);
            self.stack.push(Value::NIL);
            // send without the depth check re-triggering
            let sel = self.sel.stack_overflow;
            let class = self.class_of(Value::NIL);
            if let Some((m, code)) = self.lookup(class, sel) {
                self.push_method_frame(m, code, Value::NIL, 0, OnReturn::Push);
            } else {
                self.fatal("stack overflow", "StackOverflow");
            }
            return true;
        }
        if depth > self.max_depth + OVERFLOW_HEADROOM {
            self.fatal(
                "stack overflow while handling a stack overflow",
                "StackOverflow",
            );
            return true;
        }
        false
    }

    /// True when a send could reach `max_depth`, counting each inlined
    /// callee that sends as the activation it stands for. A frame stands
    /// for at most `NEST_MAX + 1` (its own and nested inlined callees'),
    /// so a stack less deep than that part of the limit cannot; a deeper one is checked exactly
    /// in `depth_exceeded`, after giving inlined callees frames of their
    /// own, and enters no inlined callee (`InlineEnter`), so the limit
    /// hits at the very send it hits without the tier (R5).
    #[inline(always)]
    pub(crate) fn deep(&self) -> bool {
        const PER_FRAME: usize = crate::tier::code::NEST_MAX + 1;
        self.frames.len() * PER_FRAME + PER_FRAME >= self.max_depth
    }

    /// Pushes a method frame (no depth check): temps after the arguments
    /// already on the stack are nil.
    pub(crate) fn push_method_frame(
        &mut self,
        method: Value,
        code: Rc<Code>,
        recv: Value,
        argc: usize,
        on_return: OnReturn,
    ) {
        let bp = self.stack.len() - argc;
        for _ in argc..code.num_temps as usize {
            self.stack.push(Value::NIL);
        }
        let serial = self.next_serial;
        self.next_serial += 1;
        self.frames.push(Frame {
            code,
            pc: 0,
            bp: bp as u32,
            receiver: recv,
            method,
            closure: Value::NIL,
            serial,
            home: serial,
            on_return,
            opt: None,
            ctx: Value::NIL,
        });
    }

    /// Calls `recv sel` between two instructions, discarding its result.
    pub(crate) fn inject_send(&mut self, recv: Value, sel: Value) {
        let class = self.class_of(recv);
        match self.lookup(class, sel) {
            Some((m, code)) => {
                self.stack.push(recv);
                self.push_method_frame(m, code, recv, 0, OnReturn::Discard);
            }
            None => self.fatal("out of memory", "OutOfMemory"),
        }
    }

    /// The receiver did not understand: send `doesNotUnderstand:` with a
    /// Message, or stop the process if even that is missing.
    pub(crate) fn does_not_understand(
        &mut self,
        sel: Value,
        argc: usize,
        lookup_class: Option<ClassId>,
    ) {
        let n = self.stack.len();
        let args = self.stack.split_off(n - argc);
        let recv = self.top();
        let args = self.new_array(args);
        let lc = match lookup_class {
            Some(c) => self.classes[c as usize].obj,
            None => {
                let c = self.class_of(recv);
                self.classes[c as usize].obj
            }
        };
        let msg = self
            .heap
            .alloc(self.k.message, Body::Slots(vec![sel, args, lc]));
        self.stack.push(msg);
        let dnu = self.sel.does_not_understand;
        let class = self.class_of(recv);
        match self.lookup(class, dnu) {
            Some((m, code)) => self.invoke(m, code, recv, 1),
            None => {
                let name = self.str_of(sel).unwrap_or_default();
                let cname = self.class_name(class).to_string();
                self.fatal(&format!("{}>>{}", cname, name), "MessageNotUnderstood");
            }
        }
    }

    fn non_boolean(&mut self, v: Value) {
        let _ = v;
        self.send(self.sel.must_be_boolean, 0, None);
        // the result of mustBeBoolean is left on the stack; the jump that
        // failed has already been skipped, so treat a returned value as
        // "condition false" by popping it when the frame resumes.
        // (Squeak also continues after the conditional jump.)
        if let Some(f) = self.frames.last_mut() {
            // a frame was pushed for mustBeBoolean: drop its result
            f.on_return = OnReturn::Discard;
        }
    }

    // ----- returns -----

    /// Returns `v` from the top frame.
    pub(crate) fn return_value(&mut self, v: Value) {
        let f = match self.frames.pop() {
            Some(f) => f,
            None => return,
        };
        self.stack.truncate((f.bp as usize).saturating_sub(1));
        match f.on_return {
            OnReturn::Push => self.stack.push(v),
            OnReturn::Discard => {}
            OnReturn::ContinueUnwind(u) => {
                self.continue_unwind(*u);
                return;
            }
        }
        if self.frames.is_empty() {
            self.process_finished(v);
        }
    }

    fn non_local_return(&mut self, v: Value) {
        let home = self.frames.last().map(|f| f.home).unwrap_or(0);
        if self.frames.iter().any(|f| f.serial == home) {
            self.unwind(home, UnwindAction::ReturnFrom(v));
        } else {
            // BlockCannotReturn: `closure cannotReturn: value`
            let closure = self.frames.last().map(|f| f.closure).unwrap_or(Value::NIL);
            self.stack.push(closure);
            self.stack.push(v);
            let sel = self.sel.cannot_return;
            self.send(sel, 1, None);
        }
    }

    /// Unwinds the active process to the frame with serial `target`,
    /// running `ensure:`/`ifCurtailed:` blocks on the way, then performs
    /// `action` there.
    pub(crate) fn unwind(&mut self, target: u64, action: UnwindAction) {
        self.continue_unwind(Unwind { target, action });
    }

    fn continue_unwind(&mut self, u: Unwind) {
        loop {
            let top = match self.frames.last() {
                Some(f) => f,
                None => {
                    if matches!(u.action, UnwindAction::Terminate) {
                        self.process_terminated();
                    }
                    return;
                }
            };
            if top.serial == u.target {
                match u.action {
                    UnwindAction::ReturnFrom(v) => self.return_value(v),
                    UnwindAction::Restart => self.restart_top(),
                    UnwindAction::Terminate => {}
                }
                return;
            }
            if top.code.info.marker == Marker::Unwind && !top.is_block() {
                let bp = top.bp as usize;
                let complete = self.stack.get(bp + 1).copied().unwrap_or(Value::TRUE);
                if complete.is_nil() {
                    self.stack[bp + 1] = Value::TRUE;
                    let block = self.stack[bp];
                    self.stack.push(block);
                    if self.activate_block(block, 0, OnReturn::ContinueUnwind(Box::new(u.clone())))
                    {
                        return;
                    }
                    self.stack.pop();
                }
            }
            let f = self.frames.pop().expect("frame");
            self.stack.truncate((f.bp as usize).saturating_sub(1));
        }
    }

    /// Restarts the top frame at its first instruction with the method
    /// currently installed for its selector (R8). Blocks restart their own
    /// code.
    pub(crate) fn restart_top(&mut self) {
        let (code, method, bp, recv) = match self.frames.last() {
            Some(f) => (f.code.clone(), f.method, f.bp as usize, f.receiver),
            None => return,
        };
        let (new_code, new_method) = if code.is_block {
            (code.clone(), method)
        } else {
            let sel = self.intern(&code.info.selector);
            let class = code.info.class;
            match self.lookup_uncached(class, sel) {
                Some(m) => match self.method_code(m) {
                    Some(c) if c.num_args == code.num_args => (c, m),
                    _ => (code.clone(), method),
                },
                None => (code.clone(), method),
            }
        };
        let _ = recv;
        let keep = new_code.num_args as usize + new_code.num_copied as usize;
        self.stack.truncate(bp + keep);
        for _ in keep..new_code.num_temps as usize {
            self.stack.push(Value::NIL);
        }
        if let Some(f) = self.frames.last_mut() {
            f.code = new_code;
            f.method = new_method;
            f.pc = 0;
            f.opt = None;
        }
        if self.tier != TierMode::Off {
            self.tier_enter();
        }
        // a re-entered temp vector must be fresh: the code's prologue
        // makes it again at pc 0.
    }

    // ----- contexts -----

    /// A Context object for frame index `fi` of the active process.
    pub(crate) fn context_for(&mut self, fi: usize) -> Value {
        if self.frames[fi].ctx != Value::NIL {
            return self.frames[fi].ctx;
        }
        let serial = self.frames[fi].serial;
        let process = self.procs[self.active].obj;
        let ctx = self
            .heap
            .alloc(self.k.context, Body::Context { process, serial });
        self.frames[fi].ctx = ctx;
        ctx
    }

    // ----- process ends -----

    fn process_finished(&mut self, v: Value) {
        let pid = self.active;
        if pid == NO_PROC {
            return;
        }
        // the bottom frame's result is on the stack
        self.stack.clear();
        let p = &mut self.procs[pid];
        p.state = ProcState::Finished;
        p.result = Some(v);
        self.events.push_back(Outcome::Finished { pid, value: v });
    }

    fn process_terminated(&mut self) {
        let pid = self.active;
        if pid == NO_PROC {
            return;
        }
        self.stack.clear();
        self.procs[pid].state = ProcState::Terminated;
    }

    /// Stops the active process with a VM-level error (no Smalltalk
    /// handler could run). The stack stays inspectable.
    #[cold]
    pub(crate) fn fatal(&mut self, message: &str, class_name: &str) {
        let pid = self.active;
        if pid == NO_PROC {
            return;
        }
        // the stack as the interpreter alone would have it
        self.materialize_process(pid);
        self.procs[pid].state = ProcState::Errored;
        self.procs[pid].error = Some(ErrorInfo {
            exception: Value::NIL,
            class_name: class_name.to_string(),
            message: message.to_string(),
            user_frames: self.frames.len(),
        });
        self.events.push_back(Outcome::Error { pid });
    }

    /// A full mark-sweep from every root the VM holds, timed with the
    /// host clock (`heap.gc_last_ms`, `gc_max_ms`, `gc_total_ms`).
    pub fn collect_garbage(&mut self) {
        let t0 = (self.clock)();
        let mut roots: Vec<Value> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        roots.extend_from_slice(&self.stack);
        for f in &self.frames {
            frame_roots(f, &mut roots, &mut seen);
        }
        for p in &self.procs {
            roots.push(p.obj);
            roots.extend_from_slice(&p.stack);
            if let Some(r) = p.result {
                roots.push(r);
            }
            if let Some(e) = &p.error {
                roots.push(e.exception);
            }
            for f in &p.frames {
                frame_roots(f, &mut roots, &mut seen);
            }
        }
        for c in &self.classes {
            roots.push(c.obj);
            roots.extend(c.methods.keys().copied());
            roots.extend(c.methods.values().copied());
            roots.extend(c.class_vars.iter().map(|(_, b)| *b));
        }
        roots.extend(self.symbols.values().copied());
        roots.extend(self.globals.values().copied());
        roots.extend(self.undeclared.values().copied());
        roots.extend_from_slice(&self.pinned);
        for k in self.sem_waiters.keys() {
            roots.push(Value::obj(*k as u32));
        }
        roots.extend([Value::NIL, Value::TRUE, Value::FALSE]);
        self.flush_caches();
        self.heap.collect(&roots);
        let ms = (self.clock)() - t0;
        self.heap.note_gc_time(ms);
    }
}

/// The values a frame keeps alive. A code unit's literals are pushed once
/// per collection, not once per frame (deep recursion has 100,000s of
/// frames of the same method).
fn frame_roots(
    f: &Frame,
    roots: &mut Vec<Value>,
    seen: &mut std::collections::HashSet<*const Code>,
) {
    roots.extend([f.receiver, f.method, f.closure, f.ctx]);
    if seen.insert(Rc::as_ptr(&f.code)) {
        roots.extend_from_slice(&f.code.literals);
    }
    if let OnReturn::ContinueUnwind(u) = &f.on_return {
        if let UnwindAction::ReturnFrom(v) = u.action {
            roots.push(v);
        }
    }
}
