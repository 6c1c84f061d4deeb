//! Leaf primitives (`prims::leaf`: `size`, `hash`, `,`, `printString`,
//! `sqrt`, `asString`, ...) answer in the fast loop in place of their send
//! (`Vm::send_leaf`): no frame, no reload of the running one. What they
//! answer, where a slice ends, what a failure runs and when an accepted
//! method takes over are the general send's.

mod common;

use common::{filed_in, lockstep_with_off};
use livetalk::interp::{Outcome, TierMode};

/// A class whose methods are primitives with fallbacks of their own.
const BOX: &str = "Object subclass: #LeafBox
	instanceVariableNames: 'n'
	classVariableNames: ''
	poolDictionaries: ''
	category: 'Leaf'!
!LeafBox methodsFor: 'leaf'!
size
	<primitive: 62>
	^ #noSize
!
at: i
	<primitive: 60>
	^ #fallback
!
run: k
	| t |
	t := 0.
	1 to: k do: [:i | t := t + self size].
	^ t
! !
";

/// Sends of kernel leaf primitives: sizes, hashes, comparisons,
/// conversions, printing (SmallIntegers, LargeIntegers, Floats),
/// concatenation and copying, Symbols, square roots, and failures that run
/// the method's Smalltalk code.
const PROGRAM: &str = "| out s |
	out := OrderedCollection new.
	s := 'leaf'.
	1 to: 40 do: [:i |
		out add: s size; add: s hash; add: (s indexOf: $f); add: (s , i printString);
			add: (s copyFrom: 2 to: 3); add: s asSymbol; add: $x asString;
			add: (i * 1000000007 * i) printString; add: (i / 3.0) printString;
			add: i sqrt; add: (2 raisedTo: i + 60) hash; add: (s < 'leag');
			add: LeafBox new size; add: (LeafBox new at: i);
			add: ([#(1 2 3) basicAt: i] on: Error do: [:e | e class name])].
	out";

#[test]
fn leaf_primitives_answer_as_the_general_send() {
    let off = filed_in(TierMode::Off, BOX)
        .eval_print(PROGRAM)
        .expect("off");
    assert!(off.contains("#fallback") && off.contains("#SubscriptOutOfBounds"));
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = filed_in(tier, BOX);
        let before = vm.leaf_calls;
        assert_eq!(vm.eval_print(PROGRAM).expect("tier"), off, "{tier:?}");
        // 40 rounds of a dozen leaf sends, most of them in place
        assert!(vm.leaf_calls - before > 300, "{tier:?}: {}", vm.leaf_calls);
    }
    // every slice boundary as the interpreter's
    for tier in [TierMode::On, TierMode::Eager] {
        for fuel in [|_: usize| 1, |i: usize| 1 + (i as u64 * 7919) % 31] {
            lockstep_with_off(
                |t| filed_in(t, BOX),
                tier,
                PROGRAM,
                fuel,
                2_000_000,
                |_, _, _, _| {},
            );
        }
    }
}

/// R5: a method accepted while a loop sends it takes over at the next
/// send, whether the old or the new one is the primitive.
#[test]
fn an_accept_reaches_the_next_send_of_a_leaf() {
    for tier in [TierMode::Off, TierMode::On, TierMode::Eager] {
        let mut vm = filed_in(tier, BOX);
        vm.start("LeafBox new run: 200000", 40).expect("start");
        assert_eq!(vm.run(50_000), Outcome::Yielded);
        vm.accept("LeafBox", false, "size\n\t^ 5", None)
            .expect("accept");
        let value = loop {
            match vm.run(1_000_000) {
                Outcome::Yielded => continue,
                Outcome::Finished { value, .. } => break vm.print_string(value),
                other => panic!("{tier:?}: {other:?}"),
            }
        };
        let t: i64 = value.parse().expect("an integer");
        // every send after the accept answered 5, every one before 0
        assert!(t > 0 && t % 5 == 0 && t < 5 * 200_000, "{tier:?}: {t}");
        // and back to the primitive
        vm.accept(
            "LeafBox",
            false,
            "size\n\t<primitive: 62>\n\t^ #noSize",
            None,
        )
        .expect("accept");
        assert_eq!(vm.eval_print("LeafBox new run: 1000").unwrap(), "0");
    }
}

/// A leaf that allocates may collect (`prims::room_for`): the stack it
/// was called from is the collector's root as it is, operands included.
#[test]
fn a_collection_inside_a_leaf_keeps_its_operands() {
    for tier in [TierMode::Off, TierMode::On] {
        let mut vm = filed_in(tier, BOX);
        vm.heap.limit = 24 << 20;
        let c0 = vm.heap.collections;
        let v = vm
            .eval_print(
                "| ok a b s | ok := 0.
				1 to: 120 do: [:i |
					a := String new: 100000 withAll: $a.
					b := String new: 100000 withAll: $b.
					s := a , b.
					((s at: 1) = $a and: [(s at: 200000) = $b and: [s size = 200000]])
						ifTrue: [ok := ok + 1]].
				ok",
            )
            .expect("concat");
        assert_eq!(v, "120", "{tier:?}");
        assert!(vm.heap.collections - c0 >= 3, "{tier:?}: no collection");
    }
}
