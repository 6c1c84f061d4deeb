//! Sends, calls, returns, non-local returns and unwinding: everything
//! that pushes or pops frames. Every transfer of control edits
//! `Vm::frames`; none calls back into Rust recursively.

use super::access;
use super::frame::{Frame, OnReturn, Unwind, UnwindAction};
use super::prims::{self, PrimResult};
use super::{CacheEntry, TierMode, Vm, CACHE_SIZE};
use crate::object::{Body, ClassId, Code, Marker, Value};
use crate::tier::opt_of;
use std::rc::Rc;

/// Headroom above `max_depth` for handling a stack overflow error.
const OVERFLOW_HEADROOM: usize = 20_000;

impl Vm {
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
            // a small object, or an answer from the operands alone: with
            // no primitive call around it (`prim_in_place`)
            if (matches!(prim, 70..=71) || prims::runs_in_place(prim))
                && self.prim_in_place(prim, argc)
            {
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
    #[inline(always)]
    pub(super) fn array_prims_plain(&mut self) -> bool {
        match self.array_prims {
            Some(b) => b,
            None => self.find_array_prims(),
        }
    }

    /// [`Vm::array_prims_plain`] after a redefinition: looked up again.
    #[cold]
    #[inline(never)]
    fn find_array_prims(&mut self) -> bool {
        let array = self.known.array;
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
        access::array_access(
            &mut self.heap,
            self.known.array,
            &mut self.stack,
            prim,
            argc,
        )
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
        let opt = match self.tier {
            TierMode::Off => None,
            _ => opt_of(&code),
        };
        let count = self.tier != TierMode::Off && opt.is_none();
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
            opt,
            ctx: Value::NIL,
        });
        if count {
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
        let msg = self.heap.alloc_slots(self.known.message, &[sel, args, lc]);
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

    pub(super) fn non_boolean(&mut self, v: Value) {
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

    pub(super) fn non_local_return(&mut self, v: Value) {
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
        let hint = fi as u32;
        let ctx = self.heap.alloc(
            self.known.context,
            Body::Context {
                process,
                serial,
                hint,
            },
        );
        self.frames[fi].ctx = ctx;
        ctx
    }
}
