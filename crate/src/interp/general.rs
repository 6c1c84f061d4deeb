//! The general loop: runs every instruction, one at a time, checking
//! everything with `Vec` operations. The fast loop (`fast.rs`) runs
//! first and hands over what it does not run itself (see `interpret`).
//!
//! After any instruction the loop can stop and later resume exactly
//! where it was (fuel 1 gives the same result as unlimited fuel).

use super::access;
use super::fast::{self, Exit};
use super::frame::ProcState;
use super::run::NO_PROC;
use super::sites::TierSend;
use super::{TierMode, Vm};
use crate::bytecode::arith::{arith_float, arith_small};
use crate::bytecode::{Arith, Op};
use crate::object::{Body, Closure, Code, Value};
use crate::tier::code::OptCode;
use std::cell::Cell;
use std::rc::Rc;

impl Vm {
    /// Runs the active process until fuel runs out or it stops being
    /// runnable (finished, waiting, errored, or preempted).
    ///
    /// Each time round `'frame`, the fast loop (`fast.rs`) runs first; it
    /// hands back the instructions it leaves to this loop, which runs them
    /// (and whatever follows, up to the next send, return or back-edge).
    pub(super) fn interpret(&mut self, mut fuel: u64) -> u64 {
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
                    Exit::Slow(op) => {
                        self.handed_over += 1;
                        Some(op)
                    }
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
                    // what a primitive owes for its bulk work first
                    if self.heap.fuel_owed != 0 {
                        fuel = self.heap.pay_owed(fuel);
                    }
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
                            if self.materialize_if_inlined() {
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
                            let r = if x.is_int() && y.is_int() {
                                arith_small(a, x.int_unchecked(), y.int_unchecked())
                            } else {
                                arith_float(a, x, y)
                            };
                            if let Some(r) = r {
                                self.stack.truncate(n - 1);
                                self.stack[n - 2] = r;
                                continue 'insn;
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
                                && access::array_access(
                                    &mut self.heap,
                                    self.known.array,
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
                            let copied = smallvec::SmallVec::from_slice(&self.stack[n..]);
                            self.stack.truncate(n);
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
                                .alloc(self.known.full_block_closure, Body::Closure(Box::new(c)));
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
                        | Op::ConstNilT { .. }
                        | Op::ConstG { .. }
                        | Op::Loop { .. } => {
                            cur = &ops[pc - 1];
                            continue 'dispatch;
                        }
                        Op::InlineReturn { .. }
                        | Op::PushScopeLit { .. }
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
                        | Op::SendLeaves { site }
                        | Op::SendMega { site }
                        | Op::InlinePrefix { site }
                        | Op::InlineLeaf { site }
                        | Op::SetterLeaf { site, .. }
                        | Op::GetterLeaf { site, .. }
                        | Op::ConstLeaf { site, .. }
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
                                TierSend::Fallback | TierSend::Missed => {
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

    fn arith_selector(&self, a: Arith) -> Value {
        self.sel.arith[a as usize]
    }
}
