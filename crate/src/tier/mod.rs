//! The optimizing tier: specialization, inline caches, leaf inlining
//! behind guards, dependency-based invalidation, deoptimization and OSR.
//!
//! Design: optimized code for a code unit starts with an array of
//! instructions of the *same length* as its canonical bytecode, in the
//! same pc space (CPython 3.11's quickening, with Sista's rule that the
//! canonical bytecode stays the source of truth). A fused instruction sits
//! at the pc of the first canonical instruction it replaces and leaves the
//! frame exactly as the canonical sequence would. Therefore:
//!
//! - a frame can switch from canonical to optimized code (OSR, at a loop
//!   back-edge) or back (deoptimization) at *any* instruction boundary,
//!   just by changing which array it executes — the receiver, arguments,
//!   temporaries, operand stack and pc are already the interpreter's;
//! - a failed guard runs the canonical instruction at the same pc;
//! - an inlined leaf is executed atomically (it cannot send, fail or be
//!   interrupted), so no activation is ever inside it;
//! - an inlined callee that sends ([`InlineScope`]) has its body appended
//!   after the canonical pc space, rewritten to keep its values exactly
//!   where its own frame would (above the caller's operands): a frame
//!   inside it is deoptimized by giving the callee its frame record back
//!   (`Vm::split_frame`, one interpreter frame per inlined scope), with no
//!   value moved.
//!
//! When an inlined method is redefined, every optimized code that inlined
//! it is invalidated and every activation running that code is
//! deoptimized before the next instruction runs (LIVE.md R6).
//!
//! Fuel: an optimized instruction costs as much fuel as the canonical
//! instructions it replaces (for an inlined leaf: the send plus the
//! callee's instructions), and runs only when that much fuel is left, so
//! slices end at the same instruction boundaries as without the tier.
//!
//! This module must never change what a program does (R5).

mod specialize;

use crate::bytecode::{Arith, Op};
use crate::object::{ClassId, Closure, Code, Value};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

pub use specialize::{specialize, with_scope};

/// Calls or back-edges before a code unit is optimized (tier `on`).
pub const DEFAULT_THRESHOLD: u32 = 16;
/// Guard failures after which a site is despecialized.
pub const MAX_GUARD_FAILURES: u16 = 32;
/// Classes in a polymorphic inline cache before it goes megamorphic.
pub const POLY_MAX: usize = 4;

/// Per code unit tier bookkeeping (interior mutability: `Code` is shared).
#[derive(Debug, Default)]
pub struct TierInfo {
    /// Calls plus back-edges since the last (de)optimization.
    pub counter: u32,
    pub opt: Option<Rc<OptCode>>,
    pub deopts: u32,
    /// Times it was optimized (first time plus re-optimizations).
    pub optimizations: u32,
}

/// What an inlined leaf does instead of the send.
#[derive(Clone, Copy, Debug)]
pub enum Leaf {
    /// `^ constant`
    Const(Value),
    /// `^ instVar`
    Getter(u16),
    /// `instVar := arg` (answers self)
    Setter(u16),
    /// `^ self`
    SelfLeaf,
    /// `^ self op k` for a SmallInteger receiver
    SelfArith(crate::bytecode::Arith, i32),
    /// `^ Global` (the binding is read at run time)
    Global(Value),
    /// Primitive 60 (`at:`) on an Array, behind a bounds guard.
    ArrayAt,
    /// Primitive 61 (`at:put:`) on an Array, behind a bounds guard.
    ArrayAtPut,
    /// A straight-line expression over the receiver, the arguments,
    /// instance variables and constants with SmallInteger arithmetic
    /// (`^ x * 2 + count`), evaluated in place from the cached method's
    /// bytecode (see `straight_ops`); any other class of operand, an
    /// overflow or a zero divisor makes the real send happen instead.
    Straight,
}

/// Longest straight-line leaf inlined, in instructions.
pub const STRAIGHT_MAX: usize = 16;
/// Deepest operand stack a straight-line leaf may use.
pub const STRAIGHT_DEPTH: usize = 8;

/// True if `code` is a straight-line leaf: pushes of self, arguments,
/// instance variables and constants, and SmallInteger arithmetic, ending
/// in one `ReturnTop`, within `STRAIGHT_MAX` instructions and
/// `STRAIGHT_DEPTH` operands. Nothing in it has a side effect, so giving
/// up half-way (and sending instead) is always safe.
pub fn straight_ops(code: &Code) -> bool {
    use crate::bytecode::Op::*;
    let ops = &code.ops;
    if ops.len() < 2 || ops.len() > STRAIGHT_MAX || ops.last() != Some(&ReturnTop) {
        return false;
    }
    let mut depth = 0usize;
    for op in &ops[..ops.len() - 1] {
        match op {
            PushSelf | PushNil | PushTrue | PushFalse | PushInt(_) | PushInstVar(_) => depth += 1,
            PushTemp(i) if (*i as usize) < code.num_args as usize => depth += 1,
            PushLit(k) if (*k as usize) < code.literals.len() => depth += 1,
            Arith(_) if depth >= 2 => depth -= 1,
            _ => return false,
        }
        if depth > STRAIGHT_DEPTH {
            return false;
        }
    }
    depth == 1
}

#[derive(Clone, Debug)]
pub struct CacheEntry {
    pub class: ClassId,
    pub method: Value,
    pub code: Rc<Code>,
    /// The callee's guard clause (`guard_of`), if it begins with one.
    pub guard: Option<Guard>,
}

impl CacheEntry {
    pub fn new(class: ClassId, method: Value, code: Rc<Code>) -> CacheEntry {
        CacheEntry {
            class,
            method,
            guard: guard_of(&code),
            code,
        }
    }
}

/// A value a guard clause reads (see `Guard`): the receiver (slot 0) or
/// an argument (slot `i + 1`), as they lie on the sender's operand
/// stack, or a constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Src {
    Slot(u8),
    Const(Value),
}

/// A callee that begins with a guard clause, `a op b ifTrue: [^ value]`
/// (or `ifFalse:`, or `^ a op b ifTrue: [value] ifFalse: [...]`), with
/// operands that are the receiver, arguments or constants (`Src`) and a
/// SmallInteger comparison `op`: when the comparison
/// answers `when`, the activation returns `value` after `cost`
/// instructions (the send's included), having changed nothing outside
/// itself; otherwise (or with operands that are not SmallIntegers) it
/// goes on, and so does the real send (`Op::InlinePrefix`). HotSpot and
/// GCC split such a header off for partial inlining.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Guard {
    pub a: Src,
    pub b: Src,
    pub op: crate::bytecode::Arith,
    pub when: bool,
    pub value: Src,
    pub cost: u8,
    /// The orders of `a` and `b` (less, equal, greater: bits 0 to 2) for
    /// which `a op b` is `when`: `op` and `when` in one test.
    pub answers_on: u8,
}

impl Guard {
    /// The guard clause's value, for the receiver and arguments `slots`
    /// (as on the sender's operand stack), if it answers; `None` if the
    /// callee goes on, or the operands are not SmallIntegers.
    #[inline(always)]
    pub fn answer(&self, slots: &[Value]) -> Option<Value> {
        let get = |s: Src| match s {
            Src::Slot(i) => slots.get(i as usize).copied(),
            Src::Const(v) => Some(v),
        };
        let (x, y) = (get(self.a)?, get(self.b)?);
        if !x.both_int(y) {
            return None;
        }
        if self.answers_on >> crate::bytecode::arith::order_tagged(x, y) & 1 == 0 {
            return None;
        }
        get(self.value)
    }
}

impl std::fmt::Display for Src {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Src::Slot(0) => write!(f, "self"),
            Src::Slot(i) => write!(f, "t{}", i - 1),
            Src::Const(v) if v == Value::NIL => write!(f, "nil"),
            Src::Const(v) if v == Value::TRUE => write!(f, "true"),
            Src::Const(v) if v == Value::FALSE => write!(f, "false"),
            Src::Const(v) => match v.as_int() {
                Some(k) => write!(f, "{}", k),
                None => write!(f, "a literal"),
            },
        }
    }
}

impl std::fmt::Display for Guard {
    /// As the disassembler lists it: `self < 2 answers self (8
    /// instructions)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}{} answers {} ({} instructions)",
            self.a,
            self.op.selector(),
            self.b,
            if self.when { "" } else { " is false" },
            self.value,
            self.cost
        )
    }
}

/// The guard clause `code` begins with, if it does (see `Guard`).
pub fn guard_of(code: &Code) -> Option<Guard> {
    use crate::bytecode::Op::*;
    if code.info.primitive != 0 || code.info.marker != crate::object::Marker::None || code.is_block
    {
        return None;
    }
    let ops = &code.ops;
    let operand = |op: Op| -> Option<Src> {
        Some(match op {
            PushSelf => Src::Slot(0),
            PushTemp(i) if i < code.num_args => Src::Slot(i as u8 + 1),
            PushInt(k) => Src::Const(Value::small(k as i64)),
            PushNil => Src::Const(Value::NIL),
            PushTrue => Src::Const(Value::TRUE),
            PushFalse => Src::Const(Value::FALSE),
            PushLit(k) => Src::Const(*code.literals.get(k as usize)?),
            _ => return None,
        })
    };
    // the return at `pc` (through forward jumps): its value and the
    // instructions it takes
    let returns = |mut pc: usize| -> Option<(Src, u8)> {
        let mut n = 0u8;
        let mut value = None;
        loop {
            n += 1;
            match *ops.get(pc)? {
                Jump(d) if d >= 0 => pc += 1 + d as usize,
                ReturnTop => return Some((value?, n)),
                ReturnSelf if value.is_none() => return Some((Src::Slot(0), n)),
                op if value.is_none() && n == 1 => {
                    value = Some(operand(op)?);
                    pc += 1;
                }
                _ => return None,
            }
            if n > 4 {
                return None;
            }
        }
    };
    let (a, b) = (operand(*ops.first()?)?, operand(*ops.get(1)?)?);
    // (a constant compared must be a SmallInteger for the clause to
    // ever answer)
    for x in [a, b] {
        if matches!(x, Src::Const(v) if !v.is_int()) {
            return None;
        }
    }
    // a comparison, and the orders it holds for
    let (op, holds) = match *ops.get(2)? {
        Arith(op) => (op, crate::bytecode::arith::holds_on(op)?),
        _ => return None,
    };
    let (d, jumps_on) = match *ops.get(3)? {
        JumpIfFalse(d) if d >= 0 => (d as usize, false),
        JumpIfTrue(d) if d >= 0 => (d as usize, true),
        _ => return None,
    };
    // the branch not taken returns at once, or the one taken does
    let (when, (value, n)) = match (returns(4), returns(4 + d)) {
        (Some(r), _) => (!jumps_on, r),
        (None, Some(r)) => (jumps_on, r),
        (None, None) => return None,
    };
    let answers_on = (if when { holds } else { !holds & 0b111 }) as u8;
    Some(Guard {
        a,
        b,
        op,
        when,
        value,
        cost: 1 + 4 + n,
        answers_on,
    })
}

/// A loop whose body is straight-line statements the fast loop runs
/// without a send (`Op::Loop`, at its test): `while test do body`, a
/// `whileTrue:` or an inlined `to:do:` over SmallIntegers, run an
/// iteration at a time by `fast::run_kernel` on the frame's temps. Pcs
/// are offsets from the test's.
#[derive(Clone, Debug)]
pub struct Kernel {
    /// The test: temp `a` compared (`op`) with temp `b` or the constant
    /// `imm` (`BranchTT`/`BranchTI`); it stands for 4 instructions.
    pub a: u16,
    pub b: Option<u16>,
    pub imm: i16,
    pub op: Arith,
    /// Where the loop goes when the test fails.
    pub exit: usize,
    /// The body's statements with their offsets and the instructions each
    /// stands for; the back-edge after them (1) goes back to the test.
    pub body: Vec<(usize, Stmt, u64)>,
    /// What one iteration costs: test, body and back-edge.
    pub cost: u64,
    /// The temp holding the Array the body stores into, if it does: one
    /// for all its `AtPut`s, assigned by none of its statements, so that
    /// it is the same object all along and its guard (an Array, `at:put:`
    /// not redefined) is checked once per run, not per store.
    pub array: Option<u16>,
    /// One more than the highest temp it names.
    pub temps: u16,
}

impl std::fmt::Display for Kernel {
    /// `while t3 <= t0: t1 at: t3 put: false. t3 := t3 + t2 (14 per
    /// iteration, exit +14)`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let y = match self.b {
            Some(b) => format!("t{b}"),
            None => self.imm.to_string(),
        };
        write!(f, "while t{} {} {}:", self.a, self.op.selector(), y)?;
        for (i, (_, stmt, _)) in self.body.iter().enumerate() {
            let sep = if i == 0 { " " } else { ". " };
            match *stmt {
                Stmt::AtPut { a, b, v } => write!(f, "{sep}t{a} at: t{b} put: {v:?}")?,
                Stmt::SetTT { c, a, b, op } => {
                    write!(f, "{sep}t{c} := t{a} {} t{b}", op.selector())?
                }
                Stmt::SetTI { c, a, imm, op } => {
                    write!(f, "{sep}t{c} := t{a} {} {imm}", op.selector())?
                }
            }
        }
        write!(f, " ({} per iteration, exit +{})", self.cost, self.exit)
    }
}

/// A statement of a `Kernel`'s body: the fused instruction it is, whose
/// guards it keeps.
#[derive(Clone, Copy, Debug)]
pub enum Stmt {
    /// `a at: b put: k` (`AtPutTTK`; `a` is the kernel's `array`)
    AtPut { a: u16, b: u16, v: Value },
    /// `c := a op b` (`SetTT`)
    SetTT { c: u16, a: u16, b: u16, op: Arith },
    /// `c := a op imm` (`SetTI`, and `IncTemp`)
    SetTI { c: u16, a: u16, imm: i16, op: Arith },
}

/// The state of one send site in optimized code.
#[derive(Clone, Debug)]
pub struct Site {
    pub sel: Value,
    pub argc: u8,
    /// Lookup-cache epoch the entries are valid for.
    pub epoch: u32,
    pub entries: Vec<CacheEntry>,
    /// For `InlineLeaf`: what the callee does, and its fuel cost.
    pub leaf: Option<(Leaf, u64)>,
    pub failures: u16,
}

impl Site {
    /// The cache entry for receiver class `class`, if the site has one
    /// (most sites are monomorphic: the first entry is checked first).
    #[inline(always)]
    pub fn entry_for(&self, class: ClassId) -> Option<&CacheEntry> {
        match self.entries.first() {
            Some(e) if e.class == class => Some(e),
            _ => self.entries.iter().find(|e| e.class == class),
        }
    }
}

/// A callee that sends, inlined into optimized code (Self's inlined
/// scope). Its body is the callee's bytecode rewritten to run in the
/// caller's frame, appended after the caller's code at pcs
/// `start..end`: the callee's temporaries are the caller's temps from
/// `off` on, exactly where the callee's frame would keep them (its
/// receiver at `off - 1`, under its arguments), so the operand stack is
/// already the interpreter's. Deoptimizing a frame inside it
/// (`Vm::split_frame`) therefore only adds a frame record: the callee's
/// frame, at pc `pc - start` of its canonical code, and the caller's,
/// at `ret`, just after its send; the values stay where they are.
///
/// A scope can also be a *block's* body, inlined at a `value:`-like send
/// (`block`): its receiver, at `off - 1`, is then the closure, and its
/// temps are the block's (arguments, copied values, temporaries), again
/// where its frame would have them. The guard is the closure's code. A
/// block's `self` and instance variables are its maker's: inlined into
/// the frame that made it (`maker_frame`: the guard also checks that the
/// closure is this frame's), they are the frame's own; anywhere else the
/// body reads them through the closure (`PushOuterSelf` and the like).
/// Split off, it is the closure's activation, with the closure's
/// receiver, home and method.
#[derive(Clone, Debug)]
pub struct InlineScope {
    /// The receiver class it was inlined for (the guard).
    pub class: ClassId,
    pub method: Value,
    pub code: Rc<Code>,
    /// The send site (its inline cache serves the guard's misses).
    pub site: u16,
    /// Where the body is.
    pub start: usize,
    pub end: usize,
    /// Temp index, in the caller's frame, of the callee's temp 0.
    pub off: u16,
    pub argc: u8,
    /// Where the caller goes on: the pc after its send.
    pub ret: u16,
    /// The scope whose body holds the send, when the callee was inlined
    /// into another inlined callee (at most `NEST_MAX` deep).
    pub parent: Option<u16>,
    /// The scope inlined at the same send for another receiver class (a
    /// polymorphic site: up to `POLY_MAX` bodies, tried in turn).
    pub next: Option<u16>,
    /// A block's body (see above), for closures of `code`.
    pub block: bool,
    /// For a block that reads `self` or instance variables, inlined into
    /// the frame that made it: only for closures this frame made (its
    /// `self` is theirs).
    pub maker_frame: bool,
    /// Its class is SmallInteger's: a receiver's tag decides the guard
    /// (see `Op::InlineEnter`'s `int_body`).
    pub tag_guard: bool,
    /// A method's guard clause (`guard_of`): where `InlineEnter` takes
    /// the tag shortcut and the clause answers, its value replaces the
    /// receiver and arguments without entering the body (the
    /// instructions it stands for are charged), as `InlinePrefix` does
    /// for a send not inlined.
    pub guard: Option<Guard>,
}

impl InlineScope {
    /// A block scope's guard: `c` is a closure of its block, made by the
    /// frame (serial `frame`) running the code, if the block reads `self`
    /// (`maker_frame`).
    pub fn admits(&self, c: &Closure, frame: u64) -> bool {
        Rc::ptr_eq(&c.code, &self.code) && (!self.maker_frame || c.outer == frame)
    }
}

/// How deep inlined callees that send nest: a frame stands for at most
/// `NEST_MAX + 1` activations.
pub const NEST_MAX: usize = 5;

impl OptCode {
    /// The inlined scope whose body holds `pc`, if any.
    pub fn scope_at(&self, pc: usize) -> Option<(usize, &InlineScope)> {
        self.scopes
            .iter()
            .enumerate()
            .find(|(_, s)| s.start <= pc && pc < s.end)
    }

    /// The scopes inlined at one send, from the first (`InlineEnter`'s).
    pub fn scope_chain(&self, first: usize) -> impl Iterator<Item = (usize, &InlineScope)> {
        let mut at = Some(first);
        std::iter::from_fn(move || {
            let i = at?;
            let s = self.scopes.get(i)?;
            at = s.next.map(usize::from).filter(|&n| n > i);
            Some((i, s))
        })
    }

    /// The scope inlined at the send whose first scope is `first` for
    /// receivers of `class`, if there is one (most sends are monomorphic:
    /// the first is checked first).
    #[inline(always)]
    pub fn scope_for(&self, first: usize, class: ClassId) -> Option<&InlineScope> {
        match self.scopes.get(first) {
            Some(s) if s.class == class => Some(s),
            _ => self
                .scope_chain(first)
                .find(|(_, s)| s.class == class)
                .map(|(_, s)| s),
        }
    }

    /// How many inlined scopes `pc` is inside (0 in the caller's code).
    pub fn nesting_at(&self, pc: usize) -> usize {
        let mut n = 0;
        let mut s = self.scope_at(pc).map(|x| x.1);
        while let Some(sc) = s {
            n += 1;
            s = sc.parent.and_then(|p| self.scopes.get(p as usize));
        }
        n
    }
}

/// Longest callee that sends inlined, in instructions.
pub const INLINE_MAX: usize = 48;
/// Most callees that send inlined into one piece of optimized code.
pub const SCOPES_MAX: usize = 64;

/// The body of `code` rewritten to run inside a caller's frame whose
/// temps from `off` on are its temps (see `InlineScope`), followed by the
/// return that falling off its end is (the returns' jumps back to the
/// caller are set where the body is placed), or `None` if it cannot be: a
/// primitive or a block method, blocks, `thisContext`, super sends,
/// globals, literals other than SmallIntegers and the three constants,
/// a jump out of its body, or more than `INLINE_MAX` instructions.
/// Sends stay `Send` with the callee's literal indices (the specializer
/// turns them into sites, reading the callee's literals), so this is the
/// canonical form of the body, which deoptimization maps back 1:1.
pub fn inline_body(code: &Code, off: u16) -> Option<Vec<Op>> {
    if code.info.primitive != 0 || code.info.marker != crate::object::Marker::None || code.is_block
    {
        return None;
    }
    rewrite_body(code, off, SelfIs::Receivers)
}

/// The body of block `code` (at a `value:`-like send whose receiver, the
/// closure, is temp `off - 1`), rewritten like a method's (`inline_body`)
/// except for `self` and instance variables: in the frame that made the
/// block (`own_frame`: `InlineScope::maker_frame`) they are the frame's
/// own and stay as they are; anywhere else they are the closure's
/// receiver's (`PushOuterSelf`, `PushOuterVar`, `StoreOuterVar`). The
/// block's end returns its value. `None` for a block with a `^` (it
/// needs its home context), a block inside it, or anything else
/// `inline_body` does not take.
pub fn inline_block_body(code: &Code, off: u16, own_frame: bool) -> Option<Vec<Op>> {
    if !code.is_block {
        return None;
    }
    rewrite_body(
        code,
        off,
        if own_frame {
            SelfIs::Frames
        } else {
            SelfIs::Closures
        },
    )
}

/// Where an inlined body finds its `self` (see `rewrite_body`).
#[derive(Clone, Copy, PartialEq)]
enum SelfIs {
    /// A method's: its receiver, temp `off - 1`.
    Receivers,
    /// A block's, in the frame that made it: the frame's own.
    Frames,
    /// A block's, elsewhere: the receiver of the closure in temp `off - 1`.
    Closures,
}

fn rewrite_body(code: &Code, off: u16, self_is: SelfIs) -> Option<Vec<Op>> {
    use crate::bytecode::Op::*;
    if code.ops.len() > INLINE_MAX
        || code.num_temps < code.num_args
        || off == 0
        || !code.blocks.is_empty()
    {
        return None;
    }
    let t = |i: u16| off.checked_add(i);
    let me = off - 1;
    let n = code.ops.len() as i64;
    let mut out = Vec::with_capacity(code.ops.len() + 1);
    for (pc, op) in code.ops.iter().enumerate() {
        let jump_ok = |d: i32| (0..=n).contains(&(pc as i64 + 1 + d as i64));
        out.push(match *op {
            // a block's self and instance variables, in the frame that
            // made it: the frame's own
            PushSelf | PushInstVar(_) | StoreInstVar(_) if self_is == SelfIs::Frames => *op,
            // ...elsewhere: the closure's receiver's
            PushSelf if self_is == SelfIs::Closures => PushOuterSelf(me),
            PushInstVar(idx) if self_is == SelfIs::Closures => PushOuterVar { t: me, idx },
            StoreInstVar(idx) if self_is == SelfIs::Closures => StoreOuterVar { t: me, idx },
            PushSelf => PushTemp(me),
            PushNil
            | PushTrue
            | PushFalse
            | PushInt(_)
            | Pop
            | Dup
            | Arith(_)
            | IdentityEq
            | Class
            | At
            | AtPut
            | MakeArray { .. } => *op,
            PushLit(k) => match crate::bytecode::konst_for(*code.literals.get(k as usize)?)? {
                (0, _) => PushNil,
                (1, _) => PushTrue,
                (2, _) => PushFalse,
                (_, i) => PushInt(i as i32),
            },
            PushTemp(i) => PushTemp(t(i)?),
            // (a block's temp vectors; a method that has one has blocks)
            PushRemote { idx, vec } => PushRemote { idx, vec: t(vec)? },
            StoreRemote { idx, vec } => StoreRemote { idx, vec: t(vec)? },
            StoreTemp(i) => StoreTemp(t(i)?),
            PopTemp(i) => PopTemp(t(i)?),
            // (the callee's receiver is a temp here, and an instance
            // variable of a temp is what a remote temp is)
            PushInstVar(i) => PushRemote { idx: i, vec: me },
            StoreInstVar(i) => StoreRemote { idx: i, vec: me },
            Send { .. } => *op,
            Jump(d) | JumpIfTrue(d) | JumpIfFalse(d) | JumpIfNil(d) | JumpIfNotNil(d)
                if jump_ok(d) =>
            {
                *op
            }
            ReturnTop => InlineReturn {
                off,
                top: true,
                d: 0,
            },
            ReturnSelf => InlineReturn {
                off,
                top: false,
                d: 0,
            },
            _ => return None,
        });
    }
    out.push(InlineReturn {
        off,
        top: false,
        d: 0,
    });
    // the callee's temps must stay addressable as the caller's
    t(code.num_temps)?;
    Some(out)
}

/// Optimized code for one canonical code unit.
#[derive(Debug)]
pub struct OptCode {
    /// The canonical `Code::ops`' pc space (same length), then the bodies
    /// of inlined callees that send (`scopes`).
    pub ops: Box<[Cell<Op>]>,
    /// Where the canonical code's pc space ends.
    pub canon_len: usize,
    /// The inlined callees that send, by `InlineEnter`'s index.
    pub scopes: Vec<InlineScope>,
    /// Every (receiver class, selector) lookup this code relied on, so
    /// that a copy of it (`Vm::inline_scope`) can record them again.
    pub deps: RefCell<Vec<(ClassId, Value)>>,
    pub sites: Vec<RefCell<Site>>,
    /// The loops run by `Op::Loop`, by its index.
    pub kernels: Vec<Kernel>,
    /// Cleared when a dependency changes; frames must not keep running it.
    pub valid: Cell<bool>,
    /// `Class>>selector` of each inlined callee (for the tier panel).
    pub inlined: RefCell<Vec<String>>,
    /// The canonical code it was made from.
    pub code: Weak<Code>,
    /// Its operand stack's shape (`crate::verify`).
    pub shape: crate::bytecode::Shape,
}

/// A dependency: optimized code that inlined the method found by looking
/// up `sel` in `class`.
pub struct Dependency {
    pub class: ClassId,
    pub sel: Value,
    pub opt: Weak<OptCode>,
}

/// A tier event, as shown in the playground's event log and by
/// `--trace-tier`.
#[derive(Clone, Debug, PartialEq)]
pub enum TierEvent {
    Optimized {
        method: String,
        osr: bool,
    },
    Inlined {
        method: String,
        callee: String,
    },
    GuardFailed {
        method: String,
        pc: usize,
        despecialized: bool,
    },
    Deoptimized {
        method: String,
        activations: usize,
        reason: String,
    },
}

impl std::fmt::Display for TierEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TierEvent::Optimized { method, osr: false } => write!(f, "optimized {}", method),
            TierEvent::Optimized { method, osr: true } => {
                write!(f, "optimized {} at loop head (OSR)", method)
            }
            TierEvent::Inlined { method, callee } => {
                write!(f, "inlined {} into {}", callee, method)
            }
            TierEvent::GuardFailed {
                method,
                pc,
                despecialized,
            } => {
                write!(f, "guard failed in {} at pc {}", method, pc)?;
                if *despecialized {
                    write!(f, " (site despecialized)")?;
                }
                Ok(())
            }
            TierEvent::Deoptimized {
                method,
                activations,
                reason,
            } => write!(
                f,
                "deoptimized {} activation{} of {}: {}",
                activations,
                if *activations == 1 { "" } else { "s" },
                method,
                reason
            ),
        }
    }
}

/// Recognizes a callee the tier can inline as a leaf, with its fuel cost
/// (the send plus the callee's instructions).
pub fn leaf_of(code: &Code) -> Option<(Leaf, u64)> {
    use crate::bytecode::Op::*;
    match (code.info.primitive, code.num_args) {
        // the primitive answers without a frame: the send is the cost
        (60, 1) => return Some((Leaf::ArrayAt, 1)),
        (61, 2) => return Some((Leaf::ArrayAtPut, 1)),
        _ => {}
    }
    if code.info.primitive != 0
        || code.info.marker != crate::object::Marker::None
        || code.is_block
        || code.num_temps != code.num_args
    {
        return None;
    }
    let leaf = match (code.ops.as_slice(), code.num_args) {
        ([PushInt(n), ReturnTop], 0) => Leaf::Const(Value::small(*n as i64)),
        ([PushLit(k), ReturnTop], 0) => Leaf::Const(*code.literals.get(*k as usize)?),
        ([PushNil, ReturnTop], 0) => Leaf::Const(Value::NIL),
        ([PushTrue, ReturnTop], 0) => Leaf::Const(Value::TRUE),
        ([PushFalse, ReturnTop], 0) => Leaf::Const(Value::FALSE),
        ([PushInstVar(i), ReturnTop], 0) => Leaf::Getter(*i),
        ([PushSelf, ReturnTop], 0) | ([ReturnSelf], 0) => Leaf::SelfLeaf,
        ([PushTemp(0), StoreInstVar(i), Pop, ReturnSelf], 1) => Leaf::Setter(*i),
        ([PushSelf, PushInt(k), Arith(op), ReturnTop], 0) => Leaf::SelfArith(*op, *k),
        ([PushGlobal(k), ReturnTop], 0) => Leaf::Global(*code.literals.get(*k as usize)?),
        _ if straight_ops(code) => Leaf::Straight,
        _ => return None,
    };
    Some((leaf, 1 + code.ops.len() as u64))
}
