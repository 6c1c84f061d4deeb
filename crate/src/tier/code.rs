//! Optimized code and what it holds: the tier's bookkeeping per code
//! unit (`TierInfo`), the optimized instructions (`OptCode`) with their
//! send sites and inline caches, inlined callees (`InlineScope`), loop
//! kernels, the leaves and guard clauses sites run in place, and the
//! dependencies that invalidate it. Data only: the files beside it make
//! it.

use crate::bytecode::arith::holds_on;
use crate::bytecode::{Arith, Op};
use crate::object::{ClassId, Closure, Code, Value};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

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

#[derive(Clone, Debug)]
pub struct CacheEntry {
    pub class: ClassId,
    pub method: Value,
    pub code: Rc<Code>,
    /// The callee's guard clause (`guard_of`), if it begins with one.
    pub guard: Option<Guard>,
    /// The callee as a leaf without side effects (`CacheEntry::new`), if
    /// it is one, with its fuel cost: a hit answers it in place, with no
    /// frame (`interp::sites::cache_hit`), even at a polymorphic site
    /// whose classes find different methods (`isNil` on nil and on other
    /// objects).
    pub leaf: Option<(Leaf, u64)>,
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
    /// Where the callee goes on when the clause does not answer (its pc
    /// after the test's `GUARD_TEST` instructions and their branch).
    pub on: u8,
    /// The common shape, a slot against a SmallInteger constant (`n < 2`,
    /// and `2 > n` turned around), decoded for `decide`: the slot, the
    /// constant, and the orders of slot against constant it answers on.
    pub slot_const: Option<(u8, Value, u8)>,
}

/// The instructions of a guard clause's test (`a`, `b`, `op` and the
/// conditional jump): what entering a callee past its test is charged.
pub const GUARD_TEST: u8 = 4;

/// What a guard clause decides for given operands (`Guard::decide`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// The callee answers this at once.
    Answers(Value),
    /// The test fails: the callee goes on at `Guard::on`.
    GoesOn,
    /// The operands are not SmallIntegers: the callee runs its test.
    Unknown,
}

impl Guard {
    /// What the clause decides for the receiver and arguments `slots`
    /// (as on the sender's operand stack).
    #[inline(always)]
    pub fn decide(&self, slots: &[Value]) -> Decision {
        use crate::bytecode::arith::order_tagged;
        if let Some((i, k, answers_on)) = self.slot_const {
            let x = match slots.get(i as usize) {
                Some(&x) if x.is_int() => x,
                _ => return Decision::Unknown,
            };
            if answers_on >> order_tagged(x, k) & 1 == 0 {
                return Decision::GoesOn;
            }
            return match self.value {
                Src::Const(v) => Decision::Answers(v),
                Src::Slot(i) => slots
                    .get(i as usize)
                    .map_or(Decision::Unknown, |&v| Decision::Answers(v)),
            };
        }
        let get = |s: Src| match s {
            Src::Slot(i) => slots.get(i as usize).copied(),
            Src::Const(v) => Some(v),
        };
        let (Some(x), Some(y)) = (get(self.a), get(self.b)) else {
            return Decision::Unknown;
        };
        if !x.both_int(y) {
            return Decision::Unknown;
        }
        if self.answers_on >> order_tagged(x, y) & 1 == 0 {
            return Decision::GoesOn;
        }
        match get(self.value) {
            Some(v) => Decision::Answers(v),
            None => Decision::Unknown,
        }
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
    /// instructions), else on at 6`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {}{} answers {} ({} instructions), else on at {}",
            self.a,
            self.op.selector(),
            self.b,
            if self.when { "" } else { " is false" },
            self.value,
            self.cost,
            self.on
        )
    }
}

/// A loop whose body is statements the fast loop runs without a send
/// (`Op::Loop`, at its test), `ifTrue:`s over them and loops of such
/// statements: `while test do body`, a `whileTrue:` or an inlined
/// `to:do:` over SmallIntegers, run whole iterations at a time by
/// `interp::kernels::run_kernel` on the frame's temps (in the browser,
/// compiled: `tier::wasm_kernel`). Pcs are offsets from the test's.
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
    /// Where its back-edge is.
    pub back: usize,
    /// The body's statements with their offsets and the instructions each
    /// stands for; the back-edge after them (1) goes back to the test.
    pub body: Vec<(usize, Stmt, u64)>,
    /// The body decoded for running, one step per statement, on the
    /// kernel's registers (`regs`).
    pub steps: Vec<Step>,
    /// The instructions from each statement on to the back-edge, which
    /// an iteration has not run when it leaves at that statement (with
    /// one more entry, the back-edge's: 1). An inner loop's count here
    /// as none: what they run is counted as they run.
    pub rest: Vec<u64>,
    /// The temps the test and the statements read or assign, but the
    /// Array: register `r` holds temp `regs[r]` while the kernel runs,
    /// and register `regs.len()` the test's constant. SmallIntegers on
    /// the way in (checked), they stay so, since every statement assigns
    /// a SmallInteger or leaves.
    pub regs: Vec<u16>,
    /// For each register, whether every iteration assigns it before it
    /// reads it (straight from the test, before any `ifTrue:`): it need
    /// not be a SmallInteger on the way in (a temp the body sets, nil
    /// the first time).
    pub defined: Vec<bool>,
    /// The test on registers, as `r[lo] < r[hi] + bias` on the tagged
    /// bits: SmallIntegers' bits are in their order, and the next above
    /// `x` is `x + 8`, so `x <= y` is `x < y + 1`.
    pub test: (u8, u8, i64),
    /// What one iteration costs: test, body and back-edge (but its
    /// inner loops).
    pub cost: u64,
    /// The temp holding the Array the body stores into, if it does: one
    /// for all its `AtPut`s, assigned by none of its statements, so that
    /// it is the same object all along and its guard (an Array, `at:put:`
    /// not redefined) is checked once per run, not per store.
    pub array: Option<u16>,
    /// One more than the highest temp it names.
    pub temps: u16,
    /// Its compiled form, in the browser (`interp::kernel_jit`): not
    /// tried yet, none, or the module's number.
    pub jit: Cell<i32>,
}

impl Kernel {
    /// At most this many registers (temps, and the test's constant).
    pub const REGS: usize = 16;
    /// `jit` before the kernel was first compiled.
    pub const UNTRIED: i32 = -2;

    /// Whether it runs an inner loop (then no kernel may run it as one:
    /// kernels nest one deep).
    pub fn nests(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Inner { .. }))
    }

    /// The offset of statement `s`, or of the back-edge past the last.
    pub fn offset(&self, s: usize) -> usize {
        self.body.get(s).map_or(self.back, |b| b.0)
    }

    /// The kernel of a loop testing `a op b` (or `a op imm`), exiting to
    /// `exit`, with `body` (whose inner loops are in `kernels`); `None`
    /// unless `op` is an ordering (`<`, `>`, `<=`, `>=`), the body is not
    /// empty, its statements and its inner loops assign SmallIntegers
    /// only, read and store one Array that none of them names otherwise,
    /// and skip forward to a statement or the back-edge (at `back`), its
    /// inner loops have none of their own, and its temps fit the
    /// registers.
    pub fn new(
        (a, b, imm, op): (u16, Option<u16>, i16, Arith),
        exit: usize,
        back: usize,
        body: Vec<(usize, Stmt, u64)>,
        kernels: &[Kernel],
    ) -> Option<Kernel> {
        if body.is_empty() {
            return None;
        }
        let mut array = None;
        let mut one_array = |a: u16| match array {
            Some(x) if x != a => None,
            _ => {
                array = Some(a);
                Some(())
            }
        };
        let mut regs: Vec<u16> = Vec::new();
        let mut reg = |t: u16| -> u8 {
            let at = regs.iter().position(|&x| x == t).unwrap_or_else(|| {
                regs.push(t);
                regs.len() - 1
            });
            at as u8
        };
        let x = reg(a);
        let k = b.map(&mut reg);
        let mut rest = vec![1];
        for &(_, _, n) in body.iter().rev() {
            rest.push(rest.last()? + n);
        }
        rest.reverse();
        let mut steps = Vec::with_capacity(body.len());
        let mut inners: Vec<&Kernel> = Vec::new();
        for (s, &(_, stmt, _)) in body.iter().enumerate() {
            let arith = |op: Arith| holds_on(op).is_none().then_some(op);
            let step = match stmt {
                Stmt::AtPut { a, b, v } => {
                    one_array(a)?;
                    Step::Store { b: reg(b), v }
                }
                Stmt::SetTT { c, a, b, op } => {
                    let (c, a, b) = (reg(c), reg(a), reg(b));
                    match arith(op)? {
                        Arith::Add => Step::Add { c, a, b },
                        Arith::Sub => Step::Sub { c, a, b },
                        op => Step::Arith { c, a, b, op },
                    }
                }
                Stmt::SetTI { c, a, imm, op } => {
                    let (c, a) = (reg(c), reg(a));
                    let d = (imm as i64) << 3;
                    match arith(op)? {
                        Arith::Add => Step::AddI { c, a, d },
                        Arith::Sub => Step::AddI { c, a, d: -d },
                        op => Step::ArithI { c, a, imm, op },
                    }
                }
                Stmt::IfAt { a, b, to } => {
                    one_array(a)?;
                    let j = match body.iter().position(|&(off, _, _)| off == to) {
                        Some(j) if j > s => j,
                        _ if to == back => body.len(),
                        _ => return None,
                    };
                    Step::Skip {
                        b: reg(b),
                        to: u16::try_from(j).ok()?,
                        skipped: u32::try_from(rest[s + 1] - rest[j]).ok()?,
                    }
                }
                Stmt::Inner { kernel } => {
                    let inner = kernels.get(kernel as usize).filter(|i| !i.nests())?;
                    inners.push(inner);
                    Step::Inner { kernel }
                }
            };
            steps.push(step);
        }
        // the inner loops': one Array for all, which none assigns (the
        // loop checks it on the way in, for them)
        for i in &inners {
            if let Some(a) = i.array {
                one_array(a)?;
            }
        }
        if regs.len() >= Self::REGS
            || array.is_some_and(|x| regs.contains(&x))
            || inners
                .iter()
                .any(|i| array.is_some_and(|x| i.regs.contains(&x)))
        {
            return None;
        }
        // which registers every iteration assigns before reading them
        let mut seen = vec![false; regs.len()];
        let mut defined = vec![false; regs.len()];
        let mut straight = true;
        let read = |r: u8, seen: &mut Vec<bool>| {
            if let Some(x) = seen.get_mut(r as usize) {
                *x = true;
            }
        };
        read(x, &mut seen);
        if let Some(k) = k {
            read(k, &mut seen);
        }
        for step in &steps {
            let c = match *step {
                Step::Store { b, .. } => {
                    read(b, &mut seen);
                    None
                }
                Step::Skip { b, .. } => {
                    read(b, &mut seen);
                    straight = false;
                    None
                }
                Step::Add { c, a, b } | Step::Sub { c, a, b } | Step::Arith { c, a, b, .. } => {
                    read(a, &mut seen);
                    read(b, &mut seen);
                    Some(c)
                }
                Step::AddI { c, a, .. } | Step::ArithI { c, a, .. } => {
                    read(a, &mut seen);
                    Some(c)
                }
                Step::Inner { kernel } => {
                    let names = kernels
                        .get(kernel as usize)
                        .map_or(&[][..], |i| &i.regs[..]);
                    for (r, t) in regs.iter().enumerate() {
                        if names.contains(t) {
                            read(r as u8, &mut seen);
                        }
                    }
                    None
                }
            };
            if let Some(c) = c {
                if straight && !seen[c as usize] {
                    defined[c as usize] = true;
                }
                seen[c as usize] = true;
            }
        }
        // the constant's register, if the test has one
        let y = k.unwrap_or(regs.len() as u8);
        let test = match op {
            Arith::Lt => (x, y, 0),
            Arith::Le => (x, y, 1),
            Arith::Gt => (y, x, 0),
            Arith::Ge => (y, x, 1),
            _ => return None,
        };
        let inner_temps = inners.iter().map(|i| i.temps).max().unwrap_or(0);
        let temps = regs
            .iter()
            .chain(&array)
            .max()?
            .checked_add(1)?
            .max(inner_temps);
        let cost = 4 + rest[0];
        Some(Kernel {
            a,
            b,
            imm,
            op,
            exit,
            back,
            body,
            steps,
            rest,
            regs,
            defined,
            test,
            cost,
            array,
            temps,
            jit: Cell::new(Kernel::UNTRIED),
        })
    }
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
                Stmt::IfAt { a, b, to } => write!(f, "{sep}unless t{a} at: t{b} to +{to}")?,
                Stmt::Inner { kernel } => write!(f, "{sep}loop kernel {kernel}")?,
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
    /// `(a at: b) ifTrue: [...]` (`BranchAtTT`; `a` is the kernel's
    /// `array`): on when true, to the statement at `to` when false
    IfAt { a: u16, b: u16, to: usize },
    /// An inner loop (`Op::Loop` at its test), run to its exit by its
    /// own kernel, `kernel`, which has no inner loop itself
    Inner { kernel: u16 },
}

/// A `Stmt` decoded for `run_kernel`, on the kernel's registers (which
/// hold SmallIntegers, tagged): each arm is the statement's whole work.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// `array at: b put: v`
    Store { b: u8, v: Value },
    /// `c := a + b`
    Add { c: u8, a: u8, b: u8 },
    /// `c := a - b`
    Sub { c: u8, a: u8, b: u8 },
    /// `c := a + imm` or `a - imm`: `d` is the tagged difference
    AddI { c: u8, a: u8, d: i64 },
    /// `c := a op b`, any other operation answering a SmallInteger
    Arith { c: u8, a: u8, b: u8, op: Arith },
    /// `c := a op imm`, likewise
    ArithI { c: u8, a: u8, imm: i16, op: Arith },
    /// `array at: b`: true goes on, false goes to step `to`, passing
    /// statements that stand for `skipped` instructions
    Skip { b: u8, to: u16, skipped: u32 },
    /// Inner loop `kernel`, run on the temps
    Inner { kernel: u16 },
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
    /// A method's body with at most [`PLAIN_NILS`] temps besides its
    /// arguments: entering it pushes `nils` nils, checked in the fast loop
    /// (`interp::sites::enter_plain`).
    pub plain: bool,
    /// The temps a method's body has besides its arguments (nil on entry).
    pub nils: u8,
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

/// The most temps (besides its arguments) a plain scope pushes on entry.
pub const PLAIN_NILS: u16 = 4;

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
