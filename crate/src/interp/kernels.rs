//! Loop kernels (`Op::Loop`, `tier::Kernel`): whole iterations of a
//! straight-line loop over SmallIntegers and an Array in one dispatch.

use crate::bytecode::arith::{arith_tagged, compare_tagged};
use crate::object::{ClassId, Heap, Value};
use crate::tier::code::{Kernel, Stmt};

/// Runs loop `k` (`Op::Loop`) on the frame's temps `t` from its test,
/// whole iterations while `avail` instructions cover one, each statement
/// with the guards of the fused instruction it is: a SmallInteger
/// operation without overflow; an Array store in bounds, `at:put:` not
/// redefined, where the Array (`Kernel::array`, a temp the body does not
/// assign: the same object all along, and nothing here can change its
/// class or size) is checked once, on the way in. Answers the
/// instructions it ran and where the frame goes on (an offset from the
/// test): the exit when the test fails, a statement whose guard failed
/// (not run: dispatched, it takes its own way out), or the test (the
/// fuel, operands that are not SmallIntegers, or not an Array). Kept out
/// of line: a small function whose registers hold the loop's state.
#[inline(never)]
pub(super) fn run_kernel(
    heap: &mut Heap,
    array: ClassId,
    array_plain: bool,
    k: &Kernel,
    t: &mut [Value],
    avail: u64,
) -> (u64, usize) {
    // every temp the loop names is in `t` (the verifier checked; checked
    // again here, once, for the unchecked accesses below)
    if k.temps as usize > t.len() {
        return (0, 0);
    }
    // SAFETY (of each `get`/`set`): `i < k.temps <= t.len()`
    let get = |t: &[Value], i: u16| unsafe { *t.get_unchecked(i as usize) };
    let set = |t: &mut [Value], i: u16, v: Value| unsafe { *t.get_unchecked_mut(i as usize) = v };
    let mut slots: &mut [Value] = &mut [];
    if let Some(a) = k.array {
        let r = get(t, a);
        let ok = array_plain && heap.try_get(r).is_some_and(|o| o.class == array);
        match heap.slots_mut(r) {
            Some(s) if ok => slots = s,
            _ => return (0, 0),
        }
    }
    let imm = Value::small(k.imm as i64);
    // whole iterations only: the fuel for them is counted once, here, and
    // what ran is worked out where the loop leaves (`ran`)
    let iterations = avail / k.cost.max(1);
    // the instructions of `done` whole iterations, then the test and the
    // statements before statement `s`
    let ran = |done: u64, s: usize| {
        done * k.cost + 4 + k.body.iter().take(s).map(|&(_, _, n)| n).sum::<u64>()
    };
    for done in 0..iterations {
        let (x, y) = (get(t, k.a), k.b.map_or(imm, |b| get(t, b)));
        if !x.both_int(y) {
            return (done * k.cost, 0);
        }
        match compare_tagged(k.op, x, y) {
            Some(true) => {}
            Some(false) => return (done * k.cost + 4, k.exit),
            None => return (done * k.cost, 0),
        }
        for (s, &(off, stmt, _)) in k.body.iter().enumerate() {
            let ok = match stmt {
                Stmt::AtPut { b, v, .. } => {
                    let i = get(t, b);
                    // (an index of 0 or less wraps past any size; compared
                    // as a u64, which a usize may be too narrow for)
                    let at = (i.int_unchecked() as u64).wrapping_sub(1);
                    let ok = i.is_int() && at < slots.len() as u64;
                    if ok {
                        slots[at as usize] = v;
                    }
                    ok
                }
                Stmt::SetTT { c, a, b, op } => {
                    let (x, y) = (get(t, a), get(t, b));
                    match x.both_int(y).then(|| arith_tagged(op, x, y)).flatten() {
                        Some(r) => {
                            set(t, c, r);
                            true
                        }
                        None => false,
                    }
                }
                Stmt::SetTI { c, a, imm, op } => {
                    let (x, y) = (get(t, a), Value::small(imm as i64));
                    match x.is_int().then(|| arith_tagged(op, x, y)).flatten() {
                        Some(r) => {
                            set(t, c, r);
                            true
                        }
                        None => false,
                    }
                }
            };
            if !ok {
                return (ran(done, s), off);
            }
        }
    }
    // (the fuel left covers no whole iteration: the test, dispatched)
    (iterations * k.cost, 0)
}
