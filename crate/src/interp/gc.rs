//! Garbage collection from the VM's side: every root it holds (frames,
//! processes, classes, symbols, globals, what the host pins), and when a
//! slice boundary collects.

use super::frame::{Frame, OnReturn, ProcState, UnwindAction};
use super::run::NO_PROC;
use super::Vm;
use crate::object::{Code, Value};
use std::rc::Rc;

/// What a class or metaclass costs besides its names and tables.
pub(crate) const CLASS_BYTES: usize = 256;

impl Vm {
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
        if !self.heap.gc_due() || self.heap.used() > self.heap.limit / 2 {
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

    /// A full mark-sweep from every root the VM holds, timed with the
    /// host clock (`heap.gc_last_ms`, `gc_max_ms`, `gc_total_ms`).
    pub fn collect_garbage(&mut self) {
        let t0 = (self.clock)();
        // a process that ended stays active until the next one runs: off
        // the CPU, its entry can go
        if self.active != NO_PROC
            && matches!(
                self.procs[self.active].state,
                ProcState::Finished | ProcState::Terminated
            )
            && self.frames.is_empty()
        {
            self.save_active();
        }
        let mut roots: Vec<Value> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        roots.extend_from_slice(&self.stack);
        for f in &self.frames {
            frame_roots(f, &mut roots, &mut seen);
        }
        // a process that ended is kept by its Process object only (once
        // the host has been told): unreachable, its entry goes
        let mut ended = Vec::new();
        for (pid, p) in self.procs.iter().enumerate() {
            if self.reclaimable(pid) {
                ended.push((pid, p.obj));
                // kept while the entry is: a host may still read it
                roots.extend(p.result);
                continue;
            }
            roots.push(p.obj);
            roots.extend_from_slice(&p.stack);
            if let Some(r) = p.result {
                roots.push(r);
            }
            if let Some(e) = &p.error {
                roots.push(e.exception);
            }
            // the Semaphore a suspended process goes back to waiting on
            if let Some(super::frame::Rewait::Semaphore(at)) = p.rewait {
                roots.push(Value::obj(at as u32));
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
        // places of processes that no longer wait (terminated) go
        let procs = &self.procs;
        self.sem_waiters.retain(|&sem, q| {
            q.retain(|&p| procs.waits_on(p, sem));
            !q.is_empty()
        });
        for k in self.sem_waiters.keys() {
            roots.push(Value::obj(*k as u32));
        }
        roots.extend([Value::NIL, Value::TRUE, Value::FALSE]);
        self.flush_caches();
        self.heap.metadata = self.metadata_bytes();
        self.heap.collect(&roots);
        for (pid, obj) in ended {
            if self.heap.is_free(obj) {
                self.procs.remove(pid);
            }
        }
        let ms = (self.clock)() - t0;
        self.heap.note_gc_time(ms);
    }
}

impl Vm {
    /// Bytes of what the VM holds outside objects, counted against the
    /// heap limit (`Heap::metadata`): approximate, from the sizes of names
    /// and tables.
    pub fn metadata_bytes(&self) -> usize {
        let entry = |name: &String| 48 + name.len();
        let classes: usize = self
            .classes
            .iter()
            .map(|c| {
                CLASS_BYTES
                    + c.name.len()
                    + c.category.len()
                    + c.comment.len()
                    + c.inst_vars.own_bytes()
                    + c.methods.len() * 24
                    + c.versions.keys().map(entry).sum::<usize>()
                    + c.class_vars.iter().map(|(n, _)| entry(n)).sum::<usize>()
            })
            .sum();
        classes
            + self.symbols.keys().map(entry).sum::<usize>()
            + self.globals.keys().map(entry).sum::<usize>()
            + self.undeclared.keys().map(entry).sum::<usize>()
    }

    /// Room for `bytes` more of classes or code (a definition about to be
    /// made): collects first if the heap is too full; an error naming the
    /// limit otherwise. Only where a collection is safe: before anything of
    /// the definition is allocated.
    pub(crate) fn room_for_definition(&mut self, bytes: usize) -> Result<(), String> {
        if self.heap.would_exceed(bytes) {
            self.collect_garbage();
        }
        if self.heap.would_exceed(bytes) {
            return Err(self.no_room_message());
        }
        Ok(())
    }

    /// The error of a definition that does not fit in the heap.
    pub(crate) fn no_room_message(&self) -> String {
        format!(
            "out of memory: the heap limit ({} bytes) is reached ({} in use)",
            self.heap.limit,
            self.heap.used()
        )
    }

    /// Whether process `pid` has ended and nothing but its Process object
    /// needs its entry: not running, in no queue, its end delivered.
    fn reclaimable(&self, pid: usize) -> bool {
        let p = &self.procs[pid];
        matches!(p.state, ProcState::Finished | ProcState::Terminated)
            && pid != self.active
            && p.queued.is_none()
            && !p.event_pending
            && p.frames.is_empty()
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
