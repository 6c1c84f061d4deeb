//! Special instructions (`Op::Arith`, `Op::At`, `Op::AtPut`) on receivers
//! their own fast paths do not cover: a String's `=`, `at:` on a String.
//! When the method the send would run is a primitive that answers from its
//! operands alone (`prims::in_place`), it runs in place of the send,
//! without the lookup, the call and the return around it. A small cache
//! holds, per special selector and receiver class, that primitive for the
//! lookup epoch, so an accept (which starts a new epoch) is seen at once,
//! as by any send (R5).

use super::prims::{self, Args, PrimFn, PrimResult};
use super::Vm;
use crate::bytecode::Arith;
use crate::object::{ClassId, Code, Value};
use std::rc::Rc;

/// The special selectors are the `Arith` ones (by index), `at:` ([`AT`])
/// and `at:put:` ([`AT_PUT`]).
pub(super) const AT: usize = Arith::ALL.len();
/// See [`AT`].
pub(super) const AT_PUT: usize = Arith::ALL.len() + 1;
/// Entries in the cache (a power of two): a site that sees a few classes
/// (`=` on Strings and on Symbols) keeps them all.
const ENTRIES: usize = 64;

/// What a special selector found for a receiver class.
#[derive(Clone, Copy, Default)]
struct Entry {
    which: usize,
    class: ClassId,
    /// The lookup epoch it holds for (`Vm::cache_epoch`, never 0).
    epoch: u32,
    /// The primitive to run in place; `None`: send.
    run: Option<PrimFn>,
    /// Its common case, run here without the primitive call.
    fast: Fast,
}

/// The common cases of two in-place primitives, which a special
/// instruction runs itself before it calls the primitive.
#[derive(Clone, Copy, Default, PartialEq)]
enum Fast {
    #[default]
    None,
    /// String `=` (`prims::STRING_EQ`) on two short byte strings
    /// (`prims::eq_short`).
    StringEq,
    /// `at:` (primitive 60) on a byte string of a String class
    /// (`prims::byte_char_at`).
    ByteCharAt,
}

/// The entries, direct-mapped by selector and class.
#[derive(Clone)]
pub(crate) struct SpecialCache([Entry; ENTRIES]);

impl SpecialCache {
    /// The entry for special selector `which` and receiver class `class`.
    #[inline(always)]
    fn slot(which: usize, class: ClassId) -> usize {
        (class as usize).wrapping_mul(7).wrapping_add(which) & (ENTRIES - 1)
    }
}

impl Default for SpecialCache {
    fn default() -> Self {
        SpecialCache([Entry::default(); ENTRIES])
    }
}

impl Vm {
    /// Special selector `which` (with selector `sel`) sent to `ops[0]`
    /// with arguments `ops[1..]`: the answer of its method's primitive run
    /// in place, or `None` if the send must happen (another method, or the
    /// primitive failed: nothing changed). The caller counts the send and
    /// pays what the primitive owes (`Heap::pay_owed`).
    #[inline(never)]
    pub(super) fn special_in_place(
        &mut self,
        which: usize,
        sel: Value,
        ops: &[Value],
    ) -> Option<Value> {
        // the common cases, answered without the registers the rest needs
        // (`special_send`, a tail call, saves them)
        if let (Some(&r), Some(&a)) = (ops.first(), ops.get(1)) {
            if let Some(x) = self.heap.try_get(r) {
                let e = &self.special.0[SpecialCache::slot(which, x.class)];
                if e.class == x.class && e.which == which && e.epoch == self.cache_epoch {
                    let fast = match e.fast {
                        Fast::StringEq => prims::eq_short(&self.heap, x, a),
                        Fast::ByteCharAt => prims::byte_char_at(x, a),
                        Fast::None => None,
                    };
                    if fast.is_some() {
                        return fast;
                    }
                    let run = e.run?;
                    return self.special_run(run, r, &ops[1..]);
                }
            }
        }
        self.special_send(which, sel, ops)
    }

    /// In-place primitive `run` for receiver `r` and `args`, out of line
    /// (see [`Vm::special_in_place`]).
    #[inline(never)]
    fn special_run(&mut self, run: PrimFn, r: Value, args: &[Value]) -> Option<Value> {
        self.run_in_place(run, r, args)
    }

    /// The rest of [`Vm::special_in_place`]: the cache filled on a miss,
    /// and the primitive called.
    #[inline(never)]
    fn special_send(&mut self, which: usize, sel: Value, ops: &[Value]) -> Option<Value> {
        let (&r, args) = ops.split_first()?;
        let class = self.class_of(r);
        let h = SpecialCache::slot(which, class);
        let e = &self.special.0[h];
        let run = if e.class == class && e.which == which && e.epoch == self.cache_epoch {
            e.run
        } else {
            self.special_miss(h, which, class, sel, args.len())
        }?;
        self.run_in_place(run, r, args)
    }

    /// In-place primitive `run` (`prims::in_place`) for receiver `r` and
    /// `args`: its answer, or `None` if it failed.
    #[inline(always)]
    fn run_in_place(&mut self, run: PrimFn, r: Value, args: &[Value]) -> Option<Value> {
        let arg = |i: usize| args.get(i).copied().unwrap_or(Value::NIL);
        let a = Args {
            r,
            a0: arg(0),
            a1: arg(1),
            a2: Value::NIL,
            a3: Value::NIL,
            argc: args.len(),
            // (no in-place primitive reads the stack)
            n: 0,
        };
        // (an in-place primitive allocates nothing: no charge to make)
        match run(self, a) {
            PrimResult::Value(v) => Some(v),
            // (`Done` is no in-place primitive's answer)
            PrimResult::Fail | PrimResult::Done => None,
        }
    }

    /// Primitive `prim` of a method a send found, for the receiver and
    /// `argc` arguments on top of the stack, run in place of the call when
    /// it answers from its operands alone (`prims::in_place`) or makes a
    /// small object (`access::new_in_place`): true if it answered, its
    /// answer replacing receiver and arguments; false (nothing changed)
    /// to make the call. The caller pays what the primitive owes
    /// (`Heap::pay_owed`).
    #[inline(never)]
    pub(super) fn prim_in_place(&mut self, prim: u16, argc: usize) -> bool {
        let n = self.stack.len();
        if argc > 2 || n < argc + 1 {
            return false;
        }
        // (receiver and arguments, copied one by one: a copy of a slice
        // of unknown length is a memcpy call)
        let at = |i: usize| {
            if i <= argc {
                self.stack[n - argc - 1 + i]
            } else {
                Value::NIL
            }
        };
        let ops = [at(0), at(1), at(2)];
        let (r, args) = (ops[0], &ops[1..=argc]);
        let v = if prim == 70 || prim == 71 {
            // (an argument count they do not take is the call's to refuse)
            super::access::new_in_place(self, prim, r, args)
        } else {
            prims::in_place(prim, argc).and_then(|run| self.run_in_place(run, r, args))
        };
        match v {
            Some(v) => {
                self.stack.truncate(n - argc);
                self.stack[n - argc - 1] = v;
                if cfg!(debug_assertions) {
                    self.prims_in_place += 1;
                }
                true
            }
            None => false,
        }
    }

    /// The send of `method` (`code`), whose primitive is the leaf `run`
    /// (`prims::leaf`), to `r` with `argc` arguments on top of the stack,
    /// from the fast loop. True when the primitive answered in place of
    /// the receiver and arguments, the frames and the process as they were
    /// and runnable; otherwise the send happened as any other
    /// (`Vm::invoke`) and the caller reloads.
    #[inline(never)]
    pub(super) fn send_leaf(
        &mut self,
        run: PrimFn,
        method: Value,
        code: Rc<Code>,
        r: Value,
        argc: usize,
    ) -> bool {
        let Some(a) = Args::on_top(&self.stack, argc) else {
            self.invoke(method, code, r, argc);
            return false;
        };
        let at = a.n - argc - 1;
        match run(self, a) {
            PrimResult::Value(v) => {
                self.stack.truncate(at + 1);
                self.stack[at] = v;
                if cfg!(debug_assertions) {
                    self.leaf_calls += 1;
                }
                // (unless the process stopped, a collection is due or an
                // event waits)
                self.runnable_here()
            }
            // its method's own code
            PrimResult::Fail => {
                self.activate(method, code, r, argc);
                false
            }
            PrimResult::Done => false,
        }
    }

    /// Fills entry `h` for special selector `which` sent to an instance of
    /// `class` with `argc` arguments: the primitive of the method found, if
    /// it runs in place.
    #[cold]
    fn special_miss(
        &mut self,
        h: usize,
        which: usize,
        class: ClassId,
        sel: Value,
        argc: usize,
    ) -> Option<PrimFn> {
        let prim = self.lookup(class, sel).map(|(_, code)| code.info.primitive);
        let run = prim.and_then(|p| prims::in_place(p, argc));
        self.special.0[h] = Entry {
            which,
            class,
            epoch: self.cache_epoch,
            run,
            fast: match prim {
                _ if run.is_none() => Fast::None,
                Some(prims::STRING_EQ) if argc == 1 => Fast::StringEq,
                Some(60) if argc == 1 && self.inherits_from(class, self.known.string) => {
                    Fast::ByteCharAt
                }
                _ => Fast::None,
            },
        };
        run
    }
}
