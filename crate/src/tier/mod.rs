//! The optimizing tier: specialization, inline caches, leaf inlining
//! behind guards, dependency-based invalidation, deoptimization and OSR.
//!
//! Design: optimized code for a code unit is an array of instructions of
//! the *same length* as its canonical bytecode, in the same pc space
//! (CPython 3.11's quickening, with Sista's rule that the canonical
//! bytecode stays the source of truth). A fused instruction sits at the pc
//! of the first canonical instruction it replaces and leaves the frame
//! exactly as the canonical sequence would. Therefore:
//!
//! - a frame can switch from canonical to optimized code (OSR, at a loop
//!   back-edge) or back (deoptimization) at *any* instruction boundary,
//!   just by changing which array it executes — the receiver, arguments,
//!   temporaries, operand stack and pc are already the interpreter's;
//! - a failed guard runs the canonical instruction at the same pc;
//! - an inlined callee is a leaf executed atomically (it cannot send,
//!   fail or be interrupted), so no activation is ever inside an inlined
//!   scope; when its method is redefined, every optimized code that
//!   inlined it is invalidated and every activation running that code is
//!   deoptimized before the next instruction runs (LIVE.md R6).
//!
//! Fuel: an optimized instruction costs as much fuel as the canonical
//! instructions it replaces (for an inlined leaf: the send plus the
//! callee's instructions), and runs only when that much fuel is left, so
//! slices end at the same instruction boundaries as without the tier.
//!
//! This module must never change what a program does (R5).

mod specialize;

use crate::bytecode::Op;
use crate::object::{ClassId, Code, Value};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

pub use specialize::specialize;

/// Calls or back-edges before a code unit is optimized (tier `on`).
pub const DEFAULT_THRESHOLD: u32 = 16;
/// Deoptimizations after which a method is no longer optimized.
pub const MAX_DEOPTS: u32 = 8;
/// Guard failures after which a site is despecialized.
pub const MAX_GUARD_FAILURES: u16 = 32;
/// Classes in a polymorphic inline cache before it goes megamorphic.
pub const POLY_MAX: usize = 4;

/// Per code unit tier bookkeeping (interior mutability: `Code` is shared).
#[derive(Debug, Default)]
pub struct TierInfo {
    /// Calls plus back-edges since the last (de)optimization.
    pub counter: u32,
    /// Extra threshold from backoff after deoptimizations.
    pub backoff: u32,
    pub opt: Option<Rc<OptCode>>,
    pub deopts: u32,
    /// True once the method deoptimized too often.
    pub gave_up: bool,
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
}

/// The state of one send site in optimized code.
#[derive(Debug)]
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

/// Optimized code for one canonical code unit.
#[derive(Debug)]
pub struct OptCode {
    /// Same length and pc space as the canonical `Code::ops`.
    pub ops: Box<[Cell<Op>]>,
    pub sites: Vec<RefCell<Site>>,
    /// Cleared when a dependency changes; frames must not keep running it.
    pub valid: Cell<bool>,
    /// `Class>>selector` of each inlined callee (for the tier panel).
    pub inlined: RefCell<Vec<String>>,
    /// The canonical code it was made from.
    pub code: Weak<Code>,
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
    GaveUp {
        method: String,
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
            TierEvent::GaveUp { method } => {
                write!(f, "stopped optimizing {}: it deoptimized too often", method)
            }
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
