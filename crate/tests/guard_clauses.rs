//! Guard clauses run in place (`Op::InlinePrefix`, `tier::Guard`): a send
//! the tier could not inline (here: deeper than `NEST_MAX`) to a callee
//! that begins with `a op b ifTrue: [^ value]` answers without a frame
//! when the clause answers, and is the inline-cached send otherwise.
//! Same answers, send counts and frames at every slice boundary as the
//! interpreter; a redefined callee takes effect at its next call.

mod common;

use common::{filed_in, lockstep_with_off};
use livetalk::interp::TierMode;
use livetalk::Vm;

/// Recursive methods (so their sends nest past `NEST_MAX`) whose guard
/// clauses take each shape `tier::guard_of` knows, and two it does not.
const GUARDS: &str = "!Number methodsFor: 'guards'!
fibG
	^ self < 2 ifTrue: [self] ifFalse: [(self - 1) fibG + (self - 2) fibG]
!
down: acc
	self <= 0 ifTrue: [^ acc].
	^ (self - 1) down: acc + 1
!
nonneg
	self >= 0 ifFalse: [^ #negative].
	^ (self - 1) nonneg
!
upTo: n
	n < self ifTrue: [^ self].
	^ (self + 1) upTo: n
!
zeroSelf
	0 = self ifTrue: [^ nil].
	^ (self - 1) zeroSelf
!
late
	| t |
	t := self.
	t < 1 ifTrue: [^ 0].
	^ (self - 1) late + 1
!
nilG
	self = nil ifTrue: [^ 0].
	self < 1 ifTrue: [^ 1].
	^ (self - 1) nilG
!
walk: n
	n = 0 ifTrue: [^ self leaf].
	^ self walk: n - 1
!
leaf
	self < 0 ifTrue: [^ #neg].
	^ [self + 1000] value
!
fromTop
	5 <= self ifTrue: [^ self].
	^ (self + 1) fromTop
!
belowTwo
	2 > self ifFalse: [^ self - 2].
	^ (self + 3) belowTwo
!
odd
	self \\\\ 2 = 1 ifTrue: [^ #odd].
	self < 1 ifTrue: [^ #even].
	^ (self - 2) odd
! !
";

fn vm(tier: TierMode) -> Vm {
    filed_in(tier, GUARDS)
}

/// Each expression's answer, and the sends it counted (`Time
/// primSendCount`), which an answered guard clause counts as its send.
fn answers(tier: TierMode, exprs: &[&str]) -> Vec<String> {
    let mut vm = vm(tier);
    exprs
        .iter()
        .map(|e| {
            let counted =
                format!("| s v | s := Time primSendCount. v := {e}. {{v. Time primSendCount - s}}");
            vm.eval_print(&counted)
                .unwrap_or_else(|err| format!("error {err:?}"))
        })
        .collect()
}

#[test]
fn guard_clauses_answer_as_the_interpreter_does() {
    let mut exprs: Vec<String> = vec![
        "20 fibG".into(),
        "(20 to: 24) collect: [:i | i fibG]".into(),
        // not SmallIntegers: the clause does not answer, the send happens
        "7.5 fibG".into(),
        "(SmallInteger maxVal + 1) nonneg".into(),
        "(1 to: 12) collect: [:i | (i / 2) fibG]".into(),
        // a polymorphic site: Integers and Floats in turn
        "(1 to: 30) inject: 0 into: [:a :i | a + (i odd ifTrue: [i] ifFalse: [i + 0.5]) fibG]"
            .into(),
        "1 zeroSelf".into(),
        "(1 to: 20) collect: [:i | i late]".into(),
        "(1 to: 25) collect: [:i | i odd]".into(),
    ];
    // the clause answers at every depth: at a send that is inlined, and
    // at one that is not
    for n in 0..20 {
        exprs.push(format!("{n} down: 0"));
        exprs.push(format!("{n} nonneg"));
        exprs.push(format!("0 upTo: {n}"));
        exprs.push(format!("{n} zeroSelf"));
        // the constant first: the orders turned around
        exprs.push(format!("{} fromTop", n - 8));
        exprs.push(format!("{} belowTwo", n - 10));
    }
    let exprs: Vec<&str> = exprs.iter().map(|s| s.as_str()).collect();
    let off = answers(TierMode::Off, &exprs);
    assert_eq!(off[0], "#(6765 21892)");
    assert_eq!(off[6], "#(nil 3)");
    for tier in [TierMode::On, TierMode::Eager] {
        assert_eq!(answers(tier, &exprs), off, "{tier:?}");
    }
}

#[test]
fn a_deep_send_to_a_guard_clause_becomes_inline_prefix() {
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        for _ in 0..3 {
            vm.eval_print(
                "20 fibG. 60 down: 0. 60 nonneg. 0 upTo: 60. 60 zeroSelf. 60 late. 60 nilG",
            )
            .expect("run");
        }
        let events: Vec<String> = vm
            .take_tier_events()
            .iter()
            .map(|e| e.to_string())
            .collect();
        for m in ["fibG", "down:", "nonneg", "upTo:", "zeroSelf"] {
            let listing = vm
                .disassemble(&format!("Number>>{m}"))
                .expect("disassemble");
            assert!(listing.contains("InlinePrefix"), "{m}\n{listing}");
            assert!(
                events.contains(&format!(
                    "inlined Number>>{m} v1 (guard clause) into Number>>{m}"
                )),
                "{m}: {events:#?}"
            );
        }
        // inlined scopes answer on their guard clause too, before
        // their body, and the listing says how
        for (m, guard) in [
            (
                "fibG",
                "self < 2 answers self (8 instructions), else on at 6",
            ),
            (
                "down:",
                "self <= 0 answers t0 (7 instructions), else on at 6",
            ),
            (
                "upTo:",
                "t0 < self answers self (7 instructions), else on at 6",
            ),
            (
                "zeroSelf",
                "0 = self answers nil (7 instructions), else on at 6",
            ),
        ] {
            if tier != TierMode::Eager {
                // (which code is current after the runs depends on when
                // it got hot)
                continue;
            }
            let listing = vm
                .disassemble(&format!("Number>>{m}"))
                .expect("disassemble");
            assert!(
                listing.contains(&format!("guard clause, on the tag shortcut: {guard}")),
                "{m}\n{listing}"
            );
        }
        // (`nonneg` answers a literal, so it is not inlined at all: its
        // sends run its guard clause in place at every depth)
        // a temp stored before the test is not a guard clause, nor a
        // comparison with nil (it never answers on SmallIntegers)
        for m in ["late", "nilG"] {
            let listing = vm
                .disassemble(&format!("Number>>{m}"))
                .expect("disassemble");
            assert!(!listing.contains("InlinePrefix"), "{listing}");
            assert!(!listing.contains("guard clause"), "{listing}");
        }
    }
}

/// When a guard clause's test fails at the send that tried it, the
/// callee starts past the test instead of running it again: an inlined
/// callee (at an `InlineEnter`) and a frame (at an `InlinePrefix`, deeper
/// than `NEST_MAX`) alike, with the same answers and sends as the
/// interpreter (`guard_clauses_answer_as_the_interpreter_does`, and the
/// lockstep runs below). The skips are counted in debug builds.
#[test]
fn a_failed_guard_clause_is_not_tested_again() {
    if !cfg!(debug_assertions) {
        return;
    }
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = vm(tier);
        for _ in 0..3 {
            vm.eval_print("20 fibG. 60 down: 0. 0 upTo: 60")
                .expect("run");
        }
        let [inlined, frames] = vm.guard_skips;
        assert!(inlined > 1000, "{tier:?}: inlined callees {inlined}");
        assert!(frames > 100, "{tier:?}: frames {frames}");
        assert_eq!(vm.unshaped, 0, "{tier:?}");
    }
    let mut off = vm(TierMode::Off);
    off.eval_print("20 fibG. 60 down: 0. 0 upTo: 60")
        .expect("run");
    assert_eq!(off.guard_skips, [0, 0]);
}

#[test]
fn guard_clauses_in_slices() {
    for expr in [
        "14 fibG",
        "40 down: 0",
        "0 upTo: 40",
        "(1 to: 9) collect: [:i | (i * 3) odd]",
    ] {
        lockstep_with_off(
            vm,
            TierMode::Eager,
            expr,
            // short slices (the general loop, one instruction at a
            // time, near their ends) and long ones (the fast loop)
            |i| match i % 2 {
                0 => 1 + (i as u64 * 23) % 97,
                _ => 50 + (i as u64 * 211) % 1500,
            },
            400_000,
            |_, _, _, _| {},
        );
    }
}

/// A guard clause redefined while its caller runs optimized code: the
/// next call runs the new clause (R5), inlined in place or not.
#[test]
fn a_redefined_guard_clause_takes_effect_at_its_next_call() {
    let expr = "| r | r := OrderedCollection new.
        1 to: 40 do: [:i |
            i = 20 ifTrue: [Number compile: 'down: acc
	self <= 3 ifTrue: [^ acc * 100].
	^ (self - 1) down: acc + 1'].
            r add: (i down: 0)].
        r asArray";
    let run = |tier| vm(tier).eval_print(expr).expect("run");
    let off = run(TierMode::Off);
    assert!(off.contains(" 1700 "), "{off}");
    for tier in [TierMode::On, TierMode::Eager] {
        assert_eq!(run(tier), off, "{tier:?}");
    }
}

/// The same for a guard clause the caller's optimized code does not
/// depend on (its method, with a block, is not inlined there; the clause
/// is only run in place): it answers only while the inline cache is
/// current, so the redefinition is seen.
#[test]
fn a_redefined_callee_of_a_deep_send_takes_effect_at_its_next_call() {
    let expr = "| r | r := OrderedCollection new.
        1 to: 40 do: [:i |
            i = 20 ifTrue: [Number compile: 'leaf
	self < 0 ifTrue: [^ #changed].
	^ [self] value'].
            r add: (-3 walk: 5); add: (3 walk: 5)].
        r asArray";
    let run = |tier| {
        let mut vm = vm(tier);
        let v = vm.eval_print(expr).expect("run");
        (v, vm.disassemble("Number>>walk:").expect("disassemble"))
    };
    let (off, _) = run(TierMode::Off);
    assert!(off.starts_with("#(#neg 1003 #neg"), "{off}");
    assert!(off.ends_with("#changed 3 #changed 3)"), "{off}");
    for tier in [TierMode::On, TierMode::Eager] {
        let (v, listing) = run(tier);
        assert_eq!(v, off, "{tier:?}");
        assert!(listing.contains("InlinePrefix"), "{listing}");
    }
}
