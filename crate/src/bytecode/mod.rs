//! The canonical bytecode: what the compiler emits and what the debugger,
//! the pc→source map and deoptimization are defined against.
//!
//! One enum is the single source of truth for the instruction list; the
//! [`disassemble`] printer and the interpreter's dispatch both match on it.
//! Operands are named and small (`Op` is 8 bytes, asserted in tests).
//! Jump offsets are relative to the pc *after* the jump.

pub(crate) mod arith;
mod disasm;
mod shape;

use crate::object::Value;

pub use disasm::{disassemble, disassemble_at, format_op, Names};
pub use shape::{Shape, DEAD};

/// Binary operations with an inline SmallInteger fast path in the
/// interpreter (Squeak's "special selectors"). Every one of them falls
/// back to an ordinary send of its selector when the fast path does not
/// apply, so redefining e.g. `SmallInteger>>+` is honoured only for the
/// slow path — exactly as in Squeak, where these are never looked up for
/// SmallInteger receivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Arith {
    Add,
    Sub,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    Mul,
    /// `//` (floored division)
    Div,
    /// `\\` (floored modulo)
    Mod,
    BitAnd,
    BitOr,
}

impl Arith {
    /// Every operation, in declaration order.
    pub const ALL: [Arith; 13] = [
        Arith::Add,
        Arith::Sub,
        Arith::Lt,
        Arith::Gt,
        Arith::Le,
        Arith::Ge,
        Arith::Eq,
        Arith::Ne,
        Arith::Mul,
        Arith::Div,
        Arith::Mod,
        Arith::BitAnd,
        Arith::BitOr,
    ];

    pub fn selector(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Lt => "<",
            Arith::Gt => ">",
            Arith::Le => "<=",
            Arith::Ge => ">=",
            Arith::Eq => "=",
            Arith::Ne => "~=",
            Arith::Mul => "*",
            Arith::Div => "//",
            Arith::Mod => "\\\\",
            Arith::BitAnd => "bitAnd:",
            Arith::BitOr => "bitOr:",
        }
    }
    pub fn from_selector(s: &str) -> Option<Arith> {
        Arith::ALL.into_iter().find(|a| a.selector() == s)
    }
}

/// One canonical instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Push the receiver.
    PushSelf,
    /// Push `nil`.
    PushNil,
    /// Push `true`.
    PushTrue,
    /// Push `false`.
    PushFalse,
    /// Push a SmallInteger constant encoded in the instruction.
    PushInt(i32),
    /// Push literal `idx` of the code unit's literal frame.
    PushLit(u16),
    /// Push the value of a global or class variable: literal `idx` is its
    /// binding (an Association), whose value is read at run time so that
    /// redefinitions are seen.
    PushGlobal(u16),
    /// Store the top of stack into the binding at literal `idx` (no pop).
    StoreGlobal(u16),
    /// Push temporary `idx` of the current frame (arguments first).
    PushTemp(u16),
    /// Store top of stack into temporary `idx` (no pop).
    StoreTemp(u16),
    /// Pop the top of stack into temporary `idx`.
    PopTemp(u16),
    /// Push element `idx` of the temp vector held in temporary `vec`
    /// (a captured variable that is written after capture).
    PushRemote { idx: u16, vec: u16 },
    /// Store top of stack into element `idx` of the temp vector in `vec`.
    StoreRemote { idx: u16, vec: u16 },
    /// Push instance variable `idx` of the receiver.
    PushInstVar(u16),
    /// Store top of stack into instance variable `idx` (no pop).
    StoreInstVar(u16),
    /// Push a context object for the current frame.
    PushThisContext,
    /// Pop and discard the top of stack.
    Pop,
    /// Duplicate the top of stack.
    Dup,
    /// Pop `size` values and push an Array of them (brace arrays), or with
    /// `size` = 0 and `nils` > 0, push a fresh Array of `nils` nils
    /// (temp vectors).
    MakeArray { size: u16, nils: u16 },
    /// Send literal `sel` (a Symbol) with `argc` arguments.
    Send { sel: u16, argc: u8 },
    /// Send to `super`: lookup starts above the method's defining class.
    SuperSend { sel: u16, argc: u8 },
    /// Special-selector binary send with a SmallInteger fast path; falls
    /// back to an ordinary send of the selector.
    Arith(Arith),
    /// `==` identity comparison (never sent, as in Squeak).
    IdentityEq,
    /// `class` (never sent, as in Squeak).
    Class,
    /// Special send of `at:` (Squeak's special selector): indexes an Array
    /// directly while `Array>>at:` resolves to the primitive; otherwise,
    /// and when the index is out of bounds, an ordinary send.
    At,
    /// Special send of `at:put:`: stores into an Array directly while
    /// `Array>>at:put:` resolves to the primitive; otherwise an ordinary
    /// send.
    AtPut,
    /// Unconditional relative jump; a negative offset is a loop back-edge
    /// (fuel and interrupts are checked there).
    Jump(i32),
    /// Pop; jump if `true`; continue if `false`; otherwise send
    /// `mustBeBoolean`.
    JumpIfTrue(i32),
    /// Pop; jump if `false`; continue if `true`; otherwise send
    /// `mustBeBoolean`.
    JumpIfFalse(i32),
    /// Pop; jump if it is `nil` (used by `ifNil:` inlining).
    JumpIfNil(i32),
    /// Pop; jump if it is not `nil`.
    JumpIfNotNil(i32),
    /// Return the top of stack from this method (or from a block to its
    /// caller — the block's "local" return).
    ReturnTop,
    /// Return the receiver from this method.
    ReturnSelf,
    /// `^expr` inside a block: return from the block's home method
    /// (non-local return), running `ensure:` blocks on the way. Signals
    /// `BlockCannotReturn` if the home is gone.
    NonLocalReturn,
    /// Push a BlockClosure for nested code unit `block`, capturing the top
    /// `copied` stack values (popped) as its copied values.
    MakeClosure { block: u16, copied: u8 },

    // ----- Optimized forms. They appear only in tier code (see
    // `crate::tier`), at the pc of the first canonical instruction they
    // replace, so a frame can switch between canonical and optimized code
    // at any instruction boundary. When a guard fails, the canonical
    // instruction at the same pc runs instead. -----
    /// Optimized variant of `PushTemp a; PushTemp b; Arith op` for
    /// SmallInteger operands; falls back on another class or overflow.
    ArithTT { a: u16, b: u16, op: Arith },
    /// Optimized variant of `PushTemp a; PushInt imm; Arith op` for a
    /// SmallInteger temp; falls back on another class or overflow.
    ArithTI { a: u16, imm: i16, op: Arith },
    /// Fused compare-and-branch: `PushTemp a; PushTemp b; Arith cmp;
    /// JumpIfFalse` for SmallIntegers; `d` is relative to the pc after the
    /// four instructions. Falls back on non-SmallIntegers.
    BranchTT { a: u16, b: u16, op: Arith, d: i16 },
    /// Fused compare-and-branch: `PushTemp a; PushInt imm; Arith cmp;
    /// JumpIfFalse`. Falls back on a non-SmallInteger temp.
    BranchTI { a: u16, imm: i16, op: Arith, d: i16 },
    /// Optimized variant of `PushSelf; PushInt imm; Arith op` for a
    /// SmallInteger receiver; falls back on another class or overflow.
    ArithSI { imm: i16, op: Arith },
    /// Fused compare-and-branch: `PushSelf; PushInt imm; Arith cmp;
    /// JumpIfFalse` for a SmallInteger receiver.
    BranchSI { imm: i16, op: Arith, d: i16 },
    /// `PushTemp a; PushInt imm; Arith Add; PopTemp a` (loop counters) for
    /// a SmallInteger temp; falls back on another class or overflow.
    IncTemp { a: u16, imm: i16 },
    /// `PushTemp a; PushTemp b; Arith op; PopTemp c` (`c := a op b`) for
    /// SmallIntegers; falls back on another class or overflow.
    SetTT { c: u16, a: u16, b: u16, op: Arith },
    /// `PushTemp a; PushInt imm; Arith op; PopTemp c` (`c := a op imm`)
    /// for a SmallInteger temp; falls back on another class or overflow.
    SetTI { c: u16, a: u16, imm: i16, op: Arith },
    /// `PushTemp a; PushTemp b`: both temps in one dispatch (CPython's
    /// `LOAD_FAST__LOAD_FAST`). Has no guard.
    PushTT { a: u16, b: u16 },
    /// `AtPut; Pop` (an `at:put:` statement) on an Array with an
    /// in-bounds SmallInteger index; otherwise runs `AtPut`.
    AtPutPop,
    /// `PushTemp a; PushTemp b; <push constant>; AtPut; Pop` (`a at: b
    /// put: k` as a statement, `k` being `nil`, `true`, `false` or a
    /// small integer: see [`ConstKind`]) on an Array with an in-bounds
    /// SmallInteger index; otherwise runs `PushTemp a`.
    AtPutTTK {
        a: u16,
        b: u16,
        kind: ConstKind,
        imm: i16,
    },
    /// `PushTemp a; PushTemp b; At; JumpIfFalse d` (`(a at: b) ifTrue:`)
    /// on an Array with an in-bounds SmallInteger index and a Boolean
    /// element; `d` is relative to the pc after the four instructions.
    /// Otherwise runs `PushTemp a`.
    BranchAtTT { a: u16, b: u16, d: i16 },
    /// A loop's back-edge `Jump d` whose target is a `BranchTT` with
    /// operands `a op b`: jumps and runs the loop test in one dispatch,
    /// going on into the body (true), or to the test's `JumpIfFalse`
    /// with `false` pushed (false: the loop's exit). With non-SmallInteger
    /// operands, or too little fuel for the whole test, it only jumps.
    JumpBranchTT { a: u16, b: u16, op: Arith, d: i16 },
    /// The same for a target `BranchTI` (`a op imm`).
    JumpBranchTI { a: u16, imm: i16, op: Arith, d: i16 },
    /// A send that specializes itself the first time it runs, into
    /// `SendCached`, `SendMega` or `InlineLeaf` (site `site` holds its
    /// selector and state).
    SendAdaptive { site: u16 },
    /// A send with a monomorphic or polymorphic (up to 4 classes) inline
    /// cache; a class miss extends the cache or goes megamorphic.
    SendCached { site: u16 },
    /// `SendCached` whose cache has a callee that is a leaf without side
    /// effects (`^ constant`, a getter, `^ self`, ...; see
    /// `tier::code::CacheEntry::leaf`): a hit on its class answers the
    /// leaf in place, with no frame, charged and counted as the send and
    /// the instructions it stands for (with too little fuel, or at the
    /// depth limit, the send happens). The polymorphic `isNil`
    /// (`UndefinedObject` and `Object` answer constants) is the common
    /// case.
    SendLeaves { site: u16 },
    /// A megamorphic send: the global lookup cache.
    SendMega { site: u16 },
    /// `SendCached` to callees that begin with a guard clause
    /// (`n < 2 ifTrue: [^ n]`; see `tier::Guard`), at a send not inlined
    /// (too deep, over the scope budget, or a callee the tier cannot
    /// inline): while the inline cache is current, the receiver's
    /// callee's clause is tested in place, and if it answers, its value
    /// replaces the receiver and arguments, charged and counted as the
    /// send and the instructions it stands for; otherwise (it does not
    /// answer, operands that are not SmallIntegers, too little fuel, the
    /// depth limit) nothing has changed and the inline-cached send
    /// happens.
    InlinePrefix { site: u16 },
    /// An inlined leaf callee (constant, getter, setter, `^self`,
    /// `^self op k`, global read) behind a receiver-class guard; the
    /// callee's method is a recorded dependency, so redefining it
    /// deoptimizes this code. Falls back to the send on a guard miss.
    InlineLeaf { site: u16 },
    /// An `InlineLeaf` whose leaf is a setter (`x: v  x := v`) of
    /// instance variable `slot`: for a receiver of class `class` (the
    /// site's first), the store in one dispatch, with no site lookup,
    /// charged and counted as the `InlineLeaf`; any other receiver is the
    /// `InlineLeaf` of `site`. Its dependency covers this too.
    SetterLeaf { site: u16, slot: u8, class: u32 },
    /// An `InlineLeaf` whose leaf is a getter of instance variable `slot`:
    /// for a receiver of class `class` (the site's first), the variable
    /// in one dispatch, with no site lookup, charged and counted as the
    /// `InlineLeaf`; any other receiver is the `InlineLeaf` of `site`.
    /// For a receiver pushed by any instruction (an instance variable, a
    /// send's result), where `GetterS`/`GetterT` quicken only the pushes
    /// of self and temps.
    GetterLeaf { site: u16, slot: u8, class: u32 },
    /// The same for a leaf answering a constant (a [`tiny_const`], `k`):
    /// `RBObject NoWork` in an inlined callee, `x isEmpty` on a class
    /// whose method answers `false`.
    ConstLeaf { site: u16, k: u8, class: u32 },
    /// `PushSelf; InlineLeaf` whose leaf reads instance variable `slot`:
    /// for a receiver of class `class` (the site's first class, kept in
    /// the instruction as CPython's `LOAD_ATTR_INSTANCE_VALUE` keeps its
    /// type version), the variable in one dispatch, with no site lookup.
    /// Any other receiver runs `PushSelf`, then the `InlineLeaf`, which
    /// knows the site's other classes. The `InlineLeaf`'s dependency
    /// covers it: redefining the getter invalidates this code.
    GetterS { slot: u8, class: u32 },
    /// The same for `PushTemp t; InlineLeaf` (a getter sent to a temp).
    GetterT { t: u8, slot: u8, class: u32 },
    /// `PushSelf; InlineLeaf` whose leaf answers a constant (`^ 1`; see
    /// [`ConstKind`]), for a receiver of class `class`; otherwise `PushSelf`.
    ConstS {
        kind: ConstKind,
        imm: i16,
        class: u32,
    },
    /// `PushGlobal lit; InlineLeaf` whose leaf answers a constant (`RBObject
    /// NoWork`, a class-side `^ nil` or `^ 2`: see [`tiny_const`]) for a
    /// global whose value is of class `class` (its binding is read each
    /// time); otherwise the `PushGlobal`.
    ConstG { lit: u16, k: u8, class: u32 },
    /// `PushTemp t; InlineLeaf` whose leaf answers the SmallInteger `imm`
    /// (`task increment`, or `self increment` in an inlined callee, whose
    /// `self` is a temp), for a receiver of class `class`; otherwise the
    /// push.
    ConstT { t: u8, imm: i16, class: u32 },
    /// `PushTemp t; SendLeaves` whose site has two leaves that answer
    /// constants ([`tiny_const`]s), one for nil and one for receivers of
    /// class `class` (`x isNil`, `x notNil`): the constant `nil` for nil,
    /// `k` for a `class`, in one dispatch, charged and counted as the
    /// send; otherwise the push (then the `SendLeaves`). Both lookups are
    /// dependencies of the code, so redefining either method
    /// invalidates it.
    ConstNilT { t: u8, nil: u8, k: u8, class: u32 },
    /// An inlined callee that sends (see `tier::InlineScope`), at the
    /// send's pc: for a receiver of the scope's class, with the operand
    /// stack at the depth the callee was inlined for, it puts the
    /// callee's temporaries (nil) above its arguments, where its frame
    /// would have them, and jumps to the callee's body, appended to the
    /// caller's optimized code. It costs what the send costs; anything
    /// else is the site's inline-cached send. `int_body`, when not 0, is
    /// the jump to the first scope's body where the specializer found
    /// the receiver's tag to be the whole guard: that scope is a method's
    /// for SmallInteger receivers with no temporaries besides its `argc`
    /// arguments, so a SmallInteger under `argc` arguments enters it (the
    /// depth is the verified one, and there is nothing to push).
    InlineEnter { scope: u16, argc: u8, int_body: i16 },
    /// The end of an inlined callee's body (its `^` or `^ self`): the
    /// value (the top, or the callee's receiver, temp `off - 1`) replaces
    /// the callee's receiver, everything above goes, and the caller goes
    /// on after its send, `d` instructions on.
    InlineReturn { off: u16, top: bool, d: i16 },
    /// In an inlined callee's body, its `PushLit k` (a literal that is not
    /// a SmallInteger or a constant) or, with `global`, its `PushGlobal
    /// k`: literal `k` of scope `scope`'s code, which the caller's
    /// literals do not hold (a global's binding is read when it runs).
    PushScopeLit { scope: u16, k: u16, global: bool },
    /// `self` in the body of a block inlined into a frame that did not
    /// make it (see `tier::InlineScope`): the receiver of the closure in
    /// temp `t` (the inlined `value:`'s receiver), which the block's own
    /// activation would have as its receiver.
    PushOuterSelf(u16),
    /// Instance variable `idx` of that receiver (`PushInstVar` in such a
    /// block's body).
    PushOuterVar { t: u16, idx: u16 },
    /// Store the top into instance variable `idx` of that receiver (no
    /// pop; `StoreInstVar` in such a block's body).
    StoreOuterVar { t: u16, idx: u16 },
    /// A loop's test (`BranchTT`/`BranchTI`, at the pc of its first
    /// instruction, `PushTemp a`) whose body is straight-line SmallInteger
    /// and Array statements (`tier::Kernel` number `kernel`): runs whole
    /// iterations, test, body and back-edge, in one dispatch, each charged
    /// as the instructions it stands for, until the test fails (then its
    /// exit), a statement's guard fails (then that statement, dispatched),
    /// or the fuel cannot cover another iteration (then the test).
    Loop { kernel: u16, a: u16 },
}

impl Op {
    /// For a fused instruction, the first canonical instruction of the
    /// sequence it replaced: what runs when its guard fails (everything
    /// after it is still there, canonical). Known from the instruction
    /// itself, so it holds inside an inlined callee's body too, whose
    /// canonical form is in another code unit. `None` for the others
    /// (the sends' failure is a send; `JumpBranch*` only jumps).
    pub fn unfused(&self) -> Option<Op> {
        Some(match *self {
            Op::ArithTT { a, .. }
            | Op::ArithTI { a, .. }
            | Op::BranchTT { a, .. }
            | Op::BranchTI { a, .. }
            | Op::IncTemp { a, .. }
            | Op::SetTT { a, .. }
            | Op::SetTI { a, .. }
            | Op::PushTT { a, .. }
            | Op::AtPutTTK { a, .. }
            | Op::BranchAtTT { a, .. }
            | Op::Loop { a, .. } => Op::PushTemp(a),
            Op::GetterT { t, .. } | Op::ConstT { t, .. } | Op::ConstNilT { t, .. } => {
                Op::PushTemp(t as u16)
            }
            Op::ArithSI { .. } | Op::BranchSI { .. } | Op::GetterS { .. } | Op::ConstS { .. } => {
                Op::PushSelf
            }
            Op::ConstG { lit, .. } => Op::PushGlobal(lit),
            Op::AtPutPop => Op::AtPut,
            _ => return None,
        })
    }

    /// True for instructions only the tier produces.
    pub fn is_optimized(&self) -> bool {
        matches!(
            self,
            Op::ArithTT { .. }
                | Op::ArithTI { .. }
                | Op::BranchTT { .. }
                | Op::BranchTI { .. }
                | Op::IncTemp { .. }
                | Op::SetTT { .. }
                | Op::SetTI { .. }
                | Op::PushTT { .. }
                | Op::AtPutPop
                | Op::AtPutTTK { .. }
                | Op::BranchAtTT { .. }
                | Op::JumpBranchTT { .. }
                | Op::JumpBranchTI { .. }
                | Op::ArithSI { .. }
                | Op::BranchSI { .. }
                | Op::SendAdaptive { .. }
                | Op::SendCached { .. }
                | Op::SendLeaves { .. }
                | Op::SendMega { .. }
                | Op::InlinePrefix { .. }
                | Op::InlineLeaf { .. }
                | Op::SetterLeaf { .. }
                | Op::GetterLeaf { .. }
                | Op::ConstLeaf { .. }
                | Op::GetterS { .. }
                | Op::GetterT { .. }
                | Op::ConstS { .. }
                | Op::ConstT { .. }
                | Op::ConstNilT { .. }
                | Op::ConstG { .. }
                | Op::InlineEnter { .. }
                | Op::InlineReturn { .. }
                | Op::PushScopeLit { .. }
                | Op::PushOuterSelf(_)
                | Op::PushOuterVar { .. }
                | Op::StoreOuterVar { .. }
                | Op::Loop { .. }
        )
    }
}

/// Which constant an instruction that carries one holds (`AtPutTTK`,
/// `ConstS`): beside it, an `imm: i16` that only `Int` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ConstKind {
    Nil,
    True,
    False,
    /// The SmallInteger `imm`.
    Int,
}

/// The value of an instruction's small constant.
pub fn small_const(kind: ConstKind, imm: i16) -> Value {
    match kind {
        ConstKind::Nil => Value::NIL,
        ConstKind::True => Value::TRUE,
        ConstKind::False => Value::FALSE,
        ConstKind::Int => Value::small(imm as i64),
    }
}

/// The small-constant encoding of a canonical constant push.
pub fn small_const_of(op: Op) -> Option<(ConstKind, i16)> {
    match op {
        Op::PushNil => Some((ConstKind::Nil, 0)),
        Op::PushTrue => Some((ConstKind::True, 0)),
        Op::PushFalse => Some((ConstKind::False, 0)),
        Op::PushInt(i) => i16::try_from(i).ok().map(|i| (ConstKind::Int, i)),
        _ => None,
    }
}

/// The one-byte constant of a `ConstG`: nil, true, false (0, 1, 2), or
/// the SmallInteger `k - 3` (0 to 252).
pub fn tiny_const(k: u8) -> Value {
    match k {
        0 => Value::NIL,
        1 => Value::TRUE,
        2 => Value::FALSE,
        _ => Value::small(k as i64 - 3),
    }
}

/// The [`tiny_const`] encoding of a value, if it has one.
pub fn tiny_const_of(v: Value) -> Option<u8> {
    match v {
        Value::NIL => Some(0),
        Value::TRUE => Some(1),
        Value::FALSE => Some(2),
        _ => v
            .as_int()
            .filter(|i| (0..=252).contains(i))
            .map(|i| i as u8 + 3),
    }
}

/// The small-constant encoding of a value, if it has one.
pub fn small_const_for(v: Value) -> Option<(ConstKind, i16)> {
    match v {
        Value::NIL => Some((ConstKind::Nil, 0)),
        Value::TRUE => Some((ConstKind::True, 0)),
        Value::FALSE => Some((ConstKind::False, 0)),
        _ => v
            .as_int()
            .and_then(|i| i16::try_from(i).ok())
            .map(|i| (ConstKind::Int, i)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn op_is_small() {
        assert_eq!(std::mem::size_of::<Op>(), 8);
    }
}
