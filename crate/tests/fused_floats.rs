//! Floats through the tier's fused arithmetic (`ArithTT`/`TI`/`SI`,
//! `SetTT`/`TI`, `IncTemp`) and compare-and-branch instructions
//! (`BranchTT`/`TI`/`SI`): two Floats, or a Float beside a SmallInteger
//! that converts exactly, run fused (`arith_float`, `compare_float`, as the
//! canonical `Arith`), where they used to run the sequence's instructions
//! one by one. A product to box, an inexact SmallInteger or anything else
//! runs the canonical sequence. The answers and every slice boundary are
//! the interpreter's, in every tier mode, at fuel 1 and in random slices.

mod common;

use common::{filed_in, lockstep_with_off};
use livetalk::interp::TierMode;

/// One loop with every fused shape, over the receiver and `b`.
const LOOP: &str = "!Number methodsFor: 'fused floats'!
flLoop: b
	| a c s n |
	a := self. s := 0. n := 0. c := 0.
	[n < 6] whileTrue: [
		c := a * b.
		s := s + (a - b).
		a < b ifTrue: [s := s + 1].
		a < 3 ifTrue: [s := s - 1].
		c := c + (a - 2).
		s := s + (a * 2).
		a := a + 1.
		self < 2 ifTrue: [s := s + 0.5].
		s := s + (self - 1).
		n := n + 1].
	^ Array with: s with: c with: a
! !
";

/// Every pair of these: Floats (immediate, negative zero, one whose
/// products are boxed), SmallIntegers (one past 2^53: not exact as a
/// Float) and a LargeInteger.
const PAIRS: &str =
    "| xs out | xs := { 1.5. -0.25. -0.0. 1.0e38. 3. 9007199254740993. 2.5. 100 factorial }.
	out := OrderedCollection new.
	1 to: 3 do: [:round | xs do: [:x | xs do: [:y | out add: (x flLoop: y)]]].
	out printString";

#[test]
fn floats_through_fused_instructions_answer_as_the_interpreter() {
    let off = filed_in(TierMode::Off, LOOP)
        .eval_print(PAIRS)
        .expect("off");
    for tier in [TierMode::On, TierMode::Eager] {
        let mut vm = filed_in(tier, LOOP);
        assert_eq!(vm.eval_print(PAIRS).expect("tier"), off, "{tier:?}");
        let listing = vm.disassemble("Number>>flLoop:").expect("disassemble");
        // (b is t0, a is t1)
        for fused in [
            "SetTT t2 := t1 * t0",
            "ArithTT t1 - t0",
            "BranchUnless t1 < t0",
            "BranchUnless t1 < 3",
            "ArithTI t1 * 2",
            "SetTI t3 := t3 - 1",
            "IncTemp t1 by 1",
            "BranchUnless self < 2",
            "ArithSI self - 1",
        ] {
            assert!(listing.contains(fused), "{tier:?}: no {fused}\n{listing}");
        }
    }
    // the instructions one by one, at every boundary
    for tier in [TierMode::On, TierMode::Eager] {
        for fuel in [|_: usize| 1, |i: usize| 1 + (i as u64 * 7919) % 23] {
            lockstep_with_off(
                |t| filed_in(t, LOOP),
                tier,
                "| r | r := OrderedCollection new. 1 to: 2 do: [:k | r add: (1.5 flLoop: -0.25); add: (-0.0 flLoop: 3); add: (1.0e38 flLoop: 2.5); add: (9007199254740993 flLoop: 0.5)]. r",
                fuel,
                400_000,
                |_, _, _, _| {},
            );
        }
    }
}

/// Floats (and Floats beside exact SmallIntegers) never leave the fused
/// instructions: run eagerly optimized, no fused instruction falls back to
/// its sequence; a product that must be boxed does.
#[test]
fn floats_run_fused() {
    let mut vm = filed_in(TierMode::Eager, LOOP);
    vm.eval_print("1.5 flLoop: 0.5").expect("warm");
    let u0 = vm.unfused;
    let v = vm
        .eval_print("(1.5 flLoop: -0.25) , (2.5 flLoop: 3) , (7 flLoop: 0.5)")
        .expect("floats");
    assert_eq!(vm.unfused, u0, "fell back on Floats: {v}");
    vm.eval_print("1.0e38 flLoop: 1.0e38").expect("boxed");
    assert!(vm.unfused > u0, "a product to box ran fused");
}
