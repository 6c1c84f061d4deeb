//! The tier's send sites as the interpreter's loops run them: an inline
//! cache's hit, an inlined leaf or guard clause in place, entering an
//! inlined callee's body, and leaving it for the callee's own frame. The
//! rest goes to the tier (`Vm::tier_send`, `tier/send.rs`), which answers
//! what it did (`TierSend`).

use super::access::{set_plain_slot, slot};
use super::Vm;
use crate::bytecode::arith::arith_small;
use crate::bytecode::Op;
use crate::object::{Body, Code, Value};
use crate::tier::code::{Decision, Leaf, OptCode, Site, GUARD_TEST, PLAIN_NILS};
use std::rc::Rc;

/// What a tier send did.
pub(crate) enum TierSend {
    /// Run the canonical instruction at this pc instead (inside an
    /// inlined callee's body: after the callee gets its frame back).
    Fallback,
    /// The same after a guard of this site missed, counted at this site
    /// (`site_guard_failed`): inside an inlined callee's body the miss is
    /// the site's own, not the callee's (`inline_bailed` is not charged
    /// with it), so a polymorphic site in an inlined body despecializes
    /// itself and leaves the callee inlined.
    Missed,
    /// Done in place (inlined leaf); continue with the next instruction.
    Done,
    /// A send was performed (a frame may have been pushed).
    Sent,
}

/// The inline cache of send site `site` of `opt`, for the receiver on
/// `st`: (selector, argument count, the cached method) on a hit.
#[inline(always)]
pub(super) fn cache_hit(
    vm: &Vm,
    opt: Option<&OptCode>,
    site: usize,
    st: &[Value],
) -> Option<(Value, usize, (Value, Rc<Code>))> {
    // SAFETY: a peek, with no borrow of its own: nothing borrows the
    // site mutably while this reads it (the caller holds no borrow, and
    // what it reads is copied or cloned out before it returns)
    let s = unsafe { opt?.sites.get(site)?.try_borrow_unguarded() }.ok()?;
    if s.epoch != vm.cache_epoch {
        return None;
    }
    let argc = s.argc as usize;
    let r = *st.get(st.len().checked_sub(argc + 1)?)?;
    let e = s.entry_for(vm.class_of(r))?;
    Some((s.sel, argc, (e.method, e.code.clone())))
}

/// Site `site` of `opt` while its inline cache is current, with the
/// receiver under its arguments on `st` (at `n`): what `leaf_hit` and
/// `inline_prefix` start from.
///
/// # Safety
/// A peek, as `cache_hit`'s, with no borrow of its own: the caller must
/// not change the site while it holds the answer (both callers only read
/// it, and the VM they change does not hold it).
#[inline(always)]
unsafe fn current_site<'a>(
    vm: &Vm,
    opt: Option<&'a OptCode>,
    site: usize,
    st: &[Value],
) -> Option<(&'a Site, usize, usize, Value)> {
    // SAFETY: see above
    let s = unsafe { opt?.sites.get(site)?.try_borrow_unguarded() }.ok()?;
    if s.epoch != vm.cache_epoch {
        return None;
    }
    let argc = s.argc as usize;
    let n = st.len().checked_sub(argc + 1)?;
    let r = *st.get(n)?;
    Some((s, argc, n, r))
}

/// The leaf cached at an `Op::SendLeaves` site for the receiver on `st`,
/// answered in place, with `fuel` left: its fuel cost, argument count and
/// value; `None` to send instead (a miss, a callee that is not a leaf,
/// too little fuel, the depth limit: nothing a program can observe
/// differs from the call). Counted as the send it stands for. Kept out
/// of line (see `inline_leaf`).
#[inline(never)]
pub(super) fn leaf_hit(
    vm: &mut Vm,
    opt: Option<&OptCode>,
    site: usize,
    st: &[Value],
    fuel: u64,
) -> Option<(u64, usize, Value)> {
    // SAFETY: `pure_leaf` reads the VM and changes no site
    let (s, argc, n, r) = unsafe { current_site(vm, opt, site, st) }?;
    let e = s.entry_for(vm.class_of(r))?;
    let (leaf, cost) = e.leaf?;
    let v = pure_leaf(vm, leaf, cost, fuel, &e.code, r, &st[n + 1..])?;
    vm.send_count += 1;
    Some((cost, argc, v))
}

/// The value of a leaf without side effects that costs `cost`, for
/// receiver `r` and `args`, or `None` to send instead (also when the fuel
/// left or the depth limit would stop the call).
#[inline(always)]
fn pure_leaf(
    vm: &Vm,
    leaf: Leaf,
    cost: u64,
    fuel: u64,
    code: &Code,
    r: Value,
    args: &[Value],
) -> Option<Value> {
    if fuel < cost - 1 || vm.deep() || code.num_args as usize != args.len() {
        return None;
    }
    match leaf {
        Leaf::Const(v) => Some(v),
        Leaf::Getter(i) => Some(slot(&vm.heap, r, i as usize)),
        Leaf::SelfLeaf => Some(r),
        Leaf::SelfArith(aop, k) => r.as_int().and_then(|x| arith_small(aop, x, k as i64)),
        Leaf::Global(b) => Some(vm.assoc_value(b)),
        Leaf::Straight => vm.eval_straight(code, r, args),
        Leaf::Setter(_) | Leaf::ArrayAt | Leaf::ArrayAtPut => None,
    }
}

/// An inlined leaf (`InlineLeaf`) in place, for the common leaves, on
/// the running frame's `operands`: answers the fuel it costs, its
/// argument count and its value, which replaces receiver and arguments
/// (the caller does that; a setter has stored by then), or `None`
/// (nothing changed) when `Vm::tier_send` must decide: a guard miss (it
/// counts them), too little fuel, the depth limit, or a leaf kind handled
/// only there. Kept out of line: inlined,
/// it costs the main loop registers (callgrind: the sieve and benchFib,
/// which have no leaves, ran about 1% more instructions).
#[inline(never)]
pub(super) fn inline_leaf(
    vm: &mut Vm,
    opt: Option<&OptCode>,
    site: usize,
    operands: &[Value],
    fuel: u64,
) -> Option<(u64, usize, Value)> {
    let s = opt?.sites.get(site)?.borrow();
    let (leaf, cost) = s.leaf?;
    let entry = s.entries.first()?;
    let argc = s.argc as usize;
    if fuel < cost - 1 || vm.deep() {
        return None;
    }
    let n = operands.len();
    let r = operands[n.checked_sub(argc + 1)?];
    // the guard: one of the site's classes (which all find this method)
    let class = vm.class_of(r);
    s.entry_for(class)?;
    let v = match leaf {
        Leaf::Const(v) => v,
        Leaf::Getter(i) => slot(&vm.heap, r, i as usize),
        Leaf::Setter(i) => {
            let arg = operands[n - 1];
            if !set_plain_slot(&mut vm.heap, r, i as usize, arg) {
                return None;
            }
            r
        }
        Leaf::SelfLeaf => r,
        Leaf::SelfArith(aop, k) => r.as_int().and_then(|x| arith_small(aop, x, k as i64))?,
        Leaf::Global(b) => vm.assoc_value(b),
        Leaf::Straight => vm.eval_straight(&entry.code, r, &operands[n - argc..])?,
        Leaf::ArrayAt | Leaf::ArrayAtPut => return None,
    };
    // counted as the send it stands for (`Time primSendCount`)
    vm.send_count += 1;
    Some((cost, argc, v))
}

impl Vm {
    /// Evaluates a straight-line leaf (`tier::straight_ops`) of `code` for
    /// `recv` and `args` without a frame; `None` means "send instead"
    /// (an operand that is not a SmallInteger, an overflow, a zero
    /// divisor). The leaf has no side effects, so giving up is safe.
    pub(crate) fn eval_straight(&self, code: &Code, recv: Value, args: &[Value]) -> Option<Value> {
        let mut st = [Value::NIL; crate::tier::leaf::STRAIGHT_DEPTH];
        let mut sp = 0usize;
        for op in &code.ops {
            let v = match *op {
                Op::PushSelf => recv,
                Op::PushNil => Value::NIL,
                Op::PushTrue => Value::TRUE,
                Op::PushFalse => Value::FALSE,
                Op::PushInt(k) => Value::small(k as i64),
                Op::PushInstVar(i) => self.slot(recv, i as usize),
                Op::PushTemp(i) => *args.get(i as usize)?,
                Op::PushLit(k) => *code.literals.get(k as usize)?,
                Op::Arith(a) => {
                    let (x, y) = (*st.get(sp.checked_sub(2)?)?, *st.get(sp - 1)?);
                    if !(x.is_int() && y.is_int()) {
                        return None;
                    }
                    st[sp - 2] = arith_small(a, x.int_unchecked(), y.int_unchecked())?;
                    sp -= 1;
                    continue;
                }
                Op::ReturnTop if sp == 1 => return Some(st[0]),
                _ => return None,
            };
            *st.get_mut(sp)? = v;
            sp += 1;
        }
        None
    }
}

/// What an `InlinePrefix` site does (`inline_prefix`).
pub(super) enum Prefix {
    /// The callee's guard clause answers: its fuel cost (the send and the
    /// instructions it stands for), argument count and value.
    Answer(u64, usize, Value),
    /// The inline cache's hit: (selector, argument count, the cached
    /// method), and the pc its frame starts at: past the guard clause's
    /// test when the test ran here and failed (`Guard::on`, charged as
    /// `GUARD_TEST` instructions), else 0.
    Send(Value, usize, (Value, Rc<Code>), u8),
    /// Neither: the tier's send.
    Miss,
}

/// A guard clause (`InlinePrefix`, `tier::Guard`) in place, on the
/// running frame's `operands`: when the inline cache holds the receiver's
/// class (for the current lookup epoch, so the code run is the code the
/// send would call) and that callee's guard clause answers, within the
/// fuel left, its answer; when the clause decides the callee goes on, the
/// cached send past the test (the frame would run it again at once).
/// Not below the depth limit (the send must meet it). Out of line, as
/// `inline_leaf` (inlined, it cost the interpreter's loop registers:
/// callgrind, benchFib and the objects benchmark tier off).
#[inline(never)]
pub(super) fn inline_prefix(
    vm: &mut Vm,
    opt: Option<&OptCode>,
    site: usize,
    operands: &[Value],
    fuel: u64,
) -> Prefix {
    // SAFETY: a guard's decision reads the operands and changes no site
    let Some((s, argc, n, r)) = (unsafe { current_site(vm, opt, site, operands) }) else {
        return Prefix::Miss;
    };
    let Some(e) = s.entry_for(vm.class_of(r)) else {
        return Prefix::Miss;
    };
    let mut past = 0;
    if let (Some(g), true) = (&e.guard, e.code.num_args as usize == argc) {
        match g.decide(&operands[n..]) {
            Decision::Answers(v) if fuel >= g.cost as u64 - 1 && !vm.deep() => {
                // counted as the send it stands for (`Time primSendCount`)
                vm.send_count += 1;
                return Prefix::Answer(g.cost as u64, argc, v);
            }
            Decision::GoesOn if fuel >= GUARD_TEST as u64 => past = g.on,
            _ => {}
        }
    }
    Prefix::Send(s.sel, argc, (e.method, e.code.clone()), past)
}

/// `inline_enter`'s common case, kept in the loop: the send's first
/// scope is a method's (not a block's) for the receiver's class, with at
/// most `code::PLAIN_NILS` temps besides its arguments, and there is room
/// below `limit` for that many values: its temps are pushed (nil, as its
/// frame would have them). Answers the jump to its body and the new `sp`,
/// or `None` for `inline_enter` to decide.
///
/// # Safety
/// `bpp <= sp <= limit`, in one buffer, everything below `sp` written.
#[inline(always)]
pub(super) unsafe fn enter_plain(
    vm: &mut Vm,
    opt: Option<&OptCode>,
    scope: usize,
    bpp: *mut Value,
    sp: *mut Value,
    limit: *mut Value,
) -> Option<(isize, *mut Value)> {
    let s = opt?.scopes.get(scope)?;
    let me = (s.off as usize).checked_sub(1)?;
    // SAFETY: bpp <= sp <= limit in one buffer
    let (depth, room) = unsafe { (sp.offset_from(bpp) as usize, limit.offset_from(sp) as usize) };
    if !s.plain
        || depth != s.off as usize + s.argc as usize
        || room < PLAIN_NILS as usize
        || vm.deep()
    {
        return None;
    }
    // SAFETY: me < depth, so below sp
    if vm.class_of(unsafe { *bpp.add(me) }) != s.class {
        return None;
    }
    // (the scope `inline_enter` would enter, with as many temps to push)
    debug_assert!(opt
        .and_then(|o| o.scope_for(scope, s.class))
        .is_some_and(|x| std::ptr::eq(x, s)
            && !x.block
            && x.code.num_temps == x.argc as u16 + s.nils as u16));
    // (as many as any plain scope has, whatever this one's: the room
    // above the temps is free)
    for i in 0..PLAIN_NILS as usize {
        // SAFETY: PLAIN_NILS <= room
        unsafe { sp.add(i).write(Value::NIL) };
    }
    let nils = s.nils as usize;
    // the send happened, as far as a program can tell
    vm.send_count += 1;
    vm.note_inlined(vm.frames.len().saturating_sub(1));
    // SAFETY: nils <= PLAIN_NILS <= room
    Some((s.start as isize - s.ret as isize, unsafe { sp.add(nils) }))
}

/// An inlined callee that sends (`InlineEnter`) is entered if its
/// receiver is of the class of one of the send's scopes, the operands (`bpp..sp`) are at the
/// depth it was inlined for, the stack is not deep (`Vm::deep`), and
/// there is room below `limit` for its temps: they are pushed (nil, as
/// its frame would have them) and the send counted. Answers the jump to
/// its body and the new `sp`, or `None` for the site's inline-cached
/// send. (The body's pushes check the room they need, as every push
/// does.)
///
/// # Safety
/// `bpp <= sp <= limit`, in one buffer, everything below `sp` written.
#[inline(never)]
pub(super) unsafe fn inline_enter(
    vm: &mut Vm,
    opt: Option<&OptCode>,
    scope: usize,
    bpp: *mut Value,
    sp: *mut Value,
    limit: *mut Value,
) -> Option<(isize, *mut Value)> {
    let o = opt?;
    let first = o.scopes.get(scope)?;
    let off = first.off as usize;
    let (depth, room) = unsafe { (sp.offset_from(bpp) as usize, limit.offset_from(sp) as usize) };
    if depth != off + first.argc as usize || vm.deep() {
        return None;
    }
    // SAFETY: off - 1 < depth, so below sp
    let class = vm.class_of(unsafe { *bpp.add(off.checked_sub(1)?) });
    // the scope for the receiver's class (all of a send's scopes have
    // the same operands)
    let s = o.scope_for(scope, class)?;
    let extra = (s.code.num_temps as usize).saturating_sub(s.argc as usize);
    if extra > room {
        return None;
    }
    let mut sp = sp;
    let mut extra = extra;
    if s.block {
        // an inlined block: the closure must be one of its block's (made
        // by this frame, if it reads self); its copied values come first,
        // as in its frame
        let serial = vm.frames.last()?.serial;
        let r = unsafe { *bpp.add(off - 1) };
        match vm.heap.try_get(r).map(|x| &x.body) {
            Some(Body::Closure(c)) if s.admits(c, serial) && c.copied.len() <= extra => {
                for &v in &c.copied {
                    // SAFETY: copied <= extra <= room
                    unsafe {
                        sp.write(v);
                        sp = sp.add(1);
                    }
                }
                extra -= c.copied.len();
            }
            _ => return None,
        }
    }
    for _ in 0..extra {
        // SAFETY: extra <= room
        unsafe {
            sp.write(Value::NIL);
            sp = sp.add(1);
        }
    }
    // the send happened, as far as a program can tell
    vm.send_count += 1;
    vm.note_inlined(vm.frames.len().saturating_sub(1));
    if cfg!(debug_assertions) {
        vm.entered_out_of_line += 1;
    }
    Some((s.start as isize - s.ret as isize, sp))
}

/// An instruction handed back from an inlined callee's body is not run
/// by the general loop there: it is un-fetched (pc and fuel back), and
/// the callee gets its frame back (`Vm::split_active`), where the general
/// loop runs the canonical instruction. Answers true if so.
#[cold]
#[inline(never)]
pub(super) fn unfetch_inlined(vm: &mut Vm, fi: usize, fuel: &mut u64, bailed: bool) -> bool {
    let f = &mut vm.frames[fi];
    let inlined = f.opt.as_ref().is_some_and(|o| f.pc as usize > o.canon_len);
    if !inlined {
        return false;
    }
    f.pc -= 1;
    *fuel += 1;
    if bailed {
        vm.inline_bailed(fi);
    }
    vm.split_active(fi);
    true
}
