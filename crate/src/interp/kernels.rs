//! Loop kernels (`Op::Loop`, `tier::Kernel`): whole iterations of a
//! straight-line loop over SmallIntegers and an Array in one dispatch.

use super::kernel_jit;
use crate::bytecode::arith::arith_tagged;
use crate::object::{ClassId, Heap, Value};
use crate::tier::code::{Kernel, Step};
use crate::tier::wasm_kernel::{AT_EXIT, AT_STEP};

/// Runs loop `k` (`Op::Loop`) on the frame's temps `t` from its test,
/// whole iterations while `avail` instructions cover one, each statement
/// with the guards of the fused instruction it is: a SmallInteger
/// operation without overflow; an Array store in bounds, `at:put:` not
/// redefined, where the Array (`Kernel::array`, a temp the body does not
/// assign: the same object all along, and nothing here can change its
/// class or size) is checked once, on the way in. So are the temps the
/// loop computes with (`Kernel::ints`): SmallIntegers on the way in, they
/// stay so, as every statement assigns a SmallInteger or leaves; an
/// iteration then tests no tags. Answers the instructions it ran and
/// where the frame goes on (an offset from the test): the exit when the
/// test fails, a statement whose guard failed (not run: dispatched, it
/// takes its own way out), or the test (the fuel, operands that are not
/// SmallIntegers, or not an Array). Kept out of line: a small function
/// whose registers hold the loop's state.
#[inline(never)]
pub(super) fn run_kernel(
    heap: &mut Heap,
    array: ClassId,
    array_plain: bool,
    jit: bool,
    k: &Kernel,
    t: &mut [Value],
    avail: u64,
) -> (u64, usize) {
    // every temp the loop names is in `t` (the verifier checked; checked
    // again here, once, for the accesses below)
    let n = k.regs.len();
    if k.temps as usize > t.len() || n >= Kernel::REGS {
        return (0, 0);
    }
    // the registers: the temps (SmallIntegers, or no run), then the
    // test's constant
    let mut r = [0i64; Kernel::REGS];
    for (x, &i) in r.iter_mut().zip(&k.regs) {
        let v = t[i as usize];
        if !v.is_int() {
            return (0, 0);
        }
        *x = v.bits() as i64;
    }
    r[n] = Value::small(k.imm as i64).bits() as i64;
    let mut slots: &mut [Value] = &mut [];
    if let Some(a) = k.array {
        let v = t[a as usize];
        let ok = array_plain && heap.try_get(v).is_some_and(|o| o.class == array);
        match heap.slots_mut(v) {
            Some(s) if ok => slots = s,
            _ => return (0, 0),
        }
    }
    // (register indices masked: in bounds without a check)
    let at = |i: u8| i as usize % Kernel::REGS;
    let (lo, hi, bias) = (at(k.test.0), at(k.test.1), k.test.2);
    // whole iterations only: the fuel for them is counted once, here, and
    // what ran is worked out where the loop leaves
    let iterations = avail / k.cost.max(1);
    // the instructions of `done` whole iterations, then the test and the
    // statements before statement `s`
    let ran = |done: u64, s: usize| {
        done * k.cost + 4 + k.body.iter().take(s).map(|&(_, _, n)| n).sum::<u64>()
    };
    // compiled, where it can be (the registers are the temps: it reads
    // and writes them itself)
    if jit {
        if let Some((done, at)) = kernel_jit::run(k, t, slots, iterations) {
            let s = at.wrapping_sub(AT_STEP) as usize;
            return match at {
                AT_EXIT => (done * k.cost + 4, k.exit),
                _ if s < k.body.len() => (ran(done, s), k.body[s].0),
                _ => (done * k.cost, 0),
            };
        }
    }
    let (ran, to) = 'run: {
        for done in 0..iterations {
            if r[lo] >= r[hi] + bias {
                break 'run (done * k.cost + 4, k.exit);
            }
            for step in &k.steps {
                let (c, v) = match *step {
                    Step::Store { b, v } => {
                        // (an index of 0 or less wraps past any size;
                        // compared as a u64, which a usize may be too
                        // narrow for)
                        let i = ((r[at(b)] >> 3) as u64).wrapping_sub(1);
                        if i < slots.len() as u64 {
                            slots[i as usize] = v;
                            continue;
                        }
                        (0, None)
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
                    Some(v) => r[at(c)] = v,
                    None => {
                        // (where the statement is: it was not run)
                        // SAFETY: `step` is an element of `k.steps`
                        let s = unsafe { (step as *const Step).offset_from(k.steps.as_ptr()) };
                        let s = s as usize;
                        break 'run (ran(done, s), k.body[s].0);
                    }
                }
            }
        }
        // (the fuel left covers no whole iteration: the test, dispatched)
        (iterations * k.cost, 0)
    };
    for (&x, &i) in r.iter().zip(&k.regs) {
        t[i as usize] = Value::from_bits(x as u64);
    }
    (ran, to)
}
