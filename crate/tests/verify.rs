//! The bytecode verifier (`livetalk::verify`), which the interpreter's
//! fast loop relies on for memory safety: it runs verified code with no
//! stack check per instruction, so every height, every temp index and
//! every jump the verifier accepts must be right.
//!
//! - hand-written instruction sequences with their expected shapes
//!   (heights per pc, `-` for a pc no path reaches, and the maximum);
//! - one rejection per rule, each naming the pc;
//! - optimized code (fused instructions with their canonical fallback,
//!   sites, inlined scopes) built by hand;
//! - every code unit of the booted image, and the optimized code the tier
//!   makes for the benchmarks and for inlined callees that send;
//! - 20,000 random instruction sequences checked against an independent
//!   reading of the instructions' stack effects (`reference`); half are
//!   structured code that must verify (and so must the tier's
//!   specialization of it), some of those broken in one place.

mod common;

use common::Rng;
use livetalk::bytecode::{Arith, ConstKind, Op};
use livetalk::bytecode::{Shape, DEAD};
use livetalk::interp::TierMode;
use livetalk::object::{Code, Marker, MethodInfo, Value};
use livetalk::tier::{specialize, InlineScope, OptCode, Site};
use livetalk::verify::{verify_code, verify_ops, verify_opt};
use livetalk::Vm;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use Op::*;

// ---------------------------------------------------------------------
// Helpers

/// A shape as `[h0 h1 ...] max M`, `-` for a pc no path reaches.
fn show(s: &Shape) -> String {
    let hs: Vec<String> = s
        .heights
        .iter()
        .map(|&h| {
            if h == DEAD {
                "-".to_string()
            } else {
                h.to_string()
            }
        })
        .collect();
    format!("[{}] max {}", hs.join(" "), s.max)
}

/// The shape of canonical `ops`, shown, or the error.
fn shape(ops: &[Op], temps: usize, literals: usize, blocks: usize) -> String {
    match verify_ops(ops, temps, literals, blocks) {
        Ok(s) => show(&s),
        Err(e) => format!("error: {e}"),
    }
}

/// Asserts that `ops` do not verify, with an error naming `pc` first.
#[track_caller]
fn rejected_at(ops: &[Op], temps: usize, literals: usize, blocks: usize, pc: usize) -> String {
    let r = verify_ops(ops, temps, literals, blocks);
    assert!(r.is_err(), "{ops:?} verified: {}", show(&r.unwrap()));
    let e = r.unwrap_err();
    assert!(
        e.starts_with(&format!("pc {pc}:")),
        "{ops:?}: the error should name pc {pc}: {e}"
    );
    e
}

// ---------------------------------------------------------------------
// 1. Shapes of hand-written code

#[test]
fn straight_line_arithmetic() {
    assert_eq!(
        shape(
            &[PushTemp(0), PushInt(1), Arith(Arith::Add), ReturnTop],
            1,
            0,
            0
        ),
        "[1 2 3 2] max 3"
    );
    // no temps: heights start at 0
    assert_eq!(
        shape(
            &[PushInt(3), PushInt(4), Arith(Arith::Mul), ReturnTop],
            0,
            0,
            0
        ),
        "[0 1 2 1] max 2"
    );
    assert_eq!(shape(&[ReturnSelf], 0, 0, 0), "[0] max 0");
    // a block's entry height is all its temps (arguments, copied values)
    assert_eq!(shape(&[ReturnSelf], 3, 0, 0), "[3] max 3");
}

#[test]
fn a_conditional_whose_arms_merge() {
    // x ifTrue: [1] ifFalse: [2]
    let ops = [
        PushTemp(0),    // 0
        JumpIfFalse(2), // 1 -> 4
        PushInt(1),     // 2
        Jump(1),        // 3 -> 5
        PushInt(2),     // 4
        ReturnTop,      // 5
    ];
    assert_eq!(shape(&ops, 1, 0, 0), "[1 2 1 2 1 2] max 2");
    // the other conditional jumps pop alike
    for j in [JumpIfTrue(2), JumpIfNil(2), JumpIfNotNil(2)] {
        let mut o = ops;
        o[1] = j;
        assert_eq!(shape(&o, 1, 0, 0), "[1 2 1 2 1 2] max 2", "{j:?}");
    }
}

#[test]
fn a_loop_and_its_back_edge() {
    // [i < 10] whileTrue: [i := i + 1]
    let ops = [
        PushTemp(0),       // 0
        PushInt(10),       // 1
        Arith(Arith::Lt),  // 2
        JumpIfFalse(5),    // 3 -> 9
        PushTemp(0),       // 4
        PushInt(1),        // 5
        Arith(Arith::Add), // 6
        PopTemp(0),        // 7
        Jump(-9),          // 8 -> 0
        ReturnSelf,        // 9
    ];
    assert_eq!(shape(&ops, 1, 0, 0), "[1 2 3 2 1 2 3 2 1 1] max 3");
}

#[test]
fn dead_code_after_a_return() {
    assert_eq!(
        shape(&[PushInt(1), ReturnTop, PushInt(2), ReturnTop], 0, 0, 0),
        "[0 1 - -] max 1"
    );
    // dead code is not checked (its instructions may be anything)
    assert_eq!(
        shape(&[ReturnSelf, Pop, PushTemp(9), Jump(-100)], 0, 0, 0),
        "[0 - - -] max 0"
    );
    // a jump over code leaves it dead too
    assert_eq!(
        shape(&[Jump(1), PushNil, PushNil, ReturnTop], 0, 0, 0),
        "[0 - 0 1] max 1"
    );
}

#[test]
fn sends_arrays_closures_and_the_rest() {
    let ops = [
        PushSelf,                       // 0
        PushInt(1),                     // 1
        PushInt(2),                     // 2
        Send { sel: 0, argc: 2 },       // 3: receiver and 2 arguments
        Dup,                            // 4
        MakeArray { size: 2, nils: 0 }, // 5: {a. b}
        MakeArray { size: 0, nils: 3 }, // 6: a temp vector
        MakeClosure {
            block: 0,
            copied: 2,
        }, // 7
        PushLit(1),                     // 8
        PushGlobal(1),                  // 9
        AtPut,                          // 10
        StoreGlobal(0),                 // 11
        Class,                          // 12
        PushInstVar(0),                 // 13
        IdentityEq,                     // 14
        PushThisContext,                // 15
        At,                             // 16
        StoreInstVar(2),                // 17
        SuperSend { sel: 1, argc: 0 },  // 18
        PushTrue,                       // 19
        PushFalse,                      // 20
        Arith(Arith::BitOr),            // 21
        Pop,                            // 22
        NonLocalReturn,                 // 23
    ];
    assert_eq!(
        shape(&ops, 0, 2, 1),
        "[0 1 2 3 1 2 1 2 1 2 3 1 1 1 2 1 2 1 1 1 2 3 2 1] max 3"
    );
}

#[test]
fn temps_and_remote_temps() {
    // t1 := t0. t0 := 5. ^ (t1 at remote 2 of t0)
    let ops = [
        PushTemp(0),                    // 0
        StoreTemp(1),                   // 1 (no pop)
        PopTemp(1),                     // 2
        PushInt(5),                     // 3
        PopTemp(0),                     // 4
        PushInt(7),                     // 5
        StoreRemote { idx: 2, vec: 1 }, // 6
        Pop,                            // 7
        PushRemote { idx: 2, vec: 1 },  // 8
        ReturnTop,                      // 9
    ];
    assert_eq!(shape(&ops, 2, 0, 0), "[2 3 3 2 3 2 3 3 2 3] max 3");
    // `StoreTemp` may name the top itself; `PopTemp` the value under it
    assert_eq!(
        shape(
            &[PushNil, StoreTemp(0), PushNil, PopTemp(0), ReturnTop],
            0,
            0,
            0
        ),
        "[0 1 1 2 1] max 2"
    );
}

#[test]
fn the_height_limits() {
    // 65534 temps and one push: the most a height can be
    assert_eq!(
        shape(&[PushNil, ReturnTop], 65533, 0, 0),
        "[65533 65534] max 65534"
    );
    // one more is `DEAD`'s value: too deep
    assert!(verify_ops(&[PushNil, ReturnTop], 65534, 0, 0).is_err());
    assert!(verify_ops(&[ReturnSelf], 65535, 0, 0).is_err());
    assert!(verify_ops(&[ReturnSelf], 1 << 20, 0, 0).is_err());
    assert!(verify_ops(&[], 0, 0, 0).is_err());
}

// ---------------------------------------------------------------------
// 2. Rejections, one rule each

#[test]
fn rejects_a_temp_out_of_range() {
    rejected_at(&[PushTemp(1), ReturnTop], 1, 0, 0, 0);
    rejected_at(&[PushTemp(0), ReturnTop], 0, 0, 0, 0);
    // StoreTemp may name the top, not above it
    rejected_at(&[PushInt(1), StoreTemp(2), ReturnTop], 1, 0, 0, 1);
    rejected_at(&[PushRemote { idx: 0, vec: 3 }, ReturnTop], 2, 0, 0, 0);
    rejected_at(
        &[PushInt(1), StoreRemote { idx: 0, vec: 1 }, ReturnTop],
        0,
        0,
        0,
        1,
    );
    // a temp read by a later instruction, past a branch
    rejected_at(
        &[PushTrue, JumpIfFalse(1), ReturnSelf, PushTemp(2), ReturnTop],
        2,
        0,
        0,
        3,
    );
}

#[test]
fn rejects_popping_below_temp_0() {
    rejected_at(&[Pop, ReturnSelf], 0, 0, 0, 0);
    rejected_at(&[PushInt(1), Arith(Arith::Add), ReturnTop], 0, 0, 0, 1);
    rejected_at(&[ReturnTop], 0, 0, 0, 0);
    rejected_at(&[NonLocalReturn], 0, 0, 0, 0);
    // (heights count the temps: a pop at height 1 takes temp 0 itself,
    // which the compiler never does, but which is no danger either: the
    // height says it is gone)
    assert_eq!(shape(&[Pop, ReturnSelf], 1, 0, 0), "[1 0] max 1");
    rejected_at(&[PushSelf, Send { sel: 0, argc: 2 }, ReturnTop], 1, 1, 0, 1);
    rejected_at(
        &[PushSelf, SuperSend { sel: 0, argc: 1 }, ReturnTop],
        0,
        1,
        0,
        1,
    );
    rejected_at(&[PushNil, PushNil, AtPut, ReturnTop], 0, 0, 0, 2);
    rejected_at(&[PushNil, At, ReturnTop], 0, 0, 0, 1);
    rejected_at(&[IdentityEq, ReturnTop], 1, 0, 0, 0);
    rejected_at(&[Dup, ReturnTop], 0, 0, 0, 0);
    rejected_at(&[Class, ReturnTop], 0, 0, 0, 0);
    rejected_at(&[StoreInstVar(0), ReturnSelf], 0, 0, 0, 0);
    rejected_at(&[StoreGlobal(0), ReturnSelf], 0, 1, 0, 0);
    rejected_at(
        &[PushNil, MakeArray { size: 2, nils: 0 }, ReturnTop],
        0,
        0,
        0,
        1,
    );
    rejected_at(
        &[
            PushNil,
            MakeClosure {
                block: 0,
                copied: 2,
            },
            ReturnTop,
        ],
        0,
        0,
        1,
        1,
    );
    rejected_at(&[JumpIfFalse(0), ReturnSelf], 0, 0, 0, 0);
}

#[test]
fn rejects_pop_temp_at_or_above_the_popped_value() {
    // at height 2 (temp 0 and the value), only temp 0 can take it
    assert_eq!(
        shape(&[PushInt(1), PopTemp(0), ReturnSelf], 1, 0, 0),
        "[1 2 1] max 2"
    );
    let e = rejected_at(&[PushInt(1), PopTemp(1), ReturnSelf], 1, 0, 0, 1);
    assert!(e.contains("PopTemp"), "{e}");
    rejected_at(&[PushInt(1), PopTemp(5), ReturnSelf], 1, 0, 0, 1);
    rejected_at(&[PopTemp(0), ReturnSelf], 0, 0, 0, 0);
    // (at height 1 the only value is temp 0 itself)
    rejected_at(&[PopTemp(0), ReturnSelf], 1, 0, 0, 0);
}

#[test]
fn rejects_a_jump_past_the_end() {
    let e = rejected_at(&[Jump(5), ReturnSelf], 0, 0, 0, 0);
    assert!(e.contains("leaves the code"), "{e}");
    // to the length itself
    rejected_at(&[Jump(1), ReturnSelf], 0, 0, 0, 0);
    rejected_at(&[PushTrue, JumpIfTrue(1), ReturnSelf], 0, 0, 0, 1);
    rejected_at(&[PushNil, JumpIfNotNil(100), ReturnSelf], 0, 0, 0, 1);
    rejected_at(&[Jump(i32::MAX), ReturnSelf], 0, 0, 0, 0);
}

#[test]
fn rejects_a_jump_before_the_start() {
    let e = rejected_at(&[Jump(-2), ReturnSelf], 0, 0, 0, 0);
    assert!(e.contains("before the start"), "{e}");
    rejected_at(
        &[PushNil, Pop, PushTrue, JumpIfFalse(-10), ReturnSelf],
        0,
        0,
        0,
        3,
    );
    rejected_at(&[Jump(i32::MIN), ReturnSelf], 0, 0, 0, 0);
}

#[test]
fn rejects_falling_off_the_end() {
    rejected_at(&[PushInt(1)], 0, 0, 0, 0);
    rejected_at(&[PushInt(1), Pop], 0, 0, 0, 1);
    // a conditional jump's fall-through past the last instruction
    rejected_at(&[PushTrue, JumpIfFalse(-2)], 0, 0, 0, 1);
    // code after the end of a reachable path, not the dead code
    assert!(verify_ops(&[ReturnSelf, PushInt(1)], 0, 0, 0).is_ok());
}

#[test]
fn rejects_heights_that_differ_where_paths_merge() {
    // one arm pushes, the other does not
    let e = rejected_at(
        &[PushTrue, JumpIfFalse(1), PushInt(1), ReturnSelf],
        0,
        0,
        0,
        3,
    );
    assert!(e.contains("stack height"), "{e}");
    // a loop that grows the stack at each turn
    rejected_at(&[PushInt(1), Jump(-2)], 0, 0, 0, 0);
    rejected_at(&[PushNil, PushInt(1), Jump(-2)], 0, 0, 0, 1);
}

#[test]
fn rejects_a_literal_index_out_of_range() {
    let e = rejected_at(&[PushLit(1), ReturnTop], 0, 1, 0, 0);
    assert!(e.contains("literal 1"), "{e}");
    rejected_at(&[PushLit(0), ReturnTop], 0, 0, 0, 0);
    rejected_at(&[PushSelf, Send { sel: 2, argc: 0 }, ReturnTop], 0, 2, 0, 1);
    rejected_at(
        &[PushSelf, SuperSend { sel: 2, argc: 0 }, ReturnTop],
        0,
        2,
        0,
        1,
    );
    rejected_at(&[PushGlobal(3), ReturnTop], 0, 3, 0, 0);
    rejected_at(&[PushNil, StoreGlobal(1), ReturnTop], 0, 1, 0, 1);
}

#[test]
fn rejects_a_block_index_out_of_range() {
    let e = rejected_at(
        &[
            MakeClosure {
                block: 1,
                copied: 0,
            },
            ReturnTop,
        ],
        0,
        0,
        1,
        0,
    );
    assert!(e.contains("block 1"), "{e}");
    rejected_at(
        &[
            MakeClosure {
                block: 0,
                copied: 0,
            },
            ReturnTop,
        ],
        0,
        0,
        0,
        0,
    );
}

#[test]
fn rejects_sites_and_scopes_in_canonical_code() {
    // a send site exists only in optimized code
    for op in [
        SendAdaptive { site: 0 },
        SendCached { site: 0 },
        SendMega { site: 0 },
        InlinePrefix { site: 0 },
        InlineLeaf { site: 0 },
        SetterLeaf {
            site: 0,
            slot: 0,
            class: 7,
        },
    ] {
        let e = rejected_at(&[PushSelf, op, ReturnTop], 0, 1, 0, 1);
        assert!(e.contains("in canonical code"), "{e}");
    }
    // nor a fused instruction: its failure path is the canonical
    // instruction it replaced, which canonical code does not have
    let e = rejected_at(
        &[
            ArithTT {
                a: 0,
                b: 0,
                op: Arith::Add,
            },
            PushNil,
            PushNil,
            ReturnTop,
        ],
        1,
        0,
        0,
        0,
    );
    assert!(e.contains("in canonical code"), "{e}");
    assert!(verify_ops(
        &[
            PushSelf,
            PushNil,
            InlineEnter {
                scope: 0,
                argc: 0,
                int_body: 0
            },
            ReturnTop
        ],
        0,
        0,
        0
    )
    .is_err());
    // an inlined return with no receiver slot
    rejected_at(
        &[
            PushNil,
            InlineReturn {
                off: 0,
                top: true,
                d: -2,
            },
        ],
        0,
        0,
        0,
        1,
    );
    // an inlined block's `self` and instance variables read through its
    // closure exist only in an inlined body
    for op in [
        PushOuterSelf(0),
        PushOuterVar { t: 0, idx: 0 },
        StoreOuterVar { t: 0, idx: 0 },
        // a loop kernel: optimized code has them
        Loop { kernel: 0, a: 0 },
    ] {
        let e = rejected_at(&[PushNil, op, ReturnTop], 1, 0, 0, 1);
        assert!(e.contains("in canonical code"), "{e}");
    }
}

// ---------------------------------------------------------------------
// Optimized code by hand

/// A canonical code unit with `temps` temps and `literals` literals.
fn unit(ops: Vec<Op>, temps: u16, literals: usize) -> Rc<Code> {
    unit_with(ops, temps, literals, 0)
}

/// The same with `blocks` nested blocks (each `^ self`).
fn unit_with(ops: Vec<Op>, temps: u16, literals: usize, blocks: usize) -> Rc<Code> {
    let mut code = Code {
        ops,
        literals: vec![Value::NIL; literals],
        blocks: (0..blocks).map(|_| unit(vec![ReturnSelf], 0, 0)).collect(),
        num_args: temps,
        num_copied: 0,
        num_temps: temps,
        temp_names: Vec::new(),
        spans: Default::default(),
        info: Rc::new(MethodInfo {
            selector: "test".into(),
            class_name: "Test".into(),
            class: 0,
            source: "".into(),
            category: "test".into(),
            version: 1,
            primitive: 0,
            marker: Marker::None,
        }),
        is_block: false,
        tier: Default::default(),
        shape: Default::default(),
        bytes: 0,
    };
    code.bytes = code.units_bytes();
    code.shape = verify_code(&code).expect("canonical code verifies");
    Rc::new(code)
}

fn site(argc: u8) -> RefCell<Site> {
    RefCell::new(Site {
        sel: Value::NIL,
        argc,
        epoch: 0,
        entries: Vec::new(),
        leaf: None,
        failures: 0,
    })
}

/// Optimized code for `code` with the instructions `ops`.
fn opt(
    code: &Rc<Code>,
    ops: Vec<Op>,
    sites: Vec<RefCell<Site>>,
    scopes: Vec<InlineScope>,
) -> OptCode {
    OptCode {
        ops: ops.into_iter().map(Cell::new).collect(),
        canon_len: code.ops.len(),
        scopes,
        deps: RefCell::new(Vec::new()),
        sites,
        kernels: Vec::new(),
        valid: Cell::new(true),
        inlined: RefCell::new(Vec::new()),
        code: Rc::downgrade(code),
        shape: Default::default(),
    }
}

fn opt_shape(o: &OptCode, code: &Code) -> String {
    match verify_opt(o, code) {
        Ok(s) => show(&s),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn a_fused_instruction_and_its_canonical_fallback() {
    let code = unit(
        vec![PushTemp(0), PushTemp(1), Arith(Arith::Add), ReturnTop],
        2,
        0,
    );
    assert_eq!(show(&code.shape), "[2 3 4 3] max 4");
    // pcs 1 and 2 are reached only when ArithTT's guard fails
    let o = opt(
        &code,
        vec![
            ArithTT {
                a: 0,
                b: 1,
                op: Arith::Add,
            },
            PushTemp(1),
            Arith(Arith::Add),
            ReturnTop,
        ],
        vec![],
        vec![],
    );
    assert_eq!(opt_shape(&o, &code), "[2 3 4 3] max 4");
    let o = opt(
        &code,
        vec![
            PushTT { a: 0, b: 1 },
            PushTemp(1),
            Arith(Arith::Add),
            ReturnTop,
        ],
        vec![],
        vec![],
    );
    assert_eq!(opt_shape(&o, &code), "[2 3 4 3] max 4");
}

#[test]
fn a_fused_instruction_must_agree_with_its_fallback() {
    // the fused effect (one value, pc 3) against the canonical path's
    // (three values at pc 3)
    let code = unit(vec![PushTemp(0), PushInt(1), PushInt(2), ReturnTop], 1, 0);
    assert_eq!(show(&code.shape), "[1 2 3 4] max 4");
    let o = opt(
        &code,
        vec![
            ArithTT {
                a: 0,
                b: 0,
                op: Arith::Add,
            },
            PushInt(1),
            PushInt(2),
            ReturnTop,
        ],
        vec![],
        vec![],
    );
    let e = verify_opt(&o, &code).unwrap_err();
    assert!(e.starts_with("pc 3:"), "{e}");
    // the fallback's own needs are checked: its canonical `PushTemp 3`
    // reads a temp the frame does not have (at pc 0, height 1)
    let code = Code {
        ops: vec![PushTemp(3), ReturnTop, ReturnSelf],
        ..clone_code(&unit(vec![ReturnSelf], 1, 0))
    };
    let code = Rc::new(code);
    let o = opt(
        &code,
        vec![
            ConstT {
                t: 0,
                imm: 1,
                class: 0,
            },
            ReturnTop,
            ReturnSelf,
        ],
        vec![],
        vec![],
    );
    let e = verify_opt(&o, &code).unwrap_err();
    assert!(e.starts_with("pc 0:"), "{e}");
    // and the fused instruction's own: a temp out of range
    let code = unit(
        vec![PushTemp(0), PushTemp(0), Arith(Arith::Add), ReturnTop],
        1,
        0,
    );
    let o = opt(
        &code,
        vec![
            ArithTT {
                a: 0,
                b: 1,
                op: Arith::Add,
            },
            PushTemp(0),
            Arith(Arith::Add),
            ReturnTop,
        ],
        vec![],
        vec![],
    );
    let e = verify_opt(&o, &code).unwrap_err();
    assert!(e.starts_with("pc 0:"), "{e}");
}

/// A copy of `c`'s fields (Code is not Clone), with a fresh tier.
fn clone_code(c: &Code) -> Code {
    Code {
        ops: c.ops.clone(),
        literals: c.literals.clone(),
        blocks: c.blocks.clone(),
        num_args: c.num_args,
        num_copied: c.num_copied,
        num_temps: c.num_temps,
        temp_names: c.temp_names.clone(),
        spans: c.spans.clone(),
        info: c.info.clone(),
        is_block: c.is_block,
        tier: Default::default(),
        shape: Default::default(),
        bytes: c.bytes,
    }
}

/// `[i < n] whileTrue: [i := i + 1]` with temps `i n`.
fn counting_loop() -> Rc<Code> {
    unit(
        vec![
            PushTemp(0),       // 0
            PushTemp(1),       // 1
            Arith(Arith::Lt),  // 2
            JumpIfFalse(5),    // 3 -> 9
            PushTemp(0),       // 4
            PushInt(1),        // 5
            Arith(Arith::Add), // 6
            PopTemp(0),        // 7
            Jump(-9),          // 8 -> 0
            ReturnSelf,        // 9
        ],
        2,
        0,
    )
}

fn counting_loop_opt(code: &Rc<Code>, back: Op) -> OptCode {
    let mut ops = code.ops.clone();
    ops[0] = BranchTT {
        a: 0,
        b: 1,
        op: Arith::Lt,
        d: 5,
    };
    ops[4] = IncTemp { a: 0, imm: 1 };
    ops[8] = back;
    opt(code, ops, vec![], vec![])
}

#[test]
fn a_rotated_loop() {
    let code = counting_loop();
    assert_eq!(show(&code.shape), "[2 3 4 3 2 3 4 3 2 2] max 4");
    let back = JumpBranchTT {
        a: 0,
        b: 1,
        op: Arith::Lt,
        d: -9,
    };
    let o = counting_loop_opt(&code, back);
    assert_eq!(opt_shape(&o, &code), "[2 3 4 3 2 3 4 3 2 2] max 4");
    let back = JumpBranchTI {
        a: 0,
        imm: 3,
        op: Arith::Lt,
        d: -9,
    };
    let o = counting_loop_opt(&code, back);
    assert_eq!(opt_shape(&o, &code), "[2 3 4 3 2 3 4 3 2 2] max 4");
    // a back-edge to the wrong pc: its test's exits land with other
    // heights than the canonical code has there
    let back = JumpBranchTT {
        a: 0,
        b: 1,
        op: Arith::Lt,
        d: -8,
    };
    assert!(verify_opt(&counting_loop_opt(&code, back), &code).is_err());
    // a fused branch whose target is out of the code
    let o = counting_loop_opt(&code, Jump(-9));
    o.ops[0].set(BranchTT {
        a: 0,
        b: 1,
        op: Arith::Lt,
        d: 6,
    });
    let e = verify_opt(&o, &code).unwrap_err();
    assert!(e.starts_with("pc 0:"), "{e}");
    // a temp out of range in the fused test
    let back = JumpBranchTT {
        a: 0,
        b: 2,
        op: Arith::Lt,
        d: -9,
    };
    let e = verify_opt(&counting_loop_opt(&code, back), &code).unwrap_err();
    assert!(e.starts_with("pc 8:"), "{e}");
}

#[test]
fn send_sites_in_optimized_code() {
    let code = unit(
        vec![PushSelf, PushInt(1), Send { sel: 0, argc: 1 }, ReturnTop],
        0,
        1,
    );
    assert_eq!(show(&code.shape), "[0 1 2 1] max 2");
    let ops = |s: Op| vec![PushSelf, PushInt(1), s, ReturnTop];
    for s in [
        SendAdaptive { site: 0 },
        SendCached { site: 0 },
        SendMega { site: 0 },
        InlineLeaf { site: 0 },
        SetterLeaf {
            site: 0,
            slot: 0,
            class: 7,
        },
    ] {
        let o = opt(&code, ops(s), vec![site(1)], vec![]);
        assert_eq!(opt_shape(&o, &code), "[0 1 2 1] max 2", "{s:?}");
    }
    // a quickened getter or constant only at a unary site (its value
    // replaces the receiver)
    for s in [
        GetterLeaf {
            site: 0,
            slot: 0,
            class: 7,
        },
        ConstLeaf {
            site: 0,
            k: 0,
            class: 7,
        },
    ] {
        let o = opt(&code, ops(s), vec![site(1)], vec![]);
        let e = verify_opt(&o, &code).unwrap_err();
        assert!(
            e.contains("a quickened leaf at a site with 1 arguments"),
            "{e}"
        );
    }
    // a missing site
    let o = opt(&code, ops(SendAdaptive { site: 1 }), vec![site(1)], vec![]);
    let e = verify_opt(&o, &code).unwrap_err();
    assert!(e.starts_with("pc 2:"), "{e}");
    // a site whose argument count is not its send's
    let o = opt(&code, ops(SendCached { site: 0 }), vec![site(0)], vec![]);
    let e = verify_opt(&o, &code).unwrap_err();
    assert!(e.starts_with("pc 3:"), "{e}");
    let o = opt(&code, ops(SendCached { site: 0 }), vec![site(2)], vec![]);
    let e = verify_opt(&o, &code).unwrap_err();
    assert!(e.starts_with("pc 2:"), "{e}");
}

/// A caller `^ self foo: t0` whose callee `foo: y  ^ y` is inlined as a
/// scope: its body after the caller's code, at pcs 5..8.
fn inlined(off: u16, ret: u16, enter_argc: u8, body_ret: Op) -> (Rc<Code>, OptCode) {
    let code = unit(
        vec![PushSelf, PushTemp(0), Send { sel: 0, argc: 1 }, ReturnTop],
        1,
        1,
    );
    let callee = unit(vec![PushTemp(0), ReturnTop], 1, 0);
    let scope = InlineScope {
        class: 0,
        method: Value::NIL,
        code: callee,
        site: 0,
        start: 5,
        end: 8,
        off,
        argc: enter_argc,
        ret,
        parent: None,
        next: None,
        block: false,
        plain: true,
        nils: 0,
        maker_frame: false,
        tag_guard: false,
        guard: None,
    };
    let ops = vec![
        PushSelf,    // 0
        PushTemp(0), // 1
        InlineEnter {
            scope: 0,
            argc: 1,
            int_body: 0,
        }, // 2 (the callee's receiver is temp 1)
        ReturnTop,   // 3
        ReturnSelf,  // 4 (falling off the caller's end)
        PushTemp(2), // 5 (the callee's temp 0, `y`)
        body_ret,    // 6 -> 3
        InlineReturn {
            off: 2,
            top: false,
            d: -5,
        }, // 7 -> 3
    ];
    let o = opt(&code, ops, vec![site(1)], vec![scope]);
    (code, o)
}

#[test]
fn an_inlined_callee_that_sends() {
    let ret = InlineReturn {
        off: 2,
        top: true,
        d: -4,
    };
    let (code, o) = inlined(2, 3, 1, ret);
    assert_eq!(show(&code.shape), "[1 2 3 2] max 3");
    // the body's heights are the callee's own ([1 2]) plus `off`
    assert_eq!(opt_shape(&o, &code), "[1 2 3 2 - 3 4 -] max 4");
    // a scope at another depth than its send's
    let e = verify_opt(&inlined(1, 3, 1, ret).1, &code).unwrap_err();
    assert!(e.starts_with("pc 2:"), "{e}");
    let e = verify_opt(&inlined(3, 3, 1, ret).1, &code).unwrap_err();
    assert!(e.starts_with("pc 2:"), "{e}");
    // one that goes on elsewhere than after its send
    let e = verify_opt(&inlined(2, 2, 1, ret).1, &code).unwrap_err();
    assert!(e.starts_with("pc 2:"), "{e}");
    // one with another argument count
    assert!(verify_opt(&inlined(2, 3, 0, ret).1, &code).is_err());
    // returns: with no receiver slot, to the wrong place, or too far up
    for bad in [
        InlineReturn {
            off: 0,
            top: true,
            d: -4,
        },
        InlineReturn {
            off: 2,
            top: true,
            d: -5,
        },
        InlineReturn {
            off: 2,
            top: true,
            d: 10,
        },
        InlineReturn {
            off: 9,
            top: true,
            d: -4,
        },
        InlineReturn {
            off: 3,
            top: true,
            d: -4,
        },
    ] {
        let e = verify_opt(&inlined(2, 3, 1, bad).1, &code).unwrap_err();
        assert!(e.starts_with("pc "), "{bad:?}: {e}");
    }
    // scopes exist only in optimized code
    let o = opt(&code, code.ops.clone(), vec![site(1)], vec![]);
    o.ops[2].set(InlineEnter {
        scope: 0,
        argc: 1,
        int_body: 0,
    });
    assert!(verify_opt(&o, &code).is_err());
}

/// `InlineEnter`'s SmallInteger shortcut (`int_body`) must jump to its
/// first scope's body, and only for a method scope of SmallInteger (its
/// `tag_guard`) with nothing to push.
#[test]
fn an_inlined_callee_entered_on_its_tag() {
    let ret = InlineReturn {
        off: 2,
        top: true,
        d: -4,
    };
    let with = |tag_guard: bool, block: bool, int_body: i16, argc: u8| {
        let (code, mut o) = inlined(2, 3, 1, ret);
        o.scopes[0].tag_guard = tag_guard;
        o.scopes[0].block = block;
        o.ops[2].set(InlineEnter {
            scope: 0,
            argc,
            int_body,
        });
        verify_opt(&o, &code)
    };
    // pc 2's next is 3, the body starts at 5
    assert!(with(true, false, 2, 1).is_ok());
    for (tag_guard, block, int_body, argc) in [
        (true, false, 1, 1),
        (true, false, 3, 1),
        (true, false, -3, 1),
        (false, false, 2, 1),
        (true, true, 2, 1),
        (true, false, 2, 0),
        (true, false, 0, 2),
    ] {
        let e = with(tag_guard, block, int_body, argc).unwrap_err();
        assert!(
            e.starts_with("pc 2:"),
            "{tag_guard} {block} {int_body} {argc}: {e}"
        );
    }
}

// ---------------------------------------------------------------------
// 3. The image's code, canonical and optimized

fn each_unit(code: &Rc<Code>, out: &mut Vec<Rc<Code>>) {
    out.push(code.clone());
    for b in &code.blocks {
        each_unit(b, out);
    }
}

/// Every code unit of every method of every class, with their blocks.
fn all_units(vm: &Vm) -> Vec<Rc<Code>> {
    let mut out = Vec::new();
    for class in &vm.classes {
        for m in class.methods.values() {
            if let Some(code) = vm.method_code(*m) {
                each_unit(&code, &mut out);
            }
        }
    }
    out
}

/// The highest height that a path reaches (entry included).
fn highest(s: &Shape) -> u16 {
    s.heights
        .iter()
        .copied()
        .filter(|&h| h != DEAD)
        .max()
        .unwrap_or(0)
}

fn check_canonical(code: &Code) {
    let name = code.print_name();
    let s = &code.shape;
    assert_eq!(s.heights.len(), code.ops.len(), "{name}: no shape");
    assert_eq!(s.at(0), Some(code.num_temps as usize), "{name}");
    assert_eq!(s.max, highest(s), "{name}");
    let again = verify_code(code).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(again.heights, s.heights, "{name}");
    assert_eq!(again.max, s.max, "{name}");
    // and the independent reading agrees
    let r = reference(
        &code.ops,
        code.num_temps as usize,
        code.literals.len(),
        code.blocks.len(),
    )
    .unwrap_or_else(|e| panic!("{name}: the reference rejects it at pc {e}"));
    assert_eq!(r, s.heights.to_vec(), "{name}");
}

#[test]
fn every_unit_of_the_image_verifies() {
    let vm = Vm::new().expect("kernel");
    let units = all_units(&vm);
    assert!(units.len() > 500, "only {} units", units.len());
    assert!(units.iter().any(|c| c.is_block));
    for code in &units {
        check_canonical(code);
    }
}

/// Checks optimized code made from `code`: its shape, the same heights as
/// the canonical code's in the canonical pc space, and in each inlined
/// body the callee's heights above its temp 0 (`off`). Answers how many
/// inlined scopes it has.
fn check_opt(code: &Code, o: &OptCode) -> usize {
    let name = code.print_name();
    let s = &o.shape;
    assert_eq!(s.heights.len(), o.ops.len(), "{name}: optimized, no shape");
    assert_eq!(s.at(0), Some(code.num_temps as usize), "{name}");
    assert_eq!(s.max, highest(s), "{name}");
    assert!(o.ops.len() >= code.ops.len());
    for (pc, &h) in code.shape.heights.iter().enumerate() {
        if h != DEAD {
            assert_eq!(s.heights[pc], h, "{name}: optimized, pc {pc}");
        }
    }
    // the tier's in-place rewrites since (sites' states, quickened
    // leaves) keep every height: verifying the code as it is now gives
    // the same shape
    let again = verify_opt(o, code).unwrap_or_else(|e| panic!("{name}: optimized: {e}"));
    assert_eq!(again.heights, s.heights, "{name}");
    assert_eq!(again.max, s.max, "{name}");
    for sc in &o.scopes {
        let callee = &sc.code;
        assert!(sc.start < sc.end && sc.end <= o.ops.len());
        // (a fused instruction's fallback in a body is the callee's own
        // frame, not modelled here: pcs only it reaches are `DEAD`)
        for pc in sc.start..sc.end {
            if let Some(h) = s.at(pc) {
                let hc = callee.shape.at(pc - sc.start);
                assert_eq!(
                    Some(h),
                    hc.map(|hc| sc.off as usize + hc),
                    "{name}: inlined {} at pc {pc}",
                    callee.print_name()
                );
            }
        }
    }
    o.scopes.len()
}

fn method(vm: &mut Vm, class: &str, sel: &str) -> Rc<Code> {
    let c = vm.class_named(class).expect("class");
    let s = vm.intern(sel);
    let m = *vm.classes[c as usize].methods.get(&s).expect("method");
    vm.method_code(m).expect("code")
}

fn optimized(code: &Code) -> Rc<OptCode> {
    let o = code.tier.borrow().opt.clone();
    o.unwrap_or_else(|| panic!("{} was not optimized", code.print_name()))
}

/// Optimized code of every unit, checked; answers (units, scopes).
fn check_all_optimized(vm: &Vm) -> (usize, usize) {
    let (mut n, mut scopes) = (0, 0);
    for code in all_units(vm) {
        check_canonical(&code);
        let o = code.tier.borrow().opt.clone();
        if let Some(o) = o {
            n += 1;
            scopes += check_opt(&code, &o);
        }
    }
    (n, scopes)
}

#[test]
fn optimized_benchmarks_verify() {
    let mut vm = Vm::new().expect("kernel");
    vm.tier = TierMode::Eager;
    assert_eq!(vm.eval_print("3 benchmark").expect("sieve"), "1028");
    assert_eq!(vm.eval_print("20 benchFib").expect("fib"), "21891");
    for sel in ["benchmark", "benchFib"] {
        let code = method(&mut vm, "Integer", sel);
        let o = optimized(&code);
        check_opt(&code, &o);
        // the optimized code is not just the canonical code
        assert!(o.ops.iter().any(|op| op.get().is_optimized()), "{sel}");
    }
    let (n, _) = check_all_optimized(&vm);
    assert!(n >= 2);
}

#[test]
fn optimized_code_with_inlined_callees_verifies() {
    // callees that send, inlined into their callers (monomorphic,
    // polymorphic and recursive), the polymorphic send's scopes linked
    let mut src = String::new();
    for (i, c) in ["A", "B", "C"].iter().enumerate() {
        src.push_str(&format!(
            "Object subclass: #{c}
	instanceVariableNames: 'v'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Test'!
!{c} methodsFor: 'x'!
work: x
	| t |
	t := (self twice: x) + {i}.
	v := t.
	^ t
!
twice: x
	^ x * 2
!
fib: n
	n < 2 ifTrue: [^ n].
	^ (self fib: n - 1) + (self fib: n - 2)
! !
"
        ));
    }
    src.push_str(
        "!Object methodsFor: 'x'!
drive: n
	| all s |
	all := {A new. B new. C new}.
	s := 0.
	1 to: n do: [:i | s := s + ((all at: i \\\\ 3 + 1) work: i)].
	^ s
! !
",
    );
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = Vm::new().expect("kernel");
        vm.tier = tier;
        vm.file_in("inline.st", &src).expect("file in");
        vm.eval_print("nil drive: 300").expect("drive");
        assert_eq!(vm.eval_print("A new fib: 15").expect("fib"), "610");
        let drive = method(&mut vm, "Object", "drive:");
        let fib = method(&mut vm, "A", "fib:");
        let scopes = check_opt(&drive, &optimized(&drive)) + check_opt(&fib, &optimized(&fib));
        assert!(scopes > 0, "{tier:?}: nothing inlined");
        let (_, all) = check_all_optimized(&vm);
        assert!(all >= scopes);
    }
}

// ---------------------------------------------------------------------
// 4. Random instruction sequences against an independent reading

/// My reading of the instructions' stack effects (from the doc comments
/// in `bytecode.rs`), as a plain breadth-first walk: the heights per pc
/// (`DEAD` where no path goes), or the pc of the first problem met.
/// Canonical code only: sites and scopes do not exist there, and a fused
/// instruction has only its fused effect (temps it names are read before
/// it pushes anything).
fn reference(ops: &[Op], temps: usize, literals: usize, blocks: usize) -> Result<Vec<u16>, usize> {
    const LIMIT: usize = DEAD as usize; // heights are below this
    let n = ops.len();
    if n == 0 || temps >= LIMIT {
        return Err(0);
    }
    let mut hs: Vec<Option<usize>> = vec![None; n];
    hs[0] = Some(temps);
    let mut queue = std::collections::VecDeque::from([0usize]);
    while let Some(pc) = queue.pop_front() {
        let h = hs[pc].unwrap();
        let p = pc as i64;
        // (fails the instruction at pc)
        let ok = |c: bool| if c { Ok(()) } else { Err(pc) };
        let temp = |i: u16| ok((i as usize) < h);
        let pops = |k: usize| ok(h >= k);
        let lit = |i: u16| ok((i as usize) < literals);
        // optimized instructions belong in optimized code only
        ok(!ops[pc].is_optimized())?;
        // (successor pc, height)
        let succ: Vec<(i64, usize)> = match ops[pc] {
            PushSelf | PushNil | PushTrue | PushFalse | PushInt(_) | PushThisContext
            | PushInstVar(_) => vec![(p + 1, h + 1)],
            PushLit(i) | PushGlobal(i) => {
                lit(i)?;
                vec![(p + 1, h + 1)]
            }
            StoreGlobal(i) => {
                lit(i)?;
                pops(1)?;
                vec![(p + 1, h)]
            }
            PushTemp(i) => {
                temp(i)?;
                vec![(p + 1, h + 1)]
            }
            StoreTemp(i) => {
                pops(1)?;
                temp(i)?;
                vec![(p + 1, h)]
            }
            PopTemp(i) => {
                // popped first, then stored below the new top
                pops(1)?;
                ok((i as usize) < h - 1)?;
                vec![(p + 1, h - 1)]
            }
            PushRemote { vec, .. } => {
                temp(vec)?;
                vec![(p + 1, h + 1)]
            }
            StoreRemote { vec, .. } => {
                pops(1)?;
                temp(vec)?;
                vec![(p + 1, h)]
            }
            StoreInstVar(_) | Class => {
                pops(1)?;
                vec![(p + 1, h)]
            }
            Pop => {
                pops(1)?;
                vec![(p + 1, h - 1)]
            }
            Dup => {
                pops(1)?;
                vec![(p + 1, h + 1)]
            }
            MakeArray { size, .. } => {
                pops(size as usize)?;
                vec![(p + 1, h - size as usize + 1)]
            }
            Send { sel, argc } | SuperSend { sel, argc } => {
                lit(sel)?;
                pops(argc as usize + 1)?;
                vec![(p + 1, h - argc as usize)]
            }
            Arith(_) | IdentityEq | At => {
                pops(2)?;
                vec![(p + 1, h - 1)]
            }
            AtPut => {
                pops(3)?;
                vec![(p + 1, h - 2)]
            }
            Jump(d) => vec![(p + 1 + d as i64, h)],
            JumpIfTrue(d) | JumpIfFalse(d) | JumpIfNil(d) | JumpIfNotNil(d) => {
                pops(1)?;
                vec![(p + 1, h - 1), (p + 1 + d as i64, h - 1)]
            }
            ReturnTop | NonLocalReturn => {
                pops(1)?;
                vec![]
            }
            ReturnSelf => vec![],
            MakeClosure { block, copied } => {
                ok((block as usize) < blocks)?;
                pops(copied as usize)?;
                vec![(p + 1, h - copied as usize + 1)]
            }
            // fused: `PushTemp a; PushTemp b; Arith` and the like
            ArithTT { a, b, .. } => {
                temp(a)?;
                temp(b)?;
                vec![(p + 3, h + 1)]
            }
            ArithTI { a, .. } => {
                temp(a)?;
                vec![(p + 3, h + 1)]
            }
            ArithSI { .. } => vec![(p + 3, h + 1)],
            // compare and branch: `d` after the four instructions
            BranchTT { a, b, d, .. } | BranchAtTT { a, b, d } => {
                temp(a)?;
                temp(b)?;
                vec![(p + 4, h), (p + 4 + d as i64, h)]
            }
            BranchTI { a, d, .. } => {
                temp(a)?;
                vec![(p + 4, h), (p + 4 + d as i64, h)]
            }
            BranchSI { d, .. } => vec![(p + 4, h), (p + 4 + d as i64, h)],
            IncTemp { a, .. } => {
                temp(a)?;
                vec![(p + 4, h)]
            }
            SetTT { c, a, b, .. } => {
                temp(a)?;
                temp(b)?;
                temp(c)?;
                vec![(p + 4, h)]
            }
            SetTI { c, a, .. } => {
                temp(a)?;
                temp(c)?;
                vec![(p + 4, h)]
            }
            PushTT { a, b } => {
                temp(a)?;
                temp(b)?;
                vec![(p + 2, h + 2)]
            }
            AtPutPop => {
                pops(3)?;
                vec![(p + 2, h - 3)]
            }
            AtPutTTK { a, b, .. } => {
                temp(a)?;
                temp(b)?;
                vec![(p + 5, h)]
            }
            // the jump, then the test at its target: its body (4 on), its
            // exit (the `JumpIfFalse`, 3 on, with `false` pushed), or
            // just the target
            JumpBranchTT { a, b, d, .. } => {
                temp(a)?;
                temp(b)?;
                let t = p + 1 + d as i64;
                vec![(t, h), (t + 3, h + 1), (t + 4, h)]
            }
            JumpBranchTI { a, d, .. } => {
                temp(a)?;
                let t = p + 1 + d as i64;
                vec![(t, h), (t + 3, h + 1), (t + 4, h)]
            }
            GetterS { .. } | ConstS { .. } => vec![(p + 2, h + 1)],
            ConstG { lit: i, .. } => {
                lit(i)?;
                vec![(p + 2, h + 1)]
            }
            GetterT { t, .. } | ConstT { t, .. } | ConstNilT { t, .. } => {
                temp(t as u16)?;
                vec![(p + 2, h + 1)]
            }
            SendAdaptive { .. }
            | SendCached { .. }
            | SendLeaves { .. }
            | SendMega { .. }
            | InlinePrefix { .. }
            | InlineLeaf { .. }
            | SetterLeaf { .. }
            | GetterLeaf { .. }
            | ConstLeaf { .. } => return Err(pc),
            InlineEnter { .. } | Loop { .. } | PushScopeLit { .. } => return Err(pc),
            // the callee's value (top or its receiver, temp off - 1) is
            // left at temp off - 1, the caller's operand
            InlineReturn { off, top, d } => {
                ok(off > 0)?;
                pops(off as usize + top as usize)?;
                vec![(p + 1 + d as i64, off as usize)]
            }
            // an inlined block's self and instance variables, through the
            // closure in temp t
            PushOuterSelf(t) | PushOuterVar { t, .. } => {
                temp(t)?;
                vec![(p + 1, h + 1)]
            }
            StoreOuterVar { t, .. } => {
                pops(1)?;
                temp(t)?;
                vec![(p + 1, h)]
            }
        };
        for (t, nh) in succ {
            ok(t >= 0 && (t as usize) < n && nh < LIMIT)?;
            let t = t as usize;
            match hs[t] {
                None => {
                    hs[t] = Some(nh);
                    queue.push_back(t);
                }
                Some(old) => ok(old == nh)?,
            }
        }
    }
    Ok(hs.iter().map(|h| h.map_or(DEAD, |h| h as u16)).collect())
}

fn arith(r: &mut Rng) -> Arith {
    Arith::ALL[r.index(Arith::ALL.len())]
}

/// A small index, now and then an extreme one.
fn small(r: &mut Rng, n: u64) -> u16 {
    match r.below(40) {
        0 => u16::MAX,
        1 => u16::MAX - 1,
        2 => 255,
        _ => r.below(n) as u16,
    }
}

/// A short jump, now and then an extreme one.
fn offset(r: &mut Rng) -> i32 {
    match r.below(50) {
        0 => i32::MIN,
        1 => i32::MAX,
        2 => i16::MIN as i32,
        3 => i16::MAX as i32,
        _ => r.below(21) as i32 - 10,
    }
}

fn offset16(r: &mut Rng) -> i16 {
    match r.below(50) {
        0 => i16::MIN,
        1 => i16::MAX,
        _ => r.below(21) as i16 - 10,
    }
}

/// Any instruction, with small random operands.
fn random_op(r: &mut Rng) -> Op {
    let t = |r: &mut Rng| small(r, 6);
    match r.below(61) {
        0 => PushSelf,
        1 => PushNil,
        2 => PushTrue,
        3 => PushFalse,
        4 => PushInt(r.below(7) as i32 - 3),
        5 => PushLit(small(r, 4)),
        6 => PushGlobal(small(r, 4)),
        7 => StoreGlobal(small(r, 4)),
        8..=10 => PushTemp(t(r)),
        11 => StoreTemp(t(r)),
        12 | 13 => PopTemp(t(r)),
        14 => PushRemote {
            idx: t(r),
            vec: t(r),
        },
        15 => StoreRemote {
            idx: t(r),
            vec: t(r),
        },
        16 => PushInstVar(t(r)),
        17 => StoreInstVar(t(r)),
        18 => PushThisContext,
        19 | 20 => Pop,
        21 => Dup,
        22 => MakeArray {
            size: small(r, 4),
            nils: small(r, 3),
        },
        23 => Send {
            sel: small(r, 4),
            argc: r.below(4) as u8,
        },
        24 => SuperSend {
            sel: small(r, 4),
            argc: r.below(4) as u8,
        },
        25 | 26 => Arith(arith(r)),
        27 => IdentityEq,
        28 => Class,
        29 => At,
        30 => AtPut,
        31 | 32 => Jump(offset(r)),
        33 => JumpIfTrue(offset(r)),
        34 | 35 => JumpIfFalse(offset(r)),
        36 => JumpIfNil(offset(r)),
        37 => JumpIfNotNil(offset(r)),
        38 | 39 => ReturnTop,
        40 => ReturnSelf,
        41 => NonLocalReturn,
        42 => MakeClosure {
            block: small(r, 3),
            copied: r.below(4) as u8,
        },
        43 => ArithTT {
            a: t(r),
            b: t(r),
            op: arith(r),
        },
        44 => ArithTI {
            a: t(r),
            imm: r.below(9) as i16,
            op: arith(r),
        },
        45 => BranchTT {
            a: t(r),
            b: t(r),
            op: arith(r),
            d: offset16(r),
        },
        46 => BranchTI {
            a: t(r),
            imm: 3,
            op: arith(r),
            d: offset16(r),
        },
        47 => match r.below(2) {
            0 => ArithSI {
                imm: 1,
                op: arith(r),
            },
            _ => BranchSI {
                imm: 2,
                op: arith(r),
                d: offset16(r),
            },
        },
        48 => IncTemp { a: t(r), imm: 1 },
        49 => SetTT {
            c: t(r),
            a: t(r),
            b: t(r),
            op: arith(r),
        },
        50 => SetTI {
            c: t(r),
            a: t(r),
            imm: 2,
            op: arith(r),
        },
        51 => PushTT { a: t(r), b: t(r) },
        52 => match r.below(2) {
            0 => AtPutPop,
            _ => AtPutTTK {
                a: t(r),
                b: t(r),
                kind: [
                    ConstKind::Nil,
                    ConstKind::True,
                    ConstKind::False,
                    ConstKind::Int,
                ][r.index(4)],
                imm: 5,
            },
        },
        53 => BranchAtTT {
            a: t(r),
            b: t(r),
            d: offset16(r),
        },
        54 => match r.below(2) {
            0 => JumpBranchTT {
                a: t(r),
                b: t(r),
                op: arith(r),
                d: offset16(r),
            },
            _ => JumpBranchTI {
                a: t(r),
                imm: 4,
                op: arith(r),
                d: offset16(r),
            },
        },
        55 => match r.below(9) {
            7 => GetterLeaf {
                site: small(r, 3),
                slot: r.below(3) as u8,
                class: 7,
            },
            8 => ConstLeaf {
                site: small(r, 3),
                k: r.below(6) as u8,
                class: 7,
            },
            0 => SendAdaptive { site: small(r, 3) },
            1 => SendCached { site: small(r, 3) },
            2 => SendMega { site: small(r, 3) },
            3 => InlinePrefix { site: small(r, 3) },
            4 => SetterLeaf {
                site: small(r, 3),
                slot: r.below(3) as u8,
                class: 7,
            },
            5 => SendLeaves { site: small(r, 3) },
            _ => InlineLeaf { site: small(r, 3) },
        },
        56 => GetterS {
            slot: r.below(3) as u8,
            class: 7,
        },
        57 => GetterT {
            t: t(r) as u8,
            slot: 1,
            class: 7,
        },
        58 => match r.below(4) {
            3 => ConstNilT {
                t: t(r) as u8,
                nil: r.below(3) as u8,
                k: r.below(6) as u8,
                class: 7,
            },
            2 => ConstG {
                lit: small(r, 5),
                k: r.below(6) as u8,
                class: 7,
            },
            0 => ConstS {
                kind: [
                    ConstKind::Nil,
                    ConstKind::True,
                    ConstKind::False,
                    ConstKind::Int,
                ][r.index(4)],
                imm: 1,
                class: 7,
            },
            _ => ConstT {
                t: t(r) as u8,
                imm: 1,
                class: 7,
            },
        },
        59 => InlineEnter {
            scope: small(r, 2),
            argc: small(r, 2) as u8,
            int_body: offset16(r),
        },
        _ => InlineReturn {
            off: small(r, 5),
            top: r.below(2) == 0,
            d: offset16(r),
        },
    }
}

/// Structured code that verifies: statements that leave the height as
/// they found it, expressions that push one value, conditionals that
/// merge, loops, and a return at the end.
struct Gen<'a> {
    r: &'a mut Rng,
    ops: Vec<Op>,
    temps: u16,
    literals: u16,
    blocks: u16,
    budget: usize,
}

impl Gen<'_> {
    fn temp(&mut self) -> u16 {
        self.r.below(self.temps as u64) as u16
    }

    /// A SmallInteger constant, now and then too big for a fused form.
    fn int(&mut self) -> i32 {
        match self.r.below(10) {
            0 => 1 << 20,
            1 => 1,
            _ => self.r.below(20) as i32 - 5,
        }
    }

    /// Mostly comparisons (which fuse with a `JumpIfFalse`).
    fn op(&mut self) -> Arith {
        const OPS: [Arith; 6] = [
            Arith::Lt,
            Arith::Le,
            Arith::Eq,
            Arith::Gt,
            Arith::Add,
            Arith::Sub,
        ];
        OPS[self.r.index(OPS.len())]
    }

    /// The expressions the tier fuses: `a op b`, `a op k`, `self op k`,
    /// `a at: b`.
    fn pattern(&mut self) {
        match self.r.below(4) {
            0 if self.temps > 0 => {
                let (a, b, op) = (self.temp(), self.temp(), self.op());
                self.ops.extend([PushTemp(a), PushTemp(b), Arith(op)]);
            }
            1 if self.temps > 0 => {
                let (a, k, op) = (self.temp(), self.int(), self.op());
                self.ops.extend([PushTemp(a), PushInt(k), Arith(op)]);
            }
            2 if self.temps > 0 => {
                let (a, b) = (self.temp(), self.temp());
                self.ops.extend([PushTemp(a), PushTemp(b), At]);
            }
            _ => {
                let (k, op) = (self.int(), self.op());
                self.ops.extend([PushSelf, PushInt(k), Arith(op)]);
            }
        }
    }

    fn expr(&mut self, depth: u32) {
        self.budget = self.budget.saturating_sub(1);
        if self.r.below(4) == 0 {
            return self.pattern();
        }
        let leaf = depth == 0 || self.budget == 0;
        match if leaf {
            self.r.below(4)
        } else {
            self.r.below(11)
        } {
            0 => self.ops.push(PushInt(self.r.below(100) as i32)),
            1 if self.temps > 0 => self
                .ops
                .push(PushTemp(self.r.below(self.temps as u64) as u16)),
            2 if self.literals > 0 => self
                .ops
                .push(PushLit(self.r.below(self.literals as u64) as u16)),
            1..=3 => self
                .ops
                .push([PushSelf, PushNil, PushTrue, PushThisContext][self.r.index(4)]),
            4 | 5 => {
                self.expr(depth - 1);
                self.expr(depth - 1);
                self.ops.push(Arith(arith(self.r)));
            }
            6 if self.literals > 0 => {
                let argc = self.r.below(3) as u8;
                for _ in 0..=argc {
                    self.expr(depth - 1);
                }
                let sel = self.r.below(self.literals as u64) as u16;
                self.ops.push(Send { sel, argc });
            }
            7 => {
                let size = self.r.below(3) as u16;
                for _ in 0..size {
                    self.expr(depth - 1);
                }
                self.ops.push(MakeArray { size, nils: 0 });
            }
            8 if self.blocks > 0 => {
                let copied = self.r.below(3) as u8;
                for _ in 0..copied {
                    self.expr(depth - 1);
                }
                let block = self.r.below(self.blocks as u64) as u16;
                self.ops.push(MakeClosure { block, copied });
            }
            9 => {
                // c ifTrue: [a] ifFalse: [b]
                self.expr(depth - 1);
                let j = self.ops.len();
                self.ops.push(JumpIfFalse(0));
                self.expr(depth - 1);
                let k = self.ops.len();
                self.ops.push(Jump(0));
                self.expr(depth - 1);
                self.ops[j] = JumpIfFalse((k - j) as i32);
                self.ops[k] = Jump((self.ops.len() - k - 1) as i32);
            }
            _ => {
                self.expr(depth - 1);
                self.ops.push(Dup);
                self.ops.push(Pop);
            }
        }
    }

    fn stmt(&mut self, depth: u32) {
        self.budget = self.budget.saturating_sub(1);
        let pick = match self.r.below(9) {
            2..=4 if depth == 0 => 0,
            k => k,
        };
        match pick {
            5 if self.temps > 0 => {
                // c := a op k (or b); a := a + 1
                let (a, c, op) = (self.temp(), self.temp(), self.op());
                let c = if self.r.below(2) == 0 { a } else { c };
                self.ops.push(PushTemp(a));
                match self.r.below(3) {
                    0 => self.ops.push(PushTemp(c)),
                    _ => {
                        let k = self.int();
                        self.ops.push(PushInt(k));
                    }
                }
                self.ops.extend([Arith(op), PopTemp(c)]);
            }
            6 if self.temps > 0 => {
                // a at: b put: k
                let (a, b) = (self.temp(), self.temp());
                let k =
                    [PushNil, PushTrue, PushFalse, PushInt(3), PushInt(1 << 20)][self.r.index(5)];
                self.ops.extend([PushTemp(a), PushTemp(b), k, AtPut, Pop]);
            }
            5..=7 => {
                // x at: y put: z
                for _ in 0..3 {
                    self.expr(depth);
                }
                self.ops.extend([AtPut, Pop]);
            }
            8 if self.literals > 0 => {
                // self foo: x (a send as a statement)
                self.ops.push(PushSelf);
                self.expr(depth);
                let sel = self.r.below(self.literals as u64) as u16;
                self.ops.extend([Send { sel, argc: 1 }, Pop]);
            }
            0 => {
                self.expr(depth);
                self.ops.push(Pop);
            }
            1 if self.temps > 0 => {
                self.expr(depth);
                let t = self.r.below(self.temps as u64) as u16;
                if self.r.below(2) == 0 {
                    self.ops.push(PopTemp(t));
                } else {
                    self.ops.push(StoreTemp(t));
                    self.ops.push(Pop);
                }
            }
            1 => {
                self.expr(depth);
                self.ops.push(Pop);
            }
            2 => {
                // c ifTrue: [s] (or ifFalse:)
                self.expr(depth - 1);
                let j = self.ops.len();
                self.ops.push(JumpIfTrue(0));
                self.stmt(depth - 1);
                let d = (self.ops.len() - j - 1) as i32;
                self.ops[j] = if self.r.below(2) == 0 {
                    JumpIfTrue(d)
                } else {
                    JumpIfFalse(d)
                };
            }
            3 => {
                // [c] whileTrue: [s]
                let top = self.ops.len();
                self.expr(depth - 1);
                let j = self.ops.len();
                self.ops.push(JumpIfFalse(0));
                self.stmt(depth - 1);
                let back = self.ops.len();
                self.ops.push(Jump(top as i32 - back as i32 - 1));
                self.ops[j] = JumpIfFalse((self.ops.len() - j - 1) as i32);
            }
            4 => {
                // c ifTrue: [^ e]
                self.expr(depth - 1);
                let j = self.ops.len();
                self.ops.push(JumpIfFalse(0));
                self.expr(depth - 1);
                self.ops.push(ReturnTop);
                self.ops[j] = JumpIfFalse((self.ops.len() - j - 1) as i32);
            }
            _ => {
                self.expr(depth);
                self.ops.push(Pop);
            }
        }
    }

    fn method(&mut self) {
        while self.budget > 0 && self.ops.len() < 30 {
            self.stmt(2);
        }
        if self.r.below(2) == 0 {
            self.ops.push(ReturnSelf);
        } else {
            self.expr(1);
            self.ops.push(ReturnTop);
        }
    }
}

/// Checks one sequence: `verify_ops` does not panic, agrees with the
/// reference on whether it verifies and on every height, and an
/// accepted shape is consistent on its own terms (every reachable pc's
/// successors, by a plain reading of the common instructions, have the
/// heights it says; none is above `max`).
fn check_random(ops: &[Op], temps: usize, literals: usize, blocks: usize) -> bool {
    let got = std::panic::catch_unwind(|| verify_ops(ops, temps, literals, blocks))
        .unwrap_or_else(|_| panic!("verify_ops panicked on {ops:?} (temps {temps}, literals {literals}, blocks {blocks})"));
    let want = reference(ops, temps, literals, blocks);
    let ctx = || format!("{ops:?} (temps {temps}, literals {literals}, blocks {blocks})");
    match (&got, &want) {
        (Ok(s), Ok(hs)) => {
            assert_eq!(s.heights.to_vec(), *hs, "{}", ctx());
            assert_eq!(s.heights.len(), ops.len());
            assert_eq!(s.at(0), Some(temps), "{}", ctx());
            for (pc, &h) in s.heights.iter().enumerate() {
                if h == DEAD {
                    continue;
                }
                assert!(h <= s.max, "{}: pc {pc} above max", ctx());
                let h = h as usize;
                let at = |t: i64| -> Option<usize> { s.at(usize::try_from(t).ok()?) };
                let p = pc as i64;
                // (the simplest reading: what each does to the height)
                let expect: &[(i64, usize)] = &match ops[pc] {
                    PushTemp(i) => {
                        assert!((i as usize) < h, "{}", ctx());
                        vec![(p + 1, h + 1)]
                    }
                    PushInt(_) => vec![(p + 1, h + 1)],
                    Pop => vec![(p + 1, h - 1)],
                    Arith(_) => vec![(p + 1, h - 1)],
                    Jump(d) => vec![(p + 1 + d as i64, h)],
                    JumpIfFalse(d) => vec![(p + 1, h - 1), (p + 1 + d as i64, h - 1)],
                    ReturnTop => {
                        assert!(h >= 1, "{}", ctx());
                        vec![]
                    }
                    _ => vec![],
                };
                for &(t, nh) in expect {
                    assert_eq!(at(t), Some(nh), "{}: pc {pc} to {t}", ctx());
                }
            }
            assert!(s.max as usize >= temps);
            true
        }
        (Err(e), Err(_)) => {
            // a rejection names a pc (the reference's first problem may
            // be another one: the walks go in different orders)
            assert!(
                e.starts_with("pc ")
                    || e.contains("too many temps")
                    || e.contains("too deep")
                    || e.contains("InlineEnter")
                    || e.contains("no instructions"),
                "{}: {e}",
                ctx()
            );
            false
        }
        (Ok(s), Err(pc)) => panic!(
            "{}: verified as {}, but the reference rejects pc {pc}",
            ctx(),
            show(s)
        ),
        (Err(e), Ok(hs)) => panic!(
            "{}: rejected ({e}), but the reference verifies it as {hs:?}",
            ctx()
        ),
    }
}

#[test]
fn random_sequences_agree_with_an_independent_reading() {
    let mut r = Rng(0x5eed_0f7e_571f_1e11);
    let (mut accepted, mut structured) = (0, 0);
    let mut fused = std::collections::BTreeSet::new();
    for i in 0..20_000u32 {
        let temps = match r.below(60) {
            0 => 65534,
            1 => 65535,
            2 => 100_000,
            _ => r.below(5) as usize,
        };
        let literals = r.below(4) as usize;
        let blocks = r.below(3) as usize;
        let ops = if i % 2 == 0 {
            // anything at all
            let len = 1 + r.index(39);
            (0..len).map(|_| random_op(&mut r)).collect::<Vec<_>>()
        } else {
            // code that verifies, then maybe broken in one place
            let temps16 = temps.min(8) as u16;
            let mut g = Gen {
                r: &mut r,
                ops: Vec::new(),
                temps: temps16,
                literals: literals as u16,
                blocks: blocks as u16,
                budget: 12,
            };
            g.method();
            let mut ops = g.ops;
            let mutate = r.below(3) == 0;
            if mutate {
                let k = r.index(ops.len());
                ops[k] = random_op(&mut r);
            } else if temps < 65534 {
                // unbroken: the verifier must accept it, and the tier's
                // specialization of it (checked as the image's is)
                let got = verify_ops(&ops, temps, literals, blocks);
                assert!(
                    got.is_ok(),
                    "{ops:?} (temps {temps}): {:?}",
                    got.unwrap_err()
                );
                structured += 1;
                let code = unit_with(ops.clone(), temps as u16, literals, blocks);
                let o = specialize(&code);
                check_opt(&code, &o);
                for op in o.ops.iter() {
                    let name = format!("{:?}", op.get());
                    let end = name.find([' ', '(', '{']).unwrap_or(name.len());
                    fused.insert(name[..end].to_string());
                }
            }
            ops
        };
        if check_random(&ops, temps, literals, blocks) {
            accepted += 1;
        }
    }
    // enough of both kinds for the checks to mean something
    assert!(accepted > 5_000, "only {accepted} accepted");
    assert!(structured > 5_000, "only {structured} structured");
    // every fused form the specializer makes from such code was met
    for f in [
        "ArithTT",
        "ArithTI",
        "ArithSI",
        "BranchTT",
        "BranchTI",
        "BranchSI",
        "BranchAtTT",
        "IncTemp",
        "SetTT",
        "SetTI",
        "PushTT",
        "AtPutPop",
        "AtPutTTK",
        "JumpBranchTT",
        "JumpBranchTI",
        "SendAdaptive",
    ] {
        assert!(fused.contains(f), "{f} never made: {fused:?}");
    }
}
