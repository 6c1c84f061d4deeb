//! Loop kernels (`Op::Loop`, `tier::Kernel`): whole iterations of a
//! straight-line loop over SmallIntegers and an Array in one dispatch.

use super::kernel_jit;
use crate::bytecode::arith::arith_tagged;
use crate::object::{ClassId, Heap, Value};
use crate::tier::code::{Kernel, Step};

/// Runs loop kernel `which` of `kernels` (`Op::Loop`) on the frame's
/// temps `t` from its test, whole iterations while `avail` instructions
/// cover one, each statement with the guards of the fused instruction it
/// is: a SmallInteger operation without overflow; an Array read (a
/// Boolean) or store in bounds, `at:`/`at:put:` not redefined, where the
/// Array (`Kernel::array`, a temp the body does not assign: the same
/// object all along, and nothing here can change its class or size) is
/// checked once, on the way in. So are the temps the loop computes with
/// (`Kernel::regs`): SmallIntegers on the way in (but those each
/// iteration assigns before it reads them), they stay so, as every
/// statement assigns a SmallInteger or leaves; an iteration then tests no
/// tags. An inner loop runs by its own kernel, on the temps, with the
/// fuel the iteration leaves (it has no inner loop: the nesting here is
/// one deep). With `jit`, the kernel runs compiled where it can be
/// (`kernel_jit`), to the same effect. Answers the instructions it ran
/// and where the frame goes on (an offset from the test): the exit when
/// the test fails, a statement whose guard failed (not run: dispatched,
/// it takes its own way out), a place in an inner loop where that loop
/// stopped, or the test (the fuel, operands that are not SmallIntegers,
/// or not an Array). Kept out of line: a small function whose registers
/// hold the loop's state.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
pub(super) fn run_kernel(
    heap: &mut Heap,
    array: ClassId,
    array_plain: bool,
    jit: bool,
    kernels: &[Kernel],
    which: usize,
    t: &mut [Value],
    avail: u64,
) -> (u64, usize) {
    let Some(k) = kernels.get(which) else {
        return (0, 0);
    };
    // every temp the loop names is in `t` (the verifier checked; checked
    // again here, once, for the accesses below)
    let n = k.regs.len();
    if k.temps as usize > t.len()
        || n >= Kernel::REGS
        || k.rest.len() != k.steps.len() + 1
        || k.defined.len() != n
    {
        return (0, 0);
    }
    // the registers: the temps (SmallIntegers, or no run), then the
    // test's constant
    let mut r = [0i64; Kernel::REGS];
    for ((x, &i), &set) in r.iter_mut().zip(&k.regs).zip(&k.defined) {
        let v = t[i as usize];
        if !v.is_int() && !set {
            return (0, 0);
        }
        *x = v.bits() as i64;
    }
    r[n] = Value::small(k.imm as i64).bits() as i64;
    let Some(mut cells) = array_slots(heap, k, array, array_plain, t) else {
        return (0, 0);
    };
    // compiled, where it can be (it reads and writes the temps itself)
    if jit {
        if let Some(ran) = kernel_jit::run(kernels, which, t, cells, avail) {
            return ran;
        }
    }
    // (register indices masked: in bounds without a check)
    let at = |i: u8| i as usize % Kernel::REGS;
    let (lo, hi, bias) = (at(k.test.0), at(k.test.1), k.test.2);
    // whole iterations only: an iteration is counted whole as it begins,
    // and what it did not run taken back where it leaves or skips
    let mut used = 0u64;
    let steps = &k.steps[..];
    // where it leaves (the test, 0; the exit; or a step, not run) and
    // what of the iteration's count it did not run
    let leave = |s: usize| (k.offset(s), k.rest[s]);
    let (to, not_run) = 'run: loop {
        if used + k.cost > avail {
            // (the fuel left covers no whole iteration: the test,
            // dispatched)
            break 'run (0, 0);
        }
        if r[lo] >= r[hi] + bias {
            used += 4;
            break 'run (k.exit, 0);
        }
        used += k.cost;
        let mut s = 0;
        while let Some(step) = steps.get(s) {
            let (c, v) = match *step {
                Step::Store { b, v } => {
                    // (an index of 0 or less wraps past any size;
                    // compared as a u64, which a usize may be too
                    // narrow for)
                    let i = ((r[at(b)] >> 3) as u64).wrapping_sub(1);
                    if i < cells.len() as u64 {
                        cells[i as usize] = v;
                        s += 1;
                        continue;
                    }
                    (0, None)
                }
                Step::Skip { b, to, skipped } => {
                    let i = ((r[at(b)] >> 3) as u64).wrapping_sub(1);
                    let v = if i < cells.len() as u64 {
                        cells[i as usize]
                    } else {
                        Value::NIL
                    };
                    if v == Value::TRUE {
                        s += 1;
                        continue;
                    }
                    if v == Value::FALSE {
                        used -= skipped as u64;
                        s = to as usize;
                        continue;
                    }
                    (0, None)
                }
                Step::Inner { kernel } => {
                    for (&x, &i) in r.iter().zip(&k.regs) {
                        t[i as usize] = Value::from_bits(x as u64);
                    }
                    // (no deeper: an inner kernel runs no inner loop)
                    let inner = kernels.get(kernel as usize);
                    let (ran, to) = match inner {
                        Some(i) if !i.nests() => {
                            let (k, t, left) = (kernel as usize, &mut *t, avail - used);
                            run_kernel(heap, array, array_plain, false, kernels, k, t, left)
                        }
                        _ => (0, 0),
                    };
                    if inner.is_none_or(|i| to != i.exit) {
                        // stopped in there: on from where it did (the
                        // temps are as it left them)
                        return (used - k.rest[s] + ran, k.body[s].0 + to);
                    }
                    used += ran;
                    for (x, &i) in r.iter_mut().zip(&k.regs) {
                        *x = t[i as usize].bits() as i64;
                    }
                    s += 1;
                    match array_slots(heap, k, array, array_plain, t) {
                        Some(x) => cells = x,
                        None => break 'run leave(s),
                    }
                    continue;
                }
                // (tagged: `x + y - 1` keeps the tag; it overflows
                // when the sum leaves the SmallIntegers)
                Step::Add { c, a, b } => (c, r[at(a)].checked_add(r[at(b)] - 1)),
                Step::Sub { c, a, b } => (c, r[at(a)].checked_sub(r[at(b)] - 1)),
                Step::AddI { c, a, d } => (c, r[at(a)].checked_add(d)),
                Step::Arith { c, a, b, op } => {
                    let (x, y) = (r[at(a)] as u64, r[at(b)] as u64);
                    let v = arith_tagged(op, Value::from_bits(x), Value::from_bits(y));
                    (c, v.map(|v| v.bits() as i64))
                }
                Step::ArithI { c, a, imm, op } => {
                    let x = Value::from_bits(r[at(a)] as u64);
                    let v = arith_tagged(op, x, Value::small(imm as i64));
                    (c, v.map(|v| v.bits() as i64))
                }
            };
            match v {
                Some(v) => {
                    r[at(c)] = v;
                    s += 1;
                }
                None => break 'run leave(s),
            }
        }
    };
    used -= not_run;
    for (&x, &i) in r.iter().zip(&k.regs) {
        t[i as usize] = Value::from_bits(x as u64);
    }
    (used, to)
}

/// The slots of kernel `k`'s Array (none if it has none), if it is one
/// and `at:`/`at:put:` are not redefined.
fn array_slots<'h>(
    heap: &'h mut Heap,
    k: &Kernel,
    array: ClassId,
    array_plain: bool,
    t: &[Value],
) -> Option<&'h mut [Value]> {
    let Some(a) = k.array else {
        return Some(&mut []);
    };
    let v = t[a as usize];
    let ok = array_plain && heap.try_get(v).is_some_and(|o| o.class == array);
    heap.slots_mut(v).filter(|_| ok)
}
