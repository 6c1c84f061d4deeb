//! Deoptimization and materialization: giving the callees inlined into
//! optimized frames frames of their own (one interpreter frame per
//! inlined scope, at the exact pc, with the same receiver, arguments,
//! temps and operands), and invalidating optimized code when a method it
//! depends on is redefined (LIVE.md R6).
//!
//! The frames are materialized only when something needs interpreter
//! frames: a deoptimization after an accept, contexts, the debugger
//! acting on a process. A slice boundary never does; the host reads the
//! optimized frames through [`Vm::virtual_frames`], which shows what
//! materializing would give without changing anything.

use super::code::{InlineScope, OptCode, NEST_MAX};
use super::event::TierEvent;
use crate::interp::frame::{Frame, OnReturn};
use crate::interp::{Vm, NOT_INLINED};
use crate::object::{Body, ClassId, Heap, Value};
use std::borrow::Cow;
use std::rc::Rc;

/// In `Vm::inlined_elsewhere`: every process (too many to track).
const ALL_PROCESSES: usize = usize::MAX;

impl Vm {
    /// Splits frame `fi` of the active process if it runs an inlined
    /// callee's body (see `split_frame`).
    pub(crate) fn split_active(&mut self, fi: usize) -> bool {
        let before = self.frames.len();
        let split = split_frame(
            &mut self.frames,
            &self.stack,
            &self.heap,
            fi,
            &mut self.next_serial,
        );
        self.frames_materialized += (self.frames.len() - before) as u64;
        split
    }

    /// Gives every inlined callee running in any process a frame of its
    /// own (deoptimization for inspection: contexts, error reports, the
    /// debugger and the host see the interpreter's frames). Answers true
    /// if there was one.
    pub(crate) fn materialize_inlined(&mut self) -> bool {
        self.inlined_from = NOT_INLINED;
        self.inlined_elsewhere.clear();
        let mut added = 0;
        let mut looked = 0;
        self.each_process(|frames, stack, heap, serial| {
            looked += frames.len();
            added += split_frames(frames, stack, heap, serial, |_| true);
        });
        self.frames_searched
            .set(self.frames_searched.get() + looked as u64);
        self.frames_materialized += added as u64;
        added > 0
    }

    /// Runs `f` on the frames and operand stack of every process (the
    /// VM's own for the active one), with the heap and the frame serial
    /// counter.
    fn each_process(&mut self, mut f: impl FnMut(&mut Vec<Frame>, &[Value], &Heap, &mut u64)) {
        let active = self.active;
        for (pid, p) in self.procs.iter_mut().enumerate() {
            let (frames, stack) = if pid == active {
                (&mut self.frames, &self.stack)
            } else {
                (&mut p.frames, &p.stack)
            };
            f(frames, stack, &self.heap, &mut self.next_serial);
        }
    }

    /// Gives every inlined callee running in process `pid` a frame of its
    /// own: what the debugger does before it acts on a process (step,
    /// restart, terminate). Other processes keep their optimized frames.
    pub fn materialize_process(&mut self, pid: usize) {
        if let Some((_, added)) = self.split_process(pid, 0) {
            self.frames_materialized += added as u64;
        }
    }

    /// Splits the frames of process `pid` (the active one's are the
    /// VM's) from frame `from` up: the frames looked at and added, or
    /// `None` if there is no such process.
    fn split_process(&mut self, pid: usize, from: usize) -> Option<(usize, usize)> {
        let (frames, stack) = if pid == self.active {
            (&mut self.frames, &self.stack)
        } else {
            let p = self.procs.get_mut(pid)?;
            (&mut p.frames, &p.stack)
        };
        let looked = frames.len().saturating_sub(from);
        let serial = &mut self.next_serial;
        let added = split_frames_from(frames, from, stack, &self.heap, serial, |_| true);
        Some((looked, added))
    }

    /// The frames of process `pid` as materializing them would leave them
    /// (one per inlined scope, each with its method version, pc, receiver
    /// and temps), without changing them: what the host shows of a running
    /// program. Its serials are scratch ones, never seen by Smalltalk.
    pub fn virtual_frames(&self, pid: usize) -> Cow<'_, [Frame]> {
        let frames = self.frames_of(pid);
        if !frames.iter().any(Frame::in_inlined) {
            return Cow::Borrowed(frames);
        }
        let mut view = frames.to_vec();
        let mut scratch = self.next_serial;
        split_frames(
            &mut view,
            self.stack_of(pid),
            &self.heap,
            &mut scratch,
            |_| true,
        );
        Cow::Owned(view)
    }

    /// `materialize_inlined` if a frame may be inside an inlined callee
    /// (for what looks at frames often: contexts): none ran since the
    /// last time, so none is running. Answers true if a frame was added.
    pub(crate) fn materialize_if_inlined(&mut self) -> bool {
        if self
            .inlined_elsewhere
            .first()
            .is_some_and(|x| x.0 == ALL_PROCESSES)
        {
            return self.materialize_inlined();
        }
        let from = std::mem::replace(&mut self.inlined_from, NOT_INLINED);
        let elsewhere = std::mem::take(&mut self.inlined_elsewhere);
        let (mut looked, mut added) = (0, 0);
        let active = (from != NOT_INLINED).then_some((self.active, from));
        for (pid, from) in active.into_iter().chain(elsewhere) {
            if let Some((l, a)) = self.split_process(pid, from) {
                looked += l;
                added += a;
            }
        }
        // (what a context primitive's look at the frames costs)
        self.frames_searched
            .set(self.frames_searched.get() + looked as u64);
        self.frames_materialized += added as u64;
        added > 0
    }

    /// Notes that process `pid`, taken off the CPU, may run inlined
    /// callees from frame `from` up. A few processes are tracked one by
    /// one; past that, all of them, from their first frame.
    pub(crate) fn note_inlined_elsewhere(&mut self, pid: usize, from: usize) {
        const TRACKED: usize = 16;
        let e = &mut self.inlined_elsewhere;
        if let Some(x) = e.iter_mut().find(|x| x.0 == pid || x.0 == ALL_PROCESSES) {
            x.1 = x.1.min(from);
        } else if e.len() < TRACKED {
            e.push((pid, from));
        } else {
            e.clear();
            e.push((ALL_PROCESSES, 0));
        }
    }

    /// Notes that frame `fi` of the active process entered an inlined
    /// callee's body (see `inlined_from`).
    #[inline(always)]
    pub(crate) fn note_inlined(&mut self, fi: usize) {
        self.inlined_from = self.inlined_from.min(fi);
    }

    /// A method for `sel` was installed in or removed from `class`:
    /// invalidate exactly the optimized code that inlined a lookup of `sel`
    /// that the change affects (receiver class `class` or a subclass),
    /// deoptimizing every activation running it (R6).
    pub(crate) fn tier_invalidate(&mut self, class: ClassId, sel: Value, removed: bool) {
        let victims = self.take_dependents(sel, |vm, c| vm.inherits_from(c, class));
        if victims.is_empty() {
            return;
        }
        let reason = format!(
            "{}>>{} was {}",
            self.classes[class as usize].name,
            self.str_of(sel).unwrap_or_default(),
            if removed { "removed" } else { "redefined" }
        );
        for o in victims {
            self.deoptimize(&o, &reason);
        }
    }

    /// Dependencies in the registry (live or not yet pruned), for soak
    /// tests and reports.
    pub fn tier_dependency_count(&self) -> usize {
        self.tier_deps.values().map(Vec::len).sum()
    }

    /// Takes out of the registry, under `sel`, the dependencies on a
    /// receiver class that `hit` selects (dropping dead ones on the way)
    /// and answers the optimized code that recorded them.
    fn take_dependents(
        &mut self,
        sel: Value,
        hit: impl Fn(&Vm, ClassId) -> bool,
    ) -> Vec<Rc<OptCode>> {
        let mut deps = match self.tier_deps.remove(&sel) {
            Some(d) => d,
            None => return Vec::new(),
        };
        let mut victims = Vec::new();
        deps.retain(|d| match d.opt.upgrade() {
            None => false,
            Some(o) if !o.valid.get() => false,
            Some(o) => {
                if hit(self, d.class) {
                    victims.push(o);
                    false
                } else {
                    true
                }
            }
        });
        if !deps.is_empty() {
            self.tier_deps.insert(sel, deps);
        }
        victims
    }

    /// The hierarchy at `class` changed shape (its superclass or its
    /// instance variables): invalidates every piece of optimized code that
    /// inlined a lookup for `class`, its metaclass or a subclass, whatever
    /// the selector, since what those lookups find, and the slots getters
    /// and setters read, may have moved (R6).
    pub(crate) fn tier_invalidate_hierarchy(&mut self, class: ClassId) {
        let meta = self.classes[class as usize].partner;
        let mut victims: Vec<Rc<OptCode>> = Vec::new();
        let sels: Vec<Value> = self.tier_deps.keys().copied().collect();
        for sel in sels {
            victims.extend(self.take_dependents(sel, |vm, c| {
                vm.inherits_from(c, class) || vm.inherits_from(c, meta)
            }));
        }
        if victims.is_empty() {
            return;
        }
        let reason = format!("{} was redefined", self.classes[class as usize].name);
        for o in victims {
            self.deoptimize(&o, &reason);
        }
    }

    /// Invalidates `o` and turns every activation running it back into an
    /// interpreter frame (same pc, same stack: the layouts coincide).
    pub(crate) fn deoptimize(&mut self, o: &Rc<OptCode>, reason: &str) {
        if !o.valid.get() {
            return;
        }
        o.valid.set(false);
        let mut count = 0;
        let mut added = 0;
        let runs_o = |f: &Frame| f.opt.as_ref().is_some_and(|x| Rc::ptr_eq(x, o));
        self.each_process(|frames, stack, heap, serial| {
            // one interpreter frame per inlined scope (a callee that is
            // this very method does not get its invalid code back)
            let split = split_frames(frames, stack, heap, serial, runs_o);
            added += split;
            count += split;
            for f in frames.iter_mut().filter(|f| runs_o(f)) {
                f.opt = None;
                count += 1;
            }
        });
        self.frames_materialized += added as u64;
        let code = match o.code.upgrade() {
            Some(c) => c,
            None => return,
        };
        {
            // Every deoptimization follows a redefinition (a failed guard
            // despecializes its site instead): live coding, not a failed
            // speculation, so nothing counts toward giving up or backs
            // off. The method is optimized again at the usual threshold,
            // with the new callee (R7); a `compile:` storm costs at most
            // one specialization per compile.
            let mut t = code.tier.borrow_mut();
            if t.opt.as_ref().is_some_and(|x| Rc::ptr_eq(x, o)) {
                t.opt = None;
            }
            t.deopts += 1;
            t.counter = 0;
        }
        self.tier_event(TierEvent::Deoptimized {
            method: code.print_name(),
            activations: count,
            reason: reason.to_string(),
        });
    }

    /// Moves the innermost activations out of optimized code (testing: "deopt
    /// storms" force deoptimization at arbitrary instruction boundaries;
    /// the optimized code stays valid and is re-entered at the next call
    /// or loop head).
    pub fn deopt_all_frames(&mut self) -> usize {
        // the innermost frames of the running process are where the
        // deoptimization points move; walking a 100,000-frame stack after
        // every slice would make storms quadratic
        let mut n = 0;
        let len = self.frames.len();
        for fi in (len.saturating_sub(8)..len).rev() {
            if self.split_active(fi) {
                n += 1;
            }
            if self.frames[fi].opt.take().is_some() {
                n += 1;
            }
        }
        n
    }
}

/// Deoptimizes frame `fi` of a process (`frames`, `stack`) out of an
/// inlined callee's body, if it is in one: the callee gets its frame
/// back, right above, at the pc of its canonical code that corresponds,
/// with its receiver, arguments, temps and operands where they already
/// are (see `tier::InlineScope`); the caller's frame goes on after its
/// send, still in its optimized code. Answers true if it split.
pub(crate) fn split_frame(
    frames: &mut Vec<Frame>,
    stack: &[Value],
    heap: &Heap,
    fi: usize,
    next_serial: &mut u64,
) -> bool {
    let f = match frames.get(fi) {
        Some(f) if f.in_inlined() => f,
        _ => return false,
    };
    let o = match &f.opt {
        Some(o) => o.clone(),
        None => return false,
    };
    // the scopes `pc` is inside, innermost first, each with its pc
    let mut chain: Vec<(&InlineScope, usize)> = Vec::new();
    let mut at = (o.scope_at(f.pc as usize).map(|x| x.1), f.pc as usize);
    while let (Some(s), pc) = at {
        if chain.len() > NEST_MAX {
            return false;
        }
        chain.push((s, pc));
        at = (
            s.parent.and_then(|p| o.scopes.get(p as usize)),
            s.ret as usize,
        );
    }
    let outer = match chain.last() {
        Some((s, _)) => s.ret as u32,
        None => return false,
    };
    let (bp0, depth) = (f.bp as usize, fi + 1);
    let (own_receiver, own_home) = (f.receiver, f.home);
    let mut callees = Vec::with_capacity(chain.len());
    for (s, pc) in chain.iter().rev() {
        let bp = bp0 + s.off as usize;
        let serial = *next_serial;
        *next_serial += 1;
        // the callee's receiver slot holds its receiver, or for a block,
        // the closure, whose receiver, home and method its activation has
        let under = stack.get(bp.wrapping_sub(1)).copied().unwrap_or(Value::NIL);
        let (receiver, closure, home, method) = if s.block {
            match heap.try_get(under).map(|x| &x.body) {
                Some(Body::Closure(c)) => (c.receiver, under, c.home, c.method),
                _ => (own_receiver, under, own_home, s.method),
            }
        } else {
            (under, Value::NIL, serial, s.method)
        };
        callees.push(Frame {
            code: s.code.clone(),
            pc: (pc - s.start) as u32,
            bp: bp as u32,
            receiver,
            method,
            closure,
            serial,
            home,
            on_return: OnReturn::Push,
            // each goes on in its own optimized code, if it has some (same
            // pc space as its canonical code) and it is still valid (not
            // the code being deoptimized, for a method inlined into itself)
            opt: s.code.tier.borrow().opt.clone().filter(|x| x.valid.get()),
            ctx: Value::NIL,
        });
    }
    frames[fi].pc = outer;
    frames.splice(depth..depth, callees);
    true
}

/// Splits (`split_frame`) every frame of a process that `which` selects
/// and that is inside an inlined body, in one pass over the frames (a
/// split inserts frames: one by one, a deep stack would be moved once per
/// frame). Answers how many frames it added.
pub(crate) fn split_frames(
    frames: &mut Vec<Frame>,
    stack: &[Value],
    heap: &Heap,
    next_serial: &mut u64,
    which: impl Fn(&Frame) -> bool,
) -> usize {
    split_frames_from(frames, 0, stack, heap, next_serial, which)
}

/// [`split_frames`] of the frames from `from` up (those below it are
/// known to run no inlined callee).
#[inline(never)]
fn split_frames_from(
    frames: &mut Vec<Frame>,
    from: usize,
    stack: &[Value],
    heap: &Heap,
    next_serial: &mut u64,
    which: impl Fn(&Frame) -> bool,
) -> usize {
    let above = frames.get(from..).unwrap_or_default();
    let first = match above.iter().position(|f| f.in_inlined() && which(f)) {
        Some(i) => from + i,
        None => return 0,
    };
    // the frames below the first to split stay where they are (the stack
    // keeps its buffer); the rest go back one by one, split
    let rest: Vec<Frame> = frames.drain(first..).collect();
    let mut added = 0;
    for f in rest {
        let split = f.in_inlined() && which(&f);
        frames.push(f);
        if split {
            let fi = frames.len() - 1;
            let before = frames.len();
            split_frame(frames, stack, heap, fi, next_serial);
            added += frames.len() - before;
        }
    }
    added
}
