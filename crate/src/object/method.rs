//! Compiled code: [`Code`] units (a method or one of its blocks) and the
//! per-method [`MethodInfo`] that records selector, class, source and
//! version.
//!
//! Code is immutable once built and shared by `Rc`: a running frame holds
//! its own `Rc<Code>`, which is what keeps an old version alive while an
//! activation still runs it (LIVE.md R3).

use super::value::Value;
use crate::bytecode::Op;
use crate::syntax::ast::Span;
use std::cell::OnceCell;
use std::rc::Rc;

/// Facts about one accepted method version, shared by its code units.
#[derive(Debug)]
pub struct MethodInfo {
    pub selector: String,
    /// Name of the class the method was compiled for (`Foo class` for the
    /// class side).
    pub class_name: String,
    /// Class id of the defining class (for `super` lookups).
    pub class: u32,
    pub source: Rc<str>,
    pub category: String,
    /// 1 for the first accepted version of this selector in this class.
    pub version: u32,
    /// Primitive index (0 = none) and its name, for the disassembler.
    pub primitive: u16,
    /// Whether the method is marked for the VM: `on:do:` (handler) or
    /// `ensure:`/`ifCurtailed:` (unwind protection).
    pub marker: Marker,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    None,
    /// Squeak primitive 199: an exception handler frame (`on:do:`).
    Handler,
    /// Squeak primitive 198: an unwind-protect frame (`ensure:`,
    /// `ifCurtailed:`); temp 0 is the unwind block, temp 1 `complete`.
    Unwind,
}

/// One unit of executable code: a method body or a block body.
#[derive(Debug)]
pub struct Code {
    pub ops: Vec<Op>,
    pub literals: Vec<Value>,
    /// Nested block code units, referenced by `Op::MakeClosure`.
    pub blocks: Vec<Rc<Code>>,
    pub num_args: u16,
    /// Copied values (blocks only); they follow the arguments.
    pub num_copied: u16,
    /// All temporaries including arguments and copied values.
    pub num_temps: u16,
    /// Names of temps, for the debugger.
    pub temp_names: Vec<String>,
    /// For each pc, the span of source it came from (read them with
    /// `span_at`).
    pub spans: Spans,
    pub info: Rc<MethodInfo>,
    /// True for block code units.
    pub is_block: bool,
    /// The optimizing tier's counters and optimized code for this unit.
    pub tier: std::cell::RefCell<crate::tier::code::TierInfo>,
    /// The operand stack's shape (`crate::verify`), which lets the fast
    /// loop run this code without checks; empty if it did not verify.
    pub shape: crate::bytecode::Shape,
    /// Bytes of this unit and its blocks ([`Code::units_bytes`]), computed
    /// once when the unit is built: every collection counts the
    /// footprint of every method.
    pub bytes: usize,
}

impl Code {
    /// Approximate bytes the code takes, its blocks' included, and its
    /// method's source and names (counted against the heap limit with the
    /// CompiledMethod that holds it).
    pub fn footprint(&self) -> usize {
        let info = &self.info;
        96 + info.source.len() + info.selector.len() + info.class_name.len() + self.bytes
    }

    /// Bytes of this unit's instructions, literals, spans and temporary
    /// names plus its blocks' `bytes` (already computed: blocks are built
    /// first), for [`Code::bytes`].
    pub fn units_bytes(&self) -> usize {
        160 + self.ops.len() * std::mem::size_of::<Op>()
            + self.literals.len() * 8
            + self.ops.len() * std::mem::size_of::<Span>()
            + self.temp_names.iter().map(|n| 24 + n.len()).sum::<usize>()
            + self.blocks.iter().map(|b| b.bytes).sum::<usize>()
    }

    /// The code units of a method (or block) and its blocks, each after
    /// its own blocks, so that it comes last: the order a snapshot keeps
    /// them in, and [`Spans::unit`] counts in.
    pub fn units(self: &Rc<Code>) -> Vec<&Rc<Code>> {
        let mut out = Vec::new();
        let mut work = vec![(self, false)];
        while let Some((c, expanded)) = work.pop() {
            if expanded {
                out.push(c);
            } else {
                work.push((c, true));
                work.extend(c.blocks.iter().rev().map(|b| (b, false)));
            }
        }
        out
    }

    /// `Foo>>bar` or `[] in Foo>>bar`.
    pub fn print_name(&self) -> String {
        let base = format!("{}>>{}", self.info.class_name, self.info.selector);
        if self.is_block {
            format!("[] in {}", base)
        } else {
            base
        }
    }
}

/// Where a code unit's instructions came from in its method's source, one
/// span per pc: known once compiled, or, for code read from a snapshot
/// (which leaves them out: they are a fifth of it), worked out again from
/// the source when first asked for (`Code::span_at`, in
/// `crate::compiler::spans`).
#[derive(Clone, Debug, Default)]
pub struct Spans {
    known: OnceCell<Vec<Span>>,
    /// The unit's place in its method's [`Code::units`], to find it when
    /// the method is compiled again.
    pub unit: u16,
}

impl Spans {
    pub fn new(spans: Vec<Span>) -> Spans {
        Spans {
            known: OnceCell::from(spans),
            unit: 0,
        }
    }

    /// Spans to work out from the source, for unit `unit` of its method.
    pub fn from_source(unit: u16) -> Spans {
        Spans {
            known: OnceCell::new(),
            unit,
        }
    }

    /// The spans if known.
    pub fn get(&self) -> Option<&[Span]> {
        self.known.get().map(Vec::as_slice)
    }

    /// The spans, worked out with `f` the first time.
    pub fn get_or_init(&self, f: impl FnOnce() -> Vec<Span>) -> &[Span] {
        self.known.get_or_init(f)
    }
}
