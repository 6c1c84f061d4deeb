//! The interpreter's fast path: a small loop that runs the instructions
//! which touch only the operand stack, the frame's temporaries and the
//! heap (pushes, stores, SmallInteger arithmetic, jumps, Array access,
//! the tier's fused arithmetic), and hands every other instruction back
//! to the general loop in `general.rs`.
//!
//! Why a separate loop: the general loop is large (sends, returns,
//! unwinding, the tier), so its locals live in stack slots and every
//! instruction reloads pc, fuel and the stack's length from memory.
//! This loop has few live values, so they stay in registers, and the
//! common instructions cost a fraction of what they cost there (measured
//! with callgrind: see the README's Benchmarks section).
//!
//! Semantics are the general loop's: one unit of fuel per instruction
//! (the fused tier instructions charge what they replace), charged here
//! per straight-line run and exactly (see `run`), and an instruction it
//! hands back has been fetched and charged, with `pc` already past it,
//! exactly as the general loop expects. The general loop can run every
//! instruction itself, so the set handled here is purely a speed choice.
//!
//! What decides this loop's speed is the register allocation of one big
//! function, so its shape follows callgrind rather than taste: raw
//! pointers for the operand stack and the instruction stream, the rarely
//! used state in memory (`Cold`), one exit block, and fuel that costs
//! nothing per instruction. Each step is measured in the README's
//! Benchmarks section.
//!
//! This file is the loop alone (with its own types); what it calls out
//! of line is in `access.rs` (slots and Array cells), `sites.rs` (the
//! tier's send sites and inlined callees) and `kernels.rs` (loop
//! kernels), and its arithmetic in `crate::bytecode::arith`.

use super::access::{array_cell, closure_receiver, getter, set_plain_slot, slot};
use super::frame::{Frame, OnReturn};
use super::kernels::run_kernel;
use super::prims;
use super::sites::{
    cache_hit, enter_plain, inline_enter, inline_leaf, inline_prefix, leaf_hit, unfetch_inlined,
    Prefix, TierSend,
};
use super::special;
use super::{TierMode, Vm};
use crate::bytecode::arith::{arith_fast, arith_float, compare_float, compare_tagged};
use crate::bytecode::{small_const, tiny_const, Arith, Op, Shape, DEAD};
use crate::object::{Body, ClassId, Closure, Code, Value};
use crate::tier::code::{Decision, InlineScope, OptCode, GUARD_TEST};
use crate::tier::opt_of;
use smallvec::SmallVec;
use std::rc::Rc;

/// What the fast loop stopped on. In every case the frames and the
/// operand stack are back in the VM, and each frame's `pc` is current.
pub(super) enum Exit {
    /// Run this instruction in the general loop, in the top frame (it has
    /// been fetched and charged; the frame's `pc` is past it).
    Slow(Op),
    /// The fuel ran out.
    Fuel,
    /// Stopped short of the fuel's end, with fuel left (`Vm::soft_stop`):
    /// the fuel left cannot carry the running code to a jump, and the
    /// caller has more to give.
    Short,
    /// Something the general loop must look at happened (the frame ran
    /// off its end, a primitive switched processes, a collection is
    /// due): it starts again from the top frame.
    Frame,
}

/// Room kept free above the operand stack when a frame is entered, so
/// that the pushes of a typical method never find the buffer full (one
/// that does leaves to the general loop, which grows it).
const STACK_HEADROOM: usize = 32;

/// Runs the active process's top frame, and the frames it calls and
/// returns to, until an instruction needs the general loop or the fuel
/// runs out. The caller guarantees a runnable process with a frame.
///
/// The operand stack is used through raw pointers into `vm.stack`'s
/// buffer (`base <= bpp <= sp <= limit`, everything below `sp`
/// written), so that the loop keeps one stack pointer in a register
/// instead of a `Vec`'s pointer, length and capacity. Every access is
/// checked against those bounds: a push against `limit`, a pop or an
/// operand against `bpp` (the frame's temp 0), a temp against `sp`; a
/// failed check leaves to the general loop, which does the same thing
/// with `Vec` operations. `vm.stack`'s length is stale inside the loop
/// and is set (`sync!`) before anything else can look at it.
#[inline(never)]
pub(super) fn run(vm: &mut Vm, fuel_io: &mut u64) -> Exit {
    // Fuel costs nothing on straight-line code. It is kept as the address
    // `ip` would reach when it runs out, `fuel_end`: an instruction that
    // goes on to the next one moves `ip` by one `Op`, which is its charge,
    // so the fuel left is `(fuel_end - ip) / OP`; a fused instruction
    // charging `n` moves `ip` by `n`. A taken jump moves `fuel_end` with
    // `ip`, a frame switch re-bases it. The loop runs only while
    // `fuel_end >= guard`, the end of the code plus the most a fused
    // instruction charges: then the fuel cannot run out before control
    // reaches a jump (code has no backward step without one), so no
    // instruction checks it; a jump, send or return that leaves less
    // hands over to the general loop, which charges one instruction at a
    // time. `run(n)` therefore still stops after exactly `n` instructions.
    // At most FUEL_CHUNK is held in `fuel_end` at a time (the address
    // arithmetic stays far from overflow, on wasm32 too); the rest waits
    // in `reserve`.
    const OP: usize = std::mem::size_of::<Op>();
    const FUEL_CHUNK: u64 = 1 << 24;
    const FUSED_MAX: usize = 8;
    // what a primitive owes for its bulk work (`Heap::pay_owed`) is paid
    // here, after each primitive send here and after a tier send
    if vm.heap.fuel_owed != 0 {
        *fuel_io = vm.heap.pay_owed(*fuel_io);
    }
    if *fuel_io == 0 {
        return Exit::Fuel;
    }
    let mut fuel_end: usize;
    // What few instructions use lives in `c`, in memory (its address
    // escapes once, so the compiler keeps it there): the registers go to
    // the values every instruction uses. (Measured: with these in locals
    // too, the register allocator spilled and reloaded several values at
    // every dispatch.)
    let mut c = Cold {
        tier_on: vm.tier != TierMode::Off,
        array_class: vm.known.array,
        array_plain: vm.array_prims_plain(),
        reserve: 0,
        guard: 0,
        base: std::ptr::null_mut(),
        fi: 0,
        code_p: std::ptr::null(),
        opt_p: std::ptr::null(),
        ops_ptr: std::ptr::null(),
        shape_p: std::ptr::null(),
    };
    std::hint::black_box(&mut c);
    // the operand stack (see above): sp and its limit
    let mut sp: *mut Value;
    let mut limit: *mut Value;
    // the end of the running frame's code
    let mut ops_end: *const Op;
    // the next instruction, a pointer into the frame's code (see `jump!`)
    let mut ip: *const Op;
    let mut bpp: *mut Value;
    let mut recv;
    macro_rules! load_stack {
        () => {{
            let s = &mut vm.stack;
            let n = s.len();
            c.base = s.as_mut_ptr();
            // SAFETY: a Vec's length and capacity are in its buffer
            unsafe {
                sp = c.base.add(n);
                limit = c.base.add(s.capacity());
            }
        }};
    }
    macro_rules! sync {
        () => {{
            // SAFETY: base <= sp <= limit (its capacity), and every value
            // below sp has been written
            unsafe { vm.stack.set_len(sp.offset_from(c.base) as usize) }
        }};
    }
    // Temp 0 of a frame whose `bp` is `$bp`, for the current stack.
    macro_rules! set_bpp {
        ($bp:expr) => {{
            // SAFETY: clamped into base..=sp (a frame's bp never exceeds
            // the stack's length; if it did, its temps would read as
            // missing and the general loop would take over)
            let len = unsafe { sp.offset_from(c.base) } as usize;
            bpp = unsafe { c.base.add(($bp as usize).min(len)) };
        }};
    }
    // Takes the frame on top; answers whether it can run here: its code
    // verified, and the values above its temp 0 are as many as the
    // code's shape says at its pc (`crate::verify`), with room in the
    // buffer for the most it will have (the buffer grows here if not).
    // Then its instructions run without checks on the operand stack.
    // `called`: the frame was just pushed by a send (at pc 0).
    macro_rules! load_top {
        ($called:expr) => {{
            c.fi = vm.frames.len() - 1;
            let f = &vm.frames[c.fi];
            c.code_p = Rc::as_ptr(&f.code);
            c.opt_p = f.opt.as_ref().map_or(std::ptr::null(), Rc::as_ptr);
            // SAFETY: just taken from live `Rc`s
            let ops = Ops::of(unsafe { &*c.code_p }, unsafe { c.opt_p.as_ref() });
            c.ops_ptr = ops.ptr;
            c.shape_p = ops.shape;
            ops_end = ops.end;
            let pc = f.pc as usize;
            ip = c.ops_ptr.wrapping_add(pc);
            c.guard = (ops_end as usize).saturating_add(FUSED_MAX * OP);
            recv = f.receiver;
            let bp = f.bp;
            set_bpp!(bp);
            // SAFETY: the shape lives with the ops (see `Ops`)
            let shape = unsafe { &*c.shape_p };
            // SAFETY: bpp <= sp <= limit (set_bpp! clamps)
            let (h, room) = unsafe {
                (
                    sp.offset_from(bpp) as usize,
                    limit.offset_from(bpp) as usize,
                )
            };
            if shape.max as usize > room {
                sync!();
                vm.stack.reserve(shape.max as usize - h + STACK_HEADROOM);
                load_stack!();
                set_bpp!(bp);
            }
            let ok = if $called {
                // (DEAD: code that did not verify, whatever its height)
                shape.entry != DEAD && shape.entry as usize == h
            } else {
                shape.at(pc) == Some(h)
            };
            if !ok {
                vm.unshaped += 1;
            }
            ok
        }};
    }
    // The fuel left (ip <= fuel_end whenever this is used).
    macro_rules! fuel {
        () => {
            ((fuel_end - ip as usize) / OP) as u64 + c.reserve
        };
    }
    // Sets the fuel left to `$f` at the current `ip`: at most a chunk,
    // and no more than keeps `fuel_end` plus any jump's reach below
    // usize::MAX (`jump!` moves it with wrapping arithmetic).
    macro_rules! set_fuel {
        ($f:expr) => {{
            let f: u64 = $f;
            let room =
                (usize::MAX.saturating_sub(c.guard.saturating_add(FUSED_MAX * OP)) / OP) as u64;
            let chunk = f.min(FUEL_CHUNK).min(room);
            c.reserve = f - chunk;
            fuel_end = ip as usize + chunk as usize * OP;
        }};
    }
    // After a jump, a frame switch or a charge: goes on only with enough
    // fuel for the code ahead (see `fuel_end`), else the general loop does.
    macro_rules! check_fuel {
        () => {
            if fuel_end < c.guard {
                let f = fuel!();
                set_fuel!(f);
                if fuel_end < c.guard {
                    leave!(Exit::Frame);
                }
            }
        };
    }
    // Switches to the frame now on top, keeping the fuel.
    macro_rules! switch_frame {
        ($called:expr) => {{
            // the chunk's fuel moves to the new ip, as for a jump (in the
            // rare case that would wrap, it is re-chunked)
            let left = fuel_end - ip as usize;
            let shaped = load_top!($called);
            // (within set_fuel!'s bound, which jump! relies on: the fuel
            // end stays far enough below usize::MAX to move by a jump)
            let room = usize::MAX.saturating_sub(c.guard.saturating_add(FUSED_MAX * OP));
            if left <= room {
                fuel_end = ip as usize + left;
            } else {
                let f = (left / OP) as u64 + c.reserve;
                set_fuel!(f);
            }
            if !shaped {
                leave!(Exit::Frame);
            }
            check_fuel!();
        }};
    }
    // The index of the next instruction (`ip` is never below `ops.ptr`).
    macro_rules! pc {
        () => {
            (ip as usize - c.ops_ptr as usize) / std::mem::size_of::<Op>()
        };
    }
    // The running frame's code and optimized code (see `code_p`).
    macro_rules! code {
        () => {
            // SAFETY: kept alive by the frame (see `code_p`)
            unsafe { &*c.code_p }
        };
    }
    macro_rules! opt {
        () => {
            // SAFETY: null or kept alive by the frame (see `code_p`)
            unsafe { c.opt_p.as_ref() }
        };
    }
    load_stack!();
    let shaped = load_top!(false);
    set_fuel!(*fuel_io);
    if fuel_end < c.guard && shaped && vm.soft_stop {
        // the caller gives more fuel, in a call that can cover the code
        vm.stopped_short = Some(((c.guard - ip as usize) / OP) as u64 + 1);
        return Exit::Short;
    }
    if fuel_end < c.guard || !shaped {
        // too little fuel to run without counting: one instruction,
        // fetched and charged, for the general loop (which runs an
        // inlined callee's in the callee's own frame; the test is
        // `Frame::in_inlined` on the loop's own state: reading the frame
        // here instead cost the tier-off loop 4% on the sieve, callgrind).
        // A frame whose stack is not as its code's shape says runs there
        // too, one instruction at a time, until it is.
        if ip < ops_end && opt!().is_some_and(|o| pc!() >= o.canon_len) && vm.split_active(c.fi) {
            return Exit::Frame;
        }
        *fuel_io -= 1;
        if ip < ops_end {
            vm.frames[c.fi].pc += 1;
            // SAFETY: ops.ptr <= ip < ops.end (see `Ops`)
            return Exit::Slow(unsafe { *ip });
        }
        return Exit::Slow(Op::ReturnSelf);
    }
    // Every exit with the frame still on top goes through one block after
    // the loop (fewer paths for the register allocator to keep values on).
    macro_rules! leave {
        ($e:expr) => {
            break $e
        };
    }
    // At least `$n` values above temp 0: checked, for a count the
    // code's shape does not fix (a send's, from its site or method).
    macro_rules! has {
        ($n:expr) => {
            bpp.wrapping_add($n) <= sp
        };
    }
    // The same where the shape fixes it (`crate::verify`): the verifier
    // checked every path, so it is only asserted.
    macro_rules! verified {
        ($n:expr) => {
            debug_assert!(bpp.wrapping_add($n) <= sp, "verified stack height")
        };
    }
    // The operand `$k` below the top (1 is the top); only after `has!`
    // or `verified!`.
    macro_rules! at {
        ($k:expr) => {
            // SAFETY: bpp <= sp - $k (has!/verified!), a written value
            *unsafe { &mut *sp.sub($k) }
        };
    }
    // Pushes `$v`: the frame was taken with room for the most values its
    // code's shape has (`load_top!`), and every push is within it.
    macro_rules! push {
        ($v:expr) => {{
            let v: Value = $v;
            debug_assert!(sp < limit, "verified stack room");
            // SAFETY: sp < limit (the shape's maximum fits)
            unsafe {
                sp.write(v);
                sp = sp.add(1);
            }
        }};
    }
    // Drops `$n` operands; only after `has!($n)` or `verified!($n)`.
    macro_rules! drop_n {
        ($n:expr) => {
            // SAFETY: bpp <= sp - $n (has!/verified!)
            sp = unsafe { sp.sub($n) }
        };
    }
    // Temp `$i` of the running frame (the verifier checked that every
    // temp an instruction names is below the top; `Some` for the arms'
    // shape).
    macro_rules! temp {
        ($i:expr) => {{
            let p = bpp.wrapping_add($i as usize);
            debug_assert!(p < sp, "verified temp");
            // SAFETY: bpp <= p < sp (verified)
            Some(unsafe { *p })
        }};
    }
    // Stores `$v` into temp `$i` (verified, as for `temp!`).
    macro_rules! set_temp {
        ($i:expr, $v:expr) => {{
            let v: Value = $v;
            let p = bpp.wrapping_add($i as usize);
            debug_assert!(p < sp, "verified temp");
            // SAFETY: bpp <= p < sp (verified)
            unsafe { p.write(v) };
        }};
    }
    // The operands of the running frame, as a slice.
    macro_rules! operands {
        () => {
            // SAFETY: bpp <= sp, all written
            unsafe { std::slice::from_raw_parts(bpp, sp.offset_from(bpp) as usize) }
        };
    }
    macro_rules! jump {
        ($d:expr) => {{
            // (the verifier checked that every jump lands on an instruction)
            let t = ip.wrapping_offset($d as isize);
            debug_assert!(t >= c.ops_ptr && t < ops_end, "verified jump");
            // the fuel end moves with ip (wrapping: a backward jump)
            fuel_end = fuel_end.wrapping_add((t as usize).wrapping_sub(ip as usize));
            ip = t;
            check_fuel!();
        }};
    }
    // A jump into an inlined callee past its guard clause's test, which
    // is charged as the instructions skipped (`GUARD_TEST`; the chunk
    // holds them: while the loop runs, `fuel_end` covers the code and
    // `FUSED_MAX` more).
    macro_rules! jump_past_test {
        ($d:expr) => {{
            if cfg!(debug_assertions) {
                vm.guard_skips[0] += 1;
            }
            fuel_end -= GUARD_TEST as usize * OP;
            jump!($d);
        }};
    }
    // A fused instruction whose guard failed runs the first instruction
    // of the sequence it replaced instead (the following ones are still
    // canonical in the optimized code), known from the instruction itself
    // (`Op::unfused`), so also inside an inlined callee's body. One that
    // needs the general loop there un-fetches itself at the exit and
    // splits the frame (`unfetch_inlined`).
    // Pushes the value of the global whose binding is literal `$i`; a
    // literal out of range is `$op`'s for the general loop.
    macro_rules! push_global {
        ($i:expr, $op:expr) => {
            match code!().literals.get($i as usize) {
                Some(&assoc) => push!(vm.assoc_value(assoc)),
                None => leave!(Exit::Slow($op)),
            }
        };
    }
    macro_rules! unfuse {
        ($op:expr) => {{
            if cfg!(debug_assertions) {
                vm.unfused += 1;
            }
            match $op.unfused() {
                Some(Op::PushTemp(i)) => push!(temp!(i).unwrap_or(Value::NIL)),
                Some(Op::PushSelf) => push!(recv),
                Some(Op::PushGlobal(i)) => push_global!(i, Op::PushGlobal(i)),
                Some(other) => leave!(Exit::Slow(other)),
                None => leave!(Exit::Slow(*$op)),
            }
        }};
    }
    macro_rules! int {
        ($k:expr) => {
            Some(Value::small($k as i64))
        };
    }
    // A fused operation standing for `$n + 1` canonical instructions,
    // done by `$f` on SmallIntegers (`arith_fast`, or `compare_tagged` for
    // a comparison and its branch), whose result `$then` gets, and on
    // Floats by `$g` (`arith_float`, `compare_float`: what the canonical
    // `Arith` does, out of line), whose result `$fthen` gets (the rest of
    // `$then`'s work, without what it runs in the same dispatch). Other
    // operands, an overflow or a Float result to box run the first
    // instruction instead.
    macro_rules! fused_by {
        ($f:ident, $g:ident, $op:expr, $x:expr, $y:expr, $aop:expr, $n:expr, |$r:ident| $then:expr, |$fr:ident| $fthen:expr) => {
            match ($x, $y) {
                (Some(x), Some(y)) if x.both_int(y) => match $f($aop, x, y) {
                    Some($r) => {
                        ip = ip.wrapping_add($n);
                        $then;
                    }
                    None => unfuse!($op),
                },
                (Some(x), Some(y)) => match $g($aop, x, y) {
                    Some($fr) => {
                        ip = ip.wrapping_add($n);
                        $fthen;
                    }
                    None => unfuse!($op),
                },
                _ => unfuse!($op),
            }
        };
    }
    macro_rules! fused {
        ($($t:tt)*) => {
            fused_by!(arith_fast, arith_float, $($t)*)
        };
    }
    macro_rules! fused_test {
        ($($t:tt)*) => {
            fused_by!(compare_tagged, compare_float, $($t)*)
        };
    }
    // The fused arithmetic that pushes its result (`ArithTT/TI/SI`): a
    // SmallInteger one goes on, in the same dispatch, into an inlined
    // callee's entry it is the last argument of, or the operations after it
    macro_rules! fused_push {
        ($op:expr, $x:expr, $y:expr, $aop:expr) => {
            fused!(
                $op,
                $x,
                $y,
                $aop,
                2,
                |r| {
                    push!(r);
                    // (an argument, or an operand)
                    if matches!(*unsafe { &*ip }, Op::InlineEnter { .. }) {
                        then_enter!()
                    } else {
                        then_ops!()
                    }
                },
                |f| push!(f)
            )
        };
    }
    // The fused compare-and-branch (`BranchTT/TI/SI`): on to the jump by
    // `$d` when the comparison does not hold.
    macro_rules! fused_branch {
        ($op:expr, $x:expr, $y:expr, $aop:expr, $d:expr) => {
            fused_test!(
                $op,
                $x,
                $y,
                $aop,
                3,
                |holds| if !holds {
                    jump!($d)
                },
                |holds| if !holds {
                    jump!($d)
                }
            )
        };
    }
    // The fused assignment of arithmetic to temp `$c` (`SetTT/TI`,
    // `IncTemp`): a SmallInteger one also runs a back-edge right after it.
    macro_rules! fused_set {
        ($op:expr, $c:expr, $x:expr, $y:expr, $aop:expr) => {
            fused!(
                $op,
                $x,
                $y,
                $aop,
                3,
                |r| {
                    set_temp!($c, r);
                    then_back_edge!()
                },
                |f| set_temp!($c, f)
            )
        };
    }
    // A loop back-edge that also runs the loop test at its target
    // (`JumpBranchTT/TI`): into the body when it holds, else to the
    // test's `JumpIfFalse` with `false` pushed; when the operands are not
    // SmallIntegers or the fuel cannot cover the test, only the jump.
    macro_rules! jump_branch {
        ($op:expr, $d:expr, $x:expr, $y:expr, $aop:expr) => {{
            if vm.heap.needs_gc() {
                // the general loop collects at a back-edge
                leave!(Exit::Slow($op));
            }
            jump!($d);
            if let (Some(x), Some(y)) = ($x, $y) {
                if x.both_int(y) {
                    match compare_tagged($aop, x, y) {
                        Some(true) => {
                            ip = ip.wrapping_add(4);
                        }
                        Some(false) => {
                            push!(Value::FALSE);
                            ip = ip.wrapping_add(3);
                        }
                        None => {}
                    }
                }
            }
        }};
    }
    // After a loop counter's update (`IncTemp`, `SetTT`, `SetTI`): a
    // back-edge right after it (`JumpBranch*`, the loop's next test) runs
    // in the same dispatch, as Lua's FORLOOP does (the sieve's inner loop
    // goes from three dispatches to two). It is charged and handed over
    // exactly as when dispatched: `ip` past it first. (The verifier
    // checked that the update's successor is an instruction.)
    macro_rules! then_back_edge {
        () => {{
            // SAFETY: ops.ptr <= ip < ops.end (verified successor)
            // (through a reference, as the dispatch matches: a copy is
            // first reassembled from the packed bytes)
            let next: &Op = unsafe { &*ip };
            match *next {
                Op::JumpBranchTT { a, b, op: aop, d } => {
                    ip = ip.wrapping_add(1);
                    jump_branch!(*next, d, temp!(a), temp!(b), aop)
                }
                Op::JumpBranchTI { a, imm, op: aop, d } => {
                    ip = ip.wrapping_add(1);
                    jump_branch!(*next, d, temp!(a), int!(imm), aop)
                }
                _ => {}
            }
        }};
    }
    // The operand push that follows a push (the second operand of
    // `a op b` or `a op 3`), in the same dispatch, charged as its own
    // instruction by `ip`. (The verifier checked that a push's successor
    // is an instruction.)
    macro_rules! then_push {
        () => {{
            // SAFETY: ops.ptr <= ip < ops.end (verified successor)
            match *unsafe { &*ip } {
                Op::PushTemp(j) => {
                    ip = ip.wrapping_add(1);
                    push!(temp!(j).unwrap_or(Value::NIL));
                    true
                }
                Op::PushInt(k) => {
                    ip = ip.wrapping_add(1);
                    push!(Value::small(k as i64));
                    true
                }
                _ => false,
            }
        }};
    }
    // The same after an instruction that ends a statement or jumps (a
    // loop's back-edge, an assignment): the next statement's or test's
    // first two pushes.
    macro_rules! then_pushes {
        () => {{
            if then_push!() {
                then_push!();
            }
        }};
    }
    // `InlineEnter` of scope `$scope` (see `Enter`): its SmallInteger
    // shortcut (guard clause, else body) and the common case
    // (`enter_plain`) are checked in the loop, the rest out of line
    // (`inline_enter`).
    macro_rules! try_enter {
        ($scope:expr, $argc:expr, $int_body:expr) => {{
            let (scope, argc, int_body): (u16, u8, i16) = ($scope, $argc, $int_body);
            // (verified: the receiver and its arguments are operands)
            verified!(argc as usize + 1);
            if int_body != 0 && at!(argc as usize + 1).is_int() && !vm.deep() {
                // the specializer's shortcut (see `Op::InlineEnter`): the
                // callee's guard clause, if it answers and there is the
                // fuel for it (`InlineScope::guard`), else its body; the
                // send happened, as far as a program can tell
                vm.send_count += 1;
                let decision = match opt!().and_then(|o| o.scopes.get(scope as usize)) {
                    Some(InlineScope { guard: Some(g), .. }) => {
                        // SAFETY: the receiver and arguments are below sp
                        let slots = unsafe {
                            std::slice::from_raw_parts(sp.sub(argc as usize + 1), argc as usize + 1)
                        };
                        match g.decide(slots) {
                            Decision::Answers(v) if fuel!() >= g.cost as u64 => {
                                Ok((g.cost as u64, v))
                            }
                            // the test failed: the body goes on past it
                            // (charged as the instructions it skips)
                            Decision::GoesOn => Err(g.on as isize),
                            _ => Err(0),
                        }
                    }
                    _ => Err(0),
                };
                match decision {
                    Ok((cost, v)) => Enter::Answer(cost, v),
                    Err(0) => {
                        vm.note_inlined(c.fi);
                        Enter::Body(int_body as isize, sp)
                    }
                    Err(on) => {
                        vm.note_inlined(c.fi);
                        Enter::Past(int_body as isize + on)
                    }
                }
            } else {
                let (o, scope) = (opt!(), scope as usize);
                // SAFETY: bpp <= sp <= limit, in the stack's buffer
                match unsafe { enter_plain(vm, o, scope, bpp, sp, limit) } {
                    Some((d, new_sp)) => Enter::Body(d, new_sp),
                    None => match unsafe { inline_enter(vm, o, scope, bpp, sp, limit) } {
                        Some((d, new_sp)) => Enter::Body(d, new_sp),
                        None => Enter::Send,
                    },
                }
            }
        }};
    }
    // An inlined callee's entry right after its last argument was
    // computed (`ArithTT`/`TI`/`SI`), in the same dispatch, charged as
    // its own instruction by `ip`; when its guard misses, it is left to
    // be dispatched (the inline-cached send).
    macro_rules! then_enter {
        () => {{
            // SAFETY: ops.ptr <= ip < ops.end (verified successor)
            if let Op::InlineEnter {
                scope,
                argc,
                int_body,
            } = *unsafe { &*ip }
            {
                match try_enter!(scope, argc, int_body) {
                    Enter::Answer(cost, v) => {
                        ip = ip.wrapping_add(1);
                        leaf_done!(cost, argc as usize, v);
                    }
                    Enter::Body(d, new_sp) => {
                        ip = ip.wrapping_add(1);
                        sp = new_sp;
                        jump!(d);
                    }
                    Enter::Past(d) => {
                        ip = ip.wrapping_add(1);
                        jump_past_test!(d);
                    }
                    Enter::Send => {}
                }
            }
        }};
    }
    // An inlined callee's return (`InlineReturn`): its value (the top
    // operand, or its receiver) replaces its receiver, arguments and
    // temps, and the caller's code goes on after its send.
    macro_rules! inline_return {
        ($off:expr, $top:expr, $d:expr) => {{
            let (off, top): (usize, bool) = ($off as usize, $top);
            // (verified: off > 0, and that many values)
            verified!(off + top as usize);
            let v = if top {
                at!(1)
            } else {
                unsafe { *bpp.add(off - 1) }
            };
            // SAFETY: bpp + off <= sp (verified), so the callee's
            // receiver slot, bpp + off - 1, is in the stack
            unsafe {
                sp = bpp.add(off - 1);
                sp.write(v);
                sp = sp.add(1);
            }
            jump!($d);
            // the caller's `Pop` of the value (a statement's send, a
            // block's value in a `do:`), in the same dispatch
            // SAFETY: ops.ptr <= ip < ops.end (verified jump target)
            if matches!(*unsafe { &*ip }, Op::Pop) {
                ip = ip.wrapping_add(1);
                drop_n!(1);
            }
        }};
    }
    // The return of an inlined callee's value just computed (`^a op b`,
    // `^k`), in the same dispatch, charged as its own instruction by
    // `ip`.
    macro_rules! then_inline_return {
        () => {{
            // SAFETY: ops.ptr <= ip < ops.end (verified successor)
            if let Op::InlineReturn { off, top: true, d } = *unsafe { &*ip } {
                ip = ip.wrapping_add(1);
                inline_return!(off, true, d);
            }
        }};
    }
    // After a SmallInteger result was pushed: the operation that uses it
    // next, in the same dispatch, charged as its own instruction(s) by
    // `ip` (when it is not a SmallInteger operation that succeeds, it is
    // left to be dispatched): `(a op b) op2 k` (a constant and the
    // operation on it), or `a op2 (b op c)` (the operation waiting for it
    // with its first operand below); then an inlined callee's return of
    // it.
    macro_rules! then_ops {
        () => {{
            // SAFETY: ops.ptr <= ip < ops.end (verified successors; the
            // verifier also checked that an `Arith` has its two operands)
            match *unsafe { &*ip } {
                Op::PushInt(k) => {
                    if let Op::Arith(b) = *unsafe { &*ip.add(1) } {
                        let r = at!(1);
                        if r.is_int() {
                            if let Some(r2) = arith_fast(b, r, Value::small(k as i64)) {
                                ip = ip.wrapping_add(2);
                                at!(1) = r2;
                            }
                        }
                    }
                }
                Op::Arith(b) => {
                    verified!(2);
                    let (x, r) = (at!(2), at!(1));
                    if x.both_int(r) {
                        if let Some(r2) = arith_fast(b, x, r) {
                            ip = ip.wrapping_add(1);
                            at!(2) = r2;
                            drop_n!(1);
                        }
                    }
                }
                _ => {}
            }
            then_inline_return!();
        }};
    }
    // Charges `$k` instructions beyond the one dispatched, out of the
    // chunk in `fuel_end` when it holds them, else out of the reserve
    // too (the caller checked there is that much fuel).
    macro_rules! charge {
        ($k:expr) => {{
            let k: u64 = $k;
            let n = k as usize * OP;
            if fuel_end - ip as usize >= n {
                fuel_end -= n;
            } else {
                let f = fuel!() - k;
                set_fuel!(f);
            }
        }};
    }
    // An inlined leaf's (or guard clause's) value `$v`, which replaces
    // the receiver and `$argc` arguments (operands), charged `$cost` in
    // all (the caller checked there is that much fuel).
    macro_rules! leaf_done {
        ($cost:expr, $argc:expr, $v:expr) => {{
            let (cost, argc, v): (u64, usize, Value) = ($cost, $argc, $v);
            drop_n!(argc);
            at!(1) = v;
            charge!(cost - 1);
            check_fuel!();
        }};
    }
    // The rest of a quickened leaf, its value pushed: past the
    // `InlineLeaf`, charged what the leaf costs beyond its dispatch (2;
    // so 1 + 3 in all, as `PushSelf` and the `InlineLeaf` would be), and
    // counted as the send it stands for.
    macro_rules! quickened_leaf {
        () => {{
            ip = ip.wrapping_add(1);
            fuel_end -= 2 * OP;
            vm.send_count += 1;
            check_fuel!();
        }};
    }
    // After a primitive or a general send: a primitive answered, or
    // frames were pushed or popped, or the process stopped; a primitive
    // may also have redefined a method and deoptimized this frame (R6).
    // Carries on in whatever frame is on top now, reloaded, or lets the
    // general loop look first. `vm.stack` is current (synced) here.
    // `$f` is the fuel left.
    macro_rules! after_call {
        ($f:expr) => {{
            let f: u64 = vm.heap.pay_owed($f);
            load_stack!();
            if vm.frames.is_empty() || !vm.runnable_here() {
                *fuel_io = f;
                return Exit::Frame;
            }
            let shaped = load_top!(false);
            set_fuel!(f);
            if !shaped {
                leave!(Exit::Frame);
            }
            check_fuel!();
        }};
    }
    // Sends `selector` to the receiver under the top `argc` values: finds
    // the method (through `cached`, an inline cache's hit, or the global
    // lookup cache) and, if it has no primitive, pushes its frame and
    // carries on in it. Anything else is the general loop's, which runs
    // the instruction at `pc - 1` again from the start.
    macro_rules! send {
        ($op:expr, $selector:expr, $argc:expr, $cached:expr) => {
            send_at!($op, $selector, $argc, $cached, 0)
        };
    }
    // The same, the callee's frame starting at pc `$past`: 0, or past its
    // guard clause's test, which failed at the send (`Prefix::Send`),
    // charged as the instructions it skips.
    macro_rules! send_at {
        ($op:expr, $selector:expr, $argc:expr, $cached:expr, $past:expr) => {{
            let (argc, past): (usize, u8) = ($argc, $past);
            if !has!(argc + 1) {
                leave!(Exit::Slow($op));
            }
            let r = at!(argc + 1);
            let found: Option<(Value, Rc<Code>)> = match $cached {
                Some(hit) => Some(hit),
                None => {
                    let class = vm.class_of(r);
                    vm.lookup(class, $selector)
                }
            };
            let (method, callee) = match found {
                Some(x) => x,
                None => leave!(Exit::Slow($op)),
            };
            if callee.num_args as usize != argc {
                leave!(Exit::Slow($op));
            }
            vm.send_count += 1;
            vm.frames[c.fi].pc = pc!() as u32;
            if callee.info.primitive != 0 || vm.deep() {
                // a primitive (or the depth limit): the general send,
                // then carry on in whatever frame is on top
                sync!();
                let f = fuel!();
                // a block's `value`...: its frame, without the primitive
                // call around it (`activate_block` is what it does)
                if matches!(callee.info.primitive, 201..=205)
                    && vm.activate_block(r, argc, OnReturn::Push)
                {
                    after_call!(f);
                    continue;
                }
                // a leaf primitive: its answer in place of the receiver and
                // arguments, the frame kept (`Vm::send_leaf`)
                if let Some(run) = prims::leaf(callee.info.primitive, argc) {
                    if vm.send_leaf(run, method, callee, r, argc) && vm.heap.fuel_owed == 0 {
                        // (the frame's state read back as after any call:
                        // the same code, kept out of registers across it)
                        load_stack!();
                        let fr = &vm.frames[c.fi];
                        ip = c.ops_ptr.wrapping_add(fr.pc as usize);
                        let bp = fr.bp;
                        set_bpp!(bp);
                        set_fuel!(f);
                        continue;
                    }
                } else {
                    vm.invoke(method, callee, r, argc);
                }
                // a primitive may have redefined at:/at:put: (R5)
                c.array_plain = vm.array_prims_plain();
                after_call!(f);
                continue;
            }
            // the callee's temps above its arguments start as nil, and
            // its frame gets some room for its operands
            let extra = (callee.num_temps as usize).saturating_sub(argc);
            if (limit as usize - sp as usize) / std::mem::size_of::<Value>()
                < extra + STACK_HEADROOM
            {
                sync!();
                vm.stack.reserve(extra + STACK_HEADROOM);
                load_stack!();
            }
            // SAFETY: room for `extra` values was just made
            let new_bp = unsafe {
                for _ in 0..extra {
                    sp.write(Value::NIL);
                    sp = sp.add(1);
                }
                sp.sub(extra + argc).offset_from(c.base) as usize
            };
            let serial = vm.next_serial;
            vm.next_serial += 1;
            // the callee's optimized code, if it has some, goes straight
            // into its frame; otherwise the call is counted
            let opt = if c.tier_on { opt_of(&callee) } else { None };
            let count = c.tier_on && opt.is_none();
            if past != 0 {
                if cfg!(debug_assertions) {
                    vm.guard_skips[1] += 1;
                }
                // (the site checked there is the fuel)
                charge!(GUARD_TEST as u64);
            }
            vm.frames.push(Frame {
                code: callee,
                pc: past as u32,
                bp: new_bp as u32,
                receiver: r,
                method,
                closure: Value::NIL,
                serial,
                home: serial,
                on_return: OnReturn::Push,
                opt,
                ctx: Value::NIL,
            });
            if count {
                vm.tier_enter();
            }
            if past == 0 {
                switch_frame!(true);
            } else {
                switch_frame!(false);
            }
        }};
    }
    // The send an instruction stands for when its fast path does not
    // apply (`a = b` on Strings, `at:` on a String, a super send): the
    // general send (`Vm::send`), then on in whatever frame is on top, as
    // after a primitive; cheaper than handing the instruction to the
    // general loop, which would do the same after a loop exit.
    macro_rules! send_general {
        ($selector:expr, $argc:expr, $class:expr) => {{
            let (selector, argc, class): (Value, usize, Option<ClassId>) =
                ($selector, $argc, $class);
            vm.frames[c.fi].pc = pc!() as u32;
            sync!();
            let f = fuel!();
            vm.send(selector, argc, class);
            // a primitive may have redefined at:/at:put: (R5)
            c.array_plain = vm.array_prims_plain();
            after_call!(f);
            continue;
        }};
    }
    // The send a special instruction stands for when its own fast path
    // does not apply: run in place when the method it would run is a
    // primitive that answers from its operands alone
    // (`Vm::special_in_place`: a String's `=`, `at:` on a String), the
    // send counted and what the primitive owes paid, and its answer is the
    // value; otherwise the general send (`send_general!`).
    macro_rules! special_or_send {
        ($which:expr, $sel:expr, $argc:expr) => {{
            let (sel, argc): (Value, usize) = ($sel, $argc);
            let ops = operands!();
            match vm.special_in_place($which, sel, &ops[ops.len() - argc - 1..]) {
                Some(v) => {
                    vm.send_count += 1;
                    if vm.heap.fuel_owed != 0 {
                        let f = vm.heap.pay_owed(fuel!());
                        set_fuel!(f);
                        check_fuel!();
                    }
                    v
                }
                None => send_general!(sel, argc, None),
            }
        }};
    }
    // A tier send site the fast paths do not cover: `Vm::tier_send`
    // (inline-cache misses, first executions, inlined leaves).
    macro_rules! tier_send {
        ($op:expr, $site:expr) => {{
            let (op, site): (Op, u16) = ($op, $site);
            let o = match &vm.frames[c.fi].opt {
                Some(o) => o.clone(),
                None => leave!(Exit::Slow(op)),
            };
            sync!();
            vm.frames[c.fi].pc = pc!() as u32;
            // (through a copy: a local whose address is taken lives in
            // memory, and the fuel is needed in a register)
            let mut f = fuel!();
            let result = vm.tier_send(&o, site as usize, pc!() - 1, op, &mut f);
            f = vm.heap.pay_owed(f);
            load_stack!();
            // a primitive may have redefined at:/at:put: (R5)
            c.array_plain = vm.array_prims_plain();
            match result {
                TierSend::Fallback | TierSend::Missed => match code!().ops.get(pc!() - 1) {
                    Some(&canonical) => {
                        *fuel_io = f;
                        return Exit::Slow(canonical);
                    }
                    None => {
                        // in an inlined callee's body: the canonical send
                        // from the callee's own frame (see `unfetch_inlined`)
                        *fuel_io = f;
                        vm.frames[c.fi].pc = pc!() as u32;
                        let bailed = matches!(result, TierSend::Fallback);
                        unfetch_inlined(vm, c.fi, fuel_io, bailed);
                        return Exit::Frame;
                    }
                },
                TierSend::Done => {
                    // the frame is the same, its operands changed (as
                    // the send's shape says, checked like a frame taken)
                    set_bpp!(vm.frames[c.fi].bp);
                    set_fuel!(f);
                    // SAFETY: the shape lives with the ops (see `Ops`)
                    let shape = unsafe { &*c.shape_p };
                    // SAFETY: bpp <= sp
                    let h = unsafe { sp.offset_from(bpp) } as usize;
                    if shape.at(pc!()) != Some(h) || limit < bpp.wrapping_add(shape.max as usize) {
                        vm.unshaped += 1;
                        leave!(Exit::Frame);
                    }
                    check_fuel!();
                }
                TierSend::Sent => after_call!(f),
            }
        }};
    }
    // The `InlineLeaf` of site `$site` (also what a quickened leaf's
    // instruction does for another class): the leaf in place, else the
    // tier's send.
    macro_rules! inline_leaf_or_send {
        ($op:expr, $site:expr) => {{
            let site: u16 = $site;
            match inline_leaf(vm, opt!(), site as usize, operands!(), fuel!()) {
                Some((cost, argc, v)) => leaf_done!(cost, argc, v),
                // (the instruction is read only here)
                None => tier_send!($op, site),
            }
        }};
    }
    let exit = loop {
        // Matched through a reference, so each arm loads only its own
        // operands (a copied `Op` is first reassembled from its packed
        // bytes). No path runs off the end (the verifier checked).
        debug_assert!(ip >= c.ops_ptr && ip < ops_end, "verified code end");
        // SAFETY: ops.ptr <= ip < ops.end (see `Ops`)
        let op: &Op = unsafe { &*ip };
        ip = ip.wrapping_add(1);
        match *op {
            Op::PushGlobal(i) => push_global!(i, *op),
            // ----- sends and returns -----
            // A send to a method without a primitive pushes its frame
            // here and carries on in it; a return to a caller frame pops
            // and carries on in the caller. Everything else (primitives,
            // doesNotUnderstand:, the depth limit, unwinding, the end of
            // a process) is the general loop's.
            Op::Send { sel, argc } => {
                let selector = match code!().literals.get(sel as usize) {
                    Some(&s) => s,
                    None => leave!(Exit::Slow(*op)),
                };
                send!(*op, selector, argc as usize, None);
            }
            Op::ReturnTop | Op::ReturnSelf => {
                let top = matches!(*op, Op::ReturnTop);
                if top {
                    verified!(1);
                }
                let v = if top { at!(1) } else { recv };
                if c.fi == 0
                    || !matches!(vm.frames[c.fi].on_return, OnReturn::Push)
                    || bpp == c.base
                {
                    leave!(Exit::Slow(*op));
                }
                // (dropped in place: a pop would move the frame out first)
                let top = vm.frames.len() - 1;
                vm.frames.truncate(top);
                // the receiver's slot (just below temp 0) gets the value
                // SAFETY: base < bpp <= sp
                unsafe {
                    sp = bpp;
                    sp.sub(1).write(v);
                }
                switch_frame!(false);
            }
            // The tier's send sites: a megamorphic one is an ordinary send;
            // an inline cache's hit skips the lookup. Misses, the first
            // execution and inlined leaves go through `Vm::tier_send`.
            Op::SendMega { .. } => match code!().ops.get(pc!() - 1) {
                Some(&Op::Send { sel, argc }) => match code!().literals.get(sel as usize) {
                    Some(&selector) => send!(*op, selector, argc as usize, None),
                    None => leave!(Exit::Slow(*op)),
                },
                Some(&other) => leave!(Exit::Slow(other)),
                // in an inlined callee's body: from the callee's frame
                None => leave!(Exit::Slow(*op)),
            },
            Op::SendCached { site } => match cache_hit(vm, opt!(), site as usize, operands!()) {
                Some((selector, argc, hit)) => send!(*op, selector, argc, Some(hit)),
                None => tier_send!(*op, site),
            },
            // a cached leaf in place (as `InlinePrefix`'s clause), else
            // the inline-cached send
            Op::SendLeaves { site } => {
                match leaf_hit(vm, opt!(), site as usize, operands!(), fuel!()) {
                    Some((cost, argc, v)) => leaf_done!(cost, argc, v),
                    None => match cache_hit(vm, opt!(), site as usize, operands!()) {
                        Some((selector, argc, hit)) => send!(*op, selector, argc, Some(hit)),
                        None => tier_send!(*op, site),
                    },
                }
            }
            Op::InlineLeaf { site } => inline_leaf_or_send!(*op, site),
            // a quickened setter: for its class, the store; otherwise the
            // `InlineLeaf` (charged as it: the send and 4 instructions)
            Op::SetterLeaf {
                site,
                slot: i,
                class,
            } => {
                verified!(2);
                let r = at!(2);
                if vm.class_of(r) == class
                    && fuel!() >= 4
                    && !vm.deep()
                    && set_plain_slot(&mut vm.heap, r, i as usize, at!(1))
                {
                    vm.send_count += 1;
                    leaf_done!(5, 1, r);
                } else {
                    inline_leaf_or_send!(*op, site)
                }
            }
            // a quickened getter or constant leaf: for its class, the
            // value; otherwise the `InlineLeaf`
            Op::GetterLeaf {
                site,
                slot: i,
                class,
            } => {
                verified!(1);
                match getter(&vm.heap, at!(1), class, i as usize) {
                    Some(v) if fuel!() >= 2 && !vm.deep() => {
                        vm.send_count += 1;
                        leaf_done!(3, 0, v);
                    }
                    _ => inline_leaf_or_send!(*op, site),
                }
            }
            Op::ConstLeaf { site, k, class } => {
                verified!(1);
                if vm.class_of(at!(1)) == class && fuel!() >= 2 && !vm.deep() {
                    vm.send_count += 1;
                    leaf_done!(3, 0, tiny_const(k));
                } else {
                    inline_leaf_or_send!(*op, site)
                }
            }
            // a guard clause that answers, else the inline-cached send
            Op::InlinePrefix { site } => {
                match inline_prefix(vm, opt!(), site as usize, operands!(), fuel!()) {
                    Prefix::Answer(cost, argc, v) => leaf_done!(cost, argc, v),
                    Prefix::Send(selector, argc, hit, past) => {
                        send_at!(*op, selector, argc, Some(hit), past)
                    }
                    Prefix::Miss => tier_send!(*op, site),
                }
            }
            Op::SendAdaptive { site } => tier_send!(*op, site),
            Op::PushSelf => {
                push!(recv);
                then_push!();
            }
            Op::PushNil => push!(Value::NIL),
            Op::PushTrue => push!(Value::TRUE),
            Op::PushFalse => push!(Value::FALSE),
            Op::PushInt(i) => {
                push!(Value::small(i as i64));
                // a block's or branch's value, then the jump past the
                // other branch, in the same dispatch (forward only: a
                // back-edge has more to do)
                // SAFETY: ops.ptr <= ip < ops.end (verified successor)
                if let Op::Jump(d) = *unsafe { &*ip } {
                    if d >= 0 {
                        ip = ip.wrapping_add(1);
                        jump!(d);
                        then_inline_return!();
                    }
                }
            }
            // an inlined callee's literal or global (its scope's)
            Op::PushScopeLit { scope, k, global } => {
                match opt!()
                    .and_then(|o| o.scopes.get(scope as usize))
                    .and_then(|s| s.code.literals.get(k as usize))
                {
                    Some(&v) => {
                        let v = if global { vm.assoc_value(v) } else { v };
                        push!(v);
                    }
                    None => leave!(Exit::Slow(*op)),
                }
            }
            Op::PushLit(i) => match code!().literals.get(i as usize) {
                Some(&v) => push!(v),
                None => leave!(Exit::Slow(*op)),
            },
            Op::PushTemp(i) => {
                push!(temp!(i).unwrap_or(Value::NIL));
                then_push!();
            }
            Op::StoreTemp(i) => {
                verified!(1);
                set_temp!(i, at!(1));
            }
            Op::PopTemp(i) => {
                // (the verifier checked the temp is below the value popped)
                verified!(1);
                let v = at!(1);
                drop_n!(1);
                set_temp!(i, v);
                then_pushes!();
            }
            Op::PushInstVar(i) => {
                let v = slot(&vm.heap, recv, i as usize);
                push!(v);
            }
            Op::StoreInstVar(i) => {
                verified!(1);
                if !set_plain_slot(&mut vm.heap, recv, i as usize, at!(1)) {
                    leave!(Exit::Slow(*op));
                }
            }
            Op::PushRemote { idx, vec } => match temp!(vec) {
                Some(tv) => {
                    let v = slot(&vm.heap, tv, idx as usize);
                    push!(v);
                }
                None => leave!(Exit::Slow(*op)),
            },
            Op::StoreRemote { idx, vec } => match temp!(vec) {
                // (an inlined block's last statement: then its return)
                Some(tv) if set_plain_slot(&mut vm.heap, tv, idx as usize, at!(1)) => {
                    then_inline_return!()
                }
                _ => leave!(Exit::Slow(*op)),
            },
            Op::Pop => {
                verified!(1);
                drop_n!(1);
            }
            Op::Dup => {
                verified!(1);
                push!(at!(1));
            }
            Op::Arith(a) => {
                verified!(2);
                let (x, y) = (at!(2), at!(1));
                let r = if x.both_int(y) {
                    match arith_fast(a, x, y) {
                        Some(r) => r,
                        None => send_general!(vm.sel.arith[a as usize], 1, None),
                    }
                } else {
                    // Floats (out of line: it costs the SmallInteger
                    // paths registers; not called for two objects, such
                    // as Strings' `=`)
                    let f = if x.either_float(y) {
                        arith_float(a, x, y)
                    } else {
                        None
                    };
                    match f {
                        Some(r) => r,
                        None => special_or_send!(a as usize, vm.sel.arith[a as usize], 1),
                    }
                };
                // what follows, in the same dispatch, charged as its own
                // instruction(s) by `ip`
                // SAFETY: ops.ptr <= ip < ops.end (verified successor)
                match *unsafe { &*ip } {
                    // a comparison's branch (a loop's test)
                    Op::JumpIfFalse(d) if r == Value::TRUE || r == Value::FALSE => {
                        ip = ip.wrapping_add(1);
                        drop_n!(2);
                        if r == Value::FALSE {
                            jump!(d);
                        }
                    }
                    // an assignment `t := a op b`
                    Op::PopTemp(t) => {
                        ip = ip.wrapping_add(1);
                        drop_n!(2);
                        set_temp!(t, r);
                    }
                    _ => {
                        at!(2) = r;
                        drop_n!(1);
                        then_ops!();
                    }
                }
            }
            Op::At => {
                verified!(2);
                if !c.array_plain {
                    send_general!(vm.sel.at, 1, None);
                }
                match array_cell(&mut vm.heap, c.array_class, at!(2), at!(1)) {
                    Some(cell) => {
                        let v = *cell;
                        // `(a at: i) ifTrue:` in the same dispatch
                        // SAFETY: ops.ptr <= ip < ops.end (verified successor)
                        match *unsafe { &*ip } {
                            Op::JumpIfFalse(d) if v == Value::FALSE || v == Value::TRUE => {
                                ip = ip.wrapping_add(1);
                                drop_n!(2);
                                if v == Value::FALSE {
                                    jump!(d);
                                }
                            }
                            _ => {
                                at!(2) = v;
                                drop_n!(1);
                                // `aBlock value: (self at: i)` (a `do:`)
                                then_enter!();
                            }
                        }
                    }
                    None => {
                        at!(2) = special_or_send!(special::AT, vm.sel.at, 1);
                        drop_n!(1);
                    }
                }
            }
            Op::AtPut => {
                verified!(3);
                if !c.array_plain {
                    send_general!(vm.sel.at_put, 2, None);
                }
                let v = at!(1);
                match array_cell(&mut vm.heap, c.array_class, at!(3), at!(2)) {
                    Some(cell) => {
                        *cell = v;
                        // an `at:put:` statement's Pop in the same dispatch
                        // SAFETY: ops.ptr <= ip < ops.end (verified successor)
                        if matches!(*unsafe { &*ip }, Op::Pop) {
                            ip = ip.wrapping_add(1);
                            drop_n!(3);
                        } else {
                            at!(3) = v;
                            drop_n!(2);
                        }
                    }
                    None => {
                        at!(3) = special_or_send!(special::AT_PUT, vm.sel.at_put, 2);
                        drop_n!(2);
                    }
                }
            }
            Op::IdentityEq => {
                // equal bits are identical (a Float in the SmallFloat64
                // range is immediate; a boxed one is identical only to
                // itself, as in Squeak)
                verified!(2);
                let (x, y) = (at!(2), at!(1));
                at!(2) = Value::bool(x == y);
                drop_n!(1);
            }
            Op::Class => {
                verified!(1);
                let k = vm.class_of(at!(1));
                match vm.classes.get(k as usize) {
                    Some(info) => at!(1) = info.obj,
                    None => leave!(Exit::Slow(*op)),
                }
            }
            Op::SuperSend { sel, argc } => {
                let selector = match code!().literals.get(sel as usize) {
                    Some(&s) => s,
                    None => leave!(Exit::Slow(*op)),
                };
                let holder = code!().info.class as usize;
                match vm.classes.get(holder).and_then(|k| k.superclass) {
                    Some(sup) if has!(argc as usize + 1) => {
                        send_general!(selector, argc as usize, Some(sup))
                    }
                    // super of a root class: the general loop's error
                    _ => leave!(Exit::Slow(*op)),
                }
            }
            Op::Jump(d) => {
                if d < 0 && ((c.tier_on && c.opt_p.is_null()) || vm.heap.needs_gc()) {
                    leave!(Exit::Slow(*op));
                }
                jump!(d);
                then_pushes!();
            }
            // (two arms: one test of the popped value each)
            Op::JumpIfFalse(d) => {
                verified!(1);
                match at!(1) {
                    Value::FALSE => {
                        drop_n!(1);
                        jump!(d);
                    }
                    Value::TRUE => drop_n!(1),
                    _ => leave!(Exit::Slow(*op)),
                }
            }
            Op::JumpIfTrue(d) => {
                verified!(1);
                match at!(1) {
                    Value::TRUE => {
                        drop_n!(1);
                        jump!(d);
                    }
                    Value::FALSE => drop_n!(1),
                    _ => leave!(Exit::Slow(*op)),
                }
            }
            Op::JumpIfNil(d) | Op::JumpIfNotNil(d) => {
                verified!(1);
                let v = at!(1);
                drop_n!(1);
                if (v == Value::NIL) == matches!(*op, Op::JumpIfNil(_)) {
                    jump!(d);
                }
            }
            // ----- optimized instructions (see crate::tier) -----
            // Each replaces a canonical sequence and charges its length;
            // when its guard fails, or the fuel cannot cover the whole
            // sequence, the sequence's first instruction runs instead.
            // (the pushing ones first check for room for their result)
            Op::ArithTT { a, b, op: aop } => fused_push!(op, temp!(a), temp!(b), aop),
            Op::ArithTI { a, imm, op: aop } => fused_push!(op, temp!(a), int!(imm), aop),
            Op::ArithSI { imm, op: aop } => fused_push!(op, Some(recv), int!(imm), aop),
            Op::BranchTT { a, b, op: aop, d } => fused_branch!(op, temp!(a), temp!(b), aop, d),
            Op::BranchTI { a, imm, op: aop, d } => fused_branch!(op, temp!(a), int!(imm), aop, d),
            Op::BranchSI { imm, op: aop, d } => fused_branch!(op, Some(recv), int!(imm), aop, d),
            Op::IncTemp { a, imm } => fused_set!(op, a, temp!(a), int!(imm), Arith::Add),
            Op::SetTT { c, a, b, op: aop } => fused_set!(op, c, temp!(a), temp!(b), aop),
            Op::SetTI { c, a, imm, op: aop } => fused_set!(op, c, temp!(a), int!(imm), aop),
            Op::PushTT { a, b } => match (temp!(a), temp!(b)) {
                (Some(x), Some(y)) => {
                    debug_assert!(sp.wrapping_add(2) <= limit, "verified stack room");
                    // SAFETY: two free slots (the shape's maximum fits)
                    unsafe {
                        sp.write(x);
                        sp.add(1).write(y);
                        sp = sp.add(2);
                    }
                    ip = ip.wrapping_add(1);
                    then_push!();
                }
                _ => unfuse!(op),
            },
            Op::AtPutPop => {
                verified!(3);
                // otherwise the canonical AtPut's send, and its Pop (the
                // next instruction) after it
                if !c.array_plain {
                    send_general!(vm.sel.at_put, 2, None);
                }
                let v = at!(1);
                match array_cell(&mut vm.heap, c.array_class, at!(3), at!(2)) {
                    Some(cell) => {
                        *cell = v;
                        drop_n!(3);
                        ip = ip.wrapping_add(1);
                    }
                    None => {
                        special_or_send!(special::AT_PUT, vm.sel.at_put, 2);
                        drop_n!(3);
                        ip = ip.wrapping_add(1);
                    }
                }
            }
            Op::Loop { kernel, .. } => {
                // (charged from the test's pc on, the instruction itself)
                let at = ip.wrapping_sub(1);
                // the fuel this chunk holds from the test on (see `fuel_end`)
                let avail = ((fuel_end - at as usize) / OP) as u64;
                // SAFETY: bpp <= sp, in the stack's buffer, all written:
                // the frame's temps and operands
                let temps =
                    unsafe { std::slice::from_raw_parts_mut(bpp, sp.offset_from(bpp) as usize) };
                let ran = opt!().map(|o| {
                    let (heap, jit, ks, k) = (
                        &mut vm.heap,
                        vm.jit_kernels,
                        &o.kernels[..],
                        kernel as usize,
                    );
                    run_kernel(heap, c.array_class, c.array_plain, jit, ks, k, temps, avail)
                });
                match ran {
                    Some((used, to)) if used > 0 => {
                        // on at the exit, a statement or the test, the
                        // instructions run charged (as a jump moves
                        // `fuel_end` with `ip`)
                        let t = at.wrapping_add(to);
                        fuel_end = fuel_end
                            .wrapping_sub(used as usize * OP)
                            .wrapping_add(t as usize - at as usize);
                        ip = t;
                        check_fuel!();
                    }
                    // not one iteration: the test's first instruction
                    _ => unfuse!(op),
                }
            }
            Op::AtPutTTK { a, b, kind, imm } => match (temp!(a), temp!(b)) {
                (Some(r), Some(i)) if c.array_plain => {
                    match array_cell(&mut vm.heap, c.array_class, r, i) {
                        Some(cell) => {
                            *cell = small_const(kind, imm);
                            ip = ip.wrapping_add(4);
                        }
                        None => unfuse!(op),
                    }
                }
                _ => unfuse!(op),
            },
            Op::BranchAtTT { a, b, d } => match (temp!(a), temp!(b)) {
                (Some(r), Some(i)) if c.array_plain => {
                    match array_cell(&mut vm.heap, c.array_class, r, i).map(|c| *c) {
                        Some(v) if v == Value::TRUE || v == Value::FALSE => {
                            ip = ip.wrapping_add(3);
                            if v == Value::FALSE {
                                jump!(d);
                            }
                        }
                        _ => unfuse!(op),
                    }
                }
                _ => unfuse!(op),
            },
            Op::JumpBranchTT { a, b, op: aop, d } => jump_branch!(*op, d, temp!(a), temp!(b), aop),
            Op::JumpBranchTI { a, imm, op: aop, d } => {
                jump_branch!(*op, d, temp!(a), int!(imm), aop)
            }
            // ----- inlined callees that send (see `tier::InlineScope`) -----
            Op::InlineEnter {
                scope,
                argc,
                int_body,
            } => match try_enter!(scope, argc, int_body) {
                Enter::Answer(cost, v) => leaf_done!(cost, argc as usize, v),
                Enter::Body(d, new_sp) => {
                    sp = new_sp;
                    jump!(d);
                }
                Enter::Past(d) => jump_past_test!(d),
                Enter::Send => tier_send!(*op, scope),
            },
            Op::InlineReturn { off, top, d } => inline_return!(off, top, d),
            // a block's `self` and instance variables, inlined into a
            // frame that did not make it: its closure's receiver's
            Op::PushOuterSelf(t) => match temp!(t).and_then(|k| closure_receiver(&vm.heap, k)) {
                Some(r) => push!(r),
                None => leave!(Exit::Slow(*op)),
            },
            Op::PushOuterVar { t, idx } => {
                match temp!(t).and_then(|k| closure_receiver(&vm.heap, k)) {
                    Some(r) => {
                        let v = slot(&vm.heap, r, idx as usize);
                        push!(v);
                    }
                    None => leave!(Exit::Slow(*op)),
                }
            }
            Op::StoreOuterVar { t, idx } => {
                verified!(1);
                match temp!(t).and_then(|k| closure_receiver(&vm.heap, k)) {
                    Some(r) if set_plain_slot(&mut vm.heap, r, idx as usize, at!(1)) => {}
                    // (a class's variables, say: the general loop, from
                    // the block's own frame)
                    _ => leave!(Exit::Slow(*op)),
                }
            }
            // A quickened leaf (`PushSelf`/`PushTemp` and the `InlineLeaf`
            // after it, in one): for its class, the value is pushed and
            // both instructions are charged with the leaf's cost (3) as
            // they would be separately; otherwise the push runs.
            Op::GetterS { slot: i, class } => match getter(&vm.heap, recv, class, i as usize) {
                Some(v) if !vm.deep() => {
                    push!(v);
                    quickened_leaf!();
                }
                _ => unfuse!(op),
            },
            Op::GetterT { t, slot: i, class } => {
                match temp!(t).and_then(|r| getter(&vm.heap, r, class, i as usize)) {
                    Some(v) if !vm.deep() => {
                        push!(v);
                        quickened_leaf!();
                    }
                    _ => unfuse!(op),
                }
            }
            Op::ConstS { kind, imm, class } => {
                if vm.class_of(recv) == class && !vm.deep() {
                    push!(small_const(kind, imm));
                    quickened_leaf!();
                } else {
                    unfuse!(op)
                }
            }
            Op::ConstG { lit, k, class } => match code!().literals.get(lit as usize) {
                Some(&assoc) if vm.class_of(vm.assoc_value(assoc)) == class && !vm.deep() => {
                    push!(tiny_const(k));
                    quickened_leaf!();
                }
                _ => unfuse!(op),
            },
            Op::ConstT { t, imm, class } => match temp!(t) {
                Some(r) if vm.class_of(r) == class && !vm.deep() => {
                    push!(Value::small(imm as i64));
                    quickened_leaf!();
                }
                _ => unfuse!(op),
            },
            Op::ConstNilT { t, nil, k, class } => match temp!(t) {
                Some(Value::NIL) if !vm.deep() => {
                    push!(tiny_const(nil));
                    quickened_leaf!();
                }
                Some(r) if r != Value::NIL && vm.class_of(r) == class && !vm.deep() => {
                    push!(tiny_const(k));
                    quickened_leaf!();
                }
                _ => unfuse!(op),
            },
            Op::MakeClosure { block, copied } => {
                let copied = copied as usize;
                verified!(copied);
                let block = match code!().blocks.get(block as usize) {
                    Some(b) => b.clone(),
                    _ => leave!(Exit::Slow(*op)),
                };
                // SAFETY: `copied` operands (has!)
                let values = SmallVec::from_slice(unsafe {
                    std::slice::from_raw_parts(sp.sub(copied), copied)
                });
                drop_n!(copied);
                let f = &vm.frames[c.fi];
                let closure = Closure {
                    code: block,
                    method: f.method,
                    receiver: f.receiver,
                    home: f.home,
                    process: vm.procs[vm.active].obj,
                    outer: f.serial,
                    copied: values,
                };
                let v = vm.heap.alloc(
                    vm.known.full_block_closure,
                    Body::Closure(Box::new(closure)),
                );
                // SAFETY: `copied` slots were just freed, or there is room
                if sp < limit {
                    unsafe {
                        sp.write(v);
                        sp = sp.add(1);
                    }
                } else {
                    sync!();
                    vm.stack.push(v);
                    load_stack!();
                    set_bpp!(vm.frames[c.fi].bp);
                }
                if vm.heap.needs_gc() {
                    // the general loop collects before the next instruction
                    leave!(Exit::Frame);
                }
            }
            Op::StoreGlobal(_)
            | Op::PushThisContext
            | Op::MakeArray { .. }
            | Op::NonLocalReturn => leave!(Exit::Slow(*op)),
        }
    };
    sync!();
    vm.frames[c.fi].pc = pc!() as u32;
    *fuel_io = fuel!();
    if matches!(exit, Exit::Slow(_)) && unfetch_inlined(vm, c.fi, fuel_io, true) {
        return Exit::Frame;
    }
    exit
}

/// What `InlineEnter` does (`try_enter!` in `run`): the callee's guard
/// clause answers (its fuel cost and value), or its body is entered (the
/// jump there and the new `sp`, its temps pushed), or neither, and the
/// site's inline-cached send happens.
enum Enter {
    Answer(u64, Value),
    Body(isize, *mut Value),
    /// The first scope's body past its guard clause's test, at this jump
    /// (see `Guard::on`).
    Past(isize),
    Send,
}

/// The fast loop's state that few instructions use (see `run`).
struct Cold {
    tier_on: bool,
    array_class: ClassId,
    /// `Vm::array_prims_plain`, as of the last call out.
    array_plain: bool,
    /// Fuel not held in `fuel_end`.
    reserve: u64,
    /// The least `fuel_end` to run on without counting.
    guard: usize,
    /// `vm.stack`'s buffer.
    base: *mut Value,
    /// The running frame's index, code, optimized code and first
    /// instruction: kept alive by the frame's `Rc`s, which change only in
    /// calls out of the loop, after which the frame is loaded again (no
    /// reference counting per call).
    fi: usize,
    code_p: *const Code,
    opt_p: *const OptCode,
    ops_ptr: *const Op,
    /// The running code's shape (`crate::verify`), alive with it.
    shape_p: *const Shape,
}

/// The running frame's instructions: its canonical code, or the tier's
/// optimized copy (`Cell<Op>` has `Op`'s layout), as one view so that
/// fetching does not ask which, with its shape (`crate::verify`). The
/// loop reads through `ip` only where `ptr <= ip < end`: it runs only
/// verified code, taken at a pc the shape reaches, and every path the
/// verifier follows, straight on, by a jump or by a fused instruction's
/// skip, lands on an instruction. The memory is a Vec that is never resized, kept alive by the frame's
/// `Rc<Code>`/`Rc<OptCode>` while the view is used. Optimized code is
/// written only inside `Vm::tier_send`, and the loop copies what it needs
/// from an instruction before calling that, so no reference from here is
/// used across a write.
#[derive(Clone, Copy)]
struct Ops {
    ptr: *const Op,
    end: *const Op,
    shape: *const Shape,
}

impl Ops {
    /// The view of `opt` if there is optimized code, else of `code`.
    #[inline(always)]
    fn of(code: &Code, opt: Option<&OptCode>) -> Ops {
        let (ptr, len, shape) = match opt {
            Some(o) => (o.ops.as_ptr() as *const Op, o.ops.len(), &o.shape),
            None => (code.ops.as_ptr(), code.ops.len(), &code.shape),
        };
        Ops {
            ptr,
            end: ptr.wrapping_add(len),
            shape,
        }
    }
}
